# SPDX-License-Identifier: MIT
"""The walking skeleton end to end: LMTP in, IMAP and POP3 out."""
import re
import signal
import socket
import time

import imaplib
import poplib
import pytest

from conftest import ALICE, BOB, Roost, deliver, make_message


@pytest.fixture
def roost():
    """Exact stored bytes are compared here: without the Received: field
    and with a Delivered-To: per recipient (no shared single copy)."""
    r = Roost(extra_config="lmtp_add_received_header = no\n"
              "lmtp_single_copy = no\n")
    r.start()
    yield r
    r.stop()
    r.cleanup()


def stored_form(msg, rcpt, sender="sender@example.net"):
    """What roost stores for msg: Return-Path and Delivered-To prepended."""
    return (f"Return-Path: <{sender}>\r\nDelivered-To: {rcpt}\r\n"
            .encode() + msg)


def imap_fetch_all(r, user):
    """{uid: body} of user's INBOX through imaplib."""
    c = r.imap_login(user)
    typ, data = c.select("INBOX")
    assert typ == "OK"
    count = int(data[0])
    out = {}
    if count:
        typ, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
        assert typ == "OK", data
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                out[uid] = item[1]
    c.logout()
    return out


def test_deliver_20_read_back_imap_and_pop3(roost):
    sent = {ALICE[0]: [], BOB[0]: []}
    for i in range(20):
        rcpt = ALICE[0] if i % 2 == 0 else BOB[0]
        msg = make_message(i, rcpt, size_hint=i * 7)
        res = deliver(roost, [rcpt], msg)
        assert res[rcpt][0] == 250, res
        sent[rcpt].append(stored_form(msg, rcpt))

    for user in (ALICE, BOB):
        got = imap_fetch_all(roost, user)
        assert [got[u] for u in sorted(got)] == sent[user[0]]

        p = roost.pop3_login(user)
        count, size = p.stat()
        assert count == 10
        assert size == sum(len(m) for m in sent[user[0]])
        for n in range(1, count + 1):
            resp, lines, octets = p.retr(n)
            assert resp.startswith(b"+OK")
            assert b"\r\n".join(lines) + b"\r\n" == sent[user[0]][n - 1]
        p.quit()


def test_rfc822_size_and_flags(roost):
    msg = make_message(1)
    deliver(roost, [ALICE[0]], msg)
    c = roost.imap_login()
    c.select("INBOX")
    typ, data = c.fetch("1", "(FLAGS RFC822.SIZE INTERNALDATE UID)")
    assert typ == "OK"
    size = int(re.search(rb"RFC822.SIZE (\d+)", data[0]).group(1))
    assert size == len(stored_form(msg, ALICE[0]))
    assert b"\\Seen" not in data[0]
    # BODY[] without PEEK sets \Seen.
    typ, data = c.fetch("1", "(BODY[])")
    assert typ == "OK"
    typ, data = c.fetch("1", "(FLAGS)")
    assert b"\\Seen" in data[0]
    typ, data = c.store("1", "+FLAGS", "(\\Flagged)")
    assert typ == "OK" and b"\\Flagged" in data[0]
    typ, data = c.store("1", "-FLAGS", "(\\Seen)")
    assert typ == "OK" and b"\\Seen" not in data[0]
    c.logout()
    # Flags persist into a new session.
    c = roost.imap_login()
    c.select("INBOX")
    typ, data = c.fetch("1", "(FLAGS)")
    assert b"\\Flagged" in data[0] and b"\\Seen" not in data[0]
    c.logout()


def test_store_expunge(roost):
    for i in range(3):
        deliver(roost, [ALICE[0]], make_message(i))
    c = roost.imap_login()
    c.select("INBOX")
    c.store("2", "+FLAGS", "(\\Deleted)")
    typ, data = c.expunge()
    assert typ == "OK"
    assert data == [b"2"]
    typ, data = c.uid("FETCH", "1:*", "(UID)")
    uids = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data]
    assert uids == [1, 3]
    c.logout()
    assert len(imap_fetch_all(roost, ALICE)) == 2


def test_uids_stable_across_restart(roost):
    for i in range(5):
        deliver(roost, [ALICE[0]], make_message(i))
    c = roost.imap_login()
    typ, data = c.select("INBOX")
    typ, uv = c.response("UIDVALIDITY")
    typ, data = c.uid("FETCH", "1:*", "(UID)")
    before = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data]
    c.logout()

    assert roost.stop() == 0
    roost.start()
    deliver(roost, [ALICE[0]], make_message(99))
    c = roost.imap_login()
    c.select("INBOX")
    typ, uv2 = c.response("UIDVALIDITY")
    assert uv2 == uv
    typ, data = c.uid("FETCH", "1:*", "(UID)")
    after = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data]
    assert after[:5] == before
    assert after[5] > before[-1]
    c.logout()
    # POP3 UIDLs are stable too.
    p = roost.pop3_login()
    uidl1 = p.uidl()[1]
    p.quit()
    roost.stop()
    roost.start()
    p = roost.pop3_login()
    assert p.uidl()[1] == uidl1
    p.quit()


