# SPDX-License-Identifier: MIT
"""Bad input on every protocol: a clear protocol error, never a crash or a
hang (RELIABILITY.md rows 7, 21, 28)."""
import os
import socket
import time

from conftest import ALICE, deliver, make_message


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s, s.makefile("rb")


def alive(roost):
    """Every service still answers and the master has not lost a child."""
    assert roost.proc.poll() is None
    c = roost.imap_login()
    c.noop()
    c.logout()
    p = roost.pop3_login()
    p.quit()
    with roost.lmtp() as l:
        assert l.noop()[0] == 250


def test_imap_huge_literals_prelogin(roost):
    for lit in (b"{4294967296}", b"{99999999999999999999}", b"{18446744073709551616+}",
                b"{100000000}"):
        s, f = connect(roost.imap_port)
        f.readline()
        s.sendall(b"a LOGIN " + lit + b"\r\n")
        line = f.readline()
        # refused at once: BAD/NO or a BYE, never a "+" continuation
        assert not line.startswith(b"+"), line
        assert line == b"" or b"BAD" in line or b"NO" in line or \
            line.startswith(b"* BYE"), line
        s.close()
    alive(roost)


def test_imap_deep_nesting_and_nul(roost):
    c = roost.imap_login()
    s = c.socket()
    try:
        s.sendall(b"a1 FETCH 1 " + b"(" * 100000 + b"\r\n")
        line = c.readline()
    except (ConnectionResetError, BrokenPipeError):
        line = b""
    assert line == b"" or b" BAD " in line or line.startswith(b"* BYE"), line
    alive(roost)
    s2, f = connect(roost.imap_port)
    f.readline()
    s2.sendall(b'a LOGIN "ali\x00ce" "x"\r\n')
    line = f.readline()
    assert b"BAD" in line or b"NO" in line or line == b"", line
    s2.close()


def test_imap_bad_sequence_sets(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    c = roost.imap_login()
    c.select("INBOX")
    import imaplib
    for seq in ("0", "4294967296", "1:99999999999", "abc", "1,,2", "*:"):
        try:
            typ, data = c._simple_command("FETCH", seq, "(FLAGS)")
        except imaplib.IMAP4.error as e:
            typ, data = "BAD", str(e)
        assert typ in ("BAD", "NO"), (seq, typ, data)
    # RFC 3501 §9: a sequence number past the mailbox size is BAD
    try:
        typ, data = c.fetch("1:100", "(UID)")
    except imaplib.IMAP4.error:
        typ = "BAD"
    assert typ == "BAD"
    typ, data = c.fetch("1:*", "(UID)")
    assert typ == "OK" and len(data) == 1
    c.logout()


def test_pop3_bad_numbers_and_long_line(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    p = roost.pop3_login()
    for cmd in ("RETR 4294967296", "RETR 0", "RETR -1", "RETR +1",
                "TOP 1 -1", "TOP 1 99999999999999999999999", "DELE 2",
                "LIST 1 2 3 4 5 6"):
        resp = p._shortcmd(cmd) if False else None
        p._putcmd(cmd)
        resp = p._getline()[0]
        assert resp.startswith(b"-ERR"), (cmd, resp)
    p._putcmd("NOOP " + "x" * 100000)
    resp = p._getline()[0]
    assert resp.startswith(b"-ERR"), resp
    # the session goes on, and TOP with more lines than the body works
    resp, lines, _ = p.top(1, 1000)
    assert resp.startswith(b"+OK") and lines[-1].startswith(b"line")
    resp, lines, _ = p.top(1, 0)
    assert lines[-1] == b"" and not any(l.startswith(b"line") for l in lines)
    p.quit()


def test_lmtp_bad_input(roost):
    s, f = connect(roost.lmtp_port)
    assert f.readline().startswith(b"220")
    s.sendall(b"LHLO x\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    s.sendall(b"MAIL FROM:<a@b> SIZE=99999999999999999\r\n")
    assert f.readline().startswith(b"552")
    s.sendall(b"MAIL FROM:<" + b"a" * 5000 + b"@b>\r\n")
    assert f.readline().startswith(b"500")          # line too long
    s.sendall(b"MAIL FROM:<a@b>\r\n")
    assert f.readline().startswith(b"250")
    for bad in (b"RCPT TO:<../../etc@example.org>", b"RCPT TO:<alice@example.org",
                b"RCPT TO:alice@example.org", b"RCPT TO:<a\x01b@x>"):
        s.sendall(bad + b"\r\n")
        line = f.readline()
        assert line[:1] in (b"4", b"5"), (bad, line)
    s.sendall(b"DATA\r\n")
    assert f.readline().startswith(b"503")  # no valid recipients (RFC 2033 §4.2)
    s.sendall(b"BOGUS\r\n")
    assert f.readline().startswith(b"500")
    s.sendall(b"QUIT\r\n")
    assert f.readline().startswith(b"221")
    s.close()
    alive(roost)


def test_lmtp_message_too_big(tmp_path):
    from conftest import Roost
    r = Roost(extra_config="lmtp_max_message_size = 10k")
    r.start()
    try:
        res = deliver(r, [ALICE[0]], make_message(1, size_hint=1000))
        assert res[ALICE[0]][0] == 552, res
        res = deliver(r, [ALICE[0]], make_message(2))
        assert res[ALICE[0]][0] == 250, res
        # nothing partial was left in the Maildir
        files = [f for d in ("new", "cur", "tmp")
                 for f in os.listdir(r.maildir(ALICE[0]) / d)]
        assert len(files) == 1, files
    finally:
        r.stop()
        r.cleanup()


def test_path_traversal_users(roost):
    before = set(os.listdir(roost.dir))
    for user in ("../u", "u/../../v", "/etc/passwd", "..", ""):
        c = roost.imap()
        try:
            c.login(user, "x")
            assert False, "login must fail"
        except Exception:
            pass
        try:
            c.logout()
        except Exception:
            pass
    time.sleep(0.2)
    assert set(os.listdir(roost.dir)) == before
    alive(roost)
