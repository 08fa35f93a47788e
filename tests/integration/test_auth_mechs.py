# SPDX-License-Identifier: MIT
"""CRAM-MD5 and SCRAM-SHA-256 (and the cleartext policy) over a running
roost's auth-client TCP listener, the way Postfix talks to it, with the
client side computed by Python's hmac/hashlib.

The CRAM-MD5 and SCRAM-SHA-256 stored values are facts: made with
Dovecot 2.3's `doveadm pw -s SCHEME -p Secret-42`."""
import base64
import hashlib
import hmac
import os
import socket

import pytest

from conftest import ALICE, Roost, mail_ids

PASSWORD = "Secret-42"
CRAM_USER = "cram@example.org"
CRAM_STORED = ("{CRAM-MD5}ff30b588151b7b77b7226840f9378bb27fda4d0c0f387f7"
               "a01afc61d2648fbc8")
SCRAM_USER = "scram@example.org"
SCRAM_STORED = ("{SCRAM-SHA-256}4096,lbrfLKIDiR+pF/Q8hMs3Sw==,2sI/lcnO7g/"
                "ZbMS2ym/WZQxJuHKtxRBBBuq09GaWn0c=,IVsfWi/ocB60lEewUgBjl5k"
                "A9JptklU17nn5YtpVGZE=")
LOCAL = b"\tlip=127.0.0.1\trip=127.0.0.1"


@pytest.fixture(scope="module")
def mech_roost():
    r = Roost(extra_config="auth_mechanisms = plain login cram-md5 "
              "scram-sha-1 scram-sha-256 scram-sha-256-plus\n"
              "auth_penalty_max_delay = 0\n")
    uid, gid = mail_ids()
    with open(r.users, "a") as f:
        f.write(f"{CRAM_USER}:{CRAM_STORED}:{uid}:{gid}::::\n"
                f"{SCRAM_USER}:{SCRAM_STORED}:{uid}:{gid}::::\n")
    r.start()
    yield r
    r.stop()
    r.cleanup()


class AuthClient:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.s.makefile("rb")
        self.s.sendall(b"VERSION\t1\t2\nCPID\t%d\n" % os.getpid())
        self.mechs = {}
        while True:
            line = self.f.readline().rstrip(b"\n").split(b"\t")
            if line[0] == b"MECH":
                self.mechs[line[1].decode()] = [x.decode() for x in line[2:]]
            if line[0] == b"DONE":
                break

    def cmd(self, line):
        self.s.sendall(line + b"\n")
        return self.f.readline().rstrip(b"\n").split(b"\t")

    def cont(self, rid, data):
        return self.cmd(b"CONT\t%d\t" % rid + base64.b64encode(data))

    def close(self):
        self.f.close()
        self.s.close()


def challenge(reply, rid):
    assert reply[:2] == [b"CONT", b"%d" % rid], reply
    return base64.b64decode(reply[2])


def cram_md5(client, rid, user, password):
    chal = challenge(client.cmd(b"AUTH\t%d\tCRAM-MD5\tservice=smtp" % rid +
                                LOCAL), rid)
    assert chal.startswith(b"<") and chal.endswith(b">")
    digest = hmac.new(password.encode(), chal, "md5").hexdigest()
    return client.cont(rid, f"{user} {digest}".encode())


def scram(client, rid, user, password, mech=b"SCRAM-SHA-256", digest="sha256",
          fields=b"", gs2=b"n,,", cbind=b""):
    cnonce = base64.b64encode(os.urandom(12))
    first_bare = b"n=" + user.encode() + b",r=" + cnonce
    reply = client.cmd(b"AUTH\t%d\t" % rid + mech + b"\tservice=smtp" +
                       LOCAL + fields + b"\tresp=" +
                       base64.b64encode(gs2 + first_bare))
    if reply[0] != b"CONT":
        return reply
    server_first = challenge(reply, rid)
    attrs = dict(kv.split(b"=", 1) for kv in server_first.split(b","))
    assert attrs[b"r"].startswith(cnonce)
    salt = base64.b64decode(attrs[b"s"])
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt,
                                 int(attrs[b"i"]))
    client_key = hmac.new(salted, b"Client Key", digest).digest()
    stored_key = hashlib.new(digest, client_key).digest()
    server_key = hmac.new(salted, b"Server Key", digest).digest()
    without_proof = (b"c=" + base64.b64encode(gs2 + cbind) + b",r=" +
                     attrs[b"r"])
    auth_message = first_bare + b"," + server_first + b"," + without_proof
    sig = hmac.new(stored_key, auth_message, digest).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    reply = client.cont(rid, without_proof + b",p=" +
                        base64.b64encode(proof))
    if reply[0] != b"CONT":
        return reply
    server_final = challenge(reply, rid)
    want = hmac.new(server_key, auth_message, digest).digest()
    assert server_final == b"v=" + base64.b64encode(want)
    return client.cont(rid, b"")


