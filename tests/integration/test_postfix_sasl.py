# SPDX-License-Identifier: MIT
"""Postfix's SMTP AUTH against roost-auth (issue 4, "The Postfix contract").

A private Postfix instance (its own config, queue and data directories in a
temp dir, loopback only) runs two smtpd services with
`smtpd_sasl_type = dovecot`: one whose `smtpd_sasl_path` is roost's unix
socket `base_dir/auth-client`, one with `inet:127.0.0.1:PORT` naming roost's
`auth_client_listen` TCP listener. Python's smtplib is the mail client.
Nothing leaves the machine: the only real transport is LMTP into the same
roost (virtual_mailbox_domains = example.org, one message to alice, which
also shows doc/postfix.md's LMTP lines work); every other destination is
`discard:`, the relay tests never send DATA, and the queue is checked empty
at the end.

Needs root (Postfix's master starts as root and drops to mail_owner) and
the Debian postfix package; skipped otherwise.
"""
import base64
import os
import pty
import pwd
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ALICE, BOB, IS_ROOT, ROOST, Roost, free_port

POSTFIX = Path("/usr/sbin/postfix")
DAEMON_DIR = Path("/usr/lib/postfix/sbin")
MASTER = DAEMON_DIR / "master"


def _postfix_user_exists():
    try:
        pwd.getpwnam("postfix")
        return True
    except KeyError:
        return False


pytestmark = [
    pytest.mark.skipif(not IS_ROOT,
                       reason="Postfix's master must start as root"),
    pytest.mark.skipif(not (POSTFIX.exists() and MASTER.exists()),
                       reason="Postfix not installed (/usr/sbin/postfix, "
                       "/usr/lib/postfix/sbin/master)"),
    pytest.mark.skipif(not _postfix_user_exists(),
                       reason="no 'postfix' system user (mail_owner)"),
]

REMOTE_RCPT = "someone@remote.example"
SENDER = "sender@example.net"
UNKNOWN = ("nobody@example.org", "Nobody-pw-7731")
WRONG_PW = "Wrong-pw-5518x"
BROKEN = ("carol@example.org", "Carol-pw-4410")
CHROOT_SOCKET = "roost-auth"
VARIANTS = ["unix", "inet", "chroot"]
QUEUES = ("maildrop", "incoming", "active", "deferred", "hold", "corrupt")


def b64(s):
    return base64.b64encode(s.encode()).decode()


