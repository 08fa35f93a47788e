# SPDX-License-Identifier: MIT
"""RELIABILITY.md row 11: abuse of roost-auth's auth-client socket (the
unix socket base_dir/auth-client, mode 0666, and the TCP
auth_client_listen of conftest's Roost) while Postfix-style clients
authenticate.

- Every abusive connection (invalid base64, a line over the 8 KiB limit,
  an unknown mechanism, an AUTH id reused while in progress, garbage,
  too many fields, no handshake, a burst of 2000 pipelined requests) is
  closed or answered FAIL.
- Good clients (Postfix's exact lines, persistent connections, PLAIN)
  keep their p99 latency within 1.5x of the baseline measured in the same
  test while abusers run in other processes (sub-millisecond baselines get
  an absolute floor: see P99_FLOOR).
- roost-auth's RSS (/proc/<pid>/status of the master's roost-auth child)
  stays within +5% (+ RSS_SLACK_KB) after ROOST_AUTH_ABUSE_ABORTS aborted
  exchanges (default 10^4 for CI; the soak value is 10^5:
  ROOST_AUTH_ABUSE_ABORTS=100000 python3 -m pytest ...).
- A client that never reads its replies is held back by backpressure
  (roost-auth stops reading it) without memory growth, and others are not
  affected.
"""
import base64
import multiprocessing
import os
import socket
import threading
import time

import pytest

from conftest import ALICE, Roost

ABORTS = int(os.environ.get("ROOST_AUTH_ABUSE_ABORTS", "10000"))
RSS_GROWTH = 1.05
RSS_SLACK_KB = 512
P99_RATIO = 1.5
# p99 of a loopback PLAIN auth is a fraction of a millisecond; on a 2-core
# machine shared with the abusers the scheduler alone adds that much, so
# the 1.5x ratio is taken against at least this baseline (seconds)
P99_FLOOR = 0.002
GOOD_THREADS = 4
GOOD_AUTHS = 1000
ABUSERS = 3

PLAIN_OK = base64.b64encode(b"\0" + ALICE[0].encode() + b"\0" +
                            ALICE[1].encode())
GOOD_AUTH = (b"AUTH\t%d\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\t"
             b"rip=127.0.0.1\tresp=" + PLAIN_OK + b"\n")
# abusers claim another client address, as Postfix would pass it
BAD = b"\tservice=smtp\tnologin\tsecured\tlip=127.0.0.1\trip=192.0.2.66"


@pytest.fixture(scope="module")
def abuse_roost():
    r = Roost()
    r.start()
    yield r
    r.stop()
    r.cleanup()


def auth_pid(r):
    pids = [p for p, c in r.children().items() if "roost-auth" in c]
    assert len(pids) == 1, r.children()
    return pids[0]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def connect(target, timeout=10):
    """target: ("unix", path) or ("tcp", port). Handshake done, the
    server's handshake read."""
    kind, where = target
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(where)
    else:
        s = socket.create_connection(("127.0.0.1", where), timeout=timeout)
    s.sendall(b"VERSION\t1\t0\nCPID\t%d\n" % os.getpid())
    f = s.makefile("rb")
    while True:
        line = f.readline()
        assert line, "closed during the handshake"
        if line == b"DONE\n":
            return s, f


def closed_or_fail(s, f, want_id=None, timeout=5):
    """What the server did next: "closed", "FAIL" (for want_id) or the
    line it sent."""
    s.settimeout(timeout)
    try:
        line = f.readline()
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    except socket.timeout:
        return "timeout"
    if not line:
        return "closed"
    parts = line.rstrip(b"\n").split(b"\t")
    if parts[0] == b"FAIL" and (want_id is None or
                                parts[1] == str(want_id).encode()):
        return "FAIL"
    return line


