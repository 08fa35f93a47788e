# SPDX-License-Identifier: MIT
"""Private PostgreSQL 15 and MariaDB servers for the SQL passdb/userdb tests.

Each server lives in its own temp dir (data dir and unix socket there, no
TCP), runs as an unprivileged user when we are root (PostgreSQL refuses
root: nobody; MariaDB: mysql), and is stopped by PID. A test that needs a
server skips (with the reason) only when the server binary is absent.

Both get the same users table with Dovecot-style stored hashes
(SQL_USERS) and a role/user `roost` that may only SELECT from it.
"""
import base64
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
MARIADBD = Path("/usr/sbin/mariadbd")
MARIADB_INSTALL_DB = shutil.which("mariadb-install-db") or \
    shutil.which("mysql_install_db")
MARIADB_CLIENT = shutil.which("mariadb") or shutil.which("mysql")
PSQL = shutil.which("psql") or str(PG_BIN / "psql")

IS_ROOT = os.geteuid() == 0
DB_PASSWORD = "roost-db-Secret"


def ssha256(password, salt=b"NaCl4567"):
    digest = hashlib.sha256(password.encode() + salt).digest()
    return "{SSHA256}" + base64.b64encode(digest + salt).decode()


def sha512_crypt(password, salt="roostsalt"):
    return subprocess.run(
        ["openssl", "passwd", "-6", "-salt", salt, password],
        check=True, capture_output=True, text=True).stdout.strip()


def sql_users(mail_root, uid, gid):
    """(userid, domain, password, home, uid, gid, mail) rows. The
    passwords: carol {PLAIN}, dave SSHA256, erin a bare SHA512-CRYPT hash
    (the block's default_password_scheme applies), slow {PLAIN} (the
    queries sleep for it)."""
    def home(local):
        return f"{mail_root}/sql/{local}"
    return [
        ("carol", "example.org", "{PLAIN}carol-pw", home("carol"), uid, gid,
         f"maildir:{home('carol')}/Maildir"),
        ("dave", "example.org", ssha256("dave-pw"), home("dave"), uid, gid,
         f"maildir:{home('dave')}/Maildir"),
        ("erin", "example.org", sha512_crypt("erin-pw"), home("erin"), uid,
         gid, f"maildir:{home('erin')}/Maildir"),
        ("slow", "example.org", "{PLAIN}slow-pw", home("slow"), uid, gid,
         f"maildir:{home('slow')}/Maildir"),
    ]


def _quote(value):
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _insert_sql(rows):
    values = ",\n".join("(" + ", ".join(_quote(v) for v in row) + ")"
                        for row in rows)
    return ("INSERT INTO users (userid, domain, password, home, uid, gid, "
            f"mail) VALUES\n{values};\n")


def _wait_for(path, proc, what, log, timeout=30):
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}:\n"
                                 f"{_read(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start:\n{_read(log)}")
        time.sleep(0.05)


def _read(path):
    try:
        return Path(path).read_text(errors="replace")[-4000:]
    except OSError:
        return ""


