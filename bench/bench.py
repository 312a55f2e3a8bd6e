#!/usr/bin/env python3
"""Casting Agency benchmark: the REST API on each store, beside PostgreSQL
doing the same work alone.

Builds the release server, starts it on fresh databases seeded with 1 000
actors and 200 movies, then with 1 000 000 actors: one server on an embedded
SQLite file and one on PostgreSQL. Measures at the same concurrency (32
connections, 2 load threads) with wrk for the API and pgbench (-M prepared,
custom scripts) for PostgreSQL alone, alternating the runs three times.
Prints one table: requests/s, p50, p99 and each server's peak memory, the
stores side by side, and the median ratio of the PostgreSQL API to
PostgreSQL alone.

A second part (also alone with --login-storm) measures a login storm on
each store: 250 connections sending logins for unknown users for the same
length of time, with the throttle set high so that only the hashing bound
holds them; it reports the server's resident memory before, at its peak and
after, and the latency of GET /actors (4 connections) before and during the
storm.

A third part (also alone with --changes) measures the change log: write
throughput with it on and off, and 1 000 idle event streams (bench/changes.py).

A fourth part (also alone with --auditions) measures the schedule at 100 000
auditions: a day's schedule and a role's pipeline against the first page of
actors in the same run (bench/auditions.py); with --baseline, a second build
alternated with the first.

Usage: bench/run [--seconds N] [--sizes small,large] [--store sqlite,postgres]
                 [--login-storm | --no-login-storm] [--changes | --no-changes]
                 [--auditions | --no-auditions] [--goals]
                 [--binary SERVER] [--baseline SERVER]
"""

import argparse
import contextlib
import json
import os
import resource
import sqlite3
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import auditions as audition_schedule
import changes as change_log

from common import CONNECTIONS, LOOPBACK, PG, PORT, ROOT, ROUNDS, SIZES, THREADS, psql, run, sqlite_file
from lists import list_workloads, plan


def ensure_tools():
    missing = [t for t in ("wrk", "pgbench", "psql") if shutil.which(t) is None]
    if missing:
        print(f"installing {missing} with apt", file=sys.stderr)
        run(["apt-get", "install", "-y", "-qq", "wrk" if "wrk" in missing else "postgresql-client"])


def build():
    print("building the release server…", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "casting-server"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "casting-server")


def seed(server, store, db, actors, movies):
    """A fresh database of `store` with the data set; answers its URL and the search term."""
    if store == "sqlite":
        return seed_sqlite(server, db, actors, movies)
    psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    env = dict(os.environ, DATABASE_URL=f"{PG}/{db}", RUST_LOG="warn")
    run([server, "migrate"], env=env)
    # The trigram index is built once after the bulk insert, not row by row.
    psql(db, "DROP INDEX actors_name_key_trgm; DROP INDEX movies_title_key_trgm")
    # The seed is not a change anybody made: the change log stays off for it.
    # Its names are ASCII: their folded keys (migrations/*/0014, what the
    # server writes) are their lowercase, written with them.
    psql(db, f"""
        SET casting.record = 'off';
        INSERT INTO actors (name, age, gender, name_key, gender_key)
        SELECT 'Actor ' || g, 18 + g % 60, (ARRAY['Female','Male','Other'])[1 + g % 3],
               'actor ' || g, (ARRAY['female','male','other'])[1 + g % 3]
        FROM generate_series(1, {actors}) g;
        UPDATE actors SET name = 'Quentin Zyxwvut ' || id, name_key = 'quentin zyxwvut ' || id
        WHERE id % ({actors} / 5) = 0;
        INSERT INTO movies (title, release_date, title_key)
        SELECT 'Movie ' || g, date '1900-01-01' + ((g::bigint * 7919) % 45000)::int, 'movie ' || g
        FROM generate_series(1, {movies}) g;""")
    psql(db, "CREATE INDEX actors_name_key_trgm ON actors USING gin (name_key gin_trgm_ops) WITH (fastupdate = off)")
    psql(db, "CREATE INDEX movies_title_key_trgm ON movies USING gin (title_key gin_trgm_ops) WITH (fastupdate = off)")
    psql(db, "VACUUM ANALYZE")
    run([server, "users", "add", "bench", "--role", "producer", "--password-stdin"],
        env=env, input="bench-password\n")
    # A selective term: five actors match it, whatever the table's size.
    return f"{PG}/{db}{LOOPBACK}", "zyxwvut"


