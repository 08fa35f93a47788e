# SPDX-License-Identifier: MIT
"""roost-lmtp's protocol (issue 9): RFC 2033 per-recipient replies, the
ESMTP extensions it offers (PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES,
SIZE, CHUNKING, SMTPUTF8), quota, user+detail, the trace headers, loop
detection, timeouts and limits, XCLIENT/XFORWARD, VRFY. smtplib.LMTP where
it can, raw sockets where the exact bytes matter."""
import os
import re
import socket
import time

import pytest

from conftest import ALICE, BOB, Roost, deliver, mail_ids, make_message

CAROL = "carol@example.org"     # quota: 1 kilobyte
DAVE = "dave@example.org"       # quota: 1 message
UTF8_USER = "jösé@example.org"
QUOTA_RULES = {
    "erin@example.org": "*:storage=1KB",        # 1024 bytes
    "frank@example.org": "*:storage=1Q",        # invalid: ignored
    "gina@example.org": "Trash:storage=1",      # one folder: no limit
    "hank@example.org": "*:bytes=100000:messages=5",
}
ENH = re.compile(rb"^\d{3}[ -]\d\.\d{1,3}\.\d{1,3} ")


def add_users(r):
    uid, gid = mail_ids()
    with open(r.users, "a", encoding="utf-8") as f:
        f.write(f"{CAROL}:{{PLAIN}}carol-pw:{uid}:{gid}::::"
                "userdb_quota_rule=*:storage=1\n")
        f.write(f"{DAVE}:{{PLAIN}}dave-pw:{uid}:{gid}::::"
                "userdb_quota_rule=*:messages=1\n")
        f.write(f"{UTF8_USER}:{{PLAIN}}jose-pw:{uid}:{gid}::::\n")
        for user, rule in QUOTA_RULES.items():
            f.write(f"{user}:{{PLAIN}}pw:{uid}:{gid}::::"
                    f"userdb_quota_rule={rule}\n")


def make_roost(extra=""):
    r = Roost(extra_config="lmtp_save_to_detail_mailbox = yes\n" + extra)
    add_users(r)
    r.start()
    return r


@pytest.fixture(scope="module")
def lr():
    r = make_roost()
    yield r
    r.stop()
    r.cleanup()


class Raw:
    """A raw LMTP connection: exact bytes in, reply lines out."""

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout)
        self.f = self.s.makefile("rb")
        self.greeting = self.f.readline()
        assert self.greeting.startswith(b"220 "), self.greeting

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        """One (possibly multi-line) reply: (code, [lines])."""
        lines = []
        while True:
            line = self.f.readline()
            assert line.endswith(b"\r\n"), (line, lines)
            lines.append(line)
            if line[3:4] == b" ":
                return int(line[:3]), lines

    def cmd(self, line):
        self.send(line + b"\r\n")
        return self.reply()

    def lhlo(self):
        code, lines = self.cmd(b"LHLO client.example")
        assert code == 250
        return [l[4:].strip() for l in lines]

    def close(self):
        self.s.close()


def stored_files(r, user, folder=None):
    root = r.maildir(user)
    if folder is not None:
        root = root / ("." + folder)
    out = []
    for d in ("new", "cur"):
        p = root / d
        if p.exists():
            out += [(p / n).read_bytes() for n in sorted(os.listdir(p))]
    return out


def make_folder(r, user, name):
    """A Maildir++ folder as lib-storage lays it out (doc/storage.md)."""
    uid, gid = mail_ids()
    root = r.maildir(user)
    for p in (root.parent, root, root / ("." + name)):
        p.mkdir(mode=0o700, exist_ok=True)
        os.chown(p, uid, gid)
    for sub in ("cur", "new", "tmp"):
        p = root / ("." + name) / sub
        p.mkdir(mode=0o700, exist_ok=True)
        os.chown(p, uid, gid)
    marker = root / ("." + name) / "maildirfolder"
    marker.touch()
    os.chown(marker, uid, gid)


def imap_count(r, user_pw, folder="INBOX"):
    c = r.imap_login(user_pw)
    typ, data = c.select(folder)
    assert typ == "OK", data
    c.logout()
    return int(data[0])


