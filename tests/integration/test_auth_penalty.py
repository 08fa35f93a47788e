# SPDX-License-Identifier: MIT
"""roost-auth abuse limits and the admin channel: the per-IP failure
penalty (a guessing loop from one address is slowed as configured while
another address logs in at once), the per-user penalty, roostadm user list
and roostadm auth cache flush."""
import socket
import subprocess
import time

import pytest

from conftest import ALICE, BOB, BUILD, Roost

ROOSTADM = BUILD / "src" / "admin" / "roostadm"


def imap_login_from(r, source_ip, user, password):
    """LOGIN over a raw socket bound to source_ip; returns (ok, seconds)."""
    s = socket.socket()
    s.settimeout(30)
    s.bind((source_ip, 0))
    s.connect(("127.0.0.1", r.imap_port))
    f = s.makefile("rb")
    assert f.readline().startswith(b"* OK")
    start = time.monotonic()
    s.sendall(f'a LOGIN "{user}" "{password}"\r\n'.encode())
    while True:
        line = f.readline()
        assert line, "connection closed"
        if line.startswith(b"a "):
            break
    elapsed = time.monotonic() - start
    try:
        s.sendall(b"b LOGOUT\r\n")
    except OSError:
        pass
    s.close()
    return line.startswith(b"a OK"), elapsed


@pytest.fixture
def penalty_roost():
    # 1 s after the first failure, 2 s after the second, capped at 2 s;
    # cleartext allowed because the test connects from other loopback
    # addresses than the listener's
    r = Roost("auth_penalty_max_delay = 2s\nauth_allow_cleartext = yes\n")
    r.start()
    yield r
    r.stop()
    r.cleanup()


def test_guessing_loop_is_slowed_per_ip(penalty_roost):
    r = penalty_roost
    times = []
    for i in range(4):
        ok, elapsed = imap_login_from(r, "127.0.0.2", ALICE[0], f"guess{i}")
        assert not ok
        times.append(elapsed)
    # first attempt: no earlier failure; then 1 s, 2 s, 2 s (capped)
    assert times[0] < 0.8, times
    assert 0.9 <= times[1] < 1.8, times
    assert 1.9 <= times[2] < 3.0, times
    assert 1.9 <= times[3] < 3.0, times
    # another address, another user: at once
    ok, elapsed = imap_login_from(r, "127.0.0.3", BOB[0], BOB[1])
    assert ok and elapsed < 0.8, elapsed
    # the guessed user is penalised too (per-user limit), even from a
    # fresh address, but the right password still works
    ok, elapsed = imap_login_from(r, "127.0.0.4", ALICE[0], ALICE[1])
    assert ok and elapsed >= 1.9, elapsed
    # a success resets: the next login of that user is immediate
    ok, elapsed = imap_login_from(r, "127.0.0.4", ALICE[0], ALICE[1])
    assert ok and elapsed < 0.8, elapsed
    log = r.log()
    assert "guess" not in log       # never a password in the log


def test_penalty_off_by_setting(roost):
    # the default test config has auth_penalty_max_delay = 0
    for i in range(3):
        c = roost.imap()
        with pytest.raises(Exception):
            c.login(ALICE[0], "wrong")
        c.logout()
    start = time.monotonic()
    roost.imap_login().logout()
    assert time.monotonic() - start < 0.8


def roostadm(r, *args):
    return subprocess.run([str(ROOSTADM), "-c", str(r.conf)] + list(args),
                          capture_output=True, text=True, timeout=60)


def test_user_list_and_cache_flush(roost):
    p = roostadm(roost, "user", "list")
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.split()) == sorted([ALICE[0], BOB[0]])
    p = roostadm(roost, "user", "list", "bob*")
    assert p.returncode == 0 and p.stdout.split() == [BOB[0]]
    p = roostadm(roost, "auth", "cache", "flush")
    assert p.returncode == 0, p.stderr
    assert "cache entries flushed" in p.stdout
    p = roostadm(roost, "user", "list", "a", "b")
    assert p.returncode == 64


def raw_reply(r, source_ip, port, lines):
    s = socket.socket()
    s.settimeout(10)
    s.bind((source_ip, 0))
    s.connect(("127.0.0.1", port))
    f = s.makefile("rb")
    f.readline()
    reply = None
    for line in lines:
        s.sendall(line)
        reply = f.readline()
    s.close()
    return reply


def test_cleartext_refused_without_tls_from_other_host(roost):
    """PLAIN/LOGIN from another address without TLS: IMAP answers
    [PRIVACYREQUIRED] (RFC 5530), POP3 -ERR [AUTH] with the reason."""
    reply = raw_reply(roost, "127.0.0.2", roost.imap_port,
                      [f'a LOGIN "{ALICE[0]}" "{ALICE[1]}"\r\n'.encode()])
    assert reply.startswith(b"a NO [PRIVACYREQUIRED] Plaintext"), reply
    reply = raw_reply(roost, "127.0.0.2", roost.pop3_port,
                      [f"USER {ALICE[0]}\r\n".encode(),
                       f"PASS {ALICE[1]}\r\n".encode()])
    assert reply.startswith(b"-ERR [AUTH] Plaintext"), reply
    # the same address as the server: allowed (Dovecot does the same)
    reply = raw_reply(roost, "127.0.0.1", roost.imap_port,
                      [f'a LOGIN "{ALICE[0]}" "{ALICE[1]}"\r\n'.encode()])
    assert reply.startswith(b"a OK"), reply


def test_trusted_network_allows_cleartext():
    r = Roost("login_trusted_networks = 127.0.0.2/32\n")
    r.start()
    try:
        reply = raw_reply(r, "127.0.0.2", r.imap_port,
                          [f'a LOGIN "{ALICE[0]}" "{ALICE[1]}"\r\n'.encode()])
        assert reply.startswith(b"a OK"), reply
        reply = raw_reply(r, "127.0.0.3", r.imap_port,
                          [f'a LOGIN "{ALICE[0]}" "{ALICE[1]}"\r\n'.encode()])
        assert reply.startswith(b"a NO [PRIVACYREQUIRED]"), reply
    finally:
        r.stop()
        r.cleanup()


def test_trusted_network_is_not_penalised():
    r = Roost("auth_penalty_max_delay = 2s\n"
              "login_trusted_networks = 127.0.0.2/32\n")
    r.start()
    try:
        for i in range(4):
            ok, elapsed = imap_login_from(r, "127.0.0.2", ALICE[0],
                                          f"guess{i}")
            assert not ok and elapsed < 0.8, (i, elapsed)
        ok, elapsed = imap_login_from(r, "127.0.0.2", ALICE[0], ALICE[1])
        assert ok and elapsed < 0.8, elapsed
    finally:
        r.stop()
        r.cleanup()
