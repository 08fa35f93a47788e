# SPDX-License-Identifier: MIT
"""The pgsql and mysql passdb/userdb drivers against private PostgreSQL 15
and MariaDB servers (sqlservers.py): logins over IMAP and POP3, LMTP
delivery to a user only SQL knows, SQL injection attempts in the user
name, a database outage in the middle of a run, a query slower than
sql_query_timeout, passwd-file and SQL chained with result rules, and
iteration (roostadm user list).

Every test runs once per server kind (pgsql, mysql).
"""
import imaplib
import os
import poplib
import socket
import subprocess
import time

import pytest

from conftest import BUILD, IS_ROOT, Roost, deliver, make_message, ALICE
from sqlservers import mariadb_server, pg_server, sql_mail_root  # noqa: F401

ROOSTADM = BUILD / "src" / "admin" / "roostadm"

CAROL = ("carol@example.org", "carol-pw")     # {PLAIN}
DAVE = ("dave@example.org", "dave-pw")        # {SSHA256}
ERIN = ("erin@example.org", "erin-pw")        # bare $6$: default scheme
SLOW = ("slow@example.org", "slow-pw")        # the slow query sleeps

HOSTILE_USERS = [
    "x'OR'1'='1",
    "x' OR '1'='1",
    "carol'--@example.org",
    "carol'/*@example.org",
    "x\";DROP/**/TABLE/**/users;--",
    "x\"; DROP TABLE users; --",
    "x');DELETE/**/FROM/**/users;--@example.org",
    "%u",
    "%n@%d",
    "%{user}",
    "a\\'b\\\\",
    "\\",
    "\\'OR 1=1#",
    "'or''='@example.org",
    "carol@example.org'#",
]


def sql_blocks(server, password_query=None, timeout="3s", extra_passdb=""):
    return f"""
passdb {{
  driver = {server.driver}
  connect = {server.connect}
  password_query = {password_query or server.password_query}
  default_password_scheme = SHA512-CRYPT
  sql_max_connections = 2
  sql_query_timeout = {timeout}
{extra_passdb}
}}
userdb {{
  driver = {server.driver}
  connect = {server.connect}
  user_query = {server.user_query}
  iterate_query = {server.iterate_query}
  sql_query_timeout = {timeout}
}}
"""


class SqlRoost(Roost):
    """A private roost whose passdb/userdb blocks are given (the base
    class always writes passwd-file ones)."""

    def __init__(self, blocks):
        self.blocks = blocks
        super().__init__()

    def write_config(self):
        blocks = self.blocks(self) if callable(self.blocks) else self.blocks
        self.conf.write_text(f"""
base_dir = {self.run}
log_level = debug
protocols = imap pop3 lmtp
imap_listen = 127.0.0.1:{self.imap_port}
pop3_listen = 127.0.0.1:{self.pop3_port}
lmtp_listen = 127.0.0.1:{self.lmtp_port}
auth_client_listen = 127.0.0.1:{self.auth_port}
auth_failure_delay = 0
# many failed logins from 127.0.0.1 here: no brute-force penalty
auth_penalty_max_delay = 0
mail_location = maildir:{self.mail}/%d/%n
{"mail_uid = vmail" if IS_ROOT else ""}
{"mail_gid = vmail" if IS_ROOT else ""}
{blocks}
""")


def start_roost(blocks):
    r = SqlRoost(blocks)
    r.start()
    return r


def stop_roost(r):
    try:
        r.stop()
    finally:
        if os.environ.get("ROOST_KEEP_TEST_DIRS"):
            print(f"kept {r.dir}")
        else:
            r.cleanup()


@pytest.fixture(scope="module", params=["pgsql", "mysql"])
def sqldb(request):
    name = "pg_server" if request.param == "pgsql" else "mariadb_server"
    server = request.getfixturevalue(name)
    if not server.running():
        server.start()
    return server


