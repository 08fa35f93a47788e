# SPDX-License-Identifier: MIT
"""Debian's fetchmail against roost-pop3: --keep (UIDL-based, nothing
fetched twice), then without --keep (retrieved messages deleted), into a
local MDA; counts and content hashes checked."""
import hashlib
import os
import shutil
import subprocess

import pytest

from conftest import ALICE, deliver, make_message
from pop3util import stored_messages

FETCHMAIL = shutil.which("fetchmail")
pytestmark = pytest.mark.skipif(FETCHMAIL is None,
                                reason="fetchmail not installed (./dev)")


def digest(msg):
    """fetchmail hands the MDA LF line ends: compare in that form."""
    return hashlib.sha256(msg.replace(b"\r\n", b"\n")).hexdigest()


def run_fetchmail(r, home, out, keep, fetch_all=False):
    rc = home / "fetchmailrc"
    rc.write_text(
        "set no syslog\n"
        f"poll 127.0.0.1 protocol pop3 port {r.pop3_port} uidl\n"
        f'  user "{ALICE[0]}" there with password "{ALICE[1]}"\n'
        f"  {'keep' if keep else 'nokeep'} {'fetchall' if fetch_all else ''}"
        # no TLS yet: without this fetchmail tries STLS unasked
        f" sslproto ''"
        f' mda "{home}/mda.sh"\n')
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=str(home))
    proc = subprocess.run(
        [FETCHMAIL, "-f", str(rc), "-i", str(home / "fetchids"),
         "--invisible", "--norewrite", "--nodetach", "-v"],
        env=env, capture_output=True, text=True, timeout=60)
    # 0: mail fetched, 1: no mail (fetchmail(1) EXIT CODES)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc.returncode


def delivered(out):
    return sorted(digest(f.read_bytes()) for f in out.iterdir())


def test_fetchmail_keep_then_delete(roost, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mda = tmp_path / "mda.sh"
    mda.write_text(f'#!/bin/sh\nexec cat > "{out}/msg.$$"\n')
    os.chmod(mda, 0o755)
    for i in range(5):
        deliver(roost, [ALICE[0]], make_message(i, size_hint=i * 40))
    # a body line starting with "." must survive the round trip
    deliver(roost, [ALICE[0]],
            b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\nend\r\n")
    first = stored_messages(roost)
    assert len(first) == 6

    # --keep: everything once, nothing deleted
    assert run_fetchmail(roost, tmp_path, out, keep=True) == 0
    assert delivered(out) == sorted(digest(m) for m in first)
    p = roost.pop3_login()
    assert p.stat()[0] == 6
    p.quit()

    # again: the UIDLs are known, nothing new
    assert run_fetchmail(roost, tmp_path, out, keep=True) == 1
    assert len(list(out.iterdir())) == 6

    # two new ones, then without --keep: only the new ones are fetched
    # (UIDL), and deleted on the server
    for i in range(2):
        deliver(roost, [ALICE[0]], make_message(100 + i))
    everything = stored_messages(roost)
    new = everything[6:]
    for f in out.iterdir():
        f.unlink()
    assert run_fetchmail(roost, tmp_path, out, keep=False) == 0
    assert delivered(out) == sorted(digest(m) for m in new)
    p = roost.pop3_login()
    assert p.stat()[0] == 6
    p.quit()

    # fetchall without keep: everything left, then the maildrop is empty
    for f in out.iterdir():
        f.unlink()
    assert run_fetchmail(roost, tmp_path, out, keep=False,
                         fetch_all=True) == 0
    assert delivered(out) == sorted(digest(m) for m in first)
    p = roost.pop3_login()
    assert p.stat() == (0, 0)
    p.quit()
