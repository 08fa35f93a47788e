# SPDX-License-Identifier: MIT
"""RELIABILITY.md row 12, beyond test_auth_sql.py's test_sql_injection:
user names with TAB, LF, CR, NUL, `%{`, `*`, `)(` (and test_auth_sql's
quote/backslash/comment set) sent where the auth protocols can carry them
(PLAIN and LOGIN over the auth-client socket, base64-decoded; a
tab-escaped USER lookup over auth-master), against private PostgreSQL and
MariaDB instances whose statement logs are on:

- 0 successful authentications, and never a temporary failure (an SQL
  error would give one);
- no reply carries a field taken from the user name (`x<TAB>nologin` or
  `x<TAB>userdb_uid=0` must not yield `nologin` / `userdb_uid=0`; a
  `user=` field, when present, is the whole name, tab-escaped);
- PostgreSQL (log_statement = all): every statement roost runs is a
  query template with $1, $2 ... placeholders; the names appear only as
  bound parameters;
- MariaDB (general log): roost's driver escapes values into the query
  (mysql_real_escape_string, no server-side prepared statements), so the
  check is that every query roost sent is the template with each value
  inside one properly escaped string literal.
"""
import base64
import os
import re
import socket
import time

import pytest

from conftest import mail_ids
from sqlservers import sql_mail_root, start_server  # noqa: F401
from test_auth_sql import CAROL, HOSTILE_USERS, sql_blocks, start_roost, \
    stop_roost

FIELD_USERS = [
    "x\tnologin",
    "x\tuserdb_uid=0",
    "carol@example.org\tnologin",
    "carol@example.org\tuserdb_uid=0\tuserdb_home=/root",
    "x\nuserdb_uid=0",
    "x\r\nOK\t1\tuser=carol@example.org",
    "x\rnologin",
    "x\x01tnologin",            # a raw tab-escape byte sequence
    "carol\x00@example.org",     # NUL: PLAIN cannot carry it, LOGIN refuses
    "%{user}",
    "%{",
    "%{lua:os.exit()}",
    "*",
    "*@example.org",
    ")(",
    "*)(uid=*",
    "carol@example.org)(|(uid=*",
    "x'\tnologin",
]
ALL_USERS = FIELD_USERS + HOSTILE_USERS
PASSWORDS = [CAROL[1], "x", "' OR '1'='1"]
# fields that must never appear in a reply to a hostile name
FORBIDDEN = re.compile(r"^(nologin|userdb_|uid=|gid=|home=|mail=|proxy|"
                       r"host=|allow_nets|reason=Moved)")


@pytest.fixture(scope="module", params=["pgsql", "mysql"])
def logged_db(request, sql_mail_root):  # noqa: F811
    uid, gid = mail_ids()
    server = start_server(request.param, sql_mail_root, uid, gid)
    if request.param == "pgsql":
        # one statement per psql call: ALTER SYSTEM refuses transactions
        server.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'")
        server.psql("postgres", "ALTER SYSTEM SET log_line_prefix = "
                    "'[%u] '")
        server.psql("postgres", "SELECT pg_reload_conf()")
        server.statement_log = server.log
    else:
        server.statement_log = server.dir / "general.log"
        server.mysql(f"SET GLOBAL general_log_file = "
                     f"'{server.statement_log}';\n"
                     "SET GLOBAL general_log = 1;\n")
    time.sleep(0.5)                  # the reload is asynchronous
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def inj_roost(logged_db):
    r = start_roost(sql_blocks(logged_db))
    yield r
    stop_roost(r)


def tab_escape(s):
    return (s.replace("\x01", "\x011").replace("\t", "\x01t")
            .replace("\r", "\x01r").replace("\n", "\x01n"))


