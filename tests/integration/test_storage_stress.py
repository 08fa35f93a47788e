# SPDX-License-Identifier: MIT
"""Storage crash safety and concurrency (issue 6), through the storage API.

tests/stress/storage-torture.c (built as tests/unit/lib-storage/
storage-torture) does the work and keeps a journal of what the API
acknowledged; its "check" mode verifies the Maildir and the index against
the journal.
"""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import BUILD

TORTURE = BUILD / "tests" / "unit" / "lib-storage" / "storage-torture"

pytestmark = pytest.mark.skipif(not TORTURE.exists(),
                                reason=f"{TORTURE} not built")


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="roost-stress-"))
    yield d
    subprocess.run(["umount", "-l", str(d / "small")],
                   stderr=subprocess.DEVNULL, check=False)
    shutil.rmtree(d, ignore_errors=True)


def run(*args, timeout=120):
    return subprocess.run([str(TORTURE), *map(str, args)], timeout=timeout,
                          capture_output=True, text=True)


def check(maildir, journal):
    res = run("check", maildir, journal)
    assert res.returncode == 0 and res.stdout.startswith("OK"), \
        res.stdout + res.stderr
    return int(res.stdout.split()[1])


def test_kill9_during_operations(workdir):
    """kill -9 at random points of save/copy/move/expunge/flag/keyword
    updates, 200 times: no acknowledged message lost, no UID reused, the
    index consistent with the files (checked after every 50 kills)."""
    maildir, journal = workdir / "Maildir", workdir / "journal"
    rng = random.Random(6)
    for i in range(200):
        proc = subprocess.Popen([str(TORTURE), "run", str(maildir),
                                 str(journal), str(i + 1), "1000000"],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.003, 0.06))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err.decode()
        if i % 50 == 49:
            check(maildir, journal)
    saves = check(maildir, journal)
    assert saves > 200


def test_parallel_savers_and_readers(workdir):
    """8 processes save 60 messages each into one INBOX while 2 sessions
    sync, read and flag: every message present exactly once, UIDs unique
    and ascending per saver, no reader sees a bad view."""
    maildir = workdir / "Maildir"
    readers = [subprocess.Popen([str(TORTURE), "reader", str(maildir), "6"],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    savers = [subprocess.Popen([str(TORTURE), "save", str(maildir),
                                str(workdir / f"journal{i}"), f"p{i}", "60"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
              for i in range(8)]
    for p in savers + readers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.startswith("OK"), out + err
    uids = []
    for i in range(8):
        lines = (workdir / f"journal{i}").read_text().splitlines()
        assert len(lines) == 60
        mine = [int(line.split()[2]) for line in lines]
        assert mine == sorted(mine)
        uids += mine
    assert len(set(uids)) == 480
    # every token present exactly once, view == disk
    merged = workdir / "journal"
    merged.write_text("".join((workdir / f"journal{i}").read_text()
                              for i in range(8)))
    assert check(maildir, merged) == 480
    files = list((maildir / "cur").iterdir()) + \
        list((maildir / "new").iterdir())
    assert len(files) == 480


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="mounting a small tmpfs needs root")
def test_enospc_while_saving(workdir):
    """A 2 MiB tmpfs fills up: the save fails with MAIL_ERROR_NOSPACE,
    nothing half-written is visible, tmp/ is empty, and after expunging a
    few messages saving works again with a consistent index."""
    small = workdir / "small"
    small.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m",
                          "tmpfs", str(small)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {res.stderr.strip()}")
    res = run("enospc", small / "Maildir")
    assert res.returncode == 0 and "OK" in res.stdout, \
        res.stdout + res.stderr
    assert "Not enough disk space" in res.stdout
