# SPDX-License-Identifier: MIT
"""Postfix delivering into roost over LMTP (issue 9): a private Postfix
(test_postfix_sasl.Postfix: temp dirs, loopback, nothing leaves) with
`virtual_transport = lmtp:unix:<base_dir>/lmtp` relays 200 messages that
must all arrive intact (Message-ID and body hash checked over IMAP, no
duplicates); an unknown user bounces with roost's 550 in Postfix's log;
stopping roost mid-flow makes Postfix defer, and after roost is back every
message arrives exactly once. Postfix sends XFORWARD (the unix socket is a
trusted LMTP client), which roost logs.

Needs root and the Debian postfix package, like test_postfix_sasl.py."""
import hashlib
import os
import re
import smtplib
import subprocess
import time

import pytest

from conftest import ALICE, BOB, Roost, free_port
from test_postfix_sasl import Postfix, pytestmark  # noqa: F401 (skip marks)

SENDER = "sender@example.net"


class LmtpPostfix(Postfix):
    """One smtpd for injection; LMTP to roost's unix socket."""

    def write_config(self):
        self.smtp_port = self.ports["unix"]
        self.ports = {"smtp": self.smtp_port}
        self.sasl_paths = {"smtp": "unused"}    # the SASL smtpd is replaced
        super().write_config()
        main = (self.conf / "main.cf").read_text()
        main = re.sub(r"virtual_transport = .*\n",
                      f"virtual_transport = lmtp:unix:{self.lmtp_socket}\n",
                      main)
        main += ("smtpd_reject_unlisted_recipient = no\n"
                 "lmtp_send_xforward_command = yes\n"
                 "queue_run_delay = 1s\n"
                 "minimal_backoff_time = 1s\n"
                 "maximal_backoff_time = 2s\n"
                 "lmtp_connect_timeout = 5s\n")
        (self.conf / "main.cf").write_text(main)
        master = (self.conf / "master.cf").read_text()
        master = re.sub(r"(?s)^.*?(cleanup )",
                        f"127.0.0.1:{self.smtp_port} inet n - n - - smtpd\n"
                        r"\1", master)
        (self.conf / "master.cf").write_text(master)


class RoostUnixLmtp(Roost):
    """conftest's roost with an extra LMTP unix listener base_dir/lmtp."""

    def write_config(self):
        super().write_config()
        text = self.conf.read_text()
        line = f"lmtp_listen = 127.0.0.1:{self.lmtp_port}\n"
        assert line in text
        self.conf.write_text(text.replace(
            line, f"lmtp_listen = 127.0.0.1:{self.lmtp_port} unix:lmtp\n"))


@pytest.fixture(scope="module")
def setup():
    r = RoostUnixLmtp()
    LmtpPostfix.lmtp_socket = r.run / "lmtp"
    pf = LmtpPostfix(r)
    try:
        pf.prepare()
        r.start()
        os.chmod(r.run, 0o755)      # Postfix's lmtp runs as postfix
        try:
            pf.start()
            yield r, pf
        finally:
            try:
                pf.stop()
            finally:
                r.stop()
    finally:
        if os.environ.get("ROOST_KEEP_TEST_DIRS"):
            print(f"kept {r.dir} {pf.dir}")
        else:
            pf.cleanup()
            r.cleanup()


def message(tag, i):
    body = "".join(f"{tag} message {i} line {n}: {'x' * (n % 50)}\r\n"
                   for n in range(3 + i % 40))
    if i % 7 == 0:
        body += ".a line with a leading dot\r\n"
    msgid = f"<{tag}-{i}.{time.time_ns()}@example.net>"
    return msgid, (f"From: <{SENDER}>\r\nTo: <alice@example.org>\r\n"
                   f"Subject: {tag} {i}\r\nMessage-ID: {msgid}\r\n"
                   f"Date: Mon, 23 Nov 2026 01:00:00 +0000\r\n\r\n{body}")


def body_hash(raw):
    return hashlib.sha256(raw.split(b"\r\n\r\n", 1)[1]).hexdigest()


def send_all(pf, msgs, rcpts):
    with smtplib.SMTP("127.0.0.1", pf.smtp_port, timeout=30) as c:
        c.ehlo("client.example")
        for msgid, text in msgs:
            c.sendmail(SENDER, rcpts, text.encode())


def wait_queue_empty(pf, r, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pf.queued_files():
            return
        subprocess.run(["/usr/sbin/postqueue", "-c", str(pf.conf), "-f"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    raise AssertionError(f"queue not empty: {pf.queued_files()}\n"
                         f"{pf.log()[-4000:]}\n{r.log()[-3000:]}")


def imap_messages(r, user):
    """{Message-ID: [body hash, ...]} of user's INBOX."""
    c = r.imap_login(user)
    typ, data = c.select("INBOX")
    assert typ == "OK"
    out = {}
    if int(data[0]):
        typ, data = c.fetch("1:*", "(BODY.PEEK[])")
        assert typ == "OK"
        for item in data:
            if isinstance(item, tuple):
                m = re.search(rb"(?im)^Message-ID:\s*(<[^>]+>)", item[1])
                assert m, item[1][:500]
                out.setdefault(m.group(1).decode(), []).append(
                    body_hash(item[1]))
    c.logout()
    return out


def expected(msgs):
    return {msgid: [body_hash(text.encode())] for msgid, text in msgs}


def test_200_messages_arrive_intact(setup):
    r, pf = setup
    msgs = [message("bulk", i) for i in range(200)]
    send_all(pf, msgs[:100], [ALICE[0]])
    send_all(pf, msgs[100:], [ALICE[0], BOB[0]])
    wait_queue_empty(pf, r)
    got = imap_messages(r, ALICE)
    assert got == expected(msgs)
    assert imap_messages(r, BOB) == expected(msgs[100:])
    log = r.log()
    # Postfix forwarded its client's identity (XFORWARD over the socket)
    assert "orig_remote=127.0.0.1" in log, log[-2000:]


def test_unknown_user_bounces_with_550(setup):
    r, pf = setup
    send_all(pf, [message("unknown", 0)], ["nobody@example.org"])
    wait_queue_empty(pf, r)
    log = pf.log()
    assert re.search(r"to=<nobody@example.org>.*status=bounced .*550 5\.1\.1",
                     log), log[-3000:]


def test_roost_down_postfix_defers_then_delivers(setup):
    r, pf = setup
    before = imap_messages(r, ALICE)
    msgs = [message("outage", i) for i in range(60)]
    send_all(pf, msgs[:20], [ALICE[0]])
    r.stop()
    try:
        send_all(pf, msgs[20:], [ALICE[0]])
        deadline = time.monotonic() + 30
        while "status=deferred" not in pf.log():
            assert time.monotonic() < deadline, pf.log()[-3000:]
            time.sleep(0.3)
        assert pf.queued_files()
    finally:
        r.start()
    wait_queue_empty(pf, r)
    got = imap_messages(r, ALICE)
    for msgid, hashes in expected(msgs).items():
        assert got.get(msgid) == hashes, (msgid, got.get(msgid))
    # nothing lost or doubled among the earlier ones either
    for msgid, hashes in before.items():
        assert got[msgid] == hashes