def test_lhlo_capabilities_and_enhanced_codes(lr):
    c = Raw(lr.lmtp_port)
    caps = c.lhlo()
    for cap in (b"PIPELINING", b"8BITMIME", b"ENHANCEDSTATUSCODES",
                b"CHUNKING", b"SMTPUTF8", b"SIZE 52428800"):
        assert cap in caps, caps
    # TCP from 127.0.0.1 is not in lmtp_trusted_networks
    assert not any(c_.startswith(b"XCLIENT") for c_ in caps)
    # every reply after LHLO carries an enhanced status code (RFC 2034)
    transcript = []
    for line in (b"NOOP", b"MAIL FROM:<a@example.net>",
                 b"RCPT TO:<nobody@example.org>", b"RCPT TO:<alice@example.org>",
                 b"VRFY alice@example.org", b"RSET", b"BOGUS", b"DATA",
                 b"MAIL FROM:<a@example.net> FOO=bar", b"QUIT"):
        transcript += c.cmd(line)[1]
    for line in transcript:
        assert ENH.match(line), line
    c.close()


def test_mixed_recipients(lr):
    msg = make_message(1)
    rcpts = [ALICE[0], "nobody@example.org", CAROL, BOB[0]]
    big = make_message(2, size_hint=40)          # > 1 KiB: over carol's quota
    res = deliver(lr, rcpts, big)
    assert res["nobody@example.org"][0] == 550
    assert res["nobody@example.org"][1].startswith(b"5.1.1")
    assert res[ALICE[0]][0] == 250 and res[BOB[0]][0] == 250, res
    assert res[CAROL] == (552, res[CAROL][1]) and \
        res[CAROL][1].startswith(b"5.2.2"), res
    assert stored_files(lr, CAROL) == []
    # message limit: the first fits, the second not
    assert deliver(lr, [DAVE], msg)[DAVE][0] == 250
    res = deliver(lr, [DAVE, ALICE[0]], make_message(3))
    assert res[DAVE][0] == 552 and res[ALICE[0]][0] == 250, res
    assert len(stored_files(lr, DAVE)) == 1


def test_quota_tempfail_and_rcpt_check():
    r = make_roost("quota_full_tempfail = yes\nlmtp_rcpt_check_quota = yes\n")
    try:
        assert deliver(r, [DAVE], make_message(1))[DAVE][0] == 250
        res = deliver(r, [DAVE, ALICE[0]], make_message(2))
        # refused at RCPT already, as a temporary failure
        assert res[DAVE][0] == 452 and res[DAVE][1].startswith(b"4.2.2"), res
        assert res[ALICE[0]][0] == 250
        # too big for carol: refused after DATA, 452 too
        res = deliver(r, [CAROL], make_message(3, size_hint=40))
        assert res[CAROL][0] == 452 and res[CAROL][1].startswith(b"4.2.2")
    finally:
        r.stop()
        r.cleanup()


def body_of(stored):
    """The message after our trace fields (a shared single copy has no
    Delivered-To:)."""
    m = re.match(rb"Return-Path: <[^>]*>\r\n(Delivered-To: [^\r]+\r\n)?"
                 rb"Received: [^\r]*\r\n(\t[^\r]*\r\n)+", stored)
    assert m, stored[:300]
    return stored[m.end():]


def test_dot_stuffing_round_trip(lr):
    msg = (b"Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\n...three\r\n"
           b"x.\r\n. \r\nend\r\n")
    before = len(stored_files(lr, BOB[0]))
    assert deliver(lr, [BOB[0]], msg)[BOB[0]][0] == 250
    got = stored_files(lr, BOB[0])
    assert len(got) == before + 1
    assert msg in [body_of(g) for g in got]