class Postfix:
    """A private Postfix: master in the foreground (-d), stopped by PID."""

    def __init__(self, roost):
        self.dir = Path(tempfile.mkdtemp(prefix="roost-postfix-"))
        os.chmod(self.dir, 0o755)
        self.conf = self.dir / "etc"
        self.queue = self.dir / "spool"
        self.data = self.dir / "data"
        self.logfile = self.dir / "postfix.log"
        self.master_log = self.dir / "master.out"
        for d in (self.conf, self.queue, self.data):
            d.mkdir()
            os.chmod(d, 0o755)
        pw = pwd.getpwnam("postfix")
        os.chown(self.data, pw.pw_uid, pw.pw_gid)
        self.ports = {v: free_port() for v in VARIANTS}
        self.sasl_paths = {
            # absolute: a relative path is taken from the queue directory
            "unix": str(roost.run / "auth-client"),
            "inet": f"inet:127.0.0.1:{roost.auth_port}",
            # the chrooted smtpd sees the queue directory as /: the socket
            # is an extra auth_client_listen in its private/ subdirectory
            "chroot": "private/" + CHROOT_SOCKET,
        }
        self.lmtp_port = roost.lmtp_port
        self.proc = None
        self.write_config()

    def write_config(self):
        (self.conf / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
daemon_directory = {DAEMON_DIR}
command_directory = /usr/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = {self.dir}
maillog_file = {self.logfile}
myhostname = mx.roost-test.invalid
mydomain = roost-test.invalid
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
# nothing may leave this instance (smtpd refuses error: recipients at
# RCPT time, discard: ones it accepts)
default_transport = discard:roost test instance delivers nothing
relay_transport = discard:roost test instance delivers nothing
# delivery into roost, as doc/postfix.md says
virtual_mailbox_domains = example.org
virtual_transport = lmtp:inet:127.0.0.1:{self.lmtp_port}
lmtp_destination_recipient_limit = 50
smtpd_tls_security_level = none
smtpd_sasl_auth_enable = no
smtpd_sasl_authenticated_header = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
""")
        services = []
        for name, port in self.ports.items():
            chroot = "y" if name == "chroot" else "n"
            services.append(
                f"127.0.0.1:{port} inet n - {chroot} - - smtpd\n"
                f"  -o syslog_name=postfix/sasl-{name}\n"
                f"  -o smtpd_sasl_auth_enable=yes\n"
                f"  -o smtpd_sasl_type=dovecot\n"
                f"  -o smtpd_sasl_path={self.sasl_paths[name]}\n"
                f"  -o smtpd_sasl_security_options=noanonymous\n")
        # chroot column "n" for everything else: the real paths
        (self.conf / "master.cf").write_text("".join(services) + """\
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
error     unix  - - n - - error
lmtp      unix  - - n - - lmtp
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
""")

    def postfix_cmd(self, *args):
        """Run the postfix command; returns (rc, output). Postfix writes
        its messages to stderr only when that is a terminal (else only to
        syslog), so it gets a pty."""
        ctl, tty = pty.openpty()
        try:
            proc = subprocess.Popen(
                [str(POSTFIX), "-c", str(self.conf), *args],
                stdin=subprocess.DEVNULL, stdout=tty, stderr=tty)
        finally:
            os.close(tty)
        out = b""
        try:
            while True:
                try:
                    chunk = os.read(ctl, 4096)
                except OSError:     # EIO: every writer closed the pty
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            os.close(ctl)
        rc = proc.wait(timeout=60)
        return rc, out.decode(errors="replace")

    def check_output(self):
        rc, out = self.postfix_cmd("check")
        return f"postfix check: rc={rc}\n{out}"

    def prepare(self):
        """"postfix check" runs post-install create-missing: the queue
        subdirectories with the ownership Postfix wants (private/ must
        exist before roost binds its socket there)."""
        rc, out = self.postfix_cmd("check")
        assert rc == 0, f"postfix check: rc={rc}\n{out}"

    def chroot_socket(self):
        return self.queue / "private" / CHROOT_SOCKET

    def start(self):
        self.outf = open(self.master_log, "ab")
        self.proc = subprocess.Popen(
            [str(MASTER), "-c", str(self.conf), "-d"],
            stdin=subprocess.DEVNULL, stdout=self.outf, stderr=self.outf,
            cwd=self.dir)
        self.wait_ready()

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        for port in self.ports.values():
            while True:
                if self.proc.poll() is not None:
                    raise AssertionError(
                        f"postfix master exited with {self.proc.returncode}"
                        f"\n{self.diagnostics()}")
                try:
                    with socket.create_connection(("127.0.0.1", port),
                                                  timeout=2) as s:
                        s.settimeout(5)
                        if s.recv(100).startswith(b"220"):
                            s.sendall(b"QUIT\r\n")
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"postfix not ready on {port}\n{self.diagnostics()}")
                time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()   # master kills its children on SIGTERM
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.outf.close()
        # master's children leave on their own once master is gone; give
        # them a moment so that removing the directory does not race them
        self._wait_children_gone()

    def _wait_children_gone(self, timeout=10):
        conf = str(self.conf).encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = []
            for p in Path("/proc").iterdir():
                if not p.name.isdigit():
                    continue
                try:
                    env = (p / "environ").read_bytes()
                except OSError:
                    continue
                if b"MAIL_CONFIG=" + conf in env:
                    busy.append(int(p.name))
            if not busy:
                return
            time.sleep(0.1)

    def queued_files(self):
        out = []
        for q in QUEUES:
            d = self.queue / q
            if d.is_dir():
                out += [str(p) for p in d.rglob("*") if p.is_file()]
        return out

    def log(self):
        text = ""
        for f in (self.logfile, self.master_log):
            try:
                text += f.read_text(errors="replace")
            except OSError:
                pass
        return text

    def diagnostics(self):
        return f"{self.check_output()}\n--- postfix log ---\n{self.log()}"

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class RoostForPostfix(Roost):
    """conftest's roost, plus a unix auth-client listener inside Postfix's
    queue directory, and without the brute-force penalty (the failures
    here would slow each other down; the penalty has its own tests)."""

    def __init__(self):
        self.extra_listener = None
        super().__init__(extra_config=self.penalty_off())
        # a user whose stored password roost cannot use: a temporary
        # failure in roost-auth
        with open(self.users, "a") as f:
            f.write(f"{BROKEN[0]}:{{NOSUCHSCHEME}}x::::::\n")

    @staticmethod
    def penalty_off():
        try:
            known = b"auth_penalty_max_delay" in ROOST.read_bytes()
        except OSError:
            known = False
        return "auth_penalty_max_delay = 0\n" if known else ""

    def write_config(self):
        super().write_config()
        if self.extra_listener is None:
            return
        text = self.conf.read_text()
        line = f"auth_client_listen = 127.0.0.1:{self.auth_port}\n"
        assert line in text, text
        self.conf.write_text(text.replace(
            line, f"auth_client_listen = 127.0.0.1:{self.auth_port} "
            f"unix:{self.extra_listener}\n"))


@pytest.fixture(scope="module")
def setup():
    """(roost, postfix): Postfix's directories first, then roost (which
    binds a socket in Postfix's private/), then Postfix's master."""
    r = RoostForPostfix()
    pf = Postfix(r)
    try:
        pf.prepare()
        r.extra_listener = pf.chroot_socket()
        r.write_config()
        r.start()
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


@pytest.fixture
def postfix(setup):
    return setup[1]


@pytest.fixture
def roost_pf(setup):
    return setup[0]


def smtp(pf, variant):
    c = smtplib.SMTP("127.0.0.1", pf.ports[variant], timeout=20)
    code, _ = c.ehlo("client.roost-test.invalid")
    assert code == 250
    return c


def auth_plain(c, user, password):
    return c.docmd("AUTH", "PLAIN " + b64(f"\0{user}\0{password}"))


def auth_login(c, user, password):
    code, text = c.docmd("AUTH", "LOGIN")
    if code != 334:
        return code, text
    assert base64.b64decode(text).lower().startswith(b"username"), text
    code, text = c.docmd(b64(user))
    if code != 334:
        return code, text
    assert base64.b64decode(text).lower().startswith(b"password"), text
    return c.docmd(b64(password))


def ctx(pf, roost, reply):
    return (f"reply {reply!r}\n--- roost log (tail) ---\n"
            f"{roost.log()[-3000:]}\n{pf.diagnostics()[-4000:]}")


@pytest.mark.parametrize("variant", VARIANTS)
def test_ehlo_offers_plain_and_login(postfix, roost_pf, variant):
    with smtp(postfix, variant) as c:
        assert c.has_extn("auth"), ctx(postfix, roost_pf, c.esmtp_features)
        mechs = c.esmtp_features["auth"].upper().split()
        assert "PLAIN" in mechs and "LOGIN" in mechs, \
            ctx(postfix, roost_pf, mechs)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_right_password_then_relay(postfix, roost_pf, variant, mech):
    auth = auth_plain if mech == "PLAIN" else auth_login
    with smtp(postfix, variant) as c:
        reply = auth(c, *ALICE)
        assert reply[0] == 235, ctx(postfix, roost_pf, reply)
        reply = c.mail(SENDER)
        assert reply[0] == 250, ctx(postfix, roost_pf, reply)
        reply = c.rcpt(REMOTE_RCPT)
        assert reply[0] == 250, ctx(postfix, roost_pf, reply)
        assert c.rset()[0] == 250


@pytest.mark.parametrize("variant", VARIANTS)
def test_argon2_user(postfix, roost_pf, variant):
    with smtp(postfix, variant) as c:
        reply = auth_plain(c, *BOB)
        assert reply[0] == 235, ctx(postfix, roost_pf, reply)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_wrong_password_and_unknown_user(postfix, roost_pf, variant, mech):
    auth = auth_plain if mech == "PLAIN" else auth_login
    with smtp(postfix, variant) as c:
        reply = auth(c, ALICE[0], WRONG_PW)
        assert reply[0] == 535, ctx(postfix, roost_pf, reply)
        reply = auth(c, *UNKNOWN)
        assert reply[0] == 535, ctx(postfix, roost_pf, reply)
        # a failed AUTH does not authenticate: relaying is still refused
        assert c.mail(SENDER)[0] == 250
        reply = c.rcpt(REMOTE_RCPT)
        assert reply[0] in (454, 554), ctx(postfix, roost_pf, reply)
        # and the session can still authenticate afterwards
        c.rset()
        reply = auth(c, *ALICE)
        assert reply[0] == 235, ctx(postfix, roost_pf, reply)


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_auth_relay_denied(postfix, roost_pf, variant):
    with smtp(postfix, variant) as c:
        reply = c.mail(SENDER)
        assert reply[0] == 250, ctx(postfix, roost_pf, reply)
        reply = c.rcpt(REMOTE_RCPT)
        assert reply[0] in (454, 554), ctx(postfix, roost_pf, reply)
        assert b"relay access denied" in reply[1].lower(), reply
        c.rset()


@pytest.mark.parametrize("variant", VARIANTS)
def test_cleartext_refused_without_tls_from_elsewhere(postfix, roost_pf,
                                                      variant):
    """Postfix sends "secured" only under TLS. From 127.0.0.2 to 127.0.0.1
    (rip != lip) without TLS, roost-auth refuses PLAIN and LOGIN even with
    the right password: a password never crosses a network in clear."""
    c = smtplib.SMTP("127.0.0.1", postfix.ports[variant], timeout=20,
                     source_address=("127.0.0.2", 0))
    with c:
        c.ehlo("client.roost-test.invalid")
        for auth in (auth_plain, auth_login):
            reply = auth(c, *ALICE)
            assert reply[0] == 535, ctx(postfix, roost_pf, reply)
            assert b"plaintext authentication disallowed" in \
                reply[1].lower(), reply
        assert c.mail(SENDER)[0] == 250
        reply = c.rcpt(REMOTE_RCPT)
        assert reply[0] in (454, 554), ctx(postfix, roost_pf, reply)


def test_tempfail_reaches_postfix_as_failure(postfix, roost_pf):
    """roost-auth answers FAIL ... temp for an unusable passdb entry;
    Postfix 3.7 does not read "temp" and answers 535 like any failure.
    roost's log has the truth (result=tempfail), as doc/postfix.md says."""
    with smtp(postfix, "inet") as c:
        reply = auth_plain(c, *BROKEN)
        assert reply[0] in (454, 535), ctx(postfix, roost_pf, reply)
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in auth_lines(roost_pf.log())
                 if f"auth({BROKEN[0]})" in line]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert lines and "result=tempfail" in lines[-1], \
        ctx(postfix, roost_pf, lines)


