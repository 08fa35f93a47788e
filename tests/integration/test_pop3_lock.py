# SPDX-License-Identifier: MIT
"""The maildrop lock (pop3_lock_session), deletions only at QUIT, and
UIDL stability across sessions and restarts."""
import os
import signal
import time

import pytest

from conftest import ALICE, BOB, deliver, make_message
from pop3util import drop, fill, login_error, roost_with, wait_for


def test_second_session_in_use_while_imap_and_lmtp_work(roost):
    fill(roost, 2)
    first = roost.pop3_login()
    assert first.stat()[0] == 2
    first.dele(1)
    started = time.monotonic()
    err = login_error(roost)
    assert err.startswith(b"-ERR [IN-USE]"), err
    # the second session waited at most about a second for the first
    assert time.monotonic() - started < 5
    # other users are not affected
    assert login_error(roost, BOB) is None
    # IMAP works on the same mailbox meanwhile, and so does LMTP
    c = roost.imap_login()
    typ, data = c.select("INBOX")
    assert typ == "OK" and int(data[0]) == 2
    assert c.store("2", "+FLAGS", "(\\Flagged)")[0] == "OK"
    res = deliver(roost, [ALICE[0]], make_message(99))
    assert res[ALICE[0]][0] == 250
    # the first session still sees its snapshot, and its QUIT works
    assert first.stat()[0] == 1
    assert first.quit().startswith(b"+OK")
    c.logout()
    c = roost.imap_login()
    typ, data = c.select("INBOX")
    assert int(data[0]) == 2               # 1 expunged, 1 delivered
    c.logout()
    # the lock is gone with the first session
    p = roost.pop3_login()
    assert p.stat()[0] == 2
    p.quit()


def test_killed_session_leaves_no_stale_lock(roost):
    fill(roost, 1)
    p = roost.pop3_login()
    p.dele(1)
    pids = [pid for pid, c in roost.children().items() if "roost-pop3" in c]
    assert len(pids) == 1, roost.children()
    os.kill(pids[0], signal.SIGKILL)
    assert wait_for(lambda: not any("roost-pop3" in c for c in
                                    roost.children().values()))
    p2 = roost.pop3_login()
    assert p2.stat()[0] == 1               # the DELE died with it
    p2.quit()


def test_dropped_connection_deletes_nothing(roost):
    fill(roost, 3)
    p = roost.pop3_login()
    for n in (1, 2, 3):
        p.retr(n)
        p.dele(n)
    drop(p)
    # the session ends at the EOF; the next one gets the whole maildrop
    p = None
    for _ in range(50):
        if login_error(roost) is None:
            break
        time.sleep(0.05)
    p = roost.pop3_login()
    assert p.stat()[0] == 3
    p.quit()
    assert 'reason="Connection closed"' in roost.log()


def test_without_lock_two_sessions_work():
    r = roost_with("pop3_lock_session = no")
    try:
        fill(r, 2)
        a = r.pop3_login()
        b = r.pop3_login()
        assert a.stat()[0] == b.stat()[0] == 2
        a.dele(1)
        b.dele(1)
        assert a.quit().startswith(b"+OK")
        # b's message 1 is gone already: QUIT still succeeds
        assert b.quit().startswith(b"+OK")
        p = r.pop3_login()
        assert p.stat()[0] == 1
        p.quit()
    finally:
        r.stop()
        r.cleanup()


def test_uidl_stable_across_sessions_and_restart(roost):
    fill(roost, 5)
    p = roost.pop3_login()
    first = p.uidl()[1]
    p.dele(2)
    p.quit()
    p = roost.pop3_login()
    second = p.uidl()[1]
    p.quit()
    # the same message keeps its UIDL when its number changes
    ids = [l.split()[1] for l in first]
    assert [l.split()[1] for l in second] == ids[:1] + ids[2:]
    # new mail gets a new UIDL, the old ones stay
    deliver(roost, [ALICE[0]], make_message(50))
    roost.stop()
    roost.start()
    p = roost.pop3_login()
    third = [l.split()[1] for l in p.uidl()[1]]
    p.quit()
    assert third[:4] == ids[:1] + ids[2:]
    assert third[4] not in ids


@pytest.mark.xfail(reason="lib-storage keeps UIDs only in its index: "
                   "deleting the index renumbers them (RELIABILITY row "
                   "28); it needs a uidlist roost writes", strict=False)
def test_uidl_stable_across_index_rebuild(roost):
    fill(roost, 5)
    p = roost.pop3_login()
    p.dele(2)
    p.quit()
    p = roost.pop3_login()
    before = p.uidl()[1]
    p.quit()
    for f in roost.maildir(ALICE[0]).glob("roost.index*"):
        f.unlink()
    p = roost.pop3_login()
    assert p.uidl()[1] == before
    p.quit()
