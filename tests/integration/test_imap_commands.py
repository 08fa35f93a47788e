# SPDX-License-Identifier: MIT
"""roost-imap commands of RFC 3501 / RFC 9051 and the issue 7 extensions,
each with positive and negative cases (imaplib, raw sockets where imaplib
cannot send the command)."""
import imaplib
import re
import socket

import pytest

from conftest import ALICE, Roost, deliver, make_message


class Raw:
    """A raw IMAP connection: send bytes, read until the tagged reply."""

    def __init__(self, r, login=True):
        self.s = socket.create_connection(("127.0.0.1", r.imap_port),
                                          timeout=10)
        self.f = self.s.makefile("rb")
        assert self.f.readline().startswith(b"* OK")
        if login:
            self.cmd(b"L LOGIN alice@example.org alice-pw")

    def send(self, data):
        self.s.sendall(data)

    def readline(self):
        return self.f.readline()

    def until(self, tag):
        lines = []
        while True:
            line = self.f.readline()
            assert line, b"".join(lines)
            lines.append(line)
            if line.startswith(tag + b" "):
                return lines

    def cmd(self, line, tag=None):
        tag = tag or line.split(b" ", 1)[0]
        self.send(line + b"\r\n")
        lines = self.until(tag)
        return lines

    def close(self):
        self.s.close()


def status(lines):
    return lines[-1].split(b" ", 2)[1]


CAPS = ("IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- ENABLE ID IDLE NAMESPACE "
        "UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS "
        "SPECIAL-USE UTF8=ACCEPT MULTIAPPEND APPENDLIMIT=52428800 BINARY "
        "STATUS=SIZE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE").split()


def test_capability_after_login_matches(roost):
    c = roost.imap_login()
    typ, data = c.capability()
    assert typ == "OK"
    assert data[0].decode().split() == CAPS
    # The tagged OK of LOGIN carries the same list.
    raw = Raw(roost, login=False)
    raw.send(b"a LOGIN alice@example.org alice-pw\r\n")
    line = raw.readline()
    assert line.startswith(b"a OK [CAPABILITY ")
    assert line.split(b"[CAPABILITY ")[1].split(b"]")[0].decode().split() \
        == CAPS
    assert status(raw.cmd(b"b CAPABILITY x")) == b"BAD"
    c.logout()


def test_enable_and_namespace(roost):
    raw = Raw(roost)
    lines = raw.cmd(b"a ENABLE IMAP4rev2 CONDSTORE")
    assert lines[0] == b"* ENABLED IMAP4rev2\r\n"
    # Again: nothing newly enabled.
    assert raw.cmd(b"b ENABLE IMAP4rev2")[0] == b"* ENABLED\r\n"
    assert status(raw.cmd(b"c ENABLE")) == b"BAD"
    assert raw.cmd(b"d NAMESPACE")[0] == b'* NAMESPACE (("" "/")) NIL NIL\r\n'
    assert status(raw.cmd(b"e NAMESPACE x")) == b"BAD"
    raw.cmd(b"f SELECT INBOX")
    # ENABLE only in the authenticated state (RFC 5161 3.1).
    assert status(raw.cmd(b"g ENABLE UTF8=ACCEPT")) == b"BAD"


def test_create_delete_rename(roost):
    c = roost.imap_login()
    assert c.create("Work/Projects/")[0] == "OK"      # trailing / dropped
    assert c.create("Work/Projects")[0] == "NO"       # exists
    assert c.create("INBOX")[0] == "NO"
    assert c.create("Work")[0] == "NO"                # parent made too
    assert c.create("../etc")[0] == "NO"
    typ, data = c.list('""', "Work*")
    names = [d.decode() for d in data]
    assert '(\\HasChildren) "/" Work' in names   # parent created too
    assert '(\\HasNoChildren) "/" Work/Projects' in names
    assert c.rename("Work", "Job")[0] == "OK"
    typ, data = c.list('""', "Job/*")
    assert data == [b'(\\HasNoChildren) "/" Job/Projects']
    assert c.rename("Nope", "Other")[0] == "NO"
    assert c.rename("Job", "INBOX")[0] == "NO"
    assert c.delete("INBOX")[0] == "NO"
    assert c.delete("Job/Projects")[0] == "OK"
    assert c.delete("Job/Projects")[0] == "NO"
    typ, data = c.select("Job/Projects")
    assert typ == "NO"
    c.logout()