def smtpd_roots(pf, variant):
    """The root directories of this instance's smtpd processes that serve
    variant (their -o syslog_name names it)."""
    roots = []
    tag = f"syslog_name=postfix/sasl-{variant}".encode()
    conf = b"MAIL_CONFIG=" + str(pf.conf).encode()
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if (tag in (p / "cmdline").read_bytes() and
                    conf in (p / "environ").read_bytes()):
                roots.append(os.readlink(p / "root"))
        except OSError:
            pass
    return roots


def test_chroot_variant_is_chrooted(postfix, roost_pf):
    """The "chroot" smtpd really runs inside the queue directory and
    reaches roost through the relative smtpd_sasl_path private/..."""
    with smtp(postfix, "chroot") as c:
        assert auth_plain(c, *ALICE)[0] == 235
        roots = smtpd_roots(postfix, "chroot")
    # (a process master has just forked may not have chrooted yet)
    assert str(postfix.queue) in roots, roots
    assert all(r == "/" for r in smtpd_roots(postfix, "unix")), \
        smtpd_roots(postfix, "unix")


def auth_lines(log):
    return [line for line in log.splitlines()
            if "Authentication " in line and "service=smtp" in line]


@pytest.mark.parametrize("variant", VARIANTS)
def test_roost_log_shows_attempts_without_passwords(postfix, roost_pf,
                                                    variant):
    before = len(auth_lines(roost_pf.log()))
    with smtp(postfix, variant) as c:
        assert auth_plain(c, ALICE[0], WRONG_PW)[0] == 535
        assert auth_login(c, *UNKNOWN)[0] == 535
        assert auth_login(c, *ALICE)[0] == 235
    deadline = time.monotonic() + 5
    while True:
        lines = auth_lines(roost_pf.log())[before:]
        if len(lines) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(lines) == 3, ctx(postfix, roost_pf, lines)
    failed_pw, unknown, ok = lines
    for line, user, mech, result in (
            (failed_pw, ALICE[0], "PLAIN", "failed"),
            (unknown, UNKNOWN[0], "LOGIN", "failed"),
            (ok, ALICE[0], "LOGIN", "ok")):
        assert user in line, line
        assert f"mech={mech}" in line, line
        assert "service=smtp" in line, line
        assert f"result={result}" in line, line
        assert "remote=127.0.0.1" in line, line
    assert "Authentication succeeded" in ok
    log = roost_pf.log()
    for secret in (ALICE[1], WRONG_PW, UNKNOWN[1], BOB[1], BROKEN[1]):
        assert secret not in log
        assert b64(secret) not in log
    assert b64(f"\0{ALICE[0]}\0{WRONG_PW}") not in log


