# SPDX-License-Identifier: MIT
"""roost-auth password schemes, roostadm, the static userdb and passdb
result rules, against a real roost (started as conftest.py does).

The stored values are facts: made with Dovecot's
`doveadm pw -s SCHEME -p Secret-42` (Dovecot 2.3), the format an operator
brings along. Every user logs in over IMAP with the right password and is
refused with a wrong one."""
import imaplib
import os
import subprocess

import pytest

from conftest import BUILD, Roost, deliver, mail_ids, make_message

ROOSTADM = BUILD / "src" / "admin" / "roostadm"
PASSWORD = "Secret-42"

VECTORS = [
    ("SHA256", "{SHA256}rF2BAqrCPPKZ8QowTE9sLylsltQbl4r8ZVvm+4siN/w="),
    ("SHA256.HEX", "{SHA256.HEX}ac5d8102aac23cf299f10a304c4f6c2f296c96d41b"
     "978afc655be6fb8b2237fc"),
    ("SHA512", "{SHA512}O/7B3Pm6gbtbzugw4Md207+d0ngzWIi5HoPClzrQaTFcg4rchj0"
     "OZv1m+bV93qmYtrYhKpVxbErapwP7uNCa8A=="),
    ("SSHA256", "{SSHA256}VgBgSb9D+nd5PLsxYEV93JOkm43gsDfdvv9fzkPpajmrqPwx"),
    ("SSHA512", "{SSHA512}BkuhvdNThOlzIbF3myJeGI1NY0JL16sTD6CUVmwq0DPsUo991"
     "NTZffYrXS3q4iyz71tjLD77c2P9sApietWY776/T6s="),
    ("PBKDF2", "{PBKDF2}$1$mQixJHjaKPRiZI10$5000$e40ccfb8f758e1512ad5d63716"
     "47c310a191ace8"),
    ("CRAM-MD5", "{CRAM-MD5}ff30b588151b7b77b7226840f9378bb27fda4d0c0f387f7"
     "a01afc61d2648fbc8"),
    ("SCRAM-SHA-1", "{SCRAM-SHA-1}4096,LMe0DwqmEbeJ9h3j83KyAw==,pjxnllD4riO"
     "MMWZUsEZoaLMUaZ8=,l1siYW1G/3zDjy5cxLfFVMIPDAM="),
    ("SCRAM-SHA-256", "{SCRAM-SHA-256}4096,lbrfLKIDiR+pF/Q8hMs3Sw==,2sI/lcn"
     "O7g/ZbMS2ym/WZQxJuHKtxRBBBuq09GaWn0c=,IVsfWi/ocB60lEewUgBjl5kA9JptklU"
     "17nn5YtpVGZE="),
    ("SHA512-CRYPT", "{SHA512-CRYPT}$6$ifYGP9HkAsUQD1NH$ffsgWctn4gDgETBgNcw"
     "AuI.U7QJKzzGou8k6niHRe9DmV.mtMjzqzhbk3SYKTmRuXXWwR.o1KTJhrEYKoDS8d1"),
    ("SHA256-CRYPT", "{SHA256-CRYPT}$5$WVP/wvAxtMgSO6F2$NS1BXquqlRDPPaee8jb"
     "awg9QCDD2F.mdB9LWSTPQ4sA"),
    ("BLF-CRYPT", "{BLF-CRYPT}$2y$05$VEI2bJXUJe9T8Ps5hLGXpOtZTLlq2c8YUXJBwO"
     "fRRvmLT/N821WqK"),
    ("ARGON2I", "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$kd/0qNRUAfnPUxx/vLk"
     "3cw$gdo95LmjpMNFcafegzHjAE1j8fPca3WiwPH3KHfwe7o"),
    ("ARGON2ID", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$D8bsgEiR9Rqgg1S3"
     "Nr77zg$SJNdBQJP37FeURJDhS5TtqUUP+tFuPW5n8nIIwOkK0Y"),
    ("PLAIN", "{PLAIN}Secret-42"),
    ("CLEAR", "{CLEAR}Secret-42"),
]


def user_of(scheme):
    return scheme.lower().replace(".", "-") + "@example.org"


