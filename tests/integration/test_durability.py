# SPDX-License-Identifier: MIT
"""RELIABILITY.md row 16: for one LMTP delivery, fsync(file) happens before
the link into new/, which happens before fsync(new/), which happens before
the "250" reaches the socket. Checked with strace on the running
roost-lmtp."""
import re
import shutil
import subprocess
import time

import pytest

from conftest import ALICE, deliver, make_message


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_lmtp_fsync_order(roost):
    lmtp = [pid for pid, cmd in roost.children().items() if "roost-lmtp" in cmd]
    assert len(lmtp) == 1
    out = roost.dir / "strace.out"
    tracer = subprocess.Popen(
        ["strace", "-f", "-tt", "-o", str(out), "-e",
         "trace=openat,linkat,link,renameat,renameat2,rename,fsync,"
         "fdatasync,sendto,write", "-p", str(lmtp[0])],
        stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # let strace attach
    res = deliver(roost, [ALICE[0]], make_message(1))
    assert res[ALICE[0]][0] == 250
    time.sleep(0.2)
    tracer.terminate()
    tracer.wait(timeout=10)
    lines = out.read_text().splitlines()

    def first(pattern, after=0):
        for i in range(after, len(lines)):
            if re.search(pattern, lines[i]):
                return i
        raise AssertionError(f"{pattern} not found after line {after}:\n"
                             + "\n".join(lines))

    # the message file created in tmp/ and its fd
    create = first(r'openat\(\d+, "[^"]+", O_WRONLY\|O_CREAT\|O_EXCL')
    fd = re.search(r"= (\d+)$", lines[create]).group(1)
    fsync_file = first(rf"fsync\({fd}\)", create)
    link = first(r"linkat\(|link\(|renameat2?\(", fsync_file)
    new_fd = re.search(r"linkat\(\d+, \"[^\"]+\", (\d+),", lines[link])
    assert new_fd, lines[link]
    fsync_dir = first(rf"fsync\({new_fd.group(1)}\)", link)
    reply = first(r'(sendto|write)\(\d+, "250 2\.0\.0', fsync_dir)
    assert create < fsync_file < link < fsync_dir < reply
