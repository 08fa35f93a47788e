# SPDX-License-Identifier: MIT
"""Start a real roost master from a temp dir with a generated config.

Every test talks to it with real clients (imaplib, poplib, smtplib.LMTP,
raw sockets). Binaries come from $ROOST_BUILD (default ./build).
"""
import imaplib
import os
import poplib
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("ROOST_BUILD", ROOT / "build"))
ROOST = BUILD / "src" / "master" / "roost"

ALICE = ("alice@example.org", "alice-pw")
# ARGON2ID hash of BOB's password, made with libsodium's crypto_pwhash_str.
BOB = ("bob@example.org", "bob-Secret!9")
BOB_HASH = ("$argon2id$v=19$m=64,t=2,p=1$/yjsUUx5V12UtigRX6B8SA$"
            "xbXZxS7fHehXUK/MCcHea68Q7TenxVTOBLL9kbEfQxo")

IS_ROOT = os.geteuid() == 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mail_ids():
    """uid/gid that mail processes run as: vmail when root, else us."""
    if IS_ROOT:
        pw = pwd.getpwnam("vmail")
        return pw.pw_uid, pw.pw_gid
    return os.getuid(), os.getgid()


class Roost:
    def __init__(self, extra_config=""):
        self.dir = Path(tempfile.mkdtemp(prefix="roost-test-"))
        os.chmod(self.dir, 0o755)
        self.mail = self.dir / "mail"
        self.mail.mkdir()
        uid, gid = mail_ids()
        os.chown(self.mail, uid, gid)
        self.run = self.dir / "run"
        self.users = self.dir / "users"
        self.users.write_text(
            f"{ALICE[0]}:{{PLAIN}}{ALICE[1]}:{uid}:{gid}::::\n"
            f"{BOB[0]}:{{ARGON2ID}}{BOB_HASH}:{uid}:{gid}::::\n")
        os.chmod(self.users, 0o644)
        self.imap_port = free_port()
        self.pop3_port = free_port()
        self.lmtp_port = free_port()
        self.auth_port = free_port()
        self.conf = self.dir / "roost.conf"
        self.extra_config = extra_config
        self.write_config()
        self.logfile = self.dir / "roost.log"
        self.proc = None

    def write_config(self):
        self.conf.write_text(f"""
base_dir = {self.run}
log_level = debug
protocols = imap pop3 lmtp
imap_listen = 127.0.0.1:{self.imap_port}
pop3_listen = 127.0.0.1:{self.pop3_port}
lmtp_listen = 127.0.0.1:{self.lmtp_port}
auth_client_listen = 127.0.0.1:{self.auth_port}
auth_failure_delay = 0
auth_penalty_max_delay = 0
mail_location = maildir:{self.mail}/%d/%n
passdb {{
  driver = passwd-file
  args = {self.users}
}}
userdb {{
  driver = passwd-file
  args = {self.users}
}}
{"mail_uid = vmail" if IS_ROOT else ""}
{"mail_gid = vmail" if IS_ROOT else ""}
{self.extra_config}
""")

    def maildir(self, user):
        local, domain = user.split("@")
        return self.mail / domain / local

    def start(self):
        assert ROOST.exists(), f"{ROOST} not built"
        self.logf = open(self.logfile, "ab")
        self.proc = subprocess.Popen(
            [str(ROOST), "-F", "-c", str(self.conf)],
            stdin=subprocess.DEVNULL, stdout=self.logf, stderr=self.logf,
            cwd=self.dir)
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        ports = [self.imap_port, self.pop3_port, self.lmtp_port]
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"roost exited with {self.proc.returncode}:\n{self.log()}")
            try:
                for port in ports:
                    with socket.create_connection(("127.0.0.1", port),
                                                  timeout=2) as s:
                        s.settimeout(2)
                        if not s.recv(100):
                            raise OSError("no greeting")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"roost not ready:\n{self.log()}")
                time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("roost did not stop on SIGTERM")
        self.proc = None
        self.logf.close()
        return rc

    def log(self):
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def children(self):
        """{pid: cmdline} of the master's direct children."""
        out = {}
        for p in Path("/proc").iterdir():
            if not p.name.isdigit():
                continue
            try:
                stat = (p / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == self.proc.pid:
                    out[int(p.name)] = (p / "cmdline").read_bytes() \
                        .replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                pass
        return out

    def imap(self):
        return imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)

    def imap_login(self, user=ALICE):
        c = self.imap()
        c.login(*user)
        return c

    def pop3(self):
        return poplib.POP3("127.0.0.1", self.pop3_port, timeout=10)

    def pop3_login(self, user=ALICE):
        c = self.pop3()
        c.user(user[0])
        c.pass_(user[1])
        return c

    def lmtp(self):
        c = smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10)
        return c

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def make_message(i, to="alice@example.org", size_hint=0):
    body = "".join(f"line {n} of message {i}, some text to read.\r\n"
                   for n in range(5 + size_hint))
    return (f"From: Sender <sender@example.net>\r\n"
            f"To: <{to}>\r\n"
            f"Subject: test message {i}\r\n"
            f"Message-ID: <msg{i}.{time.time_ns()}@example.net>\r\n"
            f"Date: Sun, 22 Nov 2026 20:01:02 +0000\r\n"
            f"\r\n{body}").encode()


def deliver(r, rcpts, msg, sender="sender@example.net"):
    """Deliver msg over LMTP the way an MTA does (RFC 2033: one DATA reply
    per accepted recipient, in RCPT order). Returns {rcpt: (code, text)}
    with the RCPT reply for refused recipients and the DATA reply for the
    accepted ones."""
    result = {}
    with r.lmtp() as c:
        code, text = c.ehlo("test.example")
        assert code == 250, (code, text)
        code, text = c.mail(sender)
        assert code == 250, (code, text)
        accepted = []
        for rcpt in rcpts:
            code, text = c.rcpt(rcpt)
            if code == 250:
                accepted.append(rcpt)
            else:
                result[rcpt] = (code, text)
        if not accepted:
            c.rset()
            return result
        code, text = c.data(msg)
        result[accepted[0]] = (code, text)
        for rcpt in accepted[1:]:
            result[rcpt] = c.getreply()
    return result


@pytest.fixture
def roost():
    r = Roost()
    r.start()
    yield r
    try:
        r.stop()
    finally:
        if os.environ.get("ROOST_KEEP_TEST_DIRS"):
            print(f"kept {r.dir}")
        else:
            r.cleanup()


@pytest.fixture(scope="module")
def shared_roost():
    r = Roost()
    r.start()
    yield r
    r.stop()
    r.cleanup()