def send_quietly(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


# --- abusive connections: each returns what the server did ---

def abuse_invalid_base64(target):
    s, f = connect(target)
    send_quietly(s, b"AUTH\t1\tPLAIN" + BAD + b"\tresp=!!!notbase64\n")
    r1 = closed_or_fail(s, f, 1)
    send_quietly(s, b"AUTH\t2\tLOGIN" + BAD + b"\n")
    f.readline()    # CONT Username:
    send_quietly(s, b"CONT\t2\t*&^%\n")
    r2 = closed_or_fail(s, f, 2)
    s.close()
    return [r1, r2]


def abuse_long_line(target):
    s, f = connect(target)
    send_quietly(s, b"AUTH\t1\tPLAIN" + BAD + b"\tresp=" + b"A" * 100000 +
                 b"\n")
    r = closed_or_fail(s, f)
    s.close()
    return [r]


def abuse_endless_line(target):
    s, f = connect(target)
    send_quietly(s, b"X" * 65536)       # no LF at all
    r = closed_or_fail(s, f)
    s.close()
    return [r]


def abuse_unknown_mech(target):
    s, f = connect(target)
    send_quietly(s, b"AUTH\t1\tNTLM" + BAD + b"\tresp=TlRMTVNTUAAB\n")
    r = closed_or_fail(s, f, 1)
    s.close()
    return [r]


def abuse_reused_id(target):
    s, f = connect(target)
    send_quietly(s, b"AUTH\t5\tLOGIN" + BAD + b"\n")
    first = f.readline()
    assert first.startswith(b"CONT\t5\t"), first
    send_quietly(s, b"AUTH\t5\tLOGIN" + BAD + b"\n")
    r = closed_or_fail(s, f, 5)
    s.close()
    return [r]


def abuse_garbage(target):
    s, f = connect(target)
    send_quietly(s, bytes(range(256)) * 4 + b"\n")
    r = closed_or_fail(s, f)
    s.close()
    return [r]


def abuse_too_many_fields(target):
    s, f = connect(target)
    send_quietly(s, b"AUTH\t1\tPLAIN" + BAD + b"\tx" * 100 + b"\n")
    r = closed_or_fail(s, f)
    s.close()
    return [r]


def abuse_no_handshake(target):
    kind, where = target
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(where)
    else:
        s = socket.create_connection(("127.0.0.1", where), timeout=5)
    f = s.makefile("rb")
    send_quietly(s, b"AUTH\t1\tPLAIN" + BAD + b"\tresp=" + PLAIN_OK + b"\n")
    # the server's handshake comes first, then the close
    while True:
        line = f.readline()
        if not line or line == b"DONE\n":
            break
    r = closed_or_fail(s, f)
    s.close()
    return [r]


def abuse_flood(target, lines=2000):
    """A burst of pipelined requests (unknown mechanism: each FAILs)."""
    s, f = connect(target)
    send_quietly(s, b"".join(b"AUTH\t%d\tNTLM" % (i + 1) + BAD + b"\n"
                             for i in range(lines)))
    got = [closed_or_fail(s, f, i + 1) for i in range(lines)]
    s.close()
    return ["FAIL"] if got == ["FAIL"] * lines else got[:3]


def abuse_aborted(target, exchanges=10):
    """exchanges started (LOGIN, user sent) and abandoned by closing."""
    s, f = connect(target)
    for i in range(1, exchanges + 1):
        send_quietly(s, b"AUTH\t%d\tLOGIN" % i + BAD + b"\n")
    for i in range(1, exchanges + 1):
        line = f.readline()
        assert line.startswith(b"CONT\t"), line
        send_quietly(s, b"CONT\t%d\t%s\n" % (i, base64.b64encode(ALICE[0].encode())))
    for i in range(1, exchanges + 1):
        line = f.readline()
        assert line.startswith(b"CONT\t"), line    # Password:
    s.close()
    return []


SCENARIOS = [abuse_invalid_base64, abuse_long_line, abuse_endless_line,
             abuse_unknown_mech, abuse_reused_id, abuse_garbage,
             abuse_too_many_fields, abuse_no_handshake, abuse_flood]
EXPECTED = {
    abuse_invalid_base64: ["FAIL", "FAIL"],
    abuse_long_line: ["closed"],
    abuse_endless_line: ["closed"],
    abuse_unknown_mech: ["FAIL"],
    abuse_reused_id: ["closed"],
    abuse_garbage: ["closed"],
    abuse_too_many_fields: ["closed"],
    abuse_no_handshake: ["closed"],
    abuse_flood: ["FAIL"],
}


def abuser_loop(targets, stop, results, scenarios=None):
    """In a child process: run the scenarios (default: all but the flood,
    which has its own test) in turn until stop is set; report
    [(scenario, outcome)] that differ from EXPECTED, and a count."""
    bad, count = [], 0
    if scenarios is None:
        scenarios = [x for x in SCENARIOS if x is not abuse_flood]
        scenarios.append(abuse_aborted)
    while not stop.is_set():
        for scenario in scenarios:
            for target in targets:
                try:
                    got = scenario(target)
                except OSError as e:
                    got = [f"error {e!r}"]
                want = EXPECTED.get(scenario, [])
                if got != want:
                    bad.append((scenario.__name__, target[0], got))
                count += 1
                time.sleep(0.002)
    results.put((count, bad[:20]))


# --- good clients ---

class GoodClient:
    """Postfix's smtpd: one persistent connection, sequential AUTHs."""

    def __init__(self, target):
        self.s, self.f = connect(target)
        self.next_id = 1

    def auth(self):
        i = self.next_id
        self.next_id += 1
        start = time.perf_counter()
        self.s.sendall(GOOD_AUTH % i)
        line = self.f.readline()
        elapsed = time.perf_counter() - start
        assert line.startswith(b"OK\t%d\t" % i), line
        return elapsed


def good_run(targets, threads=GOOD_THREADS, auths=GOOD_AUTHS):
    latencies, errors = [], []
    lock = threading.Lock()

    def worker(target):
        try:
            c = GoodClient(target)
            mine = [c.auth() for _ in range(auths)]
            c.s.close()
        except Exception as e:      # reported by the assertion below
            errors.append(repr(e))
            return
        with lock:
            latencies.extend(mine)

    ts = [threading.Thread(target=worker, args=(targets[i % len(targets)],))
          for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    latencies.sort()
    return latencies


def p99(latencies):
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def targets_of(r):
    return [("unix", str(r.run / "auth-client")), ("tcp", r.auth_port)]


# --- the tests ---

def test_abusive_connections_closed_or_failed(abuse_roost):
    for target in targets_of(abuse_roost):
        for scenario in SCENARIOS:
            got = scenario(target)
            assert got == EXPECTED[scenario], (scenario.__name__, target)
    # and roost-auth is still there for a Postfix-style client
    assert GoodClient(targets_of(abuse_roost)[1]).auth() < 1


def run_with_abusers(targets, n, scenarios=None, threads=GOOD_THREADS):
    """Good clients' latencies while n abuser processes run; checks the
    abusers saw only the expected outcomes. Returns (latencies, count)."""
    ctx = multiprocessing.get_context("fork")
    stop, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=abuser_loop,
                         args=(targets, stop, results, scenarios))
             for _ in range(n)]
    for p in procs:
        p.start()
    try:
        time.sleep(0.3)
        latencies = good_run(targets, threads=threads)
    finally:
        stop.set()
        outcomes = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
    bad = [b for _, bs in outcomes for b in bs]
    assert not bad, bad
    done = sum(c for c, _ in outcomes)
    assert done >= n, outcomes                  # the abusers did run
    return latencies, done


