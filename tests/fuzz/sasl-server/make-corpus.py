#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz-sasl-server (see fuzz-sasl-server.c for
the input format): control byte, then responses separated by 0xFF.
Run from anywhere: python3 tests/fuzz/sasl-server/make-corpus.py"""
import base64
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus"
SEP = b"\xff"
PLAIN, LOGIN, CRAM, SCRAM = 0, 1, 2, 3
INITIAL, SECURED, INSECURE, CBIND, PLUS, MAXID = 4, 8, 0x18, 0x20, 0x40, 0x80
CBIND_RAW = base64.b64decode("Zm9vYmFyYmF6cm9vc3QtZnV6ei1jYmluZC1kYXRhMTI=")
A, APW = b"alice@example.org", b"alice-pw"
B, BPW = b"bob@example.org", b"bob-pw"


def seed(name, control, *responses):
    (OUT / name).write_bytes(bytes([control]) + SEP.join(responses))


def plain(user, pw, authz=b""):
    return authz + b"\0" + user + b"\0" + pw


def main():
    OUT.mkdir(exist_ok=True)
    seed("plain-ok-initial", PLAIN | INITIAL, plain(A, APW))
    seed("plain-ok-cont", PLAIN, plain(A, APW))
    seed("plain-ok-secured", PLAIN | INITIAL | SECURED, plain(A, APW))
    seed("plain-ok-authzid", PLAIN | INITIAL, plain(A, APW, A))
    seed("plain-ok-max-id", PLAIN | INITIAL | MAXID, plain(A, APW))
    seed("plain-ok-sha256", PLAIN | INITIAL, plain(b"carol@example.org",
                                                    b"carol-pw"))
    seed("plain-ok-crypt-worker", PLAIN | INITIAL,
         plain(b"frank@example.org", b"frank-pw"))
    seed("plain-ok-scram-stored", PLAIN | INITIAL, plain(B, BPW))
    seed("plain-wrong-pw", PLAIN | INITIAL, plain(A, b"alice-pX"))
    seed("plain-unknown-user", PLAIN | INITIAL, plain(b"mallory", APW))
    seed("plain-nologin", PLAIN | INITIAL, plain(b"dave@example.org",
                                                 b"dave-pw"))
    seed("plain-other-authzid", PLAIN | INITIAL, plain(A, APW, B))
    seed("plain-three-nuls", PLAIN | INITIAL, plain(A, APW) + b"\0x")
    seed("plain-insecure", PLAIN | INITIAL | INSECURE, plain(A, APW))
    seed("plain-empty-initial", PLAIN | INITIAL, b"")
    seed("plain-oversized", PLAIN | INITIAL, b"\0" + A + b"\0" + b"A" * 5000)
    seed("plain-user-tab", PLAIN | INITIAL, plain(b"alice\tnologin", APW))
    seed("plain-user-lf", PLAIN | INITIAL, plain(b"x\nuserdb_uid=0", APW))
    seed("login-ok", LOGIN, A, APW)
    seed("login-ok-initial", LOGIN | INITIAL, A, APW)
    seed("login-empty-initial", LOGIN | INITIAL, b"", A, APW)
    seed("login-aborted", LOGIN, A)
    seed("login-wrong", LOGIN, A, b"wrong")
    seed("login-nul", LOGIN, A + b"\0", APW)
    seed("login-insecure", LOGIN | INSECURE, A, APW)
    seed("cram-ok", CRAM, A + b" *")
    seed("cram-wrong", CRAM, A + b" 0123456789abcdef0123456789ABCDEF")
    seed("cram-stored-unusable", CRAM, B + b" *")
    seed("cram-initial", CRAM | INITIAL, A + b" *")
    seed("cram-malformed", CRAM, b"alice")
    scram_final = b"c=biws,r=*,p=*"
    seed("scram-ok-plain", SCRAM | INITIAL,
         b"n,,n=alice@example.org,r=rOprNGfwEbeRWgbNEkqO", scram_final, b"")
    seed("scram-ok-stored", SCRAM | INITIAL,
         b"n,,n=bob@example.org,r=rOprNGfwEbeRWgbNEkqO", scram_final, b"")
    seed("scram-ok-no-initial", SCRAM,
         b"n,,n=bob@example.org,r=abcdef", scram_final, b"")
    seed("scram-ok-authzid", SCRAM | INITIAL,
         b"n,a=bob@example.org,n=bob@example.org,r=abc",
         b"c=" + base64.b64encode(b"n,a=bob@example.org,") + b",r=*,p=*",
         b"")
    gs2 = b"p=tls-exporter,,"
    seed("scram-plus-ok", SCRAM | INITIAL | PLUS,
         gs2 + b"n=bob@example.org,r=xyz",
         b"c=" + base64.b64encode(gs2 + CBIND_RAW) + b",r=*,p=*", b"")
    seed("scram-plus-wrong-cbind", SCRAM | INITIAL | PLUS,
         gs2 + b"n=bob@example.org,r=xyz",
         b"c=" + base64.b64encode(gs2 + b"x" * 32) + b",r=*,p=*", b"")
    seed("scram-downgrade-y", SCRAM | INITIAL | CBIND,
         b"y,,n=bob@example.org,r=abc", b"c=eSws,r=*,p=*", b"")
    seed("scram-wrong-proof", SCRAM | INITIAL,
         b"n,,n=bob@example.org,r=abc",
         b"c=biws,r=*,p=" + base64.b64encode(b"\0" * 32), b"")
    seed("scram-unknown-user", SCRAM | INITIAL,
         b"n,,n=nobody@example.org,r=abc",
         b"c=biws,r=*,p=" + base64.b64encode(b"\1" * 32), b"")
    seed("scram-nonce-mismatch", SCRAM | INITIAL,
         b"n,,n=bob@example.org,r=abc", b"c=biws,r=abc,p=*", b"")
    seed("scram-extra-after-v", SCRAM | INITIAL,
         b"n,,n=bob@example.org,r=abc", scram_final, b"x")
    seed("scram-aborted", SCRAM | INITIAL, b"n,,n=bob@example.org,r=abc")
    seed("scram-saslname", SCRAM | INITIAL, b"n,,n=a=2Cb=3Dc,r=abc",
         scram_final, b"")
    seed("scram-bad-saslname", SCRAM | INITIAL, b"n,,n=a=2,r=abc")
    seed("scram-mext", SCRAM | INITIAL, b"n,,m=x,n=bob@example.org,r=abc")
    seed("scram-nologin", SCRAM | INITIAL,
         b"n,,n=dave@example.org,r=abc", scram_final, b"")


if __name__ == "__main__":
    main()
