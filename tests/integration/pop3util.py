# SPDX-License-Identifier: MIT
"""Helpers shared by the test_pop3_*.py files."""
import os
import re
import poplib
import socket
import time

from conftest import ALICE, Roost, deliver, mail_ids, make_message


def stored_messages(r, user=ALICE):
    """The messages of user's INBOX as stored, in UID order (IMAP)."""
    c = r.imap_login(user)
    typ, data = c.select("INBOX", readonly=True)
    assert typ == "OK"
    out = {}
    if int(data[0]):
        typ, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
        assert typ == "OK", data
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                out[uid] = item[1]
    c.logout()
    return [out[u] for u in sorted(out)]


def fill(r, count, user=ALICE, size_hint=0):
    """Deliver count messages over LMTP; returns every stored message of
    the INBOX (as IMAP gives them, in UID order)."""
    for i in range(count):
        msg = make_message(i, user[0], size_hint=size_hint)
        res = deliver(r, [user[0]], msg)
        assert res[user[0]][0] == 250, res
    return stored_messages(r, user)


def cmd(p, line):
    """One raw command; returns the status line (bytes)."""
    p._putcmd(line)
    return p._getline()[0]


def multiline(p, line):
    """A command with a multi-line answer: (status, [lines])."""
    resp, lines, _ = p._longcmd(line)
    return resp, lines


def write_maildir_file(r, user, name, data):
    """Put a message file into the user's Maildir new/ the way a foreign
    MDA would (bare LF allowed), owned by the mail uid."""
    root = r.maildir(user[0])
    if not (root / "new").exists():
        # the first login creates the Maildir
        p = r.pop3_login(user)
        p.quit()
    path = root / "new" / name
    path.write_bytes(data)
    uid, gid = mail_ids()
    os.chown(path, uid, gid)
    return path


def raw_pop3(r):
    s = socket.create_connection(("127.0.0.1", r.pop3_port), timeout=10)
    f = s.makefile("rb")
    assert f.readline().startswith(b"+OK")
    return s, f


def wait_for(pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def roost_with(config):
    r = Roost(extra_config=config)
    r.start()
    return r


def login_error(r, user=ALICE):
    """Log in and return the -ERR line of PASS (or None on success)."""
    p = r.pop3()
    p.user(user[0])
    try:
        p.pass_(user[1])
    except poplib.error_proto as e:
        try:
            p.close()
        except OSError:
            pass
        return e.args[0]
    p.quit()
    return None


def drop(p):
    """Drop the connection without QUIT. (p.sock.close() alone is not
    enough: poplib's makefile() keeps the socket open.)"""
    p.file.close()
    p.sock.close()