def seed_sqlite(server, db, actors, movies):
    """The same data set in a SQLite file; its triggers keep the counts and the trigram index."""
    path = sqlite_file(db)
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    env = dict(os.environ, DATABASE_URL=f"sqlite:{path}", RUST_LOG="warn")
    run([server, "migrate"], env=env)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        # The seed is not a change anybody made: the change log stays off for it.
        # Its names are ASCII: their folded keys are their lowercase.
        conn.execute("UPDATE change_author SET recording = 0")
        # The trigram indexes are rebuilt once after the bulk insert, not row
        # by row (as for PostgreSQL): their triggers are put back after it.
        search = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE '%\\_search\\_%' ESCAPE '\\'").fetchall()
        for name, _ in search:
            conn.execute(f'DROP TRIGGER "{name}"')
        rows = lambda n: f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n}) "
        conn.execute(rows(actors) + f"""
            INSERT INTO actors (name, age, gender, name_key, gender_key)
            SELECT name, age, gender, lower(name), lower(gender) FROM (
                SELECT CASE WHEN n % {actors // 5} = 0 THEN 'Quentin Zyxwvut ' || n ELSE 'Actor ' || n END AS name,
                       18 + n % 60 AS age,
                       CASE n % 3 WHEN 0 THEN 'Female' WHEN 1 THEN 'Male' ELSE 'Other' END AS gender
                FROM g)""")
        conn.execute(rows(movies) + """
            INSERT INTO movies (title, release_date, title_key)
            SELECT 'Movie ' || n, date('1990-01-01', n || ' days'), 'movie ' || n FROM g""")
        for _, sql in search:
            conn.execute(sql)
        conn.execute("INSERT INTO actors_search (actors_search) VALUES ('rebuild')")
        conn.execute("INSERT INTO movies_search (movies_search) VALUES ('rebuild')")
        conn.execute("UPDATE change_author SET recording = 1")
        conn.execute("ANALYZE")
    run([server, "users", "add", "bench", "--role", "producer", "--password-stdin"],
        env=env, input="bench-password\n")
    return f"sqlite:{path}", "zyxwvut"


def drop(store, db):
    if store == "sqlite":
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(sqlite_file(db) + suffix):
                os.unlink(sqlite_file(db) + suffix)
    else:
        psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