def test_wrong_password(roost):
    c = roost.imap()
    with pytest.raises(imaplib.IMAP4.error) as e:
        c.login(ALICE[0], "wrong")
    assert "AUTHENTICATIONFAILED" in str(e.value)
    # The connection survives a failed login, and a right password works.
    c.login(*ALICE)
    c.logout()
    with pytest.raises(imaplib.IMAP4.error):
        roost.imap().login(BOB[0], "not-bobs")
    roost.imap_login(BOB).logout()   # ARGON2ID verifies

    p = roost.pop3()
    p.user(ALICE[0])
    with pytest.raises(poplib.error_proto) as e:
        p.pass_("wrong")
    assert b"-ERR" in e.value.args[0]
    p.quit()


def test_unknown_recipient_and_second_recipient(roost):
    msg = make_message(7)
    res = deliver(roost, ["nobody@example.org", ALICE[0], BOB[0]], msg)
    assert res["nobody@example.org"][0] == 550
    assert b"5.1.1" in res["nobody@example.org"][1]
    assert res[ALICE[0]][0] == 250
    assert res[BOB[0]][0] == 250
    assert list(imap_fetch_all(roost, ALICE).values()) == \
        [stored_form(msg, ALICE[0])]
    assert list(imap_fetch_all(roost, BOB).values()) == \
        [stored_form(msg, BOB[0])]


def test_lmtp_dot_stuffing_and_bare_lf(roost):
    msg = (b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n"
           b"bare\nlf\r\n.\r\n.x\r\nend\r\n")
    res = deliver(roost, [ALICE[0]], msg)
    assert res[ALICE[0]][0] == 250
    (body,) = imap_fetch_all(roost, ALICE).values()
    # smtplib dot-stuffs and converts bare LF to CRLF; roost unstuffs.
    assert body == stored_form(msg.replace(b"bare\nlf", b"bare\r\nlf"),
                               ALICE[0])


def test_kill_mail_process_keeps_serving(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    c = roost.imap_login()
    c.select("INBOX")
    imap_pids = [pid for pid, cmd in roost.children().items()
                 if "roost-imap" in cmd]
    assert imap_pids, roost.children()
    for pid in imap_pids:
        import os
        os.kill(pid, signal.SIGKILL)
    with pytest.raises((imaplib.IMAP4.abort, OSError, EOFError)):
        c.noop()
        c.noop()
    # New logins still work, over IMAP and POP3.
    c = roost.imap_login()
    typ, data = c.select("INBOX")
    assert typ == "OK" and int(data[0]) == 1
    c.logout()
    p = roost.pop3_login()
    assert p.stat()[0] == 1
    p.quit()


def test_overlong_line(roost):
    # Pre-login: a line far over login_max_line_length.
    s = socket.create_connection(("127.0.0.1", roost.imap_port), timeout=5)
    f = s.makefile("rb")
    assert f.readline().startswith(b"* OK")
    try:
        s.sendall(b"a1 LOGIN " + b"x" * 200000 + b"\r\n")
        line = f.readline()
        assert line == b"" or b" BAD " in line or line.startswith(b"* BYE")
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    # Post-login: over imap_max_line_length (64k).
    c = roost.imap_login()
    c.select("INBOX")
    s = c.socket()
    s.sendall(b"a2 NOOP " + b"y" * 300000 + b"\r\n")
    try:
        line = c.readline()
        assert line == b"" or b" BAD " in line or line.startswith(b"* BYE")
        if b" BAD " in line:
            # The connection survived: it still answers.
            assert c.noop()[0] == "OK"
    except (imaplib.IMAP4.abort, ConnectionResetError, OSError):
        pass
    # And the server still serves everyone else.
    roost.imap_login().logout()


def test_pop3_dele_only_at_quit(roost):
    for i in range(3):
        deliver(roost, [ALICE[0]], make_message(i))
    p = roost.pop3_login()
    p.dele(1)
    p.close()          # dropped connection: nothing deleted
    time.sleep(0.2)
    p = roost.pop3_login()
    assert p.stat()[0] == 3
    p.dele(1)
    p.rset()
    p.dele(2)
    p.quit()
    p = roost.pop3_login()
    assert p.stat()[0] == 2
    p.quit()