@pytest.fixture
def sql_roost(sqldb):
    r = start_roost(sql_blocks(sqldb))
    yield r
    stop_roost(r)


def imap_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_login_raw(r, user, password, timeout=10):
    """LOGIN with properly quoted strings; returns the tagged reply."""
    with socket.create_connection(("127.0.0.1", r.imap_port),
                                  timeout=timeout) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(f"a LOGIN {imap_quote(user)} {imap_quote(password)}\r\n"
                  .encode())
        while True:
            line = f.readline()
            if not line:
                return ""
            line = line.decode(errors="replace").rstrip("\r\n")
            if line.startswith("a "):
                return line


def pop3_login_raw(r, user, password, timeout=10):
    with socket.create_connection(("127.0.0.1", r.pop3_port),
                                  timeout=timeout) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(f"USER {user}\r\n".encode())
        reply = f.readline().decode(errors="replace").rstrip("\r\n")
        if not reply.startswith("+OK"):
            return reply
        s.sendall(f"PASS {password}\r\n".encode())
        return f.readline().decode(errors="replace").rstrip("\r\n")


def lmtp_rcpt(r, rcpt):
    with r.lmtp() as c:
        c.ehlo("test.example")
        c.mail("sender@example.net")
        return c.rcpt(rcpt)


def test_imap_login(sql_roost):
    for user in (CAROL, DAVE, ERIN):
        c = sql_roost.imap_login(user)
        c.select("INBOX")
        c.logout()
    reply = imap_login_raw(sql_roost, CAROL[0], "wrong")
    assert reply.startswith("a NO [AUTHENTICATIONFAILED]"), reply
    reply = imap_login_raw(sql_roost, "nobody@example.org", "x")
    assert reply.startswith("a NO [AUTHENTICATIONFAILED]"), reply
    # a user of the passwd-file is unknown here
    reply = imap_login_raw(sql_roost, *ALICE)
    assert reply.startswith("a NO [AUTHENTICATIONFAILED]"), reply


def test_pop3_login(sql_roost):
    c = sql_roost.pop3_login(CAROL)
    c.stat()
    c.quit()
    reply = pop3_login_raw(sql_roost, DAVE[0], "wrong")
    assert reply.startswith("-ERR") and "[SYS/TEMP]" not in reply, reply
    assert pop3_login_raw(sql_roost, *ERIN).startswith("+OK")


def test_lmtp_delivery_sql_user(sql_roost, sqldb):
    home = sqldb.query("SELECT home FROM users WHERE userid = 'carol'")[0][0]
    new = os.path.join(home, "Maildir", "new")
    before = set(os.listdir(new)) if os.path.isdir(new) else set()
    result = deliver(sql_roost, [CAROL[0], "nobody@example.org"],
                     make_message(1, to=CAROL[0]))
    assert result[CAROL[0]][0] == 250, result
    assert result["nobody@example.org"][0] == 550, result
    after = set(os.listdir(new))
    assert len(after - before) == 1
    # and the mail is there over IMAP
    c = sql_roost.imap_login(CAROL)
    typ, data = c.select("INBOX")
    assert typ == "OK" and int(data[0]) >= 1
    c.logout()


def test_sql_injection(sql_roost, sqldb):
    count = sqldb.count_users()
    for user in HOSTILE_USERS:
        for password in ("x", CAROL[1], "' OR '1'='1"):
            reply = imap_login_raw(sql_roost, user, password)
            # a normal failure: not a success, and not a temporary
            # failure (which an SQL syntax error would cause)
            assert reply.startswith("a NO"), (user, reply)
            assert "[UNAVAILABLE]" not in reply, (user, reply)
        reply = pop3_login_raw(sql_roost, user, CAROL[1])
        assert reply.startswith("-ERR"), (user, reply)
        assert "[SYS/TEMP]" not in reply, (user, reply)
        code, _ = lmtp_rcpt(sql_roost, f"<{user}>" if "@" in user else
                            f"<{user}@example.org>")
        assert code >= 500 or code == 501, (user, code)
    assert sqldb.count_users() == count
    log = sql_roost.log()
    assert "SQL query failed" not in log, log[-3000:]
    assert "syntax" not in log.lower(), log[-3000:]
    # the real user still works
    sql_roost.imap_login(CAROL).logout()


