#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz-auth-protocol: a control byte (see
fuzz-auth-protocol.c), then the client's byte stream, mostly Postfix's
exact lines (src/xsasl/xsasl_dovecot_server.c: "VERSION 1 0", "CPID",
"AUTH <id> <mech> service=smtp nologin lip= rip= [secured] [resp=]").
Run: python3 tests/fuzz/auth-protocol/make-corpus.py"""
import base64
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus"
UNIX, LINGER, DELAYS, PER_IP, NOREAD = 0x08, 0x10, 0x20, 0x40, 0x80
HELLO = "VERSION\t1\t0\nCPID\t4242\n"
A, APW = "alice@example.org", "alice-pw"


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def plain(user, pw):
    return b64(f"\0{user}\0{pw}")


def auth(i, mech, resp=None, lip="127.0.0.1", rip="127.0.0.1",
         secured=False, service="smtp"):
    line = f"AUTH\t{i}\t{mech}\tservice={service}\tnologin\tlip={lip}\trip={rip}"
    if secured:
        line += "\tsecured"
    if resp is not None:
        line += f"\tresp={resp}"
    return line + "\n"


def seed(name, control, text):
    if isinstance(text, str):
        text = text.encode()
    (OUT / name).write_bytes(bytes([control]) + text)


def main():
    OUT.mkdir(exist_ok=True)
    for chunking in range(8):
        seed(f"postfix-plain-ok-chunk{chunking}", chunking,
             HELLO + auth(1, "PLAIN", plain(A, APW)))
    seed("postfix-plain-secured", 0, HELLO + auth(
        1, "PLAIN", plain(A, APW), "192.0.2.1", "198.51.100.7", True))
    seed("postfix-plain-no-initial", 1, HELLO + auth(1, "PLAIN") +
         f"CONT\t1\t{plain(A, APW)}\n")
    seed("postfix-login", 2, HELLO + auth(1, "LOGIN") + f"CONT\t1\t{b64(A)}\n"
         f"CONT\t1\t{b64(APW)}\n")
    seed("postfix-login-initial", 3, HELLO + auth(1, "LOGIN", b64(A)) +
         f"CONT\t1\t{b64(APW)}\n")
    seed("postfix-wrong-then-ok", 4, HELLO +
         auth(1, "PLAIN", plain(A, "nope")) + auth(2, "PLAIN", plain(A, APW)))
    seed("postfix-pipelined", 5, HELLO + "".join(
        auth(i, "PLAIN", plain(A, APW if i % 2 else "x")) for i in range(1, 9)))
    seed("postfix-id-reuse", 0, HELLO + auth(7, "PLAIN", plain(A, APW)) +
         auth(7, "LOGIN", b64("bob@example.org")) + f"CONT\t7\t{b64('bob-pw')}\n")
    # found by the fuzzer: a finished id reused for another user
    seed("id-reuse-other-user", 5, HELLO +
         auth(5, "PLAIN", plain(A, APW)) +
         auth(5, "PLAIN", plain("frank@example.org", "frank-pw")))
    seed("dovecot-login-unix", UNIX, auth(1, "PLAIN", plain(A, APW),
                                          "127.0.0.1", "192.0.2.5", True,
                                          "imap").replace("\tnologin", ""))
    seed("unix-cpid-twice", UNIX, "CPID\t1\n")
    seed("version-1-2", 0, "VERSION\t1\t2\nCPID\t99\n" +
         auth(1, "PLAIN", plain("carol@example.org", "carol-pw")))
    seed("version-2", 0, "VERSION\t2\t0\nCPID\t1\n")
    seed("no-version", 0, "CPID\t1\n" + auth(1, "PLAIN", plain(A, APW)))
    seed("request-before-cpid", 0, "VERSION\t1\t0\n" +
         auth(1, "PLAIN", plain(A, APW)))
    seed("cpid-zero", 0, "VERSION\t1\t0\nCPID\t0\n")
    seed("unknown-mech", 0, HELLO + auth(1, "DIGEST-MD5", b64("x")))
    seed("invalid-base64", 0, HELLO + auth(1, "PLAIN", "!!!notbase64") +
         "CONT\t2\t====\n")
    seed("duplicate-id", 0, HELLO + auth(1, "LOGIN") + auth(1, "LOGIN"))
    seed("cont-unknown-id", 0, HELLO + "CONT\t9\tAAAA\n")
    seed("cont-bad-id", 0, HELLO + "CONT\tx\tAAAA\n")
    seed("auth-no-service", 0, HELLO + "AUTH\t1\tPLAIN\tresp=AAAA\n")
    seed("auth-id-huge", 0, HELLO + auth(4294967295, "PLAIN", plain(A, APW)) +
         auth(4294967296, "PLAIN", plain(A, APW)))
    seed("line-too-long", 0, HELLO + auth(1, "PLAIN", "A" * 9000))
    seed("too-many-fields", 0, HELLO + "AUTH\t1\tPLAIN\tservice=smtp" +
         "\tx" * 70 + "\n")
    seed("tab-escapes", 0, HELLO + "AUTH\t1\tPL\001AIN\tservice=s\001tmtp"
         f"\tnologin\tresp={plain(A, APW)}\001n\n")
    seed("crlf", 6, HELLO.replace("\n", "\r\n") +
         auth(1, "PLAIN", plain(A, APW)).replace("\n", "\r\n"))
    seed("nul-in-line", 0, HELLO.encode() + b"AUTH\t1\tPLAIN\0\tservice=smtp\n")
    seed("last-line-no-lf", 7, HELLO + auth(1, "PLAIN", plain(A, APW))[:-1])
    seed("empty-line", 0, HELLO + "\n")
    seed("unknown-command", 0, HELLO + "HELLO\t1\n")
    seed("nologin-user", 0, HELLO + auth(
        1, "PLAIN", plain("dave@example.org", "dave-pw")))
    seed("trusted-network", 0, HELLO + auth(
        1, "PLAIN", plain(A, APW), "192.0.2.1", "10.1.2.3"))
    seed("insecure-refused", 0, HELLO + auth(
        1, "PLAIN", plain(A, APW), "192.0.2.1", "198.51.100.9"))
    seed("worker-linger", LINGER, HELLO + auth(
        1, "PLAIN", plain("frank@example.org", "frank-pw")))
    seed("worker-abort", 0, HELLO + "".join(
        auth(i, "PLAIN", plain("frank@example.org", "frank-pw"))
        for i in range(1, 5)))
    seed("penalty", DELAYS | LINGER, HELLO + "".join(
        auth(i, "PLAIN", plain(A, f"guess{i}"), "192.0.2.1", "192.0.2.1")
        for i in range(1, 4)) + auth(9, "PLAIN", plain(A, APW)))
    seed("penalty-abort", DELAYS, HELLO + "".join(
        auth(i, "LOGIN", b64(A), "192.0.2.1", "192.0.2.1") +
        f"CONT\t{i}\t{b64('x')}\n" for i in range(1, 4)))
    seed("per-ip-limit", PER_IP | LINGER, HELLO + "".join(
        auth(i, "PLAIN", plain("frank@example.org", "frank-pw"))
        for i in range(1, 6)))
    seed("no-read-backpressure", NOREAD, HELLO + "CONT\t1\tx\n" * 2200)
    seed("no-read-auths", NOREAD | 3, HELLO + "".join(
        auth(i, "LOGIN") for i in range(1, 300)))


if __name__ == "__main__":
    main()
