# SPDX-License-Identifier: MIT
"""RELIABILITY.md row 10, "a trusted-network client sees no delay": while
an attacker guesses alice's password from 127.0.0.2 (which puts both that
address and the user alice under the failure penalty), a client in
login_trusted_networks (127.0.0.4: a webmail or proxy speaking for many
users) logs in as alice at once, over IMAP (roost-login) and over the
auth-client socket as Postfix speaks it; an untrusted fresh address
(127.0.0.3) logging in as alice does wait (the control: the penalty is on,
so the exemption is what makes the difference). Failures of the trusted
client are not counted either.

roost-auth implements the exemption in src/auth/auth-request.c:
auth_request_initial() sets request->fields.no_penalty for a remote IP in
login_trusted_networks, which skips the IP delay, the user delay
(auth_request_begin_user()), the per-IP request limit and the counting
of failures (auth_request_fail_reason())."""
import base64
import socket
import threading
import time

import pytest

from conftest import ALICE, Roost
from test_auth_penalty import imap_login_from

TRUSTED = "127.0.0.4"
ATTACKER = "127.0.0.2"
OTHER = "127.0.0.3"
# the penalty's wait before a penalised request is looked at is >= 1 s;
# "no delay" means well under that
NO_DELAY = 0.5


# users under attack besides alice ({PLAIN}, fast to verify)
CAROL = ("carol@example.org", "carol-pw")
DAVE = ("dave@example.org", "dave-pw")


@pytest.fixture
def trusted_roost():
    # cleartext allowed: the clients connect from other loopback addresses
    # than the listener's
    r = Roost("auth_penalty_max_delay = 2s\n"
              "auth_allow_cleartext = yes\n"
              f"login_trusted_networks = {TRUSTED}/32\n")
    with open(r.users, "a") as f:
        for user, pw in (CAROL, DAVE):
            f.write(f"{user}:{{PLAIN}}{pw}::::::\n")
    r.start()
    yield r
    r.stop()
    r.cleanup()


def postfix_auth(r, rip, user, password):
    """One PLAIN AUTH over the TCP auth-client listener with Postfix's
    lines; returns (ok, seconds)."""
    s = socket.create_connection(("127.0.0.1", r.auth_port), timeout=30)
    f = s.makefile("rb")
    s.sendall(b"VERSION\t1\t0\nCPID\t4242\n")
    while f.readline() != b"DONE\n":
        pass
    resp = base64.b64encode(b"\0" + user.encode() + b"\0" +
                            password.encode())
    start = time.monotonic()
    s.sendall(b"AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\t"
              b"rip=" + rip.encode() + b"\tsecured\tresp=" + resp + b"\n")
    line = f.readline()
    elapsed = time.monotonic() - start
    s.close()
    assert line.startswith((b"OK\t1", b"FAIL\t1")), line
    return line.startswith(b"OK\t1"), elapsed


def test_trusted_client_not_delayed_for_attacked_user(trusted_roost):
    """A success resets its user's count (from any address), so each
    attacked user is logged into once: alice and carol by the trusted
    client, dave from the untrusted address (the control)."""
    r = trusted_roost
    victims = [ALICE[0], CAROL[0], DAVE[0]]
    for i, user in enumerate(victims):     # all three penalised now
        ok, _ = imap_login_from(r, ATTACKER, user, f"guess{i}")
        assert not ok
    # the attacker goes on meanwhile
    stop = threading.Event()

    def attacker():
        i = 100
        while not stop.is_set():
            imap_login_from(r, ATTACKER, victims[i % 3], f"guess{i}")
            i += 1

    t = threading.Thread(target=attacker)
    t.start()
    try:
        ok, elapsed = imap_login_from(r, TRUSTED, ALICE[0], ALICE[1])
        assert ok and elapsed < NO_DELAY, ("imap", elapsed)
        ok, elapsed = postfix_auth(r, TRUSTED, CAROL[0], CAROL[1])
        assert ok and elapsed < NO_DELAY, ("auth-client", elapsed)
        # control: an untrusted fresh address waits for the user penalty
        ok, elapsed = postfix_auth(r, OTHER, DAVE[0], DAVE[1])
        assert ok and elapsed >= 0.9, ("untrusted", elapsed)
    finally:
        stop.set()
        t.join(timeout=30)


def test_trusted_failures_not_counted(trusted_roost):
    r = trusted_roost
    for i in range(4):
        ok, elapsed = postfix_auth(r, TRUSTED, ALICE[0], f"wrong{i}")
        assert not ok and elapsed < NO_DELAY, (i, elapsed)
    # neither the trusted address nor alice were penalised by them
    ok, elapsed = imap_login_from(r, TRUSTED, ALICE[0], ALICE[1])
    assert ok and elapsed < NO_DELAY, elapsed
    ok, elapsed = imap_login_from(r, OTHER, ALICE[0], ALICE[1])
    assert ok and elapsed < NO_DELAY, elapsed