def test_authenticated_mail_delivered_over_lmtp(postfix, roost_pf):
    """A message submitted with AUTH goes through Postfix's queue and its
    lmtp client into roost; the Received header names the SASL user
    (smtpd_sasl_authenticated_header = yes)."""
    maildir = roost_pf.maildir(ALICE[0])

    def messages():
        return {p for sub in ("new", "cur") if (maildir / sub).is_dir()
                for p in (maildir / sub).iterdir()}

    before = messages()
    subject = f"postfix-lmtp-{time.time_ns()}"
    msg = (f"From: <{ALICE[0]}>\r\nTo: <{ALICE[0]}>\r\n"
           f"Subject: {subject}\r\n\r\nvia Postfix\r\n").encode()
    with smtp(postfix, "unix") as c:
        assert auth_plain(c, *ALICE)[0] == 235
        refused = c.sendmail(ALICE[0], [ALICE[0]], msg)
        assert refused == {}, refused
    deadline = time.monotonic() + 20
    while True:
        files = messages() - before
        if files or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(files) == 1, ctx(postfix, roost_pf, files)
    text = files.pop().read_text(errors="replace")
    assert subject in text, text
    assert f"(Authenticated sender: {ALICE[0]})" in text, text


def test_queue_stays_empty(postfix, roost_pf):
    """Runs last in this file: nothing stayed in the queue (the message of
    the LMTP test left it when roost accepted it)."""
    deadline = time.monotonic() + 10
    while postfix.queued_files() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert postfix.queued_files() == [], \
        f"{postfix.queued_files()}\n{postfix.diagnostics()[-3000:]}"