class Server:
    def __init__(self, binary, url, port, extra_env=None):
        self.port = port
        env = dict(os.environ, DATABASE_URL=url, CASTING_BIND=f"127.0.0.1:{port}",
                   CASTING_LOG_FORMAT="json", RUST_LOG="info", **(extra_env or {}))
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps({"username": "bench", "password": "bench-password"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/auth/login", data=body,
                                         headers={"Content-Type": "application/json"})
        self.token = json.load(urllib.request.urlopen(request))["access_token"]
        self.warm = set()
        # Peak memory is measured under the load, from here: the log-in above
        # hashes a password with argon2 (9 MiB, by design) once.
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def get(self, path):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Authorization": f"Bearer {self.token}"})
        return json.load(urllib.request.urlopen(request, timeout=120))

    def status_mib(self, field):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def peak_mib(self):
        return self.status_mib("VmHWM")

    def resident_mib(self):
        return self.status_mib("VmRSS")

    def threads(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def wrk_script(method, path, body, actors, headers=None):
    """A wrk Lua script: random ids where the path has {id}."""
    path_expr = '"' + path.replace("{id}", '" .. math.random(1, %d) .. "' % actors) + '"'
    body_expr = "nil" if body is None else json.dumps(json.dumps(body))
    extra = "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in (headers or {}).items())
    return f"""
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
{extra}request = function()
  return wrk.format("{method}", {path_expr}, nil, {body_expr})
end
"""


def parse_latency(text, label):
    value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def api_run(server, method, path, body, actors, seconds, connections=CONNECTIONS, failures=None, headers=None):
    """(req/s, p50 ms, p99 ms). An error answer stops the benchmark, unless
    `failures` (a list) is given: then it is counted there and req/s counts
    only the successful answers (a list falling off a cliff times out, 503)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(method, path, body, actors, headers))
    out = run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-H", f"Authorization: Bearer {server.token}", "-s", script.name,
               f"http://127.0.0.1:{server.port}"]).stdout
    os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    if errors:
        if failures is None:
            raise SystemExit(f"{method} {path}: {errors.group(1)} error responses\n{out}")
        total = int(re.search(r"(\d+) requests in", out).group(1))
        failures.append(int(errors.group(1)))
        rps *= (total - int(errors.group(1))) / max(total, 1)
    return rps, parse_latency(out, "50"), parse_latency(out, "99")


def pg_run(db, script_text, seconds):
    workdir = tempfile.mkdtemp()
    script = os.path.join(workdir, "bench.sql")
    with open(script, "w") as f:
        f.write(script_text)
    out = run(["pgbench", "-n", "-M", "prepared", f"-c{CONNECTIONS}", f"-j{THREADS}",
               f"-T{seconds}", "-f", script, "-l", f"--log-prefix={workdir}/log",
               f"{PG}/{db}{LOOPBACK}"]).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latencies = []
    for name in os.listdir(workdir):
        if name.startswith("log"):
            with open(os.path.join(workdir, name)) as log:
                latencies += [int(line.split()[2]) / 1000 for line in log]
    shutil.rmtree(workdir)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return tps, pick(0.50), pick(0.99)


def workloads(term, actors):
    columns = "id, name, age, gender, version"
    return [
        ("GET /actors (page + total)", "GET", "/actors?per_page=10", None,
         f"SELECT {columns} FROM actors ORDER BY id LIMIT 10 OFFSET 0;\nSELECT count(*) FROM actors;\n"),
        ("GET /actors?q=term", "GET", f"/actors?per_page=10&q={term}", None,
         f"SELECT {columns} FROM actors WHERE name ILIKE '%{term}%' ORDER BY id LIMIT 10 OFFSET 0;\n"
         f"SELECT count(*) FROM actors WHERE name ILIKE '%{term}%';\n"),
        ("GET /actors/{id}", "GET", "/actors/{id}", None,
         f"\\set id random(1, {actors})\nSELECT {columns} FROM actors WHERE id = :id;\n"),
        ("POST /actors", "POST", "/actors", {"name": "Bench Actor", "age": 30, "gender": "Other"},
         f"INSERT INTO actors (name, age, gender) VALUES ('Bench Actor', 30, 'Other') RETURNING {columns};\n"),
        ("PATCH /actors/{id}", "PATCH", "/actors/{id}", {"age": 33},
         f"\\set id random(1, {actors})\nUPDATE actors SET age = 33, version = version + 1, "
         f"updated_at = now() WHERE id = :id RETURNING {columns};\n"),
    ]


STORE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


LOGIN_STORM_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
request = function()
  local body = '{"username":"nobody' .. math.random(1, 1000000000) .. '","password":"not-the-password"}'
  return wrk.format("POST", "/auth/login", nil, body)
end
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d %d\\n", status, n)) end
end
"""


def login_storm(binary, store, seconds):
    """250 concurrent logins for unknown users: memory and other requests' latency."""
    db = "casting_bench_logins"
    print(f"login storm on {STORE_NAMES[store]}: seeding…", file=sys.stderr)
    url, _ = seed(binary, store, db, 1_000, 200)
    # The throttle would stop one address after 20 failures: set it out of
    # the way so that the hashing bound is what is measured.
    server = Server(binary, url, PORT, {"CASTING_LOGIN_MAX_FAILURES": "1000000"})
    try:
        quiet = 4
        before = api_run(server, "GET", "/actors?per_page=10", None, 1000, seconds, quiet)
        rss_before = server.resident_mib()
        with open(f"/proc/{server.proc.pid}/clear_refs", "w") as refs:
            refs.write("5")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LOGIN_STORM_SCRIPT)
        storm = subprocess.Popen(["wrk", f"-t{THREADS}", "-c250", f"-d{seconds + 2}s", "--timeout", "10s",
                                  "-s", script.name, f"http://127.0.0.1:{PORT}"],
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        during = api_run(server, "GET", "/actors?per_page=10", None, 1000, seconds, quiet)
        threads_during = server.threads()
        out, _ = storm.communicate()
        os.unlink(script.name)
        statuses = dict((int(a), int(b)) for a, b in re.findall(r"status (\d+) (\d+)", out))
        peak = server.peak_mib()
        time.sleep(1)
        rss_after = server.resident_mib()
    finally:
        server.stop()
        drop(store, db)
    return {"rss_before": rss_before, "rss_peak": peak, "rss_after": rss_after,
            "threads": threads_during, "before": before, "during": during, "statuses": statuses}


def print_login_storm(store, result, seconds):
    print(f"\nLogin storm on {STORE_NAMES[store]}: 250 connections posting logins for unknown "
          f"users for {seconds + 2} s "
          f"(statuses {result['statuses']}); GET /actors at 4 connections.\n")
    print("| | GET /actors req/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for label, key in (("before the storm", "before"), ("during the storm", "during")):
        rps, p50, p99 = result[key]
        print(f"| {label} | {rps:.0f} | {p50:.2f} | {p99:.2f} |")
    print(f"\nServer resident memory: {result['rss_before']:.1f} MiB before, "
          f"{result['rss_peak']:.1f} MiB at the peak of the storm, {result['rss_after']:.1f} MiB after; "
          f"{result['threads']} threads during it.")


def goal_workloads(actors):
    """Issue 31's goals: (label, API request, what it is compared with)."""
    columns = "id, name, age, gender, version"
    return [
        ("GET /actors/{id} vs PG lookup", ("GET", "/actors/{id}", None, None),
         f"\\set id random(1, {actors})\nSELECT {columns} FROM actors WHERE id = :id;\n"),
        ("GET /actors?per_page=10 vs page + count", ("GET", "/actors?per_page=10", None, None),
         f"SELECT {columns} FROM actors ORDER BY id LIMIT 10 OFFSET 0;\nSELECT count(*) FROM actors;\n"),
        ("POST /actors vs single insert",
         ("POST", "/actors", {"name": "Bench Actor", "age": 30, "gender": "Other"}, None),
         f"INSERT INTO actors (name, age, gender) VALUES ('Bench Actor', 30, 'Other') RETURNING {columns};\n"),
        # Every seeded actor is at version 1 (the POSTs above add rows, change none).
        ("GET /actors/{id} 304 vs /health", ("GET", "/actors/{id}", None, {"If-None-Match": '"1"'}),
         ("GET", "/health", None, None)),
    ]


@contextlib.contextmanager
def builds_served(binaries, stores, part, actors, port, prepare=None):
    """Each build (`binaries`: (name, path) pairs) serving each store, on a
    database of its own (`casting_{part}_{name}`) seeded with `actors` and
    200 movies, then `prepare(store, db, url)` if given: yields the servers
    by (name, store); stops them and drops the databases at the end, or
    when seeding fails part way."""
    servers, dbs = {}, []
    try:
        for b, (name, binary) in enumerate(binaries):
            for s, store in enumerate(stores):
                db = f"casting_{part}_{name}"
                print(f"{part}: seeding {name} on {STORE_NAMES[store]}…", file=sys.stderr)
                url, _ = seed(binary, store, db, actors, 200)
                dbs.append((store, db))
                if prepare:
                    prepare(store, db, url)
                servers[(name, store)] = Server(binary, url, port + 2 * b + s)
        yield servers
    finally:
        for server in servers.values():
            server.stop()
        for store, db in dbs:
            drop(store, db)


def goals(binaries, stores, seconds):
    """The goals as ratios, each binary (after, before) on each store, the
    pairs alternated round by round; medians of the rounds' ratios."""
    actors = 1_000
    with builds_served(binaries, stores, "goals", actors, PORT + 10) as servers:
        results = {}
        for round_ in range(ROUNDS):
            for label, (method, path, body, headers), against in goal_workloads(actors):
                for name, _ in binaries:
                    # PostgreSQL alone once per pair, the stores' APIs beside it.
                    alone = float("nan")
                    if not isinstance(against, tuple) and "postgres" in stores:
                        alone = pg_run(f"casting_goals_{name}", against, seconds)[0]
                    for store in stores:
                        print(f"goals round {round_ + 1}: {name} {STORE_NAMES[store]} {label}", file=sys.stderr)
                        server = servers[(name, store)]
                        api = api_run(server, method, path, body, actors, seconds, headers=headers)[0]
                        base = api_run(server, *against[:3], actors, seconds)[0] \
                            if isinstance(against, tuple) else alone
                        results.setdefault((label, name, store), []).append((api, base))
        peaks = {key: server.peak_mib() for key, server in servers.items()}
    print(f"\nIssue 31 goals ({ROUNDS} alternated rounds of {seconds} s, {CONNECTIONS} connections, medians; "
          "PostgreSQL alone is pgbench -M prepared on the same database):\n")
    print("| workload | build | store | API req/s | compared req/s | ratio |")
    print("|---|---|---|---:|---:|---:|")
    for (label, name, store), runs in results.items():
        api = statistics.median(r[0] for r in runs)
        base = statistics.median(r[1] for r in runs)
        ratio = statistics.median(r[0] / r[1] for r in runs)
        print(f"| {label} | {name} | {STORE_NAMES[store]} | {api:.0f} | {base:.0f} | {ratio:.2f} |")
    for (name, store), peak in peaks.items():
        print(f"\nPeak memory under load, {name} on {STORE_NAMES[store]}: {peak:.1f} MiB", end="")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8, help="length of each run")
    parser.add_argument("--goals", action="store_true",
                        help="only issue 31's goals (ratios in one run), with --baseline if given")
    parser.add_argument("--binary", help="a release server already built (default: build one)")
    parser.add_argument("--baseline", help="a second server binary (the 'before') measured alongside "
                        "(with --goals or --auditions)")
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--store", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    storm = parser.add_mutually_exclusive_group()
    storm.add_argument("--login-storm", action="store_true", help="only the login storm")
    storm.add_argument("--no-login-storm", action="store_true", help="skip the login storm")
    log = parser.add_mutually_exclusive_group()
    log.add_argument("--changes", action="store_true",
                     help="only the change log's costs (writes on/off, 1 000 idle event streams)")
    log.add_argument("--no-changes", action="store_true", help="skip the change log's costs")
    schedule = parser.add_mutually_exclusive_group()
    schedule.add_argument("--auditions", action="store_true",
                          help="only the schedule at 100 000 auditions")
    schedule.add_argument("--no-auditions", action="store_true", help="skip the schedule")
    args = parser.parse_args()
    # 1 000 event streams and their server need more than the usual 1 024 descriptors.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stores = [s for s in args.store.split(",") if s]
    if not stores or any(s not in STORE_NAMES for s in stores):
        raise SystemExit("--store takes sqlite, postgres or sqlite,postgres")
    ensure_tools()
    binary = args.binary or build()
    if args.goals:
        binaries = [("after", binary)] + ([("before", args.baseline)] if args.baseline else [])
        goals(binaries, stores, args.seconds)
        return
    if args.auditions:
        binaries = [("after", binary)] + ([("before", args.baseline)] if args.baseline else [])
        audition_schedule.report(sys.modules[__name__], binaries, stores, args.seconds)
        return
    if args.changes:
        change_log.report(sys.modules[__name__], binary, stores, args.seconds)
        return
    if args.login_storm:
        for store in stores:
            print_login_storm(store, login_storm(binary, store, args.seconds), args.seconds)
        return
    rows = []
    scale = {}  # (store, label) -> {size: (req/s, p99)}, plus the plan at the largest size
    for size in args.sizes.split(","):
        actors, movies = SIZES[size]
        db = f"casting_bench_{size}"
        servers, term = {}, None
        try:
            for i, store in enumerate(stores):
                print(f"seeding {actors} actors into {STORE_NAMES[store]}…", file=sys.stderr)
                url, term = seed(binary, store, db, actors, movies)
                servers[store] = Server(binary, url, PORT + i)
            for label, method, path, body, sql in workloads(term, actors):
                api = {store: [] for store in stores}
                pg = []
                for round_ in range(ROUNDS):
                    print(f"{size} {label} round {round_ + 1}", file=sys.stderr)
                    for store in stores:
                        api[store].append(api_run(servers[store], method, path, body, actors, args.seconds))
                    if "postgres" in stores:
                        pg.append(pg_run(db, sql, args.seconds))
                med = lambda runs, i: statistics.median(r[i] for r in runs) if runs else None
                cells = []
                for store in stores:
                    cells += [med(api[store], 0), med(api[store], 1), med(api[store], 2)]
                if pg:
                    cells += [med(pg, 0), med(pg, 1), med(pg, 2),
                              statistics.median(a[0] / p[0] for a, p in zip(api["postgres"], pg))]
                rows.append((f"{actors:>9,} {label}", cells))
            rows.append((f"{actors:>9,} server peak memory under load",
                         [servers[store].peak_mib() for store in stores]))
            for store in stores:
                server = servers[store]
                for label, path, table, columns, condition, order in list_workloads(actors, movies, server):
                    runs, failures = [], []
                    for round_ in range(ROUNDS):
                        print(f"{size} {STORE_NAMES[store]} {label} round {round_ + 1}", file=sys.stderr)
                        runs.append(api_run(server, "GET", path, None, actors, args.seconds,
                                            failures=failures))
                    entry = scale.setdefault((store, label), {})
                    if failures:
                        entry.setdefault("failures", {})[size] = sum(failures)
                    entry[size] = (statistics.median(r[0] for r in runs),
                                   statistics.median(r[2] for r in runs))
                    entry["plan"] = plan(store, db, table, columns, condition, order)
        finally:
            for server in servers.values():
                server.stop()
            for store in stores:
                drop(store, db)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"\nMachine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
          f"{CONNECTIONS} connections, {THREADS} load threads, {ROUNDS} rounds of {args.seconds} s, medians.\n")
    header = ["rows, workload"]
    for store in stores:
        name = "API on " + STORE_NAMES[store]
        header += [f"{name} req/s", f"{name} p50 ms", f"{name} p99 ms"]
    if "postgres" in stores:
        header += ["PG alone req/s", "PG alone p50 ms", "PG alone p99 ms", "API on PG / PG alone"]
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")
    for label, cells in rows:
        if "memory" in label:
            memory = []
            for value in cells:
                memory += [f"{value:.1f} MiB", "", ""]
            print(f"| {label} | " + " | ".join(memory + [""] * (len(header) - 1 - len(memory))) + " |")
            continue
        text = []
        for k, value in enumerate(cells):
            text.append(f"{value:.0f}" if k % 3 == 0 and k < 3 * len(stores) + 3 else f"{value:.2f}")
        print(f"| {label} | " + " | ".join(text) + " |")
    sized = [entry for entry in scale.values() if "small" in entry and "large" in entry]
    if sized:
        print("\nLists at 1 000 and at 1 000 000 rows (API req/s, medians; the plan is the page "
              "statement's at 1 000 000 rows: PostgreSQL's EXPLAIN ANALYZE, SQLite's EXPLAIN "
              "QUERY PLAN):\n")
        print("| store | list request | 1,000 req/s | 1,000,000 req/s | 1,000,000 p99 ms | ratio | plan at 1,000,000 |")
        print("|---|---|---:|---:|---:|---:|---|")
        cliffs = []
        for (store, label), entry in scale.items():
            if "small" not in entry or "large" not in entry:
                continue
            ratio = entry["large"][0] / entry["small"][0]
            if "SEQ SCAN" in entry["plan"] or (ratio < 0.5 and "OFFSET" not in label):
                cliffs.append(f"{STORE_NAMES[store]} {label}")
            for size, failed in entry.get("failures", {}).items():
                entry["plan"] += f"; {failed} error answers at {size} size"
            print(f"| {STORE_NAMES[store]} | {label} | {entry['small'][0]:.0f} | {entry['large'][0]:.0f} | "
                  f"{entry['large'][1]:.2f} | {ratio:.2f} | {entry['plan']} |")
        if cliffs:
            print(f"\nCLIFFS (ratio under 0.5 or a sequential scan): {', '.join(cliffs)}")
    if not args.no_changes:
        change_log.report(sys.modules[__name__], binary, stores, args.seconds)
    if not args.no_auditions:
        audition_schedule.report(sys.modules[__name__], [("after", binary)], stores, args.seconds)
    if not args.no_login_storm:
        for store in stores:
            print_login_storm(store, login_storm(binary, store, args.seconds), args.seconds)


if __name__ == "__main__":
    main()