def tab_unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\x01" and i + 1 < len(s):
            out.append({"1": "\x01", "t": "\t", "r": "\r",
                        "n": "\n"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


class Conn:
    def __init__(self, r, master=False):
        if master:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.settimeout(15)
            self.s.connect(str(r.run / "auth-master"))
            self.s.sendall(b"VERSION\t1\t0\n")
            self.f = self.s.makefile("rb")
            assert self.f.readline().startswith(b"VERSION\t1")
            assert self.f.readline().startswith(b"SPID\t")
        else:
            self.s = socket.create_connection(("127.0.0.1", r.auth_port),
                                              timeout=15)
            self.f = self.s.makefile("rb")
            self.s.sendall(b"VERSION\t1\t0\nCPID\t%d\n" % os.getpid())
            while self.f.readline() != b"DONE\n":
                pass

    def send(self, line):
        self.s.sendall(line.encode("utf-8", "surrogateescape") + b"\n")

    def reply(self):
        line = self.f.readline()
        assert line.endswith(b"\n"), line
        return line[:-1].decode("utf-8", "surrogateescape").split("\t")

    def close(self):
        self.s.close()


def check_fields(user, fields, kind):
    """No field of the reply comes from the user name."""
    for f in fields[2:]:
        assert not FORBIDDEN.match(f), (kind, user, fields)
        if f.startswith("user="):
            assert tab_unescape(f[5:]) == user, (kind, user, fields)


def b64(data):
    return base64.b64encode(data.encode("utf-8", "surrogateescape")).decode()


def test_hostile_names_over_auth_client(inj_roost, logged_db):
    count = logged_db.count_users()
    c = Conn(inj_roost)
    i = 0
    for user in ALL_USERS:
        for pw in PASSWORDS:
            i += 1
            c.send(f"AUTH\t{i}\tPLAIN\tservice=smtp\tnologin\t"
                   f"lip=127.0.0.1\trip=127.0.0.1\t"
                   f"resp={b64(chr(0) + user + chr(0) + pw)}")
            fields = c.reply()
            assert fields[:2] == ["FAIL", str(i)], (user, fields)
            assert "temp" not in fields, (user, fields)
            check_fields(user, fields, "PLAIN")
        # LOGIN: the name alone in one response
        i += 1
        c.send(f"AUTH\t{i}\tLOGIN\tservice=smtp\tnologin\t"
               f"lip=127.0.0.1\trip=127.0.0.1\tresp={b64(user)}")
        fields = c.reply()
        if fields[0] == "CONT":
            c.send(f"CONT\t{i}\t{b64(CAROL[1])}")
            fields = c.reply()
        assert fields[:2] == ["FAIL", str(i)], (user, fields)
        assert "temp" not in fields, (user, fields)
        check_fields(user, fields, "LOGIN")
    c.close()
    assert logged_db.count_users() == count
    log = inj_roost.log()
    assert "Authentication succeeded" not in log
    assert "SQL query failed" not in log, log[-3000:]
    # the real user still works over the same path
    c = Conn(inj_roost)
    c.send(f"AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\t"
           f"rip=127.0.0.1\tresp={b64(chr(0) + CAROL[0] + chr(0) + CAROL[1])}")
    assert c.reply()[:3] == ["OK", "1", f"user={CAROL[0]}"]
    c.close()


def test_hostile_names_over_auth_master(inj_roost):
    c = Conn(inj_roost, master=True)
    for i, user in enumerate(ALL_USERS, 1):
        c.send(f"USER\t{i}\t{tab_escape(user)}\tservice=lmtp")
        fields = c.reply()
        assert fields[:2] in (["NOTFOUND", str(i)], ["FAIL", str(i)]), \
            (user, fields)
        assert "temp" not in fields, (user, fields)
        check_fields(user, fields, "USER")
    c.send(f"USER\t{len(ALL_USERS) + 1}\t{CAROL[0]}\tservice=lmtp")
    fields = c.reply()
    assert fields[0] == "USER" and "uid=0" not in fields, fields
    c.close()


# --- the statement logs ---

def hostile_plain(r, users):
    """PLAIN attempts for users (so a log test also works alone)."""
    c = Conn(r)
    for i, user in enumerate(users, 1):
        c.send(f"AUTH\t{i}\tPLAIN\tservice=smtp\tnologin\t"
               f"lip=127.0.0.1\trip=127.0.0.1\t"
               f"resp={b64(chr(0) + user + chr(0) + CAROL[1])}")
        assert c.reply()[:2] == ["FAIL", str(i)], user
    c.close()
    time.sleep(0.3)         # the server writes its log asynchronously


def pg_roost_statements(log):
    """[(sql, parameters line or None)] of the statements the roost role
    ran (log_line_prefix '[%u] ')."""
    out, last = [], None
    for line in log.splitlines():
        if not line.startswith("[roost] "):
            continue
        m = re.match(r"\[roost\] LOG:  (?:execute [^:]*|statement): (.*)",
                     line)
        if m:
            last = [m.group(1), None]
            out.append(last)
        elif "DETAIL:  parameters:" in line and last is not None:
            last[1] = line
    return out


def test_pg_statement_log_only_placeholders(inj_roost, logged_db):
    if logged_db.driver != "pgsql":
        pytest.skip("PostgreSQL only (MariaDB: see the next test)")
    hostile_plain(inj_roost, ALL_USERS)
    log = logged_db.statement_log.read_text(errors="replace")
    stmts = pg_roost_statements(log)
    assert stmts, "log_statement = all logged nothing for roost"
    queried = [s for s in stmts if "FROM users" in s[0]]
    assert queried, stmts[:5]
    for sql, params in queried:
        assert "$1" in sql, sql
        # the SQL text is the template: no quotes left around values
        assert "'%" not in sql and "= '" not in sql.replace("'@'", ""), sql
        for user in HOSTILE_USERS + ["%{user}", ")(", "*)(uid=*"]:
            local = user.split("@")[0]
            if len(local) > 2:
                assert local not in sql, (user, sql)
    # the hostile names did arrive as parameters
    assert any(p and "x''OR''1''=''1" in p for _, p in queried), \
        [p for _, p in queried][:5]


MYSQL_LITERAL = r"'((?:[^'\\]|\\.)*)'"


def test_mysql_general_log_values_escaped(inj_roost, logged_db):
    if logged_db.driver != "mysql":
        pytest.skip("MariaDB only")
    hostile_plain(inj_roost, ALL_USERS)
    log = logged_db.statement_log.read_text(errors="replace")
    # roost's connections: "<id> Connect roost@localhost on mail"
    ids = set(re.findall(r"\s(\d+) Connect\s+roost@", log))
    assert ids, log[-2000:]
    template = re.escape(logged_db.password_query) \
        .replace(r"'%n'", MYSQL_LITERAL).replace(r"'%d'", MYSQL_LITERAL)
    user_template = re.escape(logged_db.user_query) \
        .replace(r"'%n'", MYSQL_LITERAL).replace(r"'%d'", MYSQL_LITERAL)
    queries = []
    for line in log.splitlines():
        m = re.match(r".*?\s(\d+) Query\t(.*)$", line)
        if m and m.group(1) in ids and "FROM users" in m.group(2):
            queries.append(m.group(2))
    assert queries, log[-2000:]
    seen_quote = False
    for q in queries:
        m = re.fullmatch(template, q) or re.fullmatch(user_template, q)
        assert m, ("not the template with escaped values", q)
        for value in m.groups():
            unescaped = re.sub(r"\\(.)", r"\1", value)
            assert "'" not in value.replace("\\'", ""), q
            seen_quote |= "'" in unescaped
    assert seen_quote, "no name with a quote reached MariaDB"
