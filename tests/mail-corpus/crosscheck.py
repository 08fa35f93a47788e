#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-check roost's corpus expectations against Debian's Dovecot.

    tests/mail-corpus/crosscheck.py [--dovecot-imap PATH] [--keep] [NAME...]

For every tests/mail-corpus/NAME.eml the expected BODYSTRUCTURE and
ENVELOPE in NAME.exp (what roost's lib-mail produces: test-mail-corpus
checks that, and tests/integration/test_imap_fetch_mime.py checks that
roost-imap's FETCH sends the same) are compared with what a private
Dovecot sends for the same file over IMAP.

The private Dovecot is Dovecot's own imap binary (/usr/lib/dovecot/imap)
started in PREAUTH mode on a pipe with a generated config: no daemon, no
port, no system configuration, nothing written outside a temp dir. The
messages are copied byte for byte into the temp Maildir's cur/ (Dovecot
assigns UIDs in file-name order; each message is identified again by its
BODY[] before anything is compared). Runs as any user; as root, Dovecot
runs as "nobody" (it refuses root).

Both sides are parsed as IMAP data and compared as trees. A difference
only in the letter case of a MIME type, subtype or parameter name (all
case-insensitive, RFC 2045 §5.1) is reported as "case"; anything else as
"DIFF". Exit status: 0 if nothing differs beyond what DIFFERENCES.md
lists (KNOWN below), 1 otherwise, 2 if Dovecot could not be run.
"""
import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# Messages whose difference is explained in DIFFERENCES.md, by their
# three-digit number. A difference in one of these is not a failure; any
# other one is.
KNOWN = {}


def parse_known():
    """Every NNN or NNN-name mentioned in DIFFERENCES.md."""
    path = os.path.join(HERE, "DIFFERENCES.md")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        for m in re.finditer(r"(?<![\d.])(\d{3})(?![\d])", f.read()):
            KNOWN[m.group(1)] = True


class Nil:
    def __repr__(self):
        return "NIL"

    def __eq__(self, other):
        return isinstance(other, Nil)

    def __hash__(self):
        return 0


NIL = Nil()


class Atom(str):
    pass


def tokenize(data, pos=0):
    """Parse IMAP data (bytes) into nested lists of bytes (strings), Atom
    and NIL. Returns (list of top-level items, end position)."""
    stack = [[]]
    n = len(data)
    while pos < n:
        c = data[pos:pos + 1]
        if c in (b" ", b"\r", b"\n"):
            pos += 1
        elif c == b"(":
            stack.append([])
            pos += 1
        elif c == b")":
            if len(stack) == 1:
                raise ValueError("unbalanced ) at %d" % pos)
            done = stack.pop()
            stack[-1].append(done)
            pos += 1
        elif c == b'"':
            out = bytearray()
            pos += 1
            while data[pos:pos + 1] != b'"':
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                out += data[pos:pos + 1]
                pos += 1
                if pos >= n:
                    raise ValueError("unterminated quoted string")
            pos += 1
            stack[-1].append(bytes(out))
        elif c == b"{":
            end = data.index(b"}", pos)
            size = int(data[pos + 1:end].rstrip(b"+"))
            pos = end + 1
            if data[pos:pos + 2] == b"\r\n":
                pos += 2
            elif data[pos:pos + 1] == b"\n":
                pos += 1
            stack[-1].append(bytes(data[pos:pos + size]))
            pos += size
        else:
            m = re.compile(rb"[^ ()\r\n\"{]+").match(data, pos)
            word = m.group(0)
            pos = m.end()
            if word.upper() == b"NIL":
                stack[-1].append(NIL)
            else:
                stack[-1].append(Atom(word.decode("ascii", "replace")))
    if len(stack) != 1:
        raise ValueError("unclosed list")
    return stack[0], pos


def fmt(x):
    """Back to IMAP-ish text for the report."""
    if isinstance(x, list):
        return "(" + " ".join(fmt(i) for i in x) + ")"
    if x is NIL or isinstance(x, Nil):
        return "NIL"
    if isinstance(x, Atom):
        return str(x)
    s = x.decode("utf-8", "backslashreplace")
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') \
        .replace("\r", "\\r").replace("\n", "\\n") + '"'


class DovecotImap:
    """Dovecot's imap binary on a pipe (PREAUTH)."""

    def __init__(self, binary, conf, home, user):
        env = {"USER": user, "HOME": home, "PATH": "/usr/bin:/bin"}
        pre = None
        if os.getuid() == 0:
            pw = pwd.getpwnam(user)

            def pre():
                os.setgid(pw.pw_gid)
                os.setgroups([])
                os.setuid(pw.pw_uid)
        self.proc = subprocess.Popen([binary, "-c", conf],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env,
                                     preexec_fn=pre, cwd=home)
        self.tagn = 0
        greeting = self.readline()
        if not greeting.startswith(b"* PREAUTH"):
            raise RuntimeError("no PREAUTH greeting: %r" % greeting)

    def readline(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("Dovecot closed the connection")
        return line

    def read_response_line(self):
        """One response line with its literals inlined (as bytes)."""
        out = bytearray()
        while True:
            line = self.readline()
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return bytes(out)
            out += self.proc.stdout.read(int(m.group(1)))

    def command(self, text):
        self.tagn += 1
        tag = b"x%d" % self.tagn
        self.proc.stdin.write(tag + b" " + text.encode() + b"\r\n")
        self.proc.stdin.flush()
        untagged = []
        while True:
            line = self.read_response_line()
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError("%s failed: %r" % (text, line))
                return untagged
            untagged.append(line)

    def close(self):
        try:
            self.command("LOGOUT")
        except RuntimeError:
            pass
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def fetch_items(line):
    """'* n FETCH (k v k v ...)' -> dict of upper-case item -> value."""
    items, _ = tokenize(line)
    # items: ['*'?] ... the tokenizer sees "*", n, FETCH, (list)
    lst = items[-1]
    d = {}
    for i in range(0, len(lst) - 1, 2):
        d[str(lst[i]).upper()] = lst[i + 1]
    return d


def lower_types(x, path=()):
    """Copy of a BODYSTRUCTURE with type/subtype/param names lowercased, to
    tell case-only differences apart."""
    if not isinstance(x, list):
        return x
    out = []
    for i, v in enumerate(x):
        if isinstance(v, bytes) and (i < 2 or _is_subtype_pos(x, i)):
            out.append(v.lower())
        elif isinstance(v, list) and i == 2 and _is_single(x):
            out.append([p.lower() if j % 2 == 0 and isinstance(p, bytes)
                        else p for j, p in enumerate(v)])
        else:
            out.append(lower_types(v))
    return out


def _is_single(x):
    return len(x) > 1 and isinstance(x[0], bytes)


def _is_subtype_pos(x, i):
    # multipart: (child child ... "subtype" ...): the first string after
    # the children
    if _is_single(x):
        return False
    for j, v in enumerate(x):
        if not isinstance(v, list):
            return j == i
    return False


def first_diff(a, b, path=""):
    """Path and values of the first place where a and b differ."""
    if isinstance(a, list) and isinstance(b, list):
        for i in range(min(len(a), len(b))):
            if a[i] != b[i]:
                return first_diff(a[i], b[i], "%s/%d" % (path, i))
        if len(a) != len(b):
            return ("%s/len" % path, len(a), len(b))
    return (path or "/", a, b)


def short(x, limit=160):
    s = fmt(x) if not isinstance(x, int) else str(x)
    return s if len(s) <= limit else s[:limit] + "..."


def make_maildir(tmp, names):
    mail = os.path.join(tmp, "mail")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(mail, d))
    for i, name in enumerate(names):
        src = os.path.join(HERE, name + ".eml")
        dst = os.path.join(mail, "cur",
                           "%d.M%dP1.crosscheck:2," % (1000000000 + i, i))
        shutil.copyfile(src, dst)
    return mail


