# SPDX-License-Identifier: MIT
"""Two sessions on one mailbox: untagged updates at command boundaries and
during IDLE (with the push latency after an LMTP delivery), no EXPUNGE
during FETCH/STORE/SEARCH, pipelining with literals, UTF8=ACCEPT round
trips, and the robustness rules (line and literal limits, bad commands)."""
import select
import socket
import statistics
import time

from conftest import ALICE, deliver, make_message
from test_imap_commands import Raw, status


def read_until(raw, marker, timeout=5):
    raw.s.settimeout(timeout)
    lines = []
    while True:
        line = raw.readline()
        assert line, lines
        lines.append(line)
        if marker in line:
            return lines


def test_updates_from_other_session_at_command_boundaries(roost):
    for i in range(3):
        deliver(roost, [ALICE[0]], make_message(i))
    a, b = Raw(roost), Raw(roost)
    a.cmd(b"a1 SELECT INBOX")
    b.cmd(b"b1 SELECT INBOX")
    b.cmd(b"b2 STORE 1 +FLAGS (\\Flagged)")
    b.cmd(b"b3 STORE 2 +FLAGS (\\Deleted)")
    b.cmd(b"b4 EXPUNGE")
    deliver(roost, [ALICE[0]], make_message(9))
    # FETCH, STORE and SEARCH must not report the EXPUNGE (RFC 9051
    # 7.5.1): numbers stay as the client knows them.
    lines = a.cmd(b"a2 FETCH 1:3 UID")
    assert not any(b"EXPUNGE" in l for l in lines)
    assert b"* 3 FETCH (UID 3)" in b"".join(lines)
    lines = a.cmd(b"a3 SEARCH ALL")
    assert not any(b"EXPUNGE" in l for l in lines)
    lines = a.cmd(b"a4 STORE 3 +FLAGS.SILENT (\\Seen)")
    assert not any(b"EXPUNGE" in l for l in lines)
    # NOOP reports everything.
    lines = a.cmd(b"a5 NOOP")
    text = b"".join(lines)
    assert b"* 2 EXPUNGE\r\n" in text
    assert b"* 1 FETCH (FLAGS (\\Flagged \\Recent))" in text
    assert b"* 3 EXISTS\r\n" in text
    assert text.index(b"EXPUNGE") < text.index(b"EXISTS")


def test_idle_push_after_lmtp_is_fast(roost):
    deliver(roost, [ALICE[0]], make_message(0))
    raw = Raw(roost)
    raw.cmd(b"a SELECT INBOX")
    raw.send(b"b IDLE\r\n")
    assert raw.readline() == b"+ idling\r\n"
    samples = []
    for i in range(15):
        msg = make_message(i + 1)
        lmtp = roost.lmtp()
        lmtp.ehlo("t")
        lmtp.mail("s@example.net")
        lmtp.rcpt(ALICE[0])
        # time from the 250 of DATA to the EXISTS on the idle session
        code, _ = lmtp.data(msg)
        t0 = time.perf_counter()
        assert code == 250
        line = read_until(raw, b"EXISTS")[-1]
        samples.append((time.perf_counter() - t0) * 1000)
        assert line == b"* %d EXISTS\r\n" % (i + 2)
        lmtp.quit()
    median = statistics.median(samples)
    print(f"IDLE push after LMTP 250: median {median:.2f} ms, "
          f"max {max(samples):.2f} ms")
    assert median < 30, samples
    raw.send(b"DONE\r\n")
    assert read_until(raw, b"b ")[-1] == b"b OK Idle completed.\r\n"


