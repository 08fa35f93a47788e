# SPDX-License-Identifier: MIT
"""POP3 commands and response codes (RFC 1939, 2449, 5034, 6856, 3206)
through poplib against a real roost."""
import base64
import os
import poplib

import pytest

from conftest import ALICE, BOB, deliver, make_message
from pop3util import cmd, drop, fill, login_error, multiline, roost_with


def test_capa_before_and_after_login(roost):
    p = roost.pop3()
    caps = p.capa()
    for c in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE",
              "PIPELINING", "UTF8", "IMPLEMENTATION"):
        assert c in caps, caps
    assert caps["SASL"] == ["PLAIN", "LOGIN"]
    assert caps["UTF8"] == ["USER"]
    assert "STLS" not in caps          # no TLS configured (RFC 2595)
    assert "EXPIRE" not in caps and "LOGIN-DELAY" not in caps
    p.user(ALICE[0])
    p.pass_(ALICE[1])
    caps = p.capa()
    for c in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE",
              "PIPELINING", "IMPLEMENTATION"):
        assert c in caps, caps
    assert caps["SASL"] == ["PLAIN", "LOGIN"]
    assert "STLS" not in caps
    p.quit()


def test_every_transaction_command(roost):
    stored = fill(roost, 3)
    p = roost.pop3_login()
    assert p.stat() == (3, sum(map(len, stored)))
    resp, lines, _ = p.list()
    assert resp.startswith(b"+OK")
    assert lines == [f"{i + 1} {len(m)}".encode()
                     for i, m in enumerate(stored)]
    assert p.list(2) == f"+OK 2 {len(stored[1])}".encode()
    resp, uidls, _ = p.uidl()
    assert len(uidls) == 3 and len({u.split()[1] for u in uidls}) == 3
    assert p.uidl(3) == b"+OK " + uidls[2]
    resp, lines, octets = p.retr(1)
    assert resp == f"+OK {len(stored[0])} octets".encode()
    assert b"\r\n".join(lines) + b"\r\n" == stored[0]
    assert p.noop().startswith(b"+OK")
    assert p.dele(2).startswith(b"+OK")
    # a deleted message is gone for this session's commands ...
    for c in ("RETR 2", "LIST 2", "UIDL 2", "TOP 2 0", "DELE 2"):
        assert cmd(p, c).startswith(b"-ERR"), c
    assert p.stat() == (2, len(stored[0]) + len(stored[2]))
    assert [l.split()[0] for l in p.list()[1]] == [b"1", b"3"]
    assert [l.split()[0] for l in p.uidl()[1]] == [b"1", b"3"]
    # ... until RSET
    assert p.rset().startswith(b"+OK")
    assert p.stat()[0] == 3
    p.dele(3)
    assert p.quit().startswith(b"+OK")
    p = roost.pop3_login()
    assert p.stat() == (2, len(stored[0]) + len(stored[1]))
    p.quit()


def test_bad_commands_and_numbers(roost):
    fill(roost, 1)
    p = roost.pop3_login()
    for c in ("RETR 0", "RETR 2", "RETR 4294967296", "RETR -1", "RETR +1",
              "RETR x", "TOP 1 -1", "TOP 1", "LIST 1 2", "DELE", "STAT 1",
              "FOO", "USER x", "PASS x", "APOP a b", "UTF8"):
        assert cmd(p, c).startswith(b"-ERR"), c
    p.quit()


def test_auth_resp_code_and_sasl(roost):
    fill(roost, 1)
    # RFC 3206: a wrong password is [AUTH]
    err = login_error(roost, (ALICE[0], "wrong"))
    assert err.startswith(b"-ERR [AUTH]"), err
    # RFC 5034 AUTH with an initial response
    p = roost.pop3()
    ir = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0" +
                          ALICE[1].encode()).decode()
    assert cmd(p, "AUTH PLAIN " + ir).startswith(b"+OK")
    assert p.stat()[0] == 1
    p.quit()
    # without one: an empty "+ " challenge, then the response
    p = roost.pop3()
    assert cmd(p, "AUTH PLAIN").startswith(b"+")
    assert cmd(p, ir).startswith(b"+OK")
    p.quit()
    # LOGIN, step by step
    p = roost.pop3()
    assert cmd(p, "AUTH LOGIN").startswith(b"+ ")
    assert cmd(p, base64.b64encode(BOB[0].encode()).decode()) \
        .startswith(b"+ ")
    assert cmd(p, base64.b64encode(BOB[1].encode()).decode()) \
        .startswith(b"+OK")
    p.quit()
    # "*" cancels; a wrong password by SASL is [AUTH] too
    p = roost.pop3()
    assert cmd(p, "AUTH PLAIN").startswith(b"+")
    assert cmd(p, "*").startswith(b"-ERR")
    bad = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0x").decode()
    assert cmd(p, "AUTH PLAIN " + bad).startswith(b"-ERR [AUTH]")
    assert cmd(p, "AUTH CRAM-MD5").startswith(b"-ERR")   # not offered
    assert cmd(p, "AUTH PLAIN =").startswith(b"-ERR")    # empty response
    resp, lines = multiline(p, "AUTH")
    assert resp.startswith(b"+OK") and lines == [b"PLAIN", b"LOGIN"]
    p.quit()