def test_good_clients_p99_under_abuse(abuse_roost):
    targets = targets_of(abuse_roost)
    good_run(targets, auths=50)                 # warm up
    base = p99(good_run(targets))
    latencies, done = run_with_abusers(targets, ABUSERS)
    under = p99(latencies)
    limit = P99_RATIO * max(base, P99_FLOOR)
    print(f"good PLAIN p99: baseline {base * 1000:.2f} ms, under abuse "
          f"{under * 1000:.2f} ms ({done} abusive connections), "
          f"limit {limit * 1000:.2f} ms")
    assert under <= limit, (base, under)


# A burst of pipelined requests is served in slices of one input buffer
# (8 KiB, ~130 lines) per loop iteration, so others wait at most one slice
# (and share the CPU with the flood: two cores). A server that served a
# connection's whole burst before the others would stall them for the
# whole 2000 lines (tens of ms, with the debug log of the test config).
FLOOD_P99_LIMIT = 0.010


def test_good_clients_p99_under_pipelined_flood(abuse_roost):
    targets = targets_of(abuse_roost)
    good_run(targets, auths=50)
    base = p99(good_run(targets, threads=1))
    latencies, done = run_with_abusers(targets, 1, [abuse_flood], threads=1)
    under = p99(latencies)
    limit = max(P99_RATIO * base, FLOOD_P99_LIMIT)
    print(f"good PLAIN p99: baseline {base * 1000:.2f} ms, under a "
          f"pipelined flood {under * 1000:.2f} ms ({done} bursts of 2000), "
          f"limit {limit * 1000:.2f} ms")
    assert under <= limit, (base, under)


def test_client_that_never_reads(abuse_roost):
    r = abuse_roost
    pid = auth_pid(r)
    s, f = connect(("tcp", r.auth_port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    before = rss_kb(pid)
    # each line makes a FAIL reply of ~80 bytes; never read them
    s.setblocking(False)
    line = b"AUTH\t%d\tNTLM" + BAD + b"\n"
    sent, stalled_since = 0, None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            sent += s.send(b"".join(line % (i + 1) for i in range(
                sent // 80, sent // 80 + 100)))
            stalled_since = None
        except BlockingIOError:
            if stalled_since is None:
                stalled_since = time.monotonic()
            elif time.monotonic() - stalled_since > 1.0:
                break                   # roost-auth stopped reading us
            time.sleep(0.01)
    assert stalled_since is not None, "roost-auth read everything?"
    # held back, bounded: the output buffer is 64 KiB
    grown = rss_kb(pid) - before
    assert grown < 2048, grown
    # others are served meanwhile
    assert GoodClient(("unix", str(r.run / "auth-client"))).auth() < 1
    s.close()


def test_auth_rss_flat_after_aborted_exchanges(abuse_roost):
    r = abuse_roost
    pid = auth_pid(r)
    targets = targets_of(r)
    per_conn = 10
    conns = max(1, ABORTS // per_conn)
    warmup = max(50, conns // 10)

    def run(n):
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=aborted_loop,
                             args=(targets[i % 2], n // 2, per_conn))
                 for i in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=600)
            assert p.exitcode == 0, p.exitcode

    run(warmup)
    time.sleep(0.5)
    before = rss_kb(pid)
    run(conns)
    time.sleep(0.5)
    after = rss_kb(pid)
    assert auth_pid(r) == pid                   # it did not restart
    print(f"roost-auth RSS {before} kB -> {after} kB after "
          f"{conns * per_conn} aborted exchanges")
    assert after <= before * RSS_GROWTH + RSS_SLACK_KB, (before, after)
    assert GoodClient(targets[0]).auth() < 1


def aborted_loop(target, conns, per_conn):
    for _ in range(conns):
        abuse_aborted(target, per_conn)