def test_mechanisms_announced(mech_roost):
    a = AuthClient(mech_roost.auth_port)
    assert a.mechs["PLAIN"] == ["plaintext"]
    assert "CRAM-MD5" in a.mechs
    assert a.mechs["SCRAM-SHA-256"] == ["mutual-auth"]
    # Postfix must not list -PLUS (it cannot send channel binding)
    assert a.mechs["SCRAM-SHA-256-PLUS"] == ["mutual-auth", "private"]
    assert "OAUTHBEARER" not in a.mechs
    a.close()


def test_cram_md5(mech_roost):
    a = AuthClient(mech_roost.auth_port)
    # Dovecot's stored CRAM-MD5 context, and a PLAIN password
    assert cram_md5(a, 1, CRAM_USER, PASSWORD)[:3] == \
        [b"OK", b"1", b"user=" + CRAM_USER.encode()]
    assert cram_md5(a, 2, ALICE[0], ALICE[1])[:2] == [b"OK", b"2"]
    assert cram_md5(a, 3, CRAM_USER, "wrong")[:2] == [b"FAIL", b"3"]
    assert cram_md5(a, 4, "nobody@example.org", "x")[:2] == [b"FAIL", b"4"]
    # a scheme that cannot do CRAM-MD5 (SCRAM stored secret)
    assert cram_md5(a, 5, SCRAM_USER, PASSWORD)[:2] == [b"FAIL", b"5"]
    # garbage answer
    challenge(a.cmd(b"AUTH\t6\tCRAM-MD5\tservice=smtp" + LOCAL), 6)
    assert a.cont(6, b"no-digest")[:2] == [b"FAIL", b"6"]
    a.close()


def test_scram_sha256(mech_roost):
    a = AuthClient(mech_roost.auth_port)
    assert scram(a, 1, SCRAM_USER, PASSWORD)[:3] == \
        [b"OK", b"1", b"user=" + SCRAM_USER.encode()]
    assert scram(a, 2, ALICE[0], ALICE[1])[:2] == [b"OK", b"2"]
    assert scram(a, 3, ALICE[0], ALICE[1], mech=b"SCRAM-SHA-1",
                 digest="sha1")[:2] == [b"OK", b"3"]
    assert scram(a, 4, SCRAM_USER, "wrong")[:2] == [b"FAIL", b"4"]
    assert scram(a, 5, "nobody@example.org", "x")[:2] == [b"FAIL", b"5"]
    # -PLUS: refused without channel binding data, works with it
    reply = scram(a, 6, SCRAM_USER, PASSWORD, mech=b"SCRAM-SHA-256-PLUS",
                  gs2=b"p=tls-exporter,,", cbind=b"x" * 32)
    assert reply[:2] == [b"FAIL", b"6"]
    cb = b"\tsecured\tcbind_type=tls-exporter\tcbind_data=" + \
        base64.b64encode(b"x" * 32)
    reply = scram(a, 7, SCRAM_USER, PASSWORD, mech=b"SCRAM-SHA-256-PLUS",
                  fields=cb, gs2=b"p=tls-exporter,,", cbind=b"x" * 32)
    assert reply[:2] == [b"OK", b"7"]
    reply = scram(a, 8, SCRAM_USER, PASSWORD, mech=b"SCRAM-SHA-256-PLUS",
                  fields=cb, gs2=b"p=tls-exporter,,", cbind=b"y" * 32)
    assert reply[:2] == [b"FAIL", b"8"]
    # downgrade: "y" although -PLUS was offered with channel binding
    reply = scram(a, 9, SCRAM_USER, PASSWORD, fields=cb, gs2=b"y,,")
    assert reply[:2] == [b"FAIL", b"9"]
    a.close()


def test_cleartext_refused_without_tls(mech_roost):
    a = AuthClient(mech_roost.auth_port)
    ir = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0" +
                          ALICE[1].encode())
    reply = a.cmd(b"AUTH\t1\tPLAIN\tservice=smtp\tlip=127.0.0.1\t"
                  b"rip=192.0.2.7\tresp=" + ir)
    assert reply[:2] == [b"FAIL", b"1"]
    assert b"code=privacy_required" in reply
    assert any(f.startswith(b"reason=Plaintext authentication")
               for f in reply), reply
    reply = a.cmd(b"AUTH\t2\tPLAIN\tservice=smtp\tlip=127.0.0.1\t"
                  b"rip=192.0.2.7\tsecured\tresp=" + ir)
    assert reply[:2] == [b"OK", b"2"]
    # CRAM-MD5 does not send the password: allowed
    reply = a.cmd(b"AUTH\t3\tCRAM-MD5\tservice=smtp\tlip=127.0.0.1\t"
                  b"rip=192.0.2.7")
    assert reply[:2] == [b"CONT", b"3"]
    a.close()
