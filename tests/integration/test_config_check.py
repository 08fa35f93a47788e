# SPDX-License-Identifier: MIT
"""roost -t checks everything a start would: the master's own settings and,
through roost-auth, the passdb/userdb blocks (drivers, SQL query
templates, mechanisms), which only roost-auth reads."""
import subprocess

from conftest import ROOST, Roost


def check(conf, *extra):
    return subprocess.run([str(ROOST), "-c", str(conf), *extra, "-t"],
                          capture_output=True, text=True, timeout=60)


def test_good_config_passes():
    r = Roost()
    try:
        p = check(r.conf)
        assert p.returncode == 0, p.stderr
    finally:
        r.cleanup()


def test_bad_sql_template_is_reported():
    r = Roost()
    try:
        r.conf.write_text(r.conf.read_text() + """
passdb {
  driver = pgsql
  connect = host=/nonexistent dbname=mail
  password_query = SELECT password FROM users WHERE u = '%{bogus}'
}
""")
        p = check(r.conf)
        assert p.returncode != 0
        assert "bogus" in p.stderr and "password_query" in p.stderr, p.stderr
    finally:
        r.cleanup()


def test_oauth_without_keys_is_reported():
    r = Roost()
    try:
        p = check(r.conf, "-o", "auth_mechanisms=plain oauthbearer")
        assert p.returncode != 0
        assert "auth_oauth2_key_dir" in p.stderr, p.stderr
    finally:
        r.cleanup()


def test_unknown_mail_uid_is_reported():
    r = Roost()
    try:
        p = check(r.conf, "-o", "mail_uid=no-such-user-roost")
        assert p.returncode != 0
        assert "no-such-user-roost" in p.stderr, p.stderr
    finally:
        r.cleanup()


def test_bad_pop3_uidl_format_is_reported():
    r = Roost()
    try:
        p = check(r.conf, "-o", "pop3_uidl_format=%q")
        assert p.returncode != 0
        assert "pop3_uidl_format" in p.stderr, p.stderr
    finally:
        r.cleanup()
