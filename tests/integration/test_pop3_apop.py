# SPDX-License-Identifier: MIT
"""APOP (RFC 1939 section 7) with poplib's apop(): off by default; on with
pop3_enable_apop = yes and apop in auth_mechanisms (doc/pop3.md "APOP")."""
import base64
import hashlib
import os
import poplib
import re
import socket

import pytest

from conftest import ALICE, BOB, Roost
from pop3util import cmd, multiline, wait_for

APOP_CONFIG = "pop3_enable_apop = yes\nauth_mechanisms = plain login apop\n"
TIMESTAMP_RE = re.compile(
    rb"^\+OK roost ready\. (<(\d+)\.(\d+)\.([0-9a-f]{16})@[A-Za-z0-9._-]+>)"
    rb"\r\n$")


def start(config):
    r = Roost(extra_config=config)
    r.start()
    return r


@pytest.fixture(scope="module")
def apop_roost():
    r = start(APOP_CONFIG)
    yield r
    r.stop()
    r.cleanup()


def greeting(r):
    s = socket.create_connection(("127.0.0.1", r.pop3_port), timeout=10)
    f = s.makefile("rb")
    line = f.readline()
    return s, f, line


def login_pids(r):
    return {pid for pid, cmdline in r.children().items()
            if "roost-login" in cmdline and "pop3" in cmdline}


def apop_error(r, user, password):
    """poplib's APOP; the -ERR line, or None when it logged in."""
    p = r.pop3()
    try:
        p.apop(user, password)
    except poplib.error_proto as e:
        p.close()
        return e.args[0]
    p.quit()
    return None


def test_greeting_timestamp_is_unique_and_names_the_login(apop_roost):
    seen = set()
    for _ in range(3):
        s, f, line = greeting(apop_roost)
        m = TIMESTAMP_RE.match(line)
        assert m, line
        seen.add(m.group(1))
        assert int(m.group(2)) in login_pids(apop_roost)
        s.close()
    assert len(seen) == 3


def test_apop_login_works(apop_roost):
    p = apop_roost.pop3()
    assert p.apop(*ALICE).startswith(b"+OK")
    assert p.stat()[0] >= 0
    p.quit()
    assert wait_for(lambda: re.search(
        r"auth\(alice@example.org\).*Authentication succeeded .*"
        r"mech=APOP service=pop3", apop_roost.log()))


def test_apop_wrong_password_and_unknown_user(apop_roost):
    assert apop_error(apop_roost, ALICE[0], "wrong").startswith(
        b"-ERR [AUTH]")
    assert apop_error(apop_roost, "nobody@example.org", "x").startswith(
        b"-ERR [AUTH]")
    # a hashed password cannot do APOP; the log says why
    assert apop_error(apop_roost, *BOB).startswith(b"-ERR [AUTH]")
    assert wait_for(lambda: "cannot be used for APOP" in apop_roost.log())
    # USER/PASS still works for that user
    p = apop_roost.pop3_login(BOB)
    p.quit()


def test_apop_not_a_sasl_mechanism(apop_roost):
    p = apop_roost.pop3()
    resp, caps = multiline(p, "CAPA")
    sasl = [c for c in caps if c.startswith(b"SASL")]
    assert sasl and b"APOP" not in sasl[0], caps
    resp, mechs = multiline(p, "AUTH")
    assert b"APOP" not in mechs
    ts = TIMESTAMP_RE.match(p.welcome + b"\r\n").group(1)
    digest = hashlib.md5(ts + ALICE[1].encode()).hexdigest()
    ir = base64.b64encode(ts + b"\0" + ALICE[0].encode() + b"\0" +
                          digest.encode()).decode()
    assert cmd(p, f"AUTH APOP {ir}").startswith(b"-ERR")
    p.quit()