class SqlServer:
    """Common interface: driver, connect (the roost `connect` value),
    query(sql) -> list of rows (as text), stop(), start(), and the
    roost query templates for this dialect."""

    driver = None

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix=f"roost-{self.driver}-"))
        os.chmod(self.dir, 0o755)
        self.proc = None
        self.log = self.dir / "server.log"

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Stop by PID and wait: the socket is gone afterwards."""
        if self.proc is None:
            return
        self.proc.send_signal(self.stop_signal)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def count_users(self):
        return int(self.query("SELECT count(*) FROM users")[0][0])


class PgServer(SqlServer):
    driver = "pgsql"
    stop_signal = signal.SIGINT     # fast shutdown: connections are cut

    def __init__(self):
        super().__init__()
        self.data = self.dir / "data"
        self.sock = self.dir / "sock"
        self.sock.mkdir()
        self.user = "nobody" if IS_ROOT else pwd.getpwuid(os.getuid())[0]
        if IS_ROOT:
            pw = pwd.getpwnam(self.user)
            for path in (self.dir, self.sock):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        self.pwfile = self.dir / "superpw"
        self.pwfile.write_text("super-Secret\n")
        if IS_ROOT:
            os.chown(self.pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        self.port = 5432
        self.connect = (f"host={self.sock} port={self.port} dbname=mail "
                        f"user=roost password={DB_PASSWORD}")

    def _as_user(self):
        if not IS_ROOT:
            return {}
        pw = pwd.getpwnam(self.user)
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def init(self, rows):
        subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth-local=scram-sha-256", "--auth-host=reject",
             f"--pwfile={self.pwfile}", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True, cwd=self.dir,
            **self._as_user())
        self.start()
        self.psql("postgres", "CREATE DATABASE mail;")
        self.psql("mail", f"""
            CREATE ROLE roost LOGIN PASSWORD '{DB_PASSWORD}';
            CREATE TABLE users (
                userid varchar(128) NOT NULL,
                domain varchar(128) NOT NULL,
                password varchar(256) NOT NULL,
                home varchar(256) NOT NULL,
                uid integer NOT NULL,
                gid integer NOT NULL,
                mail varchar(256),
                PRIMARY KEY (userid, domain));
            GRANT SELECT ON users TO roost;
            {_insert_sql(rows)}""")

    def start(self):
        self.proc = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data),
             "-k", str(self.sock), "-p", str(self.port),
             "-c", "listen_addresses=", "-c", "fsync=off",
             "-c", "unix_socket_permissions=0777"],
            stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT, cwd=self.dir, **self._as_user())
        _wait_for(self.sock / f".s.PGSQL.{self.port}", self.proc,
                  "postgres", self.log)
        # the socket exists before connections are accepted
        deadline = time.monotonic() + 30
        while subprocess.run(
                [str(PG_BIN / "pg_isready"), "-h", str(self.sock),
                 "-p", str(self.port)], capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise AssertionError(f"postgres not ready:\n"
                                     f"{_read(self.log)}")
            time.sleep(0.1)

    def psql(self, db, sql):
        env = dict(os.environ, PGPASSWORD="super-Secret")
        out = subprocess.run(
            [PSQL, "-X", "-q", "-A", "-t", "-F", "\t", "-v",
             "ON_ERROR_STOP=1", "-h", str(self.sock), "-p", str(self.port),
             "-U", "postgres", "-d", db, "-c", sql],
            check=True, capture_output=True, text=True, env=env)
        return out.stdout

    def query(self, sql):
        return [line.split("\t") for line in
                self.psql("mail", sql).splitlines() if line]

    # roost query templates (Dovecot style: '%n' and '%d' in quotes)
    password_query = ("SELECT userid || '@' || domain AS user, password "
                      "FROM users WHERE userid = '%n' AND domain = '%d'")
    user_query = ("SELECT home, uid, gid, mail FROM users "
                  "WHERE userid = '%n' AND domain = '%d'")
    iterate_query = "SELECT userid AS username, domain FROM users"
    # sleeps 3 s for the user slow@
    slow_password_query = (
        "SELECT userid || '@' || domain AS user, password FROM users "
        "WHERE userid = '%n' AND domain = '%d' AND (SELECT true FROM "
        "pg_sleep(CASE WHEN '%n' = 'slow' THEN 3 ELSE 0 END))")


class MariaServer(SqlServer):
    driver = "mysql"
    stop_signal = signal.SIGTERM

    def __init__(self):
        super().__init__()
        self.data = self.dir / "data"
        self.sock = self.dir / "mysql.sock"
        self.user = "mysql" if IS_ROOT else pwd.getpwuid(os.getuid())[0]
        if IS_ROOT:
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.connect = (f"host={self.sock} dbname=mail user=roost "
                        f"password={DB_PASSWORD}")

    def _common(self):
        return ["--no-defaults", f"--datadir={self.data}",
                f"--user={self.user}"]

    def init(self, rows):
        subprocess.run(
            [MARIADB_INSTALL_DB, *self._common(),
             "--auth-root-authentication-method=socket",
             "--skip-test-db"],
            check=True, capture_output=True, cwd=self.dir)
        self.start()
        self.mysql(f"""
            CREATE DATABASE mail;
            CREATE USER 'roost'@'localhost' IDENTIFIED BY '{DB_PASSWORD}';
            USE mail;
            CREATE TABLE users (
                userid varchar(128) NOT NULL,
                domain varchar(128) NOT NULL,
                password varchar(256) NOT NULL,
                home varchar(256) NOT NULL,
                uid integer NOT NULL,
                gid integer NOT NULL,
                mail varchar(256),
                PRIMARY KEY (userid, domain)) CHARACTER SET utf8mb4;
            GRANT SELECT ON mail.users TO 'roost'@'localhost';
            {_insert_sql(rows)}""")

    def start(self):
        self.proc = subprocess.Popen(
            [str(MARIADBD), *self._common(), f"--socket={self.sock}",
             "--skip-networking", f"--pid-file={self.dir}/mariadbd.pid",
             f"--log-error={self.log}", "--innodb-buffer-pool-size=16M",
             "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self.dir)
        _wait_for(self.sock, self.proc, "mariadbd", self.log)

    def mysql(self, sql, db=None):
        args = [MARIADB_CLIENT, "--no-defaults", "-S", str(self.sock),
                "-u", "root", "-N", "-B"]
        if db is not None:
            args += ["-D", db]
        out = subprocess.run(args, input=sql, check=True,
                             capture_output=True, text=True)
        return out.stdout

    def query(self, sql):
        return [line.split("\t") for line in
                self.mysql(sql, db="mail").splitlines() if line]

    password_query = ("SELECT CONCAT(userid, '@', domain) AS user, password "
                      "FROM users WHERE userid = '%n' AND domain = '%d'")
    user_query = ("SELECT home, uid, gid, mail FROM users "
                  "WHERE userid = '%n' AND domain = '%d'")
    iterate_query = "SELECT userid AS username, domain FROM users"
    slow_password_query = (
        "SELECT CONCAT(userid, '@', domain) AS user, password FROM users "
        "WHERE userid = '%n' AND domain = '%d' AND "
        "SLEEP(IF('%n' = 'slow', 3, 0)) = 0")


def _skip_unless(paths, what):
    for p in paths:
        if p is None or not Path(p).exists():
            pytest.skip(f"{what} not installed ({p or 'client'} missing)")


def start_server(kind, mail_root, uid, gid):
    if kind == "pgsql":
        _skip_unless([PG_BIN / "initdb", PG_BIN / "postgres", PSQL],
                     "PostgreSQL 15")
        server = PgServer()
    else:
        _skip_unless([MARIADBD, MARIADB_INSTALL_DB, MARIADB_CLIENT],
                     "MariaDB")
        server = MariaServer()
    try:
        server.init(sql_users(mail_root, uid, gid))
    except BaseException:
        print(_read(server.log))
        server.cleanup()
        raise
    return server


@pytest.fixture(scope="session")
def sql_mail_root():
    """A directory for the SQL users' homes, writable by the mail uid."""
    from conftest import mail_ids
    root = Path(tempfile.mkdtemp(prefix="roost-sqlmail-"))
    os.chmod(root, 0o755)
    uid, gid = mail_ids()
    (root / "sql").mkdir()
    os.chown(root / "sql", uid, gid)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _server_fixture(kind):
    @pytest.fixture(scope="session")
    def fixture(sql_mail_root):
        from conftest import mail_ids
        uid, gid = mail_ids()
        server = start_server(kind, sql_mail_root, uid, gid)
        yield server
        server.cleanup()
    return fixture


pg_server = _server_fixture("pgsql")
mariadb_server = _server_fixture("mysql")