def test_idle_flags_expunge_and_done_errors(roost):
    for i in range(2):
        deliver(roost, [ALICE[0]], make_message(i))
    a, b = Raw(roost), Raw(roost)
    a.cmd(b"a SELECT INBOX")
    b.cmd(b"b SELECT INBOX")
    a.send(b"c IDLE\r\n")
    assert a.readline() == b"+ idling\r\n"
    b.cmd(b"d STORE 2 +FLAGS (\\Answered)")
    assert b"* 2 FETCH (FLAGS (\\Answered" in read_until(a, b"FETCH")[-1]
    b.cmd(b"e STORE 1 +FLAGS (\\Deleted)")
    b.cmd(b"f EXPUNGE")
    assert b"* 1 EXPUNGE" in read_until(a, b"EXPUNGE")[-1]
    a.send(b"NOT-DONE\r\n")
    assert status(read_until(a, b"c ")) == b"BAD"
    # IDLE without a mailbox: accepted, DONE ends it.
    raw = Raw(roost)
    raw.send(b"g IDLE\r\n")
    assert raw.readline() == b"+ idling\r\n"
    raw.send(b"done\r\n")
    assert raw.readline() == b"g OK Idle completed.\r\n"
    assert status(raw.cmd(b"h IDLE x")) == b"BAD"


def test_pipelined_commands_with_literals(roost):
    raw = Raw(roost)
    msg = make_message(1)
    raw.send(b"p1 CREATE {4+}\r\nPipe\r\n"
             b"p2 APPEND Pipe (\\Seen) {%d+}\r\n%s\r\n"
             b"p3 SELECT {4+}\r\nPipe\r\n"
             b"p4 FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n"
             b"p5 LOGOUT\r\n" % (len(msg), msg))
    data = b""
    raw.s.settimeout(5)
    while not data.endswith(b"p5 OK Logout completed.\r\n"):
        chunk = raw.s.recv(65536)
        assert chunk, data
        data += chunk
    for tag in (b"p1", b"p2", b"p3", b"p4"):
        assert b"\r\n" + tag + b" OK" in b"\r\n" + data, data
    assert b"Subject: test message 1" in data
    assert data.index(b"p1 OK") < data.index(b"p2 OK") < \
        data.index(b"p3 OK") < data.index(b"p4 OK")


def test_utf8_accept_round_trip(roost):
    raw = Raw(roost)
    name = "Entwürfe/日本".encode()
    # Before ENABLE: modified UTF-7 names.
    raw.cmd(b'a CREATE "Entw&APw-rfe/&ZeVnLA-"')
    lines = raw.cmd(b'b LIST "" "Entw*"')
    assert b'"/" "Entw&APw-rfe/&ZeVnLA-"' in b"".join(lines) or \
        b'"/" Entw&APw-rfe/&ZeVnLA-' in b"".join(lines)
    assert raw.cmd(b"c ENABLE UTF8=ACCEPT")[0] == \
        b"* ENABLED UTF8=ACCEPT\r\n"
    lines = raw.cmd(b'd LIST "" "Entw*"')
    assert b'"/" "' + name + b'"' in b"".join(lines)
    msg = ("From: Jörg <jörg@exämple.org>\r\nSubject: Grüße\r\n\r\n"
           "Ünïcödé body\r\n").encode()
    raw.send(b'e APPEND "%s" UTF8 (~{%d+}\r\n%s)\r\n' % (name, len(msg),
                                                         msg))
    assert read_until(raw, b"e ")[-1].startswith(b"e OK [APPENDUID")
    lines = raw.cmd(b'f SELECT "%s"' % name)
    assert status(lines) == b"OK"
    lines = raw.cmd(b"g FETCH 1 BODY.PEEK[]")
    assert msg in b"".join(lines)
    lines = raw.cmd(b'h STATUS "%s" (MESSAGES)' % name)
    assert lines[0] == b'* STATUS "%s" (MESSAGES 1)\r\n' % name
    # Invalid UTF-8 names are refused.
    assert status(raw.cmd(b'i CREATE "bad\xff"')) == b"BAD"