def test_apop_bad_arguments(apop_roost):
    p = apop_roost.pop3()
    assert cmd(p, "APOP").startswith(b"-ERR")
    assert cmd(p, f"APOP {ALICE[0]}").startswith(b"-ERR")
    p.close()
    p = apop_roost.pop3()
    assert cmd(p, f"APOP {ALICE[0]} 0123").startswith(b"-ERR")
    assert cmd(p, f"APOP {ALICE[0]} " + "g" * 32).startswith(b"-ERR")
    # still usable afterwards (below the bad-command limit)
    p.user(ALICE[0])
    p.pass_(ALICE[1])
    p.quit()


def test_apop_digest_is_bound_to_the_greeting(apop_roost):
    """A digest computed for one connection's timestamp fails on another
    connection, and cannot be replayed to roost-auth directly: not over
    its TCP listener (no verified pid), not over its unix socket from
    another process (the timestamp names the login's pid)."""
    p1 = apop_roost.pop3()
    ts1 = TIMESTAMP_RE.match(p1.welcome + b"\r\n").group(1)
    digest = hashlib.md5(ts1 + ALICE[1].encode()).hexdigest()
    p2 = apop_roost.pop3()
    assert cmd(p2, f"APOP {ALICE[0]} {digest}").startswith(b"-ERR [AUTH]")
    p2.close()
    resp = base64.b64encode(ts1 + b"\0" + ALICE[0].encode() + b"\0" +
                            digest.encode()).decode()
    tcp = socket.create_connection(("127.0.0.1", apop_roost.auth_port),
                                   timeout=10)
    unix = socket.socket(socket.AF_UNIX)
    unix.settimeout(10)
    unix.connect(str(apop_roost.run / "auth-client"))
    for s in (tcp, unix):
        f = s.makefile("rb")
        handshake = []
        while True:
            line = f.readline().rstrip(b"\n")
            handshake.append(line)
            if line == b"DONE":
                break
        # private: Postfix and other auth clients do not list it
        assert b"MECH\tAPOP\tdictionary\tactive\tprivate" in handshake
        s.sendall(f"VERSION\t1\t2\nCPID\t{os.getpid()}\n"
                  f"AUTH\t1\tAPOP\tservice=pop3\tresp={resp}\n".encode())
        line = f.readline()
        assert line.startswith(b"FAIL\t1"), line
        s.close()
    log = apop_roost.log()
    assert "APOP needs an auth client with a verified pid" in log
    assert "APOP timestamp was not issued by the requesting login" in log
    # the real owner of the timestamp still logs in with it
    assert cmd(p1, f"APOP {ALICE[0]} {digest}").startswith(b"+OK")
    p1.quit()


def test_apop_temporary_failure(apop_roost):
    off = apop_roost.users.with_name("users.off")
    os.rename(apop_roost.users, off)
    try:
        err = apop_error(apop_roost, *ALICE)
    finally:
        os.rename(off, apop_roost.users)
    assert err.startswith(b"-ERR [SYS/TEMP]"), err
    assert apop_error(apop_roost, *ALICE) is None


def test_apop_off_by_default(roost):
    s, f, line = greeting(roost)
    assert line == b"+OK roost ready.\r\n"
    s.sendall(f"APOP {ALICE[0]} {'0' * 32}\r\n".encode())
    assert f.readline().startswith(b"-ERR")
    s.close()
    p = roost.pop3()
    with pytest.raises(poplib.error_proto):
        p.apop(*ALICE)
    p.quit()


@pytest.mark.parametrize("config", [
    "pop3_enable_apop = yes\n",
    "auth_mechanisms = plain login apop\n",
], ids=["setting-only", "mechanism-only"])
def test_apop_needs_both_settings(config):
    r = start(config)
    try:
        s, f, line = greeting(r)
        assert line == b"+OK roost ready.\r\n"
        s.sendall(f"APOP {ALICE[0]} {'0' * 32}\r\n".encode())
        assert f.readline().startswith(b"-ERR")
        s.close()
        if "pop3_enable_apop" in config:
            assert wait_for(lambda: "does not offer APOP" in r.log())
    finally:
        r.stop()
        r.cleanup()