def users_text(entries):
    uid, gid = mail_ids()
    return "".join(f"{user}:{stored}:{uid}:{gid}::::\n"
                   for user, stored in entries)


def run_roostadm(args, password=None, check=False):
    assert ROOSTADM.exists(), f"{ROOSTADM} not built"
    proc = subprocess.run([str(ROOSTADM)] + args, input=password,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, (proc.returncode, proc.stderr)
    return proc


def start(r, config_blocks):
    """Start r with its passdb/userdb blocks replaced by config_blocks."""
    text = r.conf.read_text()
    head = text[:text.index("passdb {")]
    tail = text[text.index("}", text.index("userdb {")) + 1:]
    r.conf.write_text(head + config_blocks + tail)
    r.start()


@pytest.fixture(scope="module")
def schemes_roost():
    r = Roost()
    r.users.write_text(users_text(
        [(user_of(s), stored) for s, stored in VECTORS]))
    r.start()
    yield r
    r.stop()
    r.cleanup()


def imap_login_ok(r, user, password):
    c = r.imap()
    try:
        c.login(user, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            c.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return True


@pytest.mark.parametrize("scheme", [s for s, _ in VECTORS])
def test_scheme_login(schemes_roost, scheme):
    user = user_of(scheme)
    assert imap_login_ok(schemes_roost, user, PASSWORD), \
        schemes_roost.log()[-3000:]
    assert not imap_login_ok(schemes_roost, user, PASSWORD + "x")
    assert not imap_login_ok(schemes_roost, user, "secret-42")


def test_malformed_stored_is_temporary(schemes_roost):
    """A broken hash is the admin's error: a temporary failure, logged
    without the hash."""
    r = schemes_roost
    with open(r.users, "a") as f:
        f.write("broken@example.org:{SHA256}notbase64!:::::\n")
    c = r.imap()
    with pytest.raises(imaplib.IMAP4.error) as e:
        c.login("broken@example.org", PASSWORD)
    assert "UNAVAILABLE" in str(e.value)
    c.logout()
    assert "notbase64" not in r.log()


@pytest.mark.parametrize("scheme", [
    "SHA256", "SHA512.HEX", "SSHA256", "SSHA512", "PBKDF2", "CRAM-MD5",
    "SCRAM-SHA-1", "SCRAM-SHA-256", "SHA512-CRYPT", "SHA256-CRYPT",
    "BLF-CRYPT", "ARGON2I", "ARGON2ID", "PLAIN"])
def test_roostadm_pw_verifies(schemes_roost, scheme):
    """roostadm pw output (password on stdin) is accepted by roost-auth."""
    r = schemes_roost
    out = run_roostadm(["pw", "-s", scheme], PASSWORD + "\n",
                       check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("{" + scheme + "}")
    assert PASSWORD not in lines[0] or scheme == "PLAIN"
    user = "gen-" + scheme.lower().replace(".", "-") + "@example.org"
    with open(r.users, "a") as f:
        f.write(users_text([(user, lines[0])]))
    assert imap_login_ok(r, user, PASSWORD), r.log()[-3000:]
    assert not imap_login_ok(r, user, "wrong")


def test_roostadm_pw_refuses_argv():
    proc = run_roostadm(["pw", "-s", "SHA256", PASSWORD], "")
    assert proc.returncode == 64
    assert proc.stdout == ""
    proc = run_roostadm(["pw", "-s", "NOSUCH"], PASSWORD + "\n")
    assert proc.returncode == 64
    proc = run_roostadm(["pw"], "")
    assert proc.returncode != 0 and proc.stdout == ""


def test_roostadm_auth_test(schemes_roost):
    r = schemes_roost
    conf = ["-c", str(r.conf)]
    proc = run_roostadm(["auth", "test", user_of("SSHA512")] + conf,
                        PASSWORD + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "auth succeeded" in proc.stdout
    assert f"user={user_of('SSHA512')}" in proc.stdout
    proc = run_roostadm(["auth", "test", user_of("SSHA512")] + conf,
                        "wrong\n")
    assert proc.returncode == 77
    assert "auth failed" in proc.stdout
    proc = run_roostadm(["-c", str(r.conf), "auth", "test",
                         "nobody@example.org"], "x\n")
    assert proc.returncode == 77
    # the admin's login is not left for the master to claim
    assert "Authentication succeeded" in r.log()


def test_roostadm_user_lookup(schemes_roost):
    r = schemes_roost
    uid, gid = mail_ids()
    proc = run_roostadm(["user", "lookup", user_of("PLAIN"), "-c",
                         str(r.conf)])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"user={user_of('PLAIN')}"
    assert f"uid={uid}" in lines and f"gid={gid}" in lines
    proc = run_roostadm(["user", "lookup", "nobody@example.org", "-c",
                         str(r.conf)])
    assert proc.returncode == 67


def test_static_userdb_and_result_rules():
    """Two passdbs (the first one's failures continue, the second one's
    stop), a passwd-file userdb whose success continues to a static
    userdb that sets home from a template."""
    r = Roost()
    uid, gid = mail_ids()
    first = r.dir / "users1"
    second = r.dir / "users2"
    first.write_text(f"one@example.org:{{SSHA256}}VgBgSb9D+nd5PLsxYEV93JOk"
                     f"m43gsDfdvv9fzkPpajmrqPwx:{uid}:{gid}::::\n"
                     f"both@example.org:{{PLAIN}}first-pw::::::\n")
    second.write_text(f"two@example.org:{{PLAIN}}{PASSWORD}::::::\n"
                      f"both@example.org:{{PLAIN}}second-pw::::::\n")
    blocks = f"""
passdb {{
  driver = passwd-file
  args = {first}
}}
passdb {{
  driver = passwd-file
  args = {second}
  result_failure = return-fail
}}
userdb {{
  driver = passwd-file
  args = {first}
  result_success = continue-ok
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={r.dir}/home/%d/%n
}}
"""
    start(r, blocks)
    try:
        assert imap_login_ok(r, "one@example.org", PASSWORD)
        assert imap_login_ok(r, "two@example.org", PASSWORD)
        assert not imap_login_ok(r, "two@example.org", "x")
        # first passdb fails (wrong password for it), the second decides
        assert imap_login_ok(r, "both@example.org", "second-pw")
        assert imap_login_ok(r, "both@example.org", "first-pw")
        assert not imap_login_ok(r, "three@example.org", PASSWORD)

        out = run_roostadm(["user", "lookup", "two@example.org", "-c",
                            str(r.conf)], check=True).stdout.splitlines()
        assert f"home={r.dir}/home/example.org/two" in out
        assert f"uid={uid}" in out
        out = run_roostadm(["user", "lookup", "one@example.org", "-c",
                            str(r.conf)], check=True).stdout.splitlines()
        assert f"home={r.dir}/home/example.org/one" in out
        # the static userdb knows only users some passdb has
        proc = run_roostadm(["user", "lookup", "three@example.org", "-c",
                             str(r.conf)])
        assert proc.returncode == 67
        # LMTP delivery goes through the same userdb chain
        res = deliver(r, ["two@example.org", "three@example.org"],
                      make_message(1, to="two@example.org"))
        assert res["two@example.org"][0] == 250, res
        assert res["three@example.org"][0] == 550, res
    finally:
        r.stop()
        r.cleanup()


def test_unreadable_first_passdb_is_temporary():
    """A passdb that is unusable turns a final failure into a temporary
    one (never "wrong password"), while users of the next passdb still
    log in."""
    r = Roost()
    second = r.dir / "users2"
    second.write_text(f"two@example.org:{{PLAIN}}{PASSWORD}::::::\n")
    blocks = f"""
passdb {{
  driver = passwd-file
  args = {r.dir}/missing
}}
passdb {{
  driver = passwd-file
  args = {second}
}}
userdb {{
  driver = static
  args = allow_all_users=yes home={r.dir}/home/%n
}}
"""
    start(r, blocks)
    try:
        assert imap_login_ok(r, "two@example.org", PASSWORD)
        c = r.imap()
        with pytest.raises(imaplib.IMAP4.error) as e:
            c.login("two@example.org", "wrong")
        assert "UNAVAILABLE" in str(e.value)
        c.logout()
    finally:
        r.stop()
        r.cleanup()