def write_conf(tmp, mail, user):
    conf = os.path.join(tmp, "dovecot.conf")
    uid = pwd.getpwnam(user).pw_uid
    with open(conf, "w") as f:
        f.write("# generated by crosscheck.py\n"
                "base_dir = %s/run\n"
                "log_path = %s/dovecot.log\n"
                "ssl = no\n"
                "mail_location = maildir:%s\n"
                "mail_uid = %d\nmail_gid = %d\n"
                "first_valid_uid = 0\nfirst_valid_gid = 0\n"
                % (tmp, tmp, mail, uid, pwd.getpwnam(user).pw_gid))
    return conf


def load_exp(name):
    with open(os.path.join(HERE, name + ".exp"), "rb") as f:
        items, _ = tokenize(f.read())
    if len(items) != 2:
        raise ValueError("%s.exp: expected 2 items, got %d" %
                         (name, len(items)))
    return items[0], items[1]


def normalize_body(b):
    # Dovecot serves a NUL byte as 0x80 (IMAP literals cannot hold NUL)
    return b.replace(b"\r\n", b"\n").replace(b"\x00", b"\x80")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dovecot-imap", default="/usr/lib/dovecot/imap")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temp dir (Maildir, config, log)")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    parse_known()

    names = sorted(f[:-4] for f in os.listdir(HERE) if f.endswith(".eml"))
    if args.names:
        names = [n for n in names if n in args.names]
    if not os.access(args.dovecot_imap, os.X_OK):
        print("crosscheck: %s not found (apt-get install dovecot-imapd)"
              % args.dovecot_imap, file=sys.stderr)
        return 2
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        user = "nobody"
    tmp = tempfile.mkdtemp(prefix="roost-crosscheck.")
    try:
        mail = make_maildir(tmp, names)
        conf = write_conf(tmp, mail, user)
        if os.getuid() == 0:
            pw = pwd.getpwnam(user)
            for root, dirs, files in os.walk(tmp):
                for p in dirs + files:
                    os.chown(os.path.join(root, p), pw.pw_uid, pw.pw_gid)
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
        dv = DovecotImap(args.dovecot_imap, conf, tmp, user)
        dv.command("SELECT INBOX")
        lines = dv.command("FETCH 1:* (UID BODYSTRUCTURE ENVELOPE "
                           "BODY.PEEK[])")
        dv.close()
        got = [fetch_items(line) for line in lines
               if re.match(rb"\* \d+ FETCH", line)]
        if len(got) != len(names):
            print("crosscheck: Dovecot returned %d messages, expected %d"
                  % (len(got), len(names)), file=sys.stderr)
            return 2
        return compare(names, got, args.verbose)
    finally:
        if args.keep:
            print("crosscheck: temp dir kept: %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def compare(names, got, verbose):
    same = case = diff = known = 0
    failed = False
    for name, items in zip(names, got):
        with open(os.path.join(HERE, name + ".eml"), "rb") as f:
            raw = f.read()
        if normalize_body(items["BODY[]"]) != normalize_body(raw):
            print("%s: Dovecot's UID order does not match the file names"
                  % name, file=sys.stderr)
            return 2
        exp_bs, exp_env = load_exp(name)
        out = []
        for what, mine, theirs in (("BODYSTRUCTURE", exp_bs,
                                    items["BODYSTRUCTURE"]),
                                   ("ENVELOPE", exp_env,
                                    items["ENVELOPE"])):
            if mine == theirs:
                continue
            kind = "case" if lower_types(mine) == lower_types(theirs) \
                else "DIFF"
            out.append((what, kind, mine, theirs))
        if not out:
            same += 1
            if verbose:
                print("%s: same" % name)
            continue
        kinds = {o[1] for o in out}
        if "DIFF" in kinds:
            diff += 1
            if name[:3] in KNOWN:
                known += 1
            else:
                failed = True
        else:
            case += 1
        tag = "" if "DIFF" not in kinds else \
            (" (known: DIFFERENCES.md)" if name[:3] in KNOWN else " (NEW)")
        print("%s:%s" % (name, tag))
        for what, kind, mine, theirs in out:
            where, a, b = first_diff(mine, theirs)
            print("  %s %s, first at %s\n    roost:   %s\n    dovecot: %s"
                  % (what, kind, where, short(a), short(b)))
            if verbose:
                print("    whole roost:   %s\n    whole dovecot: %s"
                      % (fmt(mine), fmt(theirs)))
    print("crosscheck: %d messages: %d same, %d differ only in letter case,"
          " %d differ (%d listed in DIFFERENCES.md)"
          % (len(names), same, case, diff, known))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