def test_rev2_semantics(roost):
    deliver(roost, [ALICE[0]], make_message(1))
    raw = Raw(roost)
    raw.cmd(b"a ENABLE IMAP4rev2")
    lines = raw.cmd(b"b SELECT INBOX")
    text = b"".join(lines)
    assert b"RECENT" not in text and b"[UNSEEN" not in text
    assert b'* LIST () "/" INBOX\r\n' in text
    lines = raw.cmd(b"c FETCH 1 FLAGS")
    assert lines[0] == b"* 1 FETCH (FLAGS ())\r\n"           # no \Recent
    lines = raw.cmd(b"d UID SEARCH ALL")
    assert lines[0] == b'* ESEARCH (TAG "d") UID ALL 1\r\n'
    lines = raw.cmd(b"e SELECT INBOX")
    assert lines[0] == b"* OK [CLOSED] Previous mailbox closed.\r\n"


def test_line_and_literal_limits(roost):
    raw = Raw(roost)
    # {n} over the line limit outside APPEND: BAD, nothing sent.
    raw.send(b"a CREATE {70000}\r\n")
    assert raw.readline().startswith(b"a BAD")
    # {n+} over it: the data is read and dropped, the connection lives.
    raw.send(b"b CREATE {70000+}\r\n" + b"x" * 70000 + b"\r\n")
    assert raw.readline().startswith(b"b BAD")
    assert status(raw.cmd(b"c NOOP")) == b"OK"
    # A bad APPEND with a {n+} message: its data is dropped, never run
    # as commands.
    raw.send(b"f APPEND INBOX (\\Bogus) {18+}\r\ng LOGOUT\r\nh NOOP\r\n\r\n")
    assert raw.readline().startswith(b"f BAD")
    assert status(raw.cmd(b"i NOOP")) == b"OK"
    # NUL in a literal: BAD naming it.
    raw.send(b"d CREATE {3+}\r\na\x00b\r\n")
    assert b"NUL" in raw.readline()
    assert status(raw.cmd(b"e NOOP")) == b"OK"


def test_too_many_bad_commands_bye(roost):
    raw = Raw(roost)
    for i in range(19):
        assert status(raw.cmd(b"x%d BOGUS" % i)) == b"BAD"
    assert status(raw.cmd(b"ok NOOP")) == b"OK"       # resets the count
    for i in range(19):
        raw.cmd(b"y%d BOGUS" % i)
    raw.send(b"z BOGUS\r\n")
    lines = [raw.readline(), raw.readline()]
    assert lines[1] == b"* BYE Too many invalid commands.\r\n"
    assert raw.readline() == b""


def test_slow_reader_backpressure(roost):
    """A client that does not read: the server stops producing (bounded
    output buffer) and finishes when the client reads again."""
    big = b"From: a@example.net\r\nSubject: big\r\n\r\n" + \
        (b"y" * 998 + b"\r\n") * 1000
    for _ in range(5):
        deliver(roost, [ALICE[0]], big)
    raw = Raw(roost)
    raw.cmd(b"a SELECT INBOX")
    raw.send(b"b FETCH 1:5 BODY.PEEK[]\r\n" * 10)
    time.sleep(1.0)
    pids = [p for p, cmd in roost.children().items() if "roost-imap" in cmd]
    rss = []
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]))
    assert rss and max(rss) < 16 * 1024, rss     # KiB: not 50 MB
    raw.s.settimeout(20)
    buf = bytearray()
    pos = got = 0
    marker = b"b OK Fetch completed."
    while got < 10:
        chunk = raw.s.recv(1 << 20)
        assert chunk
        buf += chunk
        while True:
            idx = buf.find(marker, pos)
            if idx < 0:
                break
            got += 1
            pos = idx + len(marker)
        # keep memory small: drop what was scanned
        del buf[:max(0, pos - 64)]
        pos = min(pos, 64)
    assert status(raw.cmd(b"c NOOP")) == b"OK"


def test_idle_timeout_at_least_30_minutes():
    """imap_idle_timeout below RFC 9051's 30 minutes is raised to it."""
    from conftest import Roost
    r = Roost(extra_config="imap_idle_timeout = 1s")
    r.start()
    try:
        raw = Raw(r)
        time.sleep(2.5)
        assert status(raw.cmd(b"a NOOP")) == b"OK"
    finally:
        r.stop()
        r.cleanup()