def test_utf8_command(roost):
    p = roost.pop3()
    assert cmd(p, "UTF8").startswith(b"+OK")
    p.user(ALICE[0])
    p.pass_(ALICE[1])
    # RFC 6856: only in the AUTHORIZATION state
    assert cmd(p, "UTF8").startswith(b"-ERR")
    p.quit()


def test_pipelining(roost):
    stored = fill(roost, 2)
    p = roost.pop3()
    # USER, PASS and TRANSACTION commands in one segment (RFC 2449 §6.6):
    # what followed PASS is handed to roost-pop3 with the connection
    p.sock.sendall(f"USER {ALICE[0]}\r\nPASS {ALICE[1]}\r\nSTAT\r\n"
                   f"LIST 2\r\nNOOP\r\n".encode())
    assert p._getline()[0].startswith(b"+OK")      # USER
    assert p._getline()[0].startswith(b"+OK")      # PASS
    assert p._getline()[0] == \
        f"+OK 2 {sum(map(len, stored))}".encode()
    assert p._getline()[0] == f"+OK 2 {len(stored[1])}".encode()
    assert p._getline()[0].startswith(b"+OK")
    p.sock.sendall(b"RETR 1\r\nUIDL\r\nRETR 2\r\nQUIT\r\n")
    resp, lines, _ = p._getlongresp()
    assert b"\r\n".join(lines) + b"\r\n" == stored[0]
    resp, lines, _ = p._getlongresp()
    assert len(lines) == 2
    resp, lines, _ = p._getlongresp()
    assert b"\r\n".join(lines) + b"\r\n" == stored[1]
    assert p._getline()[0].startswith(b"+OK")


def test_sys_temp_when_the_maildir_is_unusable(roost):
    fill(roost, 1)
    root = roost.maildir(ALICE[0])
    os.chmod(root, 0)
    try:
        err = login_error(roost)
        assert err.startswith(b"-ERR [SYS/TEMP]"), err
    finally:
        os.chmod(root, 0o700)
    assert login_error(roost) is None


def test_sys_perm_for_a_bad_uidl_format():
    r = roost_with("pop3_uidl_format = %08Xq")
    try:
        err = login_error(r)
        assert err.startswith(b"-ERR [SYS/PERM]"), err
        assert "pop3_uidl_format" in r.log()
    finally:
        r.stop()
        r.cleanup()


def test_login_delay():
    r = roost_with("pop3_login_delay = 60s")
    try:
        p = r.pop3_login()
        assert p.capa()["LOGIN-DELAY"] == ["60"]
        p.quit()
        err = login_error(r)
        assert err.startswith(b"-ERR [LOGIN-DELAY]"), err
        # another user is not delayed
        assert login_error(r, BOB) is None
    finally:
        r.stop()
        r.cleanup()


def test_expire_zero_deletes_retrieved_messages():
    r = roost_with("pop3_expire = 0")
    try:
        for i in range(3):
            deliver(r, [ALICE[0]], make_message(i))
        p = r.pop3_login()
        assert p.capa()["EXPIRE"] == ["0"]
        p.retr(1)
        p.top(2, 0)          # TOP is not a retrieval
        p.quit()
        p = r.pop3_login()
        assert p.stat()[0] == 2
        p.retr(1)
        drop(p)              # no QUIT: nothing deleted
        p = r.pop3_login()
        assert p.stat()[0] == 2
        p.quit()
    finally:
        r.stop()
        r.cleanup()


@pytest.mark.parametrize("value", ["NEVER", "30"])
def test_expire_advertised(value):
    r = roost_with(f"pop3_expire = {value}")
    try:
        fill(r, 1)
        p = r.pop3_login()
        assert p.capa()["EXPIRE"] == [value]
        p.retr(1)
        p.quit()
        p = r.pop3_login()
        assert p.stat()[0] == 1        # nothing expires by itself
        p.quit()
    finally:
        r.stop()
        r.cleanup()
