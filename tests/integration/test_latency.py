# SPDX-License-Identifier: MIT
"""Replies must not wait for the client's delayed ACK: a reply written in
two TCP segments without TCP_NODELAY costs ~40 ms per command (found by
bench/). The median of many round trips stays far below that."""
import statistics
import time

from conftest import ALICE, deliver, make_message


def median_ms(fn, n=25):
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def test_imap_and_pop3_round_trips_are_fast(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    c = roost.imap_login()
    c.select("INBOX")
    assert median_ms(c.noop) < 15
    assert median_ms(lambda: c.fetch("1", "(FLAGS)")) < 15
    c.logout()
    p = roost.pop3_login()
    assert median_ms(p.noop) < 15
    assert median_ms(lambda: p.retr(1)) < 15
    p.quit()
