# SPDX-License-Identifier: MIT
"""The master's command line, config checking and supervision; roost-auth's
auth-client protocol as Postfix speaks it; SASL logins."""
import base64
import os
import signal
import socket
import subprocess
import time

from conftest import ALICE, BOB, ROOST, Roost


def run_roost(*args):
    return subprocess.run([str(ROOST), *args], capture_output=True,
                          text=True, timeout=30)


def test_check_config_ok(roost):
    res = run_roost("-t", "-c", str(roost.conf))
    assert res.returncode == 0, res.stderr


def test_check_config_reports_every_error(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("base_dir = /tmp/x\n"
                    "imap_listen = 127.0.0.1:143\n"
                    "no_such_setting = 1\n"
                    "log_level = loud\n"
                    "passdb {\n"
                    "  driver = passwd-file\n")
    res = run_roost("-t", "-c", str(conf))
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert f"{conf}:3:" in out and "no_such_setting" in out
    assert f"{conf}:4:" in out and "log_level" in out
    # The unclosed block is reported too, not only the first error.
    assert out.count(str(conf) + ":") >= 3, out


def test_print_nondefaults(roost):
    res = run_roost("-n", "-c", str(roost.conf))
    assert res.returncode == 0, res.stderr
    assert f"imap_listen = 127.0.0.1:{roost.imap_port}" in res.stdout
    assert "log_level = debug" in res.stdout
    # Defaults are not printed.
    assert "lmtp_max_recipients" not in res.stdout


def test_override_on_command_line(roost):
    res = run_roost("-n", "-c", str(roost.conf), "-o", "log_level=warning")
    assert "log_level = warning" in res.stdout
    res = run_roost("-t", "-c", str(roost.conf), "-o", "log_level=loud")
    assert res.returncode != 0


def test_pid_file_and_sigterm(roost):
    pidfile = roost.run / "master.pid"
    assert int(pidfile.read_text().split()[0]) == roost.proc.pid
    assert roost.stop() == 0
    assert not pidfile.exists()
    roost.start()


def test_crashed_child_is_restarted(roost):
    kids = roost.children()
    auth = [p for p, c in kids.items() if "roost-auth" in c]
    login = [p for p, c in kids.items() if "roost-login" in c]
    assert auth and len(login) >= 2, kids
    os.kill(auth[0], signal.SIGKILL)
    os.kill(login[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kids = roost.children()
        new_auth = [p for p, c in kids.items() if "roost-auth" in c]
        new_login = [p for p, c in kids.items() if "roost-login" in c]
        if new_auth and new_auth != auth and len(new_login) >= 2:
            break
        time.sleep(0.1)
    # Logins work again once the restarted processes are up.
    deadline = time.monotonic() + 10
    while True:
        try:
            roost.imap_login().logout()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_sighup_reload(roost):
    roost.proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert roost.proc.poll() is None
    deadline = time.monotonic() + 10
    while True:
        try:
            roost.imap_login().logout()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class AuthClient:
    """The Dovecot auth-client protocol, as Postfix's smtpd speaks it."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.s.makefile("rb")
        self.s.sendall(b"VERSION\t1\t2\nCPID\t%d\n" % os.getpid())
        self.mechs = []
        while True:
            line = self.f.readline().rstrip(b"\n").split(b"\t")
            if line[0] == b"MECH":
                self.mechs.append(line[1].decode())
            if line[0] == b"DONE":
                break

    def cmd(self, line):
        self.s.sendall(line + b"\n")
        return self.f.readline().rstrip(b"\n").split(b"\t")


def test_auth_client_protocol_postfix_style(roost):
    a = AuthClient(roost.auth_port)
    assert "PLAIN" in a.mechs and "LOGIN" in a.mechs
    ir = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0" + ALICE[1].encode())
    reply = a.cmd(b"AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\t"
                  b"rip=127.0.0.1\tresp=" + ir)
    assert reply[:2] == [b"OK", b"1"], reply
    assert b"user=" + ALICE[0].encode() in reply
    bad = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0nope")
    reply = a.cmd(b"AUTH\t2\tPLAIN\tservice=smtp\tresp=" + bad)
    assert reply[:2] == [b"FAIL", b"2"], reply
    # LOGIN mechanism: two challenges.
    reply = a.cmd(b"AUTH\t3\tLOGIN\tservice=smtp")
    assert reply[:2] == [b"CONT", b"3"], reply
    reply = a.cmd(b"CONT\t3\t" + base64.b64encode(BOB[0].encode()))
    assert reply[:2] == [b"CONT", b"3"], reply
    reply = a.cmd(b"CONT\t3\t" + base64.b64encode(BOB[1].encode()))
    assert reply[:2] == [b"OK", b"3"], reply
    # Garbage base64 fails cleanly and the connection keeps working.
    reply = a.cmd(b"AUTH\t4\tPLAIN\tservice=smtp\tresp=!!!notbase64")
    assert reply[:2] == [b"FAIL", b"4"], reply
    reply = a.cmd(b"AUTH\t5\tPLAIN\tservice=smtp\tresp=" + ir)
    assert reply[:2] == [b"OK", b"5"], reply


def test_imap_authenticate_plain_sasl_ir(roost):
    c = roost.imap()
    assert "SASL-IR" in c.capabilities
    assert "AUTH=PLAIN" in c.capabilities
    assert "STARTTLS" not in c.capabilities   # no TLS yet: not advertised
    typ, _ = c.authenticate(
        "PLAIN", lambda _: b"\0" + BOB[0].encode() + b"\0" + BOB[1].encode())
    assert typ == "OK"
    typ, data = c.select("INBOX")
    assert typ == "OK"
    c.logout()


def test_pop3_auth_plain_and_capa(roost):
    p = roost.pop3()
    caps = p.capa()
    assert "UIDL" in caps and "SASL" in caps and "STLS" not in caps
    ir = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0" + ALICE[1].encode())
    resp = p._shortcmd("AUTH PLAIN " + ir.decode())
    assert resp.startswith(b"+OK")
    assert p.stat()[0] == 0
    p.quit()


def test_bad_commands_prelogin_disconnect(roost):
    s = socket.create_connection(("127.0.0.1", roost.imap_port), timeout=5)
    f = s.makefile("rb")
    f.readline()
    for i in range(3):
        s.sendall(b"x%d FOO\r\n" % i)
    lines = []
    while True:
        line = f.readline()
        if not line:
            break
        lines.append(line)
    assert any(b" BAD " in l for l in lines)
    assert lines[-1].startswith(b"* BYE"), lines


def test_log_lines_have_session_and_user(roost):
    roost.imap_login().logout()
    time.sleep(0.3)
    log = roost.log()
    assert ALICE[1] not in log             # never a password in the log
    assert "imap(alice@example.org)<" in log, log[-3000:]


def test_imap_raw_sasl_ir_and_id(roost):
    """AUTHENTICATE PLAIN with an initial response (RFC 4959) and ID."""
    s = socket.create_connection(("127.0.0.1", roost.imap_port), timeout=5)
    f = s.makefile("rb")
    assert f.readline().startswith(b"* OK")
    s.sendall(b'i1 ID ("name" "pytest")\r\n')
    line = f.readline()
    assert line.startswith(b"* ID ("), line
    assert f.readline().startswith(b"i1 OK")
    ir = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0" + ALICE[1].encode())
    s.sendall(b"a1 AUTHENTICATE PLAIN " + ir + b"\r\n")
    line = f.readline()
    assert line.startswith(b"a1 OK"), line
    s.sendall(b"a2 SELECT INBOX\r\n")
    while True:
        line = f.readline()
        assert line
        if line.startswith(b"a2 "):
            assert line.startswith(b"a2 OK")
            break
    # A cancelled exchange is BAD, and the connection goes on.
    s2 = socket.create_connection(("127.0.0.1", roost.imap_port), timeout=5)
    f2 = s2.makefile("rb")
    f2.readline()
    s2.sendall(b"b1 AUTHENTICATE PLAIN\r\n")
    assert f2.readline().startswith(b"+")
    s2.sendall(b"*\r\n")
    assert f2.readline().startswith(b"b1 BAD")
    s2.sendall(b"b2 LOGOUT\r\n")
    assert f2.readline().startswith(b"* BYE")
    s.close()
    s2.close()


def test_pipelined_command_after_login_is_served(roost):
    """Bytes sent right behind LOGIN reach the mail process (handoff)."""
    s = socket.create_connection(("127.0.0.1", roost.imap_port), timeout=5)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b'a1 LOGIN "%s" "%s"\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n'
              % (ALICE[0].encode(), ALICE[1].encode()))
    tags = []
    while True:
        line = f.readline()
        if not line:
            break
        if line[:2] in (b"a1", b"a2", b"a3"):
            tags.append(line.split()[:2])
    assert tags == [[b"a1", b"OK"], [b"a2", b"OK"], [b"a3", b"OK"]], tags
    s.close()
