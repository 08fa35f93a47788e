# SPDX-License-Identifier: MIT
"""FETCH ENVELOPE, BODYSTRUCTURE, BODY and BODY[section] through imaplib.

The 64 corpus messages (tests/mail-corpus) are put into alice's Maildir as
they are; roost-imap must send exactly the ENVELOPE and BODYSTRUCTURE of
each NAME.exp (which crosscheck.py compares with Dovecot), BODY must be
BODYSTRUCTURE without extension data, and every section of the RFC 3501
§6.4.5 example structure must be exactly the bytes it was built from.
"""
import importlib.util
import os
import re
import time
from pathlib import Path

import pytest

from conftest import ALICE, IS_ROOT, Roost, mail_ids

CORPUS = Path(__file__).resolve().parents[1] / "mail-corpus"
_spec = importlib.util.spec_from_file_location("crosscheck",
                                               CORPUS / "crosscheck.py")
cc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cc)

NAMES = sorted(p.stem for p in CORPUS.glob("*.eml"))


def crlf(b):
    return re.sub(rb"(?<!\r)\n", b"\r\n", b)


# ---- the RFC 3501 §6.4.5 example, built from known pieces ----

def part(headers, body):
    return headers + b"\r\n" + body


def multipart(boundary, parts):
    out = b""
    for p in parts:
        out += b"--" + boundary + b"\r\n" + p + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def rfc3501_example():
    """(message bytes, {section: expected bytes})."""
    exp = {}
    p1_body = b"part one, text/plain\r\nsecond line"
    p1_hdr = b"Content-Type: text/plain; charset=us-ascii\r\n"
    p2_hdr = b"Content-Type: application/octet-stream\r\n"
    p2_body = b"AAECAwQF"
    m3_inner = multipart(b"in3", [
        part(b"Content-Type: text/plain\r\n", b"3.1 text"),
        part(b"Content-Type: application/octet-stream\r\n", b"3.2 data")])
    m3_hdr = (b"From: three@example.com\r\nSubject: part 3\r\n"
              b"Content-Type: multipart/mixed; boundary=in3\r\n")
    m3 = m3_hdr + b"\r\n" + m3_inner
    p3_hdr = b"Content-Type: message/rfc822\r\n"
    p41_hdr = (b"Content-Type: image/gif\r\n"
               b"Content-Transfer-Encoding: base64\r\n")
    p41_body = b"R0lGODlhAQABAAAAACw="
    m422 = multipart(b"alt", [
        part(b"Content-Type: text/plain\r\n", b"4.2.2.1 plain"),
        part(b"Content-Type: text/richtext\r\n", b"4.2.2.2 rich")])
    p422_hdr = b"Content-Type: multipart/alternative; boundary=alt\r\n"
    m42_inner = multipart(b"in42", [
        part(b"Content-Type: text/plain\r\n", b"4.2.1 text"),
        part(p422_hdr, m422)])
    m42_hdr = (b"From: four-two@example.com\r\nSubject: part 4.2\r\n"
               b"Content-Type: multipart/mixed; boundary=in42\r\n")
    m42 = m42_hdr + b"\r\n" + m42_inner
    p4_inner = multipart(b"in4", [part(p41_hdr, p41_body),
                                  part(p3_hdr, m42)])
    p4_hdr = b"Content-Type: multipart/mixed; boundary=in4\r\n"
    top_text = multipart(b"top", [part(p1_hdr, p1_body),
                                  part(p2_hdr, p2_body),
                                  part(p3_hdr, m3),
                                  part(p4_hdr, p4_inner)])
    top_hdr = (b"From: Terry <gray@example.edu>\r\nTo: imap@example.edu\r\n"
               b"Subject: structure\r\nX-Extra: one\r\n two\r\n"
               b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=top\r\n")
    msg = top_hdr + b"\r\n" + top_text
    exp["HEADER"] = top_hdr + b"\r\n"
    exp["TEXT"] = top_text
    exp["1"] = p1_body
    exp["1.MIME"] = p1_hdr + b"\r\n"
    exp["2"] = p2_body
    exp["3"] = m3
    exp["3.HEADER"] = m3_hdr + b"\r\n"
    exp["3.TEXT"] = m3_inner
    exp["3.1"] = b"3.1 text"
    exp["3.2"] = b"3.2 data"
    exp["4"] = p4_inner
    exp["4.1"] = p41_body
    exp["4.1.MIME"] = p41_hdr + b"\r\n"
    exp["4.2"] = m42
    exp["4.2.HEADER"] = m42_hdr + b"\r\n"
    exp["4.2.TEXT"] = m42_inner
    exp["4.2.1"] = b"4.2.1 text"
    exp["4.2.2"] = m422
    exp["4.2.2.MIME"] = p422_hdr + b"\r\n"
    exp["4.2.2.1"] = b"4.2.2.1 plain"
    exp["4.2.2.2"] = b"4.2.2.2 rich"
    exp["HEADER.FIELDS (SUBJECT X-EXTRA)"] = \
        b"Subject: structure\r\nX-Extra: one\r\n two\r\n\r\n"
    exp["HEADER.FIELDS.NOT (SUBJECT X-EXTRA MIME-VERSION CONTENT-TYPE)"] = \
        b"From: Terry <gray@example.edu>\r\nTo: imap@example.edu\r\n\r\n"
    exp["3.HEADER.FIELDS (FROM)"] = b"From: three@example.com\r\n\r\n"
    exp["HEADER.FIELDS (NO-SUCH-FIELD)"] = b"\r\n"
    return msg, exp


RFC3501_MSG, RFC3501_EXP = rfc3501_example()
SINGLE_MSG = (b"From: a@example.com\r\nSubject: single\r\n"
              b"Content-Type: text/plain\r\n\r\nonly body\r\n")


def put_messages(r, messages):
    """Write messages into alice's Maildir cur/ (UIDs in name order)."""
    box = r.maildir(ALICE[0])
    uid, gid = mail_ids()
    for d in ("", "cur", "new", "tmp"):
        (box / d).mkdir(parents=True, exist_ok=True)
        os.chown(box / d, uid, gid)
    os.chown(box.parent, uid, gid)
    for i, data in enumerate(messages):
        p = box / "cur" / f"{1700000000 + i}.M{i}P1.fetchtest:2,"
        p.write_bytes(data)
        os.chown(p, uid, gid)


@pytest.fixture(scope="module")
def mime_roost():
    r = Roost()
    msgs = [(CORPUS / f"{n}.eml").read_bytes() for n in NAMES]
    msgs += [RFC3501_MSG, SINGLE_MSG]
    put_messages(r, msgs)
    r.start()
    c = r.imap_login()
    typ, data = c.select("INBOX")
    assert typ == "OK", data
    # identify each message by its content (the order UIDs were given in
    # is the server's business)
    typ, data = c.fetch("1:*", "(UID BODY.PEEK[])")
    assert typ == "OK", data
    by_content = {}
    for item in data:
        if isinstance(item, tuple):
            seq = int(item[0].split()[0])
            by_content[crlf(item[1]).replace(b"\0", b"\x80")] = seq
    seqs = {}
    for i, m in enumerate(msgs):
        key = crlf(m).replace(b"\0", b"\x80")
        if key not in by_content:
            key = crlf(m)
        seqs[i] = by_content.get(key)
    r.seq = seqs
    r.client = c
    yield r
    c.logout()
    r.stop()
    r.cleanup()


def fetch_raw(c, seq, items):
    """One FETCH response as raw bytes (literals inlined)."""
    typ, data = c.fetch(str(seq), items)
    assert typ == "OK", data
    raw = b""
    for d in data:
        if isinstance(d, tuple):
            # imaplib drops the CRLF after "{n}"
            raw += d[0] + b"\r\n" + d[1]
        else:
            raw += d
    return raw


def fetch_items(c, seq, items):
    """{item name: value}; "BODY[HEADER.FIELDS (A B)]" is one name."""
    toks, _ = cc.tokenize(fetch_raw(c, seq, items))
    lst = toks[-1]
    out = {}
    i = 0
    while i < len(lst) - 1:
        name = str(lst[i]).upper()
        if "[" in name and "]" not in name:
            names = " ".join(str(x) if isinstance(x, str) else x.decode()
                             for x in lst[i + 1])
            name = "%s (%s)%s" % (name, names, lst[i + 2])
            i += 2
        out[name] = lst[i + 1]
        i += 2
    return out


def strip_ext(bs):
    """BODYSTRUCTURE -> BODY (RFC 3501 §7.4.2: no extension data)."""
    if isinstance(bs[0], list):
        i = 0
        children = []
        while isinstance(bs[i], list):
            children.append(strip_ext(bs[i]))
            i += 1
        return children + [bs[i]]
    t = bs[0].lower() if isinstance(bs[0], bytes) else b""
    st = bs[1].lower() if isinstance(bs[1], bytes) else b""
    if t == b"text":
        return bs[:8]
    if t == b"message" and st == b"rfc822":
        return bs[:7] + [bs[7], strip_ext(bs[8]), bs[9]]
    return bs[:7]


@pytest.mark.parametrize("name", NAMES)
def test_corpus_envelope_bodystructure(mime_roost, name):
    seq = mime_roost.seq[NAMES.index(name)]
    assert seq is not None, "message not found in the mailbox"
    exp_bs, exp_env = cc.load_exp(name)
    got = fetch_items(mime_roost.client, seq,
                      "(ENVELOPE BODYSTRUCTURE BODY)")
    assert got["BODYSTRUCTURE"] == exp_bs, cc.fmt(got["BODYSTRUCTURE"])
    assert got["ENVELOPE"] == exp_env, cc.fmt(got["ENVELOPE"])
    assert got["BODY"] == strip_ext(exp_bs), cc.fmt(got["BODY"])


def rfc3501_seq(r):
    return r.seq[len(NAMES)]


@pytest.mark.parametrize("section", sorted(RFC3501_EXP))
def test_rfc3501_sections(mime_roost, section):
    c = mime_roost.client
    seq = rfc3501_seq(mime_roost)
    got = fetch_items(c, seq, f"(BODY.PEEK[{section}])")
    key = f"BODY[{section}]"
    assert key in got, got.keys()
    assert got[key] == RFC3501_EXP[section]


def test_partial_and_peek(mime_roost):
    c = mime_roost.client
    seq = rfc3501_seq(mime_roost)
    exp = RFC3501_EXP["4.2.1"]
    got = fetch_items(c, seq, "(BODY.PEEK[4.2.1]<2.3>)")
    assert got["BODY[4.2.1]<2>"] == exp[2:5]
    got = fetch_items(c, seq, "(BODY.PEEK[4.2.1]<6.100>)")
    assert got["BODY[4.2.1]<6>"] == exp[6:]
    got = fetch_items(c, seq, "(BODY.PEEK[4.2.1]<500.10>)")
    assert got["BODY[4.2.1]<500>"] == b""
    got = fetch_items(c, seq,
                      "(BODY.PEEK[HEADER.FIELDS (SUBJECT X-EXTRA)]<0.9>)")
    assert got["BODY[HEADER.FIELDS (SUBJECT X-EXTRA)]<0>"] == b"Subject: "
    got = fetch_items(c, seq, "(FLAGS)")
    assert b"\\Seen" not in [f for f in got["FLAGS"]]
    # without PEEK: \Seen is set and reported in the same response
    got = fetch_items(c, seq, "(BODY[1])")
    assert got["BODY[1]"] == RFC3501_EXP["1"]
    assert "\\Seen" in [str(f) for f in got["FLAGS"]]


def test_missing_parts_and_single_part(mime_roost):
    c = mime_roost.client
    seq = rfc3501_seq(mime_roost)
    got = fetch_items(c, seq, "(BODY.PEEK[9] BODY.PEEK[1.1] "
                      "BODY.PEEK[2.HEADER])")
    assert got["BODY[9]"] == cc.NIL
    assert got["BODY[1.1]"] == cc.NIL
    assert got["BODY[2.HEADER]"] == b""
    single = mime_roost.seq[len(NAMES) + 1]
    hdr, body = SINGLE_MSG.split(b"\r\n\r\n", 1)
    got = fetch_items(c, single, "(BODY.PEEK[1] BODY.PEEK[TEXT] "
                      "BODY.PEEK[1.MIME] BODY.PEEK[2] RFC822.HEADER)")
    assert got["BODY[1]"] == body
    assert got["BODY[TEXT]"] == body
    assert got["BODY[1.MIME]"] == hdr + b"\r\n\r\n"
    assert got["BODY[2]"] == cc.NIL
    assert got["RFC822.HEADER"] == hdr + b"\r\n\r\n"


def test_macros_and_uid_fetch(mime_roost):
    c = mime_roost.client
    seq = rfc3501_seq(mime_roost)
    got = fetch_items(c, seq, "ALL")
    assert set(got) >= {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"}
    got = fetch_items(c, seq, "FULL")
    assert "BODY" in got and "ENVELOPE" in got
    typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (FROM)])")
    assert typ == "OK"
    assert any(isinstance(d, tuple) and d[1].startswith(b"From:")
               for d in data)


