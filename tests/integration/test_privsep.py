# SPDX-License-Identifier: MIT
"""RELIABILITY.md row 13: only the master keeps root; roost-login is
unprivileged, chrooted and has NoNewPrivs; mail runs as the mail uid."""
import os
import pwd

import pytest

from conftest import IS_ROOT, ALICE, deliver, make_message


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


@pytest.mark.skipif(not IS_ROOT, reason="privilege drop needs root")
def test_process_privileges(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    c = roost.imap_login()
    c.select("INBOX")
    vmail = pwd.getpwnam("vmail").pw_uid
    kids = roost.children()
    seen = set()
    for pid, cmd in kids.items():
        st = status(pid)
        uid = int(st["Uid"][0])
        if "roost-login" in cmd:
            seen.add("login")
            assert uid == pwd.getpwnam("roostnull").pw_uid
            assert uid not in (0, vmail)
            assert os.readlink(f"/proc/{pid}/root") == str(roost.run / "login")
            assert os.listdir(roost.run / "login") == []
            assert st["NoNewPrivs"] == ["1"]
        elif "roost-auth" in cmd:
            seen.add("auth")
            assert uid == pwd.getpwnam("roost").pw_uid
        elif "roost-lmtp" in cmd or "roost-imap" in cmd:
            seen.add("mail")
            assert uid == vmail
            assert st["NoNewPrivs"] == ["1"]
    assert seen == {"login", "auth", "mail"}, kids
    c.logout()