def wait_until(check, timeout):
    deadline = time.monotonic() + timeout
    while True:
        ok, last = check()
        if ok:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last: {last!r}")
        time.sleep(0.5)


def test_database_outage(sql_roost, sqldb):
    sql_roost.imap_login(CAROL).logout()
    sqldb.stop()
    try:
        for _ in range(3):
            t0 = time.monotonic()
            reply = imap_login_raw(sql_roost, *CAROL)
            assert reply.startswith("a NO [UNAVAILABLE]"), reply
            assert time.monotonic() - t0 < 4
        # a wrong password is not "wrong password" either: the db decides
        reply = imap_login_raw(sql_roost, CAROL[0], "wrong")
        assert reply.startswith("a NO [UNAVAILABLE]"), reply
        t0 = time.monotonic()
        reply = pop3_login_raw(sql_roost, *CAROL)
        assert reply.startswith("-ERR [SYS/TEMP]"), reply
        assert time.monotonic() - t0 < 4
        t0 = time.monotonic()
        code, text = lmtp_rcpt(sql_roost, CAROL[0])
        assert code == 451 and text.startswith(b"4.3.0"), (code, text)
        assert time.monotonic() - t0 < 4
    finally:
        sqldb.start()
    # back after the reconnect back-off (1 s doubling, at most 30 s)
    wait_until(lambda: (lambda r: (r.startswith("a OK"), r))(
        imap_login_raw(sql_roost, *CAROL)), 45)
    assert pop3_login_raw(sql_roost, *CAROL).startswith("+OK")
    assert lmtp_rcpt(sql_roost, CAROL[0])[0] == 250
    assert "SQL database reachable again" in sql_roost.log()


def test_slow_query_times_out(sqldb):
    r = start_roost(sql_blocks(sqldb, sqldb.slow_password_query,
                               timeout="1s"))
    try:
        t0 = time.monotonic()
        reply = imap_login_raw(r, *SLOW)
        elapsed = time.monotonic() - t0
        assert reply.startswith("a NO [UNAVAILABLE]"), reply
        assert 0.8 < elapsed < 3, elapsed
        t0 = time.monotonic()
        reply = pop3_login_raw(r, *SLOW)
        assert reply.startswith("-ERR [SYS/TEMP]"), reply
        assert time.monotonic() - t0 < 3
        # the connection was reset; other users are served
        r.imap_login(CAROL).logout()
        assert "timed out" in r.log()
    finally:
        stop_roost(r)


def chain_blocks(server, passwd_file_failure):
    def blocks(r):
        return f"""
passdb {{
  driver = passwd-file
  args = {r.users}
  result_failure = {passwd_file_failure}
}}
userdb {{
  driver = passwd-file
  args = {r.users}
  result_failure = continue
}}
""" + sql_blocks(server)
    return blocks


def test_passdb_chain(sqldb):
    r = start_roost(chain_blocks(sqldb, "continue"))
    try:
        r.imap_login(ALICE).logout()          # passwd-file
        r.imap_login(CAROL).logout()          # SQL
        reply = imap_login_raw(r, CAROL[0], "wrong")
        assert reply.startswith("a NO [AUTHENTICATIONFAILED]"), reply
        result = deliver(r, [ALICE[0], CAROL[0]], make_message(2))
        assert result[ALICE[0]][0] == 250 and result[CAROL[0]][0] == 250
        # the SQL server down: the passwd-file users still log in
        sqldb.stop()
        try:
            r.imap_login(ALICE).logout()
            reply = imap_login_raw(r, *CAROL)
            assert reply.startswith("a NO [UNAVAILABLE]"), reply
        finally:
            sqldb.start()
    finally:
        stop_roost(r)
    r = start_roost(chain_blocks(sqldb, "return-fail"))
    try:
        # the passwd-file ends the chain: SQL is never asked
        reply = imap_login_raw(r, *CAROL)
        assert reply.startswith("a NO [AUTHENTICATIONFAILED]"), reply
        r.imap_login(ALICE).logout()
        assert "password_query" not in r.log()
    finally:
        stop_roost(r)


