# SPDX-License-Identifier: MIT
"""Real IMAP clients against roost-imap: mbsync (Debian isync) syncing
three folders and 300 messages both ways, a second and third run that
change nothing; offlineimap3 one-way sync."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ALICE, deliver, make_message

MBSYNC = shutil.which("mbsync")
OFFLINEIMAP = shutil.which("offlineimap")
FOLDERS = ["INBOX", "Lists", "Work"]


def fill(roost, per_folder=100):
    c = roost.imap_login()
    for name in FOLDERS[1:]:
        assert c.create(name)[0] == "OK"
    for i in range(per_folder):
        deliver(roost, [ALICE[0]], make_message(i))
        for name in FOLDERS[1:]:
            flags = "(\\Seen)" if i % 3 == 0 else None
            assert c.append(name, flags, None,
                            make_message(1000 + i))[0] == "OK"
    c.logout()


def server_state(roost):
    """{folder: (count, seen, flagged, uidnext)}"""
    c = roost.imap_login()
    out = {}
    for name in FOLDERS:
        typ, data = c.select(name, readonly=True)
        count = int(data[0])
        seen = len(c.search(None, "SEEN")[1][0].split())
        flagged = len(c.search(None, "FLAGGED")[1][0].split())
        uidnext = c.status(name, "(UIDNEXT)")[1][0]
        out[name] = (count, seen, flagged, uidnext)
    c.logout()
    return out


def local_files(root, folder):
    path = root / folder
    return sorted(p for sub in ("cur", "new") for p in (path / sub).iterdir())


def mbsync(cfg):
    p = subprocess.run([MBSYNC, "-c", str(cfg), "-a"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout + p.stderr


@pytest.mark.skipif(MBSYNC is None, reason="mbsync (Debian isync) missing")
def test_mbsync_two_way(roost, tmp_path):
    fill(roost)
    local = tmp_path / "mail"
    local.mkdir()
    cfg = tmp_path / "mbsyncrc"
    cfg.write_text(f"""IMAPAccount roost
Host 127.0.0.1
Port {roost.imap_port}
User {ALICE[0]}
Pass {ALICE[1]}
SSLType None
AuthMechs LOGIN

IMAPStore far
Account roost

MaildirStore near
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel roost
Far :far:
Near :near:
Patterns INBOX Lists Work
Create Both
Expunge Both
SyncState *
""")
    mbsync(cfg)
    for name in FOLDERS:
        files = local_files(local, name)
        assert len(files) == 100, (name, len(files))
        seen = sum(1 for f in files if "S" in f.name.split(":2,")[-1])
        assert seen == (34 if name != "INBOX" else 0), (name, seen)
    # Local changes: flag 5 in Work, delete 2 in Lists, add one to INBOX.
    work = local_files(local, "Work")
    for f in work[:5]:
        base, _, flags = f.name.partition(":2,")
        f.rename(f.parent.parent / "cur" / (base + ":2," +
                                            "".join(sorted(flags + "F"))))
    for f in local_files(local, "Lists")[:2]:
        f.unlink()
    (local / "INBOX" / "new" / "1.local.msg").write_bytes(
        make_message(5000).replace(b"\r\n", b"\n"))
    mbsync(cfg)
    state = server_state(roost)
    assert state["Work"][0] == 100 and state["Work"][2] == 5, state
    assert state["Lists"][0] == 98, state
    assert state["INBOX"][0] == 101, state
    # A run with nothing to do changes nothing on either side.
    before_local = {n: [f.name for f in local_files(local, n)]
                    for n in FOLDERS}
    mbsync(cfg)
    assert server_state(roost) == state
    assert {n: [f.name for f in local_files(local, n)]
            for n in FOLDERS} == before_local


@pytest.mark.skipif(OFFLINEIMAP is None, reason="offlineimap3 missing")
def test_offlineimap_one_way(roost, tmp_path):
    fill(roost, per_folder=20)
    local = tmp_path / "oi"
    cfg = tmp_path / "offlineimaprc"
    cfg.write_text(f"""[general]
accounts = roost
metadata = {tmp_path}/meta
ui = quiet

[Account roost]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {local}

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {roost.imap_port}
remoteuser = {ALICE[0]}
remotepass = {ALICE[1]}
ssl = no
starttls = no
readonly = True
folderfilter = lambda f: f in {FOLDERS!r}
""")
    env = dict(os.environ, HOME=str(tmp_path))
    p = subprocess.run([OFFLINEIMAP, "-c", str(cfg), "-o", "-u", "quiet"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    for name in FOLDERS:
        files = [f for sub in ("cur", "new")
                 for f in (local / name / sub).iterdir()]
        assert len(files) == 20, (name, len(files), p.stdout + p.stderr)
    # Seen flags came across.
    seen = [f for f in (local / "Lists" / "cur").iterdir()
            if "S" in f.name.split(":2,")[-1]]
    assert len(seen) == 7