def test_rename_inbox_moves_messages(roost):
    for i in range(2):
        deliver(roost, [ALICE[0]], make_message(i))
    c = roost.imap_login()
    assert c.rename("INBOX", "Old")[0] == "OK"
    assert c.status("Old", "(MESSAGES)")[1] == [b"Old (MESSAGES 2)"]
    assert c.status("INBOX", "(MESSAGES)")[1] == [b"INBOX (MESSAGES 0)"]
    c.logout()


def test_subscribe_lsub_and_list_extended(roost):
    c = roost.imap_login()
    c.create("A/B")
    c.create("C")
    assert c.subscribe("A/B")[0] == "OK"
    assert c.subscribe("Gone")[0] == "OK"          # need not exist
    typ, data = c.lsub('""', "*")
    names = [d.decode() for d in data]
    assert '() "/" A/B' in names and '() "/" Gone' in names
    typ, data = c.lsub('""', "%")
    assert '(\\Noselect) "/" A' in [d.decode() for d in data]
    raw = Raw(roost)
    lines = raw.cmd(b'a LIST (SUBSCRIBED) "" "*"')
    text = b"".join(lines).decode()
    assert '* LIST (\\HasNoChildren \\Subscribed) "/" A/B' in text
    assert '* LIST (\\NonExistent \\Subscribed) "/" Gone' in text
    lines = raw.cmd(b'b LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    text = b"".join(lines).decode()
    assert '"/" A ("CHILDINFO" ("SUBSCRIBED"))' in text
    assert status(raw.cmd(b'c LIST (RECURSIVEMATCH) "" "*"')) == b"BAD"
    assert status(raw.cmd(b'd LIST (BOGUS) "" "*"')) == b"BAD"
    lines = raw.cmd(b'e LIST "" ("A" "C") RETURN (SUBSCRIBED CHILDREN)')
    text = b"".join(lines).decode()
    assert '* LIST (\\HasChildren) "/" A' in text
    assert '* LIST (\\HasNoChildren) "/" C' in text
    lines = raw.cmd(b'f LIST (SPECIAL-USE) "" "*"')
    text = b"".join(lines).decode()
    assert "\\Sent" in text and "\\Trash" in text and '"/" C' not in text
    lines = raw.cmd(b'g LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT))')
    text = b"".join(lines).decode()
    assert "* STATUS C (MESSAGES 0 UIDNEXT 1)" in text
    assert "* STATUS A (MESSAGES 0 UIDNEXT 1)" in text
    assert status(raw.cmd(b'h LIST "" "*" RETURN (STATUS (BOGUS))')) == b"BAD"
    assert raw.cmd(b'i LIST "" ""')[0] == b'* LIST (\\Noselect) "/" ""\r\n'
    assert c.unsubscribe("A/B")[0] == "OK"
    typ, data = c.lsub('""', "A/*")
    assert data == [None]
    c.logout()


def test_status(roost):
    for i in range(3):
        deliver(roost, [ALICE[0]], make_message(i))
    c = roost.imap_login()
    typ, data = c.status("INBOX", "(MESSAGES RECENT UIDNEXT UIDVALIDITY "
                                  "UNSEEN DELETED SIZE DELETED-STORAGE)")
    assert typ == "OK"
    m = re.match(rb"INBOX \(MESSAGES 3 RECENT 3 UIDNEXT 4 UIDVALIDITY \d+ "
                 rb"UNSEEN 3 DELETED 0 SIZE (\d+) DELETED-STORAGE 0\)",
                 data[0])
    assert m, data
    for bad in ("(BOGUS)", "()", "(HIGHESTMODSEQ)"):
        with pytest.raises(imaplib.IMAP4.error, match="BAD|STATUS item"):
            c.status("INBOX", bad)
    assert c.status("Nope", "(MESSAGES)")[0] == "NO"
    c.select("INBOX")
    c.store("1", "+FLAGS", "\\Deleted")
    typ, data = c.status("INBOX", "(DELETED DELETED-STORAGE)")
    assert re.match(rb"INBOX \(DELETED 1 DELETED-STORAGE [1-9]\d*\)",
                    data[0]), data
    c.logout()


def test_append_multiappend_and_appenduid(roost):
    raw = Raw(roost)
    lines = raw.cmd(b'a STATUS INBOX (UIDVALIDITY)')
    uidv = re.search(rb"UIDVALIDITY (\d+)", lines[0]).group(1)
    msg = make_message(1)
    raw.send(b'b APPEND INBOX (\\Seen $Label1) "05-Oct-2026 10:00:00 +0200" '
             b'{%d}\r\n' % len(msg))
    assert raw.readline().startswith(b"+ ")
    raw.send(msg + b"\r\n")
    line = raw.until(b"b")[-1]
    assert line == b"b OK [APPENDUID %s 1] Append completed.\r\n" % uidv
    # MULTIAPPEND with LITERAL+ (no continuation).
    raw.send(b"c APPEND INBOX {%d+}\r\n%s (\\Flagged) {%d+}\r\n%s\r\n"
             % (len(msg), msg, len(msg), msg))
    line = raw.until(b"c")[-1]
    assert line == b"c OK [APPENDUID %s 2:3] Append completed.\r\n" % uidv
    raw.cmd(b"d SELECT INBOX")
    lines = raw.cmd(b"e FETCH 1:3 (FLAGS INTERNALDATE)")
    text = b"".join(lines)
    assert b'1 FETCH (FLAGS (\\Seen \\Recent $Label1) INTERNALDATE ' \
        b'" 5-Oct-2026 10:00:00 +0200")' in text
    assert b"3 FETCH (FLAGS (\\Flagged \\Recent)" in text
    # Errors: no such mailbox (TRYCREATE), bad date, bad flag.
    raw.send(b"f APPEND Nope {3+}\r\nabc\r\n")
    assert b"NO [TRYCREATE]" in raw.until(b"f")[-1]
    raw.send(b'g APPEND INBOX "99-Foo-2026 10:00:00 +0200" {3+}\r\nabc\r\n')
    assert status(raw.until(b"g")) == b"BAD"
    raw.send(b"h APPEND INBOX (\\Bogus) {3+}\r\nabc\r\n")
    assert status(raw.until(b"h")) == b"BAD"
    # Nothing of the failed commands was saved; the connection works.
    lines = raw.cmd(b"i NOOP")
    assert status(lines) == b"OK"
    assert raw.cmd(b"j STATUS INBOX (MESSAGES)")[0] == \
        b"* STATUS INBOX (MESSAGES 3)\r\n"


def test_append_limit_and_atomic_multiappend(roost):
    raw = Raw(roost)
    # A synchronizing literal over APPENDLIMIT: NO [TOOBIG] before data.
    raw.send(b"a APPEND INBOX {52428801}\r\n")
    assert raw.readline() == b"a NO [TOOBIG] Message too large.\r\n"
    # Non-synchronizing: the data is read and dropped, then NO; the
    # connection stays usable. The first message of the MULTIAPPEND is
    # not kept either (all or nothing).
    big = b"x" * (1024 * 1024)
    raw.cmd(b"b NOOP")
    raw.s.sendall(b"c APPEND INBOX {3+}\r\nabc {52428801+}\r\n")
    sent = 0
    while sent < 52428801:
        n = min(len(big), 52428801 - sent)
        raw.s.sendall(big[:n])
        sent += n
    raw.s.sendall(b"\r\n")
    assert raw.until(b"c")[-1] == b"c NO [TOOBIG] Message too large.\r\n"
    assert raw.cmd(b"d STATUS INBOX (MESSAGES)")[0] == \
        b"* STATUS INBOX (MESSAGES 0)\r\n"


def test_copy_move_uidplus(roost):
    for i in range(4):
        deliver(roost, [ALICE[0]], make_message(i))
    raw = Raw(roost)
    raw.cmd(b"a CREATE Dest")
    uidv = re.search(rb"UIDVALIDITY (\d+)",
                     raw.cmd(b"b STATUS Dest (UIDVALIDITY)")[0]).group(1)
    raw.cmd(b"c SELECT INBOX")
    assert raw.cmd(b"d COPY 1:2 Dest")[-1] == \
        b"d OK [COPYUID %s 1:2 1:2] Copy completed.\r\n" % uidv
    assert b"[TRYCREATE]" in raw.cmd(b"e COPY 1 Nowhere")[-1]
    assert status(raw.cmd(b"f COPY 9 Dest")) == b"BAD"
    lines = raw.cmd(b"g UID MOVE 3:4 Dest")
    assert lines[0] == b"* OK [COPYUID %s 3:4 3:4] Moved.\r\n" % uidv
    assert lines[1:3] == [b"* 4 EXPUNGE\r\n", b"* 3 EXPUNGE\r\n"]
    assert lines[-1] == b"g OK Move completed.\r\n"
    assert raw.cmd(b"h UID COPY 100:200 Dest")[-1].startswith(b"h OK")
    lines = raw.cmd(b"i MOVE 1 Dest")
    assert b"* 1 EXPUNGE\r\n" in lines
    assert raw.cmd(b"j STATUS Dest (MESSAGES)")[0] == \
        b"* STATUS Dest (MESSAGES 5)\r\n"
    raw.cmd(b"k EXAMINE Dest")
    assert b"[READ-ONLY]" in raw.cmd(b"l MOVE 1 INBOX")[-1]


def test_uid_expunge(roost):
    for i in range(4):
        deliver(roost, [ALICE[0]], make_message(i))
    raw = Raw(roost)
    raw.cmd(b"a SELECT INBOX")
    raw.cmd(b"b STORE 1:4 +FLAGS.SILENT (\\Deleted)")
    lines = [l for l in raw.cmd(b"c UID EXPUNGE 2:3")
             if not l.endswith(b" RECENT\r\n")]
    assert lines == [b"* 3 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n",
                     b"c OK Expunge completed.\r\n"]
    assert status(raw.cmd(b"d UID EXPUNGE")) == b"BAD"
    lines = raw.cmd(b"e FETCH 1:* UID")
    assert b"UID 1" in lines[0] and b"UID 4" in lines[1]


def test_store_keywords(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    raw = Raw(roost)
    raw.cmd(b"a SELECT INBOX")
    lines = raw.cmd(b"b STORE 1 +FLAGS ($Important Work)")
    text = b"".join(lines)
    assert b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft " \
        b"$Important Work)" in text
    assert b"* 1 FETCH (FLAGS (\\Recent $Important Work))" in text
    lines = raw.cmd(b"c STORE 1 -FLAGS (Work)")
    assert b"FLAGS (\\Recent $Important)" in lines[0]
    lines = raw.cmd(b"d STORE 1 FLAGS (\\Seen)")
    assert b"FLAGS (\\Seen \\Recent)" in lines[0]
    assert status(raw.cmd(b"e STORE 1 +FLAGS (\\Recent)")) == b"BAD"
    assert status(raw.cmd(b"f STORE 1 +FLAGS (bad[kw)")) == b"BAD"
    lines = raw.cmd(b"g SELECT INBOX")
    assert b"\\*)] Flags permitted" in b"".join(lines)


def test_search_keys_and_charsets(roost):
    msgs = [
        b"From: Alice <alice@example.net>\r\nTo: bob@example.org\r\n"
        b"Subject: hello world\r\nDate: Mon, 5 Oct 2026 10:00:00 +0000\r\n"
        b"\r\nfirst body with needle\r\n",
        b"From: Bob <bob@example.net>\r\nTo: alice@example.org\r\n"
        b"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n"
        b"Date: Tue, 6 Oct 2026 10:00:00 +0000\r\n\r\nsecond body\r\n",
    ]
    for m in msgs:
        deliver(roost, [ALICE[0]], m)
    c = roost.imap_login()
    c.select("INBOX")
    assert c.search(None, "ALL") == ("OK", [b"1 2"])
    assert c.search(None, "FROM", "alice") == ("OK", [b"1"])
    assert c.search(None, "BODY", "needle") == ("OK", [b"1"])
    assert c.search(None, "TEXT", "second") == ("OK", [b"2"])
    assert c.search(None, "NOT", "FROM", "alice") == ("OK", [b"2"])
    assert c.search(None, "OR", "SUBJECT", "hello", "BODY", "second") == \
        ("OK", [b"1 2"])
    assert c.search(None, "SENTON", "6-Oct-2026") == ("OK", [b"2"])
    assert c.search(None, "SENTBEFORE", "6-Oct-2026") == ("OK", [b"1"])
    assert c.search(None, "LARGER", "1", "SMALLER", "100000") == \
        ("OK", [b"1 2"])
    assert c.search(None, "HEADER", "To", "bob") == ("OK", [b"1"])
    assert c.search(None, "2:*") == ("OK", [b"2"])
    assert c.uid("SEARCH", "UID", "2") == ("OK", [b"2"])
    assert c.search(None, "NEW") == ("OK", [b"1 2"])
    assert c.search(None, "(SEEN)") == ("OK", [b""])
    assert c.search(None, "UNKEYWORD", "foo") == ("OK", [b"1 2"])
    # UTF-8 and a legacy charset find the decoded subject.
    assert c.search("UTF-8", "SUBJECT", b'"' + "Grüße".encode() + b'"') \
        == ("OK", [b"2"])
    assert c.search("ISO-8859-1", "SUBJECT",
                    b'"' + "Grüße".encode("latin-1") + b'"') == ("OK", [b"2"])
    # 8-bit bytes are not atoms (RFC 9051 ATOM-CHAR is 7-bit).
    with pytest.raises(imaplib.IMAP4.error, match="atom"):
        c.search("UTF-8", "SUBJECT", "Grüße".encode())
    typ, data = c.search("X-NO-SUCH", "ALL")
    assert typ == "NO" and b"[BADCHARSET (" in data[0]
    for bad in (["FROM"], ["BOGUS"], ["SINCE", "junk"], ["LARGER", "-1"],
                ["OR", "ALL"], ["(", ")"]):
        with pytest.raises(imaplib.IMAP4.error):
            c.search(None, *bad)
    raw = Raw(roost)
    raw.cmd(b"a SELECT INBOX")
    lines = raw.cmd(b"b SEARCH RETURN (MIN MAX COUNT) ALL")
    assert lines[0] == b'* ESEARCH (TAG "b") MIN 1 MAX 2 COUNT 2\r\n'
    c.logout()


def test_fetch_binary(roost):
    msg = (b"From: a@example.net\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"caf=C3=A9\r\n"
           b"--XX\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n"
           b"--XX\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: x-unknown\r\n\r\nzzz\r\n--XX--\r\n")
    deliver(roost, [ALICE[0]], msg)
    raw = Raw(roost)
    raw.cmd(b"a SELECT INBOX")
    lines = raw.cmd(b"b FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[2])")
    text = b"".join(lines)
    assert b"BINARY[1] {5}\r\ncaf\xc3\xa9" in text
    assert b"BINARY.SIZE[2] 4" in text
    lines = raw.cmd(b"c FETCH 1 (BINARY.PEEK[2])")
    assert b"BINARY[2] ~{4}\r\n\x00\x01\x02\x03" in b"".join(lines)
    lines = raw.cmd(b"d FETCH 1 (BINARY.PEEK[1]<1.2>)")
    assert b"BINARY[1]<1> {2}\r\naf" in b"".join(lines)
    assert b"NO [UNKNOWN-CTE]" in raw.cmd(b"e FETCH 1 BINARY.PEEK[3]")[-1]
    lines = raw.cmd(b"f FETCH 1 (BINARY.PEEK[9])")
    assert b"BINARY[9] NIL" in lines[0]
    assert status(raw.cmd(b"g FETCH 1 BINARY[1.MIME]")) == b"BAD"
    assert status(raw.cmd(b"h FETCH 1 BINARY.SIZE[1]<0.5>")) == b"BAD"
    lines = raw.cmd(b"i FETCH 1 (FLAGS)")
    assert b"\\Seen" not in lines[0]                    # PEEK
    lines = raw.cmd(b"j FETCH 1 (BINARY[1])")
    assert b"\\Seen" in b"".join(lines)


def test_quota(tmp_path):
    r = Roost()
    text = r.users.read_text().splitlines()
    text[0] += "userdb_quota_rule=*:storage=4K:messages=3"
    r.users.write_text("\n".join(text) + "\n")
    r.start()
    try:
        c = r.imap_login()
        assert c.getquotaroot("INBOX") == \
            ("OK", [[b'INBOX ""'], [b'"" (STORAGE 0 4 MESSAGE 0 3)']])
        assert c.getquota('""') == \
            ("OK", [b'"" (STORAGE 0 4 MESSAGE 0 3)'])
        assert c.getquota("other")[0] == "NO"
        assert c.setquota('""', "(STORAGE 10)")[0] == "NO"
        msg = make_message(1)
        for _ in range(2):
            assert c.append("INBOX", None, None, msg)[0] == "OK"
        typ, data = c.getquota('""')
        assert data == [b'"" (STORAGE 1 4 MESSAGE 2 3)'], data
        big = make_message(2, size_hint=120)             # over 4 KiB
        typ, data = c.append("INBOX", None, None, big)
        assert typ == "NO" and b"[OVERQUOTA]" in data[0]
        c.create("Other")
        c.select("INBOX")
        assert c.copy("1", "Other")[0] == "OK"           # 3 messages
        typ, data = c.copy("1", "Other")                 # a 4th: over
        assert typ == "NO" and b"OVERQUOTA" in data[0]
        # MOVE within the one quota root changes nothing: allowed.
        assert c._simple_command("MOVE", "1", "Other")[0] == "OK"
        c.logout()
    finally:
        r.stop()
        r.cleanup()