def test_bare_lf_stored_as_crlf(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    assert c.cmd(b"MAIL FROM:<lf@example.net>")[0] == 250
    assert c.cmd(b"RCPT TO:<alice+lf@example.org>")[0] == 250
    assert c.cmd(b"DATA")[0] == 354
    c.send(b"Subject: bare lf\nX-Test: lf-only\n\nline one\n..dot\nlast\n.\n")
    code, lines = c.reply()
    assert code == 250, lines
    c.close()
    got = [g for g in stored_files(lr, ALICE[0]) if b"X-Test: lf-only" in g]
    assert len(got) == 1
    g = got[0]
    assert b"\n" not in g.replace(b"\r\n", b""), g
    assert body_of(g) == (b"Subject: bare lf\r\nX-Test: lf-only\r\n\r\n"
                          b"line one\r\n.dot\r\nlast\r\n")


def test_8bit_and_smtputf8(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    # a UTF-8 address without SMTPUTF8 is refused (RFC 6531 §3.4)
    code, lines = c.cmd("MAIL FROM:<jürgen@exämple.net>".encode())
    assert code == 553 and b"5.6.7" in lines[0], lines
    code, lines = c.cmd("MAIL FROM:<jürgen@exämple.net> SMTPUTF8 "
                        "BODY=8BITMIME".encode())
    assert code == 250, lines
    code, lines = c.cmd(f"RCPT TO:<{UTF8_USER}>".encode())
    assert code == 250, lines
    code, lines = c.cmd(b"RCPT TO:<alice@example.org>")
    assert code == 250, lines
    assert c.cmd(b"DATA")[0] == 354
    body = "Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n\r\nGrüße, 8-bit body\r\n"
    c.send(body.encode() + b".\r\n")
    assert c.reply()[0] == 250
    assert c.reply()[0] == 250
    c.close()
    got = [g for g in stored_files(lr, ALICE[0]) if "Grüße".encode() in g]
    assert len(got) == 1
    assert got[0].startswith("Return-Path: <jürgen@exämple.net>\r\n".encode())
    assert b"with UTF8LMTP" in got[0]
    assert len(stored_files(lr, UTF8_USER)) == 1
    # smtplib with an 8-bit body and BODY=8BITMIME
    with lr.lmtp() as l:
        l.ehlo("x")
        assert l.mail("s@example.net", ["BODY=8BITMIME"])[0] == 250
        assert l.rcpt(BOB[0])[0] == 250
        assert l.data("Subject: 8\r\n\r\nÄÖÜ\r\n".encode())[0] == 250


def test_bdat_chunks(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    parts = [b"Subject: chunked\r\nX-Chunk: yes\r\n", b"\r\nfirst part, ",
             b"a line starting with a dot:\r\n.not stuffed\r\n", b"end\r\n"]
    assert c.cmd(b"MAIL FROM:<chunk@example.net>")[0] == 250
    assert c.cmd(b"RCPT TO:<alice@example.org>")[0] == 250
    assert c.cmd(b"RCPT TO:<bob@example.org>")[0] == 250
    for p in parts[:-1]:
        c.send(b"BDAT %d\r\n" % len(p) + p)
        code, lines = c.reply()
        assert code == 250 and lines[0].startswith(b"250 2.0.0 %d" % len(p))
    # DATA cannot follow BDAT in one transaction
    assert c.cmd(b"DATA")[0] == 503
    c.send(b"BDAT %d LAST\r\n" % len(parts[-1]) + parts[-1])
    assert c.reply()[0] == 250      # alice
    assert c.reply()[0] == 250      # bob
    # BDAT 0 LAST, everything pipelined in one write
    chunk = b"Subject: pipelined\r\n\r\n"
    c.send(b"MAIL FROM:<chunk@example.net>\r\nRCPT TO:<alice@example.org>\r\n"
           b"BDAT %d\r\n%sBDAT 0 LAST\r\n" % (len(chunk), chunk))
    assert [c.reply()[0] for _ in range(4)] == [250, 250, 250, 250]
    # BDAT without a transaction: the chunk is still read, then 503
    c.send(b"BDAT 6 LAST\r\nNOOP\r\nNOOP\r\n")
    assert c.reply()[0] == 503
    assert c.cmd(b"NOOP")[0] == 250
    c.close()
    whole = b"".join(parts)
    assert whole in [body_of(g) for g in stored_files(lr, ALICE[0])]
    assert whole in [body_of(g) for g in stored_files(lr, BOB[0])]
    assert b"Subject: pipelined\r\n\r\n" in \
        [body_of(g) for g in stored_files(lr, ALICE[0])]


def test_size_refusal():
    r = make_roost("lmtp_max_message_size = 2k\n")
    try:
        c = Raw(r.lmtp_port)
        assert b"SIZE 2048" in c.lhlo()
        code, lines = c.cmd(b"MAIL FROM:<a@example.net> SIZE=2049")
        assert code == 552 and b"5.3.4" in lines[0]
        assert c.cmd(b"MAIL FROM:<a@example.net> SIZE=100")[0] == 250
        assert c.cmd(b"RCPT TO:<alice@example.org>")[0] == 250
        assert c.cmd(b"RCPT TO:<bob@example.org>")[0] == 250
        assert c.cmd(b"DATA")[0] == 354
        c.send(b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n" * 0)
        c.send((b"y" * 78 + b"\r\n") * 40 + b".\r\n")
        for _ in range(2):          # one 552 per recipient
            code, lines = c.reply()
            assert code == 552 and b"5.3.4" in lines[0], lines
        # BDAT over the limit: 552 after the chunk, the session goes on
        assert c.cmd(b"MAIL FROM:<a@example.net>")[0] == 250
        assert c.cmd(b"RCPT TO:<alice@example.org>")[0] == 250
        c.send(b"BDAT 3000\r\n" + b"z" * 3000)
        code, lines = c.reply()
        assert code == 552, lines
        assert c.cmd(b"NOOP")[0] == 250
        c.close()
        assert stored_files(r, ALICE[0]) == []
    finally:
        r.stop()
        r.cleanup()


def test_rset_mid_transaction(lr):
    before = len(stored_files(lr, BOB[0]))
    with lr.lmtp() as l:
        l.ehlo("x")
        assert l.mail("s@example.net")[0] == 250
        assert l.rcpt(BOB[0])[0] == 250
        assert l.rset()[0] == 250
        assert l.rcpt(BOB[0])[0] == 503          # no transaction any more
        assert l.mail("s2@example.net")[0] == 250
        assert l.rcpt(BOB[0])[0] == 250
        assert l.data(make_message(5))[0] == 250
    got = stored_files(lr, BOB[0])
    assert len(got) == before + 1
    assert got[-1].startswith(b"Return-Path: <s2@example.net>") or \
        any(g.startswith(b"Return-Path: <s2@example.net>") for g in got)


def test_pipelined_commands(lr):
    c = Raw(lr.lmtp_port)
    msg = make_message(6).replace(b"\r\n.", b"\r\n..")
    c.send(b"LHLO p.example\r\nMAIL FROM:<p@example.net>\r\n"
           b"RCPT TO:<alice@example.org>\r\nRCPT TO:<ghost@example.org>\r\n"
           b"RCPT TO:<bob@example.org>\r\nDATA\r\n")
    codes = [c.reply()[0] for _ in range(6)]
    assert codes == [250, 250, 250, 550, 250, 354], codes
    c.send(msg + b".\r\nNOOP\r\nQUIT\r\n")
    assert [c.reply()[0] for _ in range(4)] == [250, 250, 250, 221]
    c.close()


def test_loop_refusal(lr):
    once = b"Delivered-To: alice@example.org\r\n" + make_message(7)
    twice = b"Delivered-To: alice@example.org\r\n" + once
    res = deliver(lr, [ALICE[0]], once)          # one earlier hop: fine
    assert res[ALICE[0]][0] == 250
    res = deliver(lr, [ALICE[0], BOB[0]], twice)
    assert res[ALICE[0]][0] == 554 and res[ALICE[0]][1].startswith(b"5.4.6")
    assert res[BOB[0]][0] == 250
    assert "mail loop" in lr.log()


def test_detail_delivery(lr):
    make_folder(lr, ALICE[0], "work")
    before_inbox = imap_count(lr, ALICE)
    assert deliver(lr, ["alice+work@example.org"],
                   make_message(8))["alice+work@example.org"][0] == 250
    assert deliver(lr, ["alice+nofolder@example.org"],
                   make_message(9))["alice+nofolder@example.org"][0] == 250
    got = stored_files(lr, ALICE[0], "work")
    assert len(got) == 1
    assert imap_count(lr, ALICE) == before_inbox + 1
    assert got[0].startswith(b"Return-Path: <sender@example.net>\r\n"
                             b"Delivered-To: alice+work@example.org\r\n")
    # the delimiter is a setting, and the base user must exist
    res = deliver(lr, ["ghost+work@example.org"], make_message(10))
    assert res["ghost+work@example.org"][0] == 550


def test_detail_without_setting_goes_to_inbox():
    r = Roost()
    r.start()
    try:
        make_folder(r, ALICE[0], "work")
        res = deliver(r, ["alice+work@example.org"], make_message(1))
        assert res["alice+work@example.org"][0] == 250
        assert stored_files(r, ALICE[0], "work") == []
        assert imap_count(r, ALICE) == 1
    finally:
        r.stop()
        r.cleanup()


def test_trace_headers(lr):
    msg = make_message(11)
    assert deliver(lr, [BOB[0]], msg, sender="trace@example.net")[BOB[0]][0] \
        == 250
    got = [g for g in stored_files(lr, BOB[0]) if g.endswith(msg)]
    assert len(got) == 1
    hdr = got[0][:-len(msg)]
    assert re.fullmatch(
        rb"Return-Path: <trace@example\.net>\r\n"
        rb"Delivered-To: bob@example\.org\r\n"
        rb"Received: from test\.example \(\[127\.0\.0\.1\]\)\r\n"
        rb"\tby \S+ with LMTP id [0-9a-f]{16}\r\n"
        rb"\tfor <bob@example\.org>; \w{3}, \d{1,2} \w{3} \d{4} "
        rb"\d\d:\d\d:\d\d [+-]\d{4}\r\n", hdr), hdr
    # the null sender
    assert deliver(lr, [BOB[0]], make_message(12), sender="")[BOB[0]][0] \
        == 250
    assert any(g.startswith(b"Return-Path: <>\r\n")
               for g in stored_files(lr, BOB[0]))


def test_no_received_header_setting():
    r = make_roost("lmtp_add_received_header = no\n")
    try:
        msg = make_message(1)
        assert deliver(r, [ALICE[0]], msg)[ALICE[0]][0] == 250
        assert stored_files(r, ALICE[0]) == [
            b"Return-Path: <sender@example.net>\r\n"
            b"Delivered-To: alice@example.org\r\n" + msg]
    finally:
        r.stop()
        r.cleanup()


def test_idle_and_data_timeouts():
    r = make_roost("lmtp_timeout = 1s\nlmtp_data_timeout = 2s\n")
    try:
        c = Raw(r.lmtp_port)
        t0 = time.monotonic()
        code, lines = c.reply()
        assert code == 421 and b"4.4.2" in lines[0], lines
        assert time.monotonic() - t0 < 5
        assert c.f.readline() == b""
        c.close()
        # DATA: bytes keep coming (the idle timer never fires) but the
        # message takes longer than lmtp_data_timeout
        c = Raw(r.lmtp_port)
        c.lhlo()
        assert c.cmd(b"MAIL FROM:<slow@example.net>")[0] == 250
        assert c.cmd(b"RCPT TO:<alice@example.org>")[0] == 250
        assert c.cmd(b"DATA")[0] == 354
        t0 = time.monotonic()
        c.s.settimeout(0.4)
        got = b""
        while time.monotonic() - t0 < 6 and b"\r\n" not in got:
            try:
                c.send(b"x")
                got += c.s.recv(1000)
            except socket.timeout:
                continue
            except OSError:
                break
        assert got.startswith(b"421 4.4.2"), got
        assert 1.5 < time.monotonic() - t0 < 5
        c.close()
        assert stored_files(r, ALICE[0]) == []
    finally:
        r.stop()
        r.cleanup()


def test_line_too_long(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    code, lines = c.cmd(b"MAIL FROM:<" + b"a" * 10000 + b"@example.net>")
    assert code == 500 and b"5.5.2" in lines[0], lines
    assert c.cmd(b"NOOP")[0] == 250          # the session goes on
    c.close()


def test_xclient_untrusted_refused(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    code, lines = c.cmd(b"XCLIENT ADDR=192.0.2.7 NAME=mx.example")
    assert code == 550 and b"5.7.0" in lines[0], lines
    code, lines = c.cmd(b"XFORWARD ADDR=192.0.2.7")
    assert code == 550, lines
    assert c.cmd(b"NOOP")[0] == 250
    c.close()


def test_xclient_xforward_trusted():
    r = make_roost("lmtp_trusted_networks = 127.0.0.0/8\n")
    try:
        c = Raw(r.lmtp_port)
        caps = c.lhlo()
        assert any(x.startswith(b"XCLIENT") for x in caps), caps
        assert any(x.startswith(b"XFORWARD") for x in caps), caps
        code, lines = c.cmd(b"XCLIENT ADDR=192.0.2.7 NAME=mx.example "
                            b"HELO=outside.example")
        assert code == 220, lines
        c.lhlo()
        assert c.cmd(b"MAIL FROM:<x@example.net>")[0] == 250
        assert c.cmd(b"RCPT TO:<alice@example.org>")[0] == 250
        assert c.cmd(b"DATA")[0] == 354
        c.send(b"Subject: xclient\r\n\r\nhi\r\n.\r\n")
        assert c.reply()[0] == 250
        # XFORWARD for one transaction (xtext: +20 is a space)
        assert c.cmd(b"XFORWARD ADDR=IPV6:2001:db8::5 HELO=fw+20host")[0] \
            == 250
        assert c.cmd(b"XFORWARD BOGUS=1")[0] == 501
        assert c.cmd(b"MAIL FROM:<y@example.net>")[0] == 250
        assert c.cmd(b"XFORWARD ADDR=192.0.2.9")[0] == 503   # in a transaction
        assert c.cmd(b"RCPT TO:<alice@example.org>")[0] == 250
        assert c.cmd(b"DATA")[0] == 354
        c.send(b"Subject: xforward\r\n\r\nhi\r\n.\r\n")
        assert c.reply()[0] == 250
        c.close()
        got = stored_files(r, ALICE[0])
        x1 = [g for g in got if b"Subject: xclient" in g][0]
        assert b"Received: from outside.example (mx.example [192.0.2.7])" in x1
        x2 = [g for g in got if b"Subject: xforward" in g][0]
        assert b"Received: from fw?host ([2001:db8::5])" in x2, x2
        time.sleep(0.2)
        assert "orig_remote=192.0.2.7" in r.log()
        assert "orig_remote=2001:db8::5" in r.log()
    finally:
        r.stop()
        r.cleanup()


def test_vrfy(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    code, lines = c.cmd(b"VRFY alice@example.org")
    assert code == 252 and lines[0].startswith(b"252 2.5.0"), lines
    c.close()
    r = make_roost("lmtp_vrfy_enabled = yes\n")
    try:
        c = Raw(r.lmtp_port)
        c.lhlo()
        assert c.cmd(b"VRFY <alice@example.org>")[0] == 250
        assert c.cmd(b"VRFY bob+x@example.org")[0] == 250
        code, lines = c.cmd(b"VRFY nobody@example.org")
        assert code == 550 and b"5.1.1" in lines[0]
        assert c.cmd(b"VRFY <<<")[0] == 501
        c.close()
    finally:
        r.stop()
        r.cleanup()


def test_data_without_recipients(lr):
    c = Raw(lr.lmtp_port)
    c.lhlo()
    assert c.cmd(b"MAIL FROM:<a@example.net>")[0] == 250
    assert c.cmd(b"RCPT TO:<nobody@example.org>")[0] == 550
    code, lines = c.cmd(b"DATA")          # RFC 2033 §4.2
    assert code == 503 and b"5.5.1" in lines[0], lines
    c.send(b"BDAT 4 LAST\r\nabcd")
    assert c.reply()[0] == 503
    c.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs")
def test_disk_full_for_one_recipient(lr):
    """bob's Maildir on a tiny tmpfs: bob gets 452 4.3.1, alice 250, and
    nothing partial stays in bob's Maildir; after space is back, bob's
    delivery works."""
    import subprocess
    uid, gid = mail_ids()
    root = lr.maildir(BOB[0])
    assert deliver(lr, [BOB[0]], make_message(20))[BOB[0]][0] == 250
    saved = lr.dir / "bob-saved"
    subprocess.run(["cp", "-a", str(root), str(saved)], check=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o",
                       f"size=256k,uid={uid},gid={gid},mode=0700", "tmpfs",
                       str(root)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        subprocess.run(f"cp -a {saved}/. {root}/", shell=True, check=True)
        before = len(stored_files(lr, BOB[0]))
        big = make_message(21, size_hint=8000)       # ~400 KiB
        res = deliver(lr, [ALICE[0], BOB[0]], big)
        assert res[ALICE[0]][0] == 250, res
        assert res[BOB[0]][0] == 452 and res[BOB[0]][1].startswith(b"4.3.1"), \
            res
        assert len(stored_files(lr, BOB[0])) == before
        assert os.listdir(root / "tmp") == []
        assert deliver(lr, [BOB[0]], make_message(22))[BOB[0]][0] == 250
    finally:
        subprocess.run(["umount", "-l", str(root)])


def file_with(r, user, msg):
    """The one Maildir file of user whose content ends with msg."""
    root = r.maildir(user)
    files = [root / d / n for d in ("new", "cur") for n in os.listdir(root / d)
             if (root / d / n).read_bytes().endswith(msg)]
    assert len(files) == 1, files
    return files[0]


def test_single_copy_hard_links(lr):
    msg = make_message(30, size_hint=40)     # > 1 KiB: over carol's quota
    res = deliver(lr, [ALICE[0], BOB[0], CAROL], msg)
    assert res[ALICE[0]][0] == 250 and res[BOB[0]][0] == 250
    assert res[CAROL][0] == 552           # over quota: not linked
    a, b = file_with(lr, ALICE[0], msg), file_with(lr, BOB[0], msg)
    assert a.stat().st_ino == b.stat().st_ino
    assert a.stat().st_nlink == 2
    stored = a.read_bytes()
    # shared by both: no Delivered-To:, no "for" clause
    assert b"Delivered-To:" not in stored[:-len(msg)]
    assert re.match(rb"Return-Path: <sender@example\.net>\r\n"
                    rb"Received: from test\.example \(\[127\.0\.0\.1\]\)\r\n"
                    rb"\tby \S+ with LMTP id [0-9a-f]{16}; \w{3}, ", stored), \
        stored[:300]
    # both see it over IMAP
    msgid = re.search(rb"<msg30[^>]+>", msg).group(0)
    for user in (ALICE, BOB):
        c = lr.imap_login(user)
        typ, data = c.select("INBOX")
        typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK"
        hits = [i for i in data if isinstance(i, tuple) and msgid in i[1]]
        assert len(hits) == 1, data
        c.logout()
    assert "copy=link" in lr.log()


def test_single_copy_off():
    r = make_roost("lmtp_single_copy = no\n")
    try:
        msg = make_message(1)
        res = deliver(r, [ALICE[0], BOB[0]], msg)
        assert res[ALICE[0]][0] == 250 and res[BOB[0]][0] == 250
        a, b = file_with(r, ALICE[0], msg), file_with(r, BOB[0], msg)
        assert a.stat().st_ino != b.stat().st_ino
        assert b"Delivered-To: alice@example.org\r\n" in a.read_bytes()
        assert b"Delivered-To: bob@example.org\r\n" in b.read_bytes()
    finally:
        r.stop()
        r.cleanup()


def test_quota_rule_forms(lr):
    big = make_message(40, size_hint=40)           # ~2 KiB
    res = deliver(lr, list(QUOTA_RULES), big)
    assert res["erin@example.org"][0] == 552, res
    assert res["frank@example.org"][0] == 250, res
    assert res["gina@example.org"][0] == 250, res
    assert res["hank@example.org"][0] == 250, res
    assert "invalid userdb quota_rule '*:storage=1Q'" in lr.log()
