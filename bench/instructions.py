#!/usr/bin/env python3
"""Instructions per request, counted by valgrind's callgrind: the server's
own cost of one request, repeatable on a loaded machine where wall-clock
ratios are noise (issue 31).

Seeds a PostgreSQL database (1 000 actors, as bench/run), starts the
release server under callgrind (JSON logs at info, as bench/run), and for
each request kind sends a warm-up, then N requests one after another on one
keep-alive connection between a zeroing and a dump of callgrind's counters.
The instructions of the server's threads idling for as long (the feed's
poll, the revocation refresh, the pool's upkeep) are measured too and taken
off. PostgreSQL's own work is not counted (another process); the SQL
statements each kind sends are counted from pg_stat_statements when it is
loaded, else from pg_stat_database's transaction counter.

    python3 bench/instructions.py [--server BINARY] [--requests N] [--keep]
    python3 bench/instructions.py --server A --server B   # side by side

Needs valgrind (apt-get install valgrind).
"""

import argparse
import glob
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench import seed  # noqa: E402
from common import PG, ROOT, psql  # noqa: E402

ACTORS, MOVIES = 1_000, 200
PORT = int(os.environ.get("CASTING_BENCH_PORT", "18900")) + 50


class Traced:
    """The server under callgrind, and one keep-alive connection to it."""

    def __init__(self, binary, url, out):
        self.out = out
        env = dict(os.environ, DATABASE_URL=url, CASTING_BIND=f"127.0.0.1:{PORT}",
                   CASTING_LOG_FORMAT="json", RUST_LOG="info")
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/callgrind.out",
             binary, "serve"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(f"{out}/valgrind.log", "w"))
        deadline = time.time() + 300
        while True:
            try:
                self.connect()
                if self.send("GET", "/ready")[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit(f"the server under valgrind did not start; see {out}/valgrind.log")
            time.sleep(0.5)
        status, body, _ = self.send("POST", "/auth/login",
                                    {"username": "bench", "password": "bench-password"})
        self.token = json.loads(body)["access_token"]

    def connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def send(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if body is not None:
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        if getattr(self, "token", None):
            h["Authorization"] = f"Bearer {self.token}"
        self.conn.request(method, path, body=body, headers=h)
        resp = self.conn.getresponse()
        return resp.status, resp.read(), resp.headers

    def control(self, *args):
        subprocess.run(["callgrind_control", *args, str(self.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL)

    def counted(self, work, keep_as=None):
        """Instructions the server executed during `work()`, and its seconds;
        callgrind's profile of it kept as `keep_as` (in the output folder)."""
        self.control("--zero")
        started = time.time()
        work()
        took = time.time() - started
        before = set(glob.glob(f"{self.out}/callgrind.out*"))
        self.control("--dump")
        deadline = time.time() + 60
        while True:
            new = set(glob.glob(f"{self.out}/callgrind.out*")) - before
            if new:
                break
            if time.time() > deadline:
                sys.exit("callgrind wrote no dump")
            time.sleep(0.2)
        path = new.pop()
        time.sleep(0.5)  # written whole
        with open(path) as f:
            text = f.read()
        if keep_as:
            os.rename(path, os.path.join(self.out, keep_as))
        else:
            os.unlink(path)
        found = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
        return int(found.group(1)), took

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=120)


def statements(db):
    """SQL statements run in `db` so far (pg_stat_statements), else
    transactions committed."""
    try:
        return int(psql(db, "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s "
                            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
                            "AND s.query NOT LIKE '%pg_stat_%'")), "statements"
    except subprocess.CalledProcessError:
        return int(psql(db, "SELECT xact_commit FROM pg_stat_database "
                            "WHERE datname = current_database()")), "transactions"


def kinds(server, n):
    """(label, one request) for each kind measured."""
    ids = list(range(1, ACTORS + 1))
    tags = {}
    for i in ids[:50]:
        status, _, headers = server.send("GET", f"/actors/{i}")
        tags[i] = headers["ETag"]
    counter = iter(range(10 ** 9))
    return [
        ("GET /health", lambda: server.send("GET", "/health")),
        ("GET /actors/{id}", lambda: server.send("GET", f"/actors/{random.choice(ids)}")),
        ("GET /actors/{id} 304", lambda: (lambda i: server.send(
            "GET", f"/actors/{i}", headers={"If-None-Match": tags[i]}))(random.choice(ids[:50]))),
        ("POST /actors", lambda: server.send(
            "POST", "/actors", {"name": f"Counted {next(counter)}", "age": 40,
                                "gender": "Other"})),
        ("GET /actors?per_page=10", lambda: server.send("GET", "/actors?per_page=10")),
    ]


def measure(binary, n, keep):
    # One database per port: two counts on one machine do not share one.
    db = f"casting_instructions_{PORT}"
    out = tempfile.mkdtemp(prefix="casting-callgrind-")
    url = seed(binary, "postgres", db, ACTORS, MOVIES)[0]
    server = Traced(binary, url, out)
    results = {}
    try:
        # Idle: what the background tasks cost per second.
        idle, idle_s = server.counted(lambda: time.sleep(5))
        per_second = idle / idle_s
        for label, one in kinds(server, n):
            status = one()[0]
            for _ in range(max(20, n // 5)):
                one()
            sql_before, unit = statements(db)
            slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            total, took = server.counted(lambda: [one() for _ in range(n)],
                                         keep_as=f"{slug}.callgrind" if keep else None)
            sql_after, _ = statements(db)
            results[label] = {
                "status": status,
                "instructions": (total - per_second * took) / n,
                "raw": total / n,
                "sql": (sql_after - sql_before) / n, "sql_unit": unit,
            }
            print(f"  {label}: {results[label]['instructions']:,.0f} instructions "
                  f"(raw {total / n:,.0f}, {took:.1f} s), status {status}", file=sys.stderr)
    finally:
        server.stop()
        psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        if keep:
            print(f"callgrind output kept in {out}", file=sys.stderr)
        else:
            shutil.rmtree(out, ignore_errors=True)
    return results, per_second


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", action="append",
                        help="casting-server binary (default: the release build); twice to compare")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep callgrind's files")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("valgrind is missing (apt-get install valgrind)")
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binaries = args.server or [os.path.join(target, "release", "casting-server")]
    measured = []
    for binary in binaries:
        print(f"counting {binary}", file=sys.stderr)
        measured.append(measure(binary, args.requests, args.keep))
    print(f"\nInstructions per request (callgrind, {args.requests} requests each, one "
          f"keep-alive connection, background idle cost taken off; "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC):")
    print("| request | " + " | ".join(os.path.basename(os.path.dirname(os.path.dirname(b)))
                                       + "/" + os.path.basename(b) for b in binaries)
          + " | SQL per request |")
    print("|---|" + "---|" * len(binaries) + "---|")
    for label in measured[0][0]:
        cells = " | ".join(f"{m[0][label]['instructions']:,.0f}" for m in measured)
        last = measured[-1][0][label]
        print(f"| {label} | {cells} | {last['sql']:.2f} {last['sql_unit']} |")
    print("| (idle, per second) | " + " | ".join(f"{m[1]:,.0f}" for m in measured) + " | |")


if __name__ == "__main__":
    main()
