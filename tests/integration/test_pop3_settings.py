# SPDX-License-Identifier: MIT
"""POP3 settings: what QUIT does to DELEted messages, \\Seen after RETR,
and the UIDL formats (doc/pop3.md, doc/migration.md)."""
import hashlib
import re

import pytest

from conftest import ALICE
from pop3util import fill, roost_with, write_maildir_file


def imap_flags(r):
    """{uid: flags string} of alice's INBOX."""
    c = r.imap_login()
    c.select("INBOX", readonly=True)
    typ, data = c.uid("FETCH", "1:*", "(UID FLAGS)")
    c.logout()
    out = {}
    for d in data:
        m = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", d)
        out[int(m.group(1))] = m.group(2).decode()
    return out


def imap_uidvalidity(r):
    c = r.imap_login()
    c.select("INBOX", readonly=True)
    uv = int(c.response("UIDVALIDITY")[1][0])
    c.logout()
    return uv


@pytest.fixture
def settings_roost(request):
    r = roost_with(request.param)
    yield r
    r.stop()
    r.cleanup()


def test_retr_marks_seen_and_top_does_not(roost):
    fill(roost, 3)
    p = roost.pop3_login()
    p.retr(1)
    p.top(2, 0)
    p.quit()
    flags = imap_flags(roost)
    assert "\\Seen" in flags[1]
    assert "\\Seen" not in flags[2] and "\\Seen" not in flags[3]
    # also when the session is dropped without QUIT
    p = roost.pop3_login()
    p.retr(3)
    p.close()
    for _ in range(50):
        if "\\Seen" in imap_flags(roost)[3]:
            break
    assert "\\Seen" in imap_flags(roost)[3]


@pytest.mark.parametrize("settings_roost", ["pop3_no_flag_updates = yes"],
                         indirect=True)
def test_no_flag_updates(settings_roost):
    r = settings_roost
    fill(r, 1)
    p = r.pop3_login()
    p.retr(1)
    p.quit()
    assert "\\Seen" not in imap_flags(r)[1]


@pytest.mark.parametrize("settings_roost", ["pop3_delete_type = flag"],
                         indirect=True)
def test_delete_type_flag(settings_roost):
    r = settings_roost
    fill(r, 3)
    p = r.pop3_login()
    p.dele(2)
    p.quit()
    flags = imap_flags(r)
    assert sorted(flags) == [1, 2, 3]          # kept for IMAP
    assert "\\Deleted" in flags[2]
    p = r.pop3_login()
    assert p.stat()[0] == 2                     # hidden from POP3
    p.quit()


@pytest.mark.parametrize("settings_roost",
                         ["pop3_deleted_flag = $POP3Deleted"],
                         indirect=True)
def test_deleted_flag_keyword(settings_roost):
    r = settings_roost
    stored = fill(r, 3)
    p = r.pop3_login()
    uidl = p.uidl()[1]
    p.dele(1)
    p.dele(3)
    p.quit()
    flags = imap_flags(r)
    assert sorted(flags) == [1, 2, 3]          # kept for IMAP
    assert "\\Deleted" not in flags[1]
    # the keyword, as Dovecot stores it: a letter in the file name
    root = r.maildir(ALICE[0])
    letters = {line.split()[1]: chr(ord("a") + int(line.split()[0]))
               for line in (root / "dovecot-keywords").read_text()
               .splitlines()}
    letter = letters["$POP3Deleted"]
    names = sorted(f.name for f in (root / "cur").iterdir())
    marked = [n for n in names if letter in n.split(":2,")[1]]
    assert len(marked) == 2
    p = r.pop3_login()
    assert p.stat() == (1, len(stored[1]))
    assert p.uidl()[1] == [b"1 " + uidl[1].split()[1]]
    p.quit()


def test_default_uidl_format_is_dovecots(roost):
    fill(roost, 2)
    uv = imap_uidvalidity(roost)
    p = roost.pop3_login()
    # %08Xu%08Xv: Dovecot's X gives lower-case hex
    assert p.uidl()[1] == [f"{n} {n:08x}{uv:08x}".encode()
                           for n in (1, 2)]
    p.quit()


UIDL_CASES = [
    ("%v-%u", lambda uv, uid, fn, md5: f"{uv}-{uid}"),
    ("UID%u-%v", lambda uv, uid, fn, md5: f"UID{uid}-{uv}"),
    ("%f", lambda uv, uid, fn, md5: fn),
    ("%g", lambda uv, uid, fn, md5: fn),
    ("%Cf", lambda uv, uid, fn, md5: fn.replace("+", "+2B")),
    ("%m", lambda uv, uid, fn, md5: md5),
    ("%08XUu%08XUv", lambda uv, uid, fn, md5: f"{uid:08X}{uv:08X}"),
    ("%08Xv%08Xu", lambda uv, uid, fn, md5: f"{uv:08x}{uid:08x}"),
    ("%4f", lambda uv, uid, fn, md5: fn[:4]),
    ("%%%u", lambda uv, uid, fn, md5: f"%{uid}"),
]


@pytest.mark.parametrize("fmt,expect", UIDL_CASES)
def test_uidl_formats(fmt, expect):
    r = roost_with(f"pop3_uidl_format = {fmt}")
    try:
        header = b"Subject: uidl\r\nX-N: 1\r\n"
        write_maildir_file(r, ALICE, "1700000001.M1P2+x.host",
                           header + b"\r\nbody\r\n")
        uv = imap_uidvalidity(r)
        md5 = hashlib.md5(header).hexdigest()
        p = r.pop3_login()
        got = p.uidl(1).split()[2].decode()
        p.quit()
        assert got == expect(uv, 1, "1700000001.M1P2+x.host", md5)
    finally:
        r.stop()
        r.cleanup()
