# SPDX-License-Identifier: MIT
"""Sizes in STAT/LIST are exactly the bytes RETR sends (CRLF, before
dot-stuffing), also for files stored with bare LF; TOP edge cases."""
import socket

from conftest import ALICE
from pop3util import fill, write_maildir_file

LF_MSG = (b"From: lf@example.net\nSubject: bare LF\n\n"
          b"first line\n.dot line\n..two dots\n\nlast line\n")
NO_EOL_MSG = b"Subject: no final newline\r\n\r\nbody without EOL"
MIXED_MSG = b"Subject: mixed\r\nX-A: b\n\r\nline\nline2\r\n.\n"


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def raw_retr(r, n):
    """(status line, exact body bytes) of RETR n, un-stuffed by hand."""
    s = socket.create_connection(("127.0.0.1", r.pop3_port), timeout=10)
    f = s.makefile("rb")
    f.readline()
    s.sendall(f"USER {ALICE[0]}\r\nPASS {ALICE[1]}\r\n"
              f"RETR {n}\r\nQUIT\r\n".encode())
    assert f.readline().startswith(b"+OK")
    assert f.readline().startswith(b"+OK")
    status = f.readline()
    body = b""
    while True:
        line = f.readline()
        assert line.endswith(b"\r\n"), line
        if line == b".\r\n":
            break
        body += line[1:] if line.startswith(b".") else line
    assert f.readline().startswith(b"+OK")      # QUIT
    assert f.readline() == b""                  # then the server closes
    f.close()
    s.close()
    return status, body


def test_sizes_exact_for_bare_lf_files(roost):
    fill(roost, 1)
    write_maildir_file(roost, ALICE, "1700000001.M1P1.test", LF_MSG)
    write_maildir_file(roost, ALICE, "1700000002.M2P1.test", MIXED_MSG)
    write_maildir_file(roost, ALICE, "1700000003.M3P1.test", NO_EOL_MSG)
    p = roost.pop3_login()
    count, total = p.stat()
    assert count == 4
    sizes = [int(l.split()[1]) for l in p.list()[1]]
    assert sum(sizes) == total
    p.quit()
    want = [None, crlf(LF_MSG), crlf(MIXED_MSG), NO_EOL_MSG]
    for n in range(1, 5):
        status, body = raw_retr(roost, n)
        assert status == f"+OK {sizes[n - 1]} octets\r\n".encode()
        if n == 4:
            # the CRLF before "." is framing (RFC 1939 §3), not counted
            assert body == NO_EOL_MSG + b"\r\n"
            assert sizes[3] == len(NO_EOL_MSG)
        else:
            assert len(body) == sizes[n - 1]
            if want[n - 1] is not None:
                assert body == want[n - 1]


def test_top_zero_and_more_lines_than_the_body(roost):
    write_maildir_file(roost, ALICE, "1700000001.M1P1.test", LF_MSG)
    p = roost.pop3_login()
    # 0 lines: the header and the empty line after it
    resp, lines, _ = p.top(1, 0)
    assert resp.startswith(b"+OK")
    assert lines == [b"From: lf@example.net", b"Subject: bare LF", b""]
    # 2 lines; a body line starting with "." comes back un-stuffed
    assert p.top(1, 2)[1][3:] == [b"first line", b".dot line"]
    # more lines than the body: the whole message, once
    whole = p.retr(1)[1]
    assert p.top(1, 1000)[1] == whole
    assert p.top(1, 4294967295)[1] == whole
    # exactly the body's line count
    assert p.top(1, 5)[1] == whole
    p.quit()


def test_top_of_a_message_without_body(roost):
    write_maildir_file(roost, ALICE, "1700000001.M1P1.test",
                       b"Subject: only a header\n")
    p = roost.pop3_login()
    assert p.top(1, 0)[1] == [b"Subject: only a header"]
    assert p.top(1, 10)[1] == [b"Subject: only a header"]
    p.quit()