def test_roostadm_user_list_and_lookup(sql_roost):
    if not ROOSTADM.exists():
        pytest.skip("roostadm not built")
    out = subprocess.run([str(ROOSTADM), "-c", str(sql_roost.conf), "user",
                          "list"], capture_output=True, text=True,
                         timeout=20)
    assert out.returncode == 0, out
    users = set(out.stdout.split())
    assert {CAROL[0], DAVE[0], ERIN[0], SLOW[0]} <= users, out.stdout
    out = subprocess.run([str(ROOSTADM), "-c", str(sql_roost.conf), "user",
                          "lookup", CAROL[0]], capture_output=True,
                         text=True, timeout=20)
    assert out.returncode == 0, out
    assert "home=" in out.stdout and "mail=maildir:" in out.stdout, out


def test_config_dovecot_args_file(sqldb, tmp_path):
    """Dovecot's form: driver = sql, args = dovecot-sql.conf.ext."""
    ext = tmp_path / "dovecot-sql.conf.ext"
    ext.write_text(f"""# as Dovecot has it
driver = {sqldb.driver}
connect = {sqldb.connect}
default_pass_scheme = SHA512-CRYPT
password_query = \\
  {sqldb.password_query}
user_query = {sqldb.user_query}
iterate_query = {sqldb.iterate_query}
""")
    os.chmod(tmp_path, 0o755)
    r = start_roost(f"""
passdb {{
  driver = sql
  args = {ext}
}}
userdb {{
  driver = sql
  args = {ext}
}}
""")
    try:
        r.imap_login(ERIN).logout()
        r.imap_login(CAROL).logout()
        assert deliver(r, [CAROL[0]], make_message(3))[CAROL[0]][0] == 250
    finally:
        stop_roost(r)


def test_auth_cache_and_flush(sqldb):
    """With auth_cache_size set, a user looked up once logs in while the
    database is down; a wrong password still fails; roostadm auth cache
    flush empties the cache, after which the outage shows again."""
    def blocks(r):
        return "auth_cache_size = 1M\n" + sql_blocks(sqldb)
    r = start_roost(blocks)
    try:
        assert imap_login_raw(r, *CAROL).startswith("a OK")
        assert imap_login_raw(r, "nobody@example.org", "x").startswith("a NO")
        sqldb.stop()
        try:
            # from the cache: the right password, a wrong one, and the
            # cached "no such user"
            reply = imap_login_raw(r, *CAROL)
            assert reply.startswith("a OK"), reply
            # a mismatch against a cached hash asks the database again
            # (the password may have changed): it is down, so temporary
            reply = imap_login_raw(r, CAROL[0], "wrong")
            assert reply.startswith("a NO [UNAVAILABLE]"), reply
            reply = imap_login_raw(r, "nobody@example.org", "x")
            assert reply.startswith("a NO") and \
                "UNAVAILABLE" not in reply, reply
            p = subprocess.run([str(ROOSTADM), "-c", str(r.conf), "auth",
                                "cache", "flush"], capture_output=True,
                               text=True, timeout=30)
            assert p.returncode == 0, p.stderr
            assert int(p.stdout.split()[0]) >= 2, p.stdout
            reply = imap_login_raw(r, *CAROL)
            assert reply.startswith("a NO [UNAVAILABLE]"), reply
        finally:
            sqldb.start()
        assert "cache hit" in r.log()
    finally:
        stop_roost(r)