@pytest.mark.parametrize("items", [
    "(BODY[HEADER.FIELDS])", "(BODY[HEADER.FIELDS ()])", "(BODY[0])",
    "(BODY[1.0])", "(BODY[MIME])", "(BODY[1.])", "(BODY[TEXT.MIME])",
    "(BODY[1]<1>)", "(BODY[1]<0.0>)", "(BODY[HEADER.FIELDS (A:B)])",
    "(BODY[99999999999])", "(ENVELOPEX)", "(BODY[1)",
])
def test_bad_sections(mime_roost, items):
    c = mime_roost.client
    tag = c._new_tag()
    c.send(tag + b" FETCH 1 " + items.encode() + b"\r\n")
    while True:
        line = c._get_line()
        if line.startswith(tag):
            break
    assert line.startswith(tag + b" BAD"), line
    assert c.noop()[0] == "OK"


def test_limits_from_settings():
    """mail_max_mime_parts and mail_max_mime_depth from roost.conf: past
    them the structure stops, the message is still served whole."""
    r = Roost(extra_config="mail_max_mime_parts = 3\n"
                           "mail_max_mime_depth = 1\n")
    msg = multipart(b"o", [part(b"Content-Type: text/plain\r\n", b"a"),
                           part(b"Content-Type: text/plain\r\n", b"b"),
                           part(b"Content-Type: text/plain\r\n", b"c"),
                           part(b"Content-Type: text/plain\r\n", b"d")])
    msg = b"Content-Type: multipart/mixed; boundary=o\r\n\r\n" + msg
    try:
        put_messages(r, [msg])
        r.start()
        c = r.imap_login()
        c.select("INBOX")
        got = fetch_items(c, 1, "(BODYSTRUCTURE BODY.PEEK[])")
        bs = got["BODYSTRUCTURE"]
        children = [x for x in bs if isinstance(x, list) and
                    x[0] == b"text"]
        assert len(children) == 2, cc.fmt(bs)   # root + 2 parts = 3
        assert got["BODY[]"] == msg
        c.logout()
    finally:
        r.stop()
        r.cleanup()
