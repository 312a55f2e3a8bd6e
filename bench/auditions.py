"""The schedule at 100 000 auditions (bench/run's "Auditions" part): a day's
schedule (`GET /auditions?from=DAY&to=DAY+1`) and a role's pipeline
(`GET /roles/{id}`, its candidates and its 100 auditions) against the first
page of actors in the same run, on each store. The goal is a ratio of at
least 0.8 for both."""

import sqlite3
import statistics
import sys

from common import ROUNDS, psql

AUDITIONS = 100_000
ROLES = 1_000
# 2027-01-01T00:00:00Z; one audition every 30 minutes from then (20 minutes
# long), each actor in a role of their own, at 50 rooms.
START = 1_798_761_600
DAY = "2028-02-05"  # day 400: 48 auditions


def add_auditions(store, db, sqlite_path=None):
    """1 000 roles (10 in each of the first 100 movies), a candidate each
    (actor i in role i) and 100 000 auditions, the change log off."""
    if store == "postgres":
        psql(db, f"""
            SET casting.record = 'off';
            INSERT INTO roles (movie_id, name)
              SELECT 1 + (g - 1) / 10, 'Role ' || g FROM generate_series(1, {ROLES}) g;
            INSERT INTO candidates (role_id, actor_id, stage)
              SELECT g, g, 'auditioning' FROM generate_series(1, {ROLES}) g;
            INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key)
              SELECT 1 + g % {ROLES}, 1 + g % {ROLES},
                     to_timestamp({START} + g * 1800), to_timestamp({START} + 1200 + g * 1800),
                     'Room ' || g % 50, 'room ' || g % 50
              FROM generate_series(0, {AUDITIONS - 1}) g;
""")
        psql(db, "VACUUM ANALYZE")
        return
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("UPDATE change_author SET recording = 0")
        rows = lambda first, last: (f"WITH RECURSIVE g(n) AS (SELECT {first} UNION ALL "
                                    f"SELECT n + 1 FROM g WHERE n < {last}) ")
        conn.execute(rows(1, ROLES) + "INSERT INTO roles (movie_id, name) "
                     "SELECT 1 + (n - 1) / 10, 'Role ' || n FROM g")
        conn.execute(rows(1, ROLES) + "INSERT INTO candidates (role_id, actor_id, stage) "
                     "SELECT n, n, 'auditioning' FROM g")
        conn.execute(rows(0, AUDITIONS - 1) + f"""
            INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key)
            SELECT 1 + n % {ROLES}, 1 + n % {ROLES}, {START} + n * 1800, {START} + 1200 + n * 1800,
                   'Room ' || n % 50, 'room ' || n % 50 FROM g""")
        conn.execute("UPDATE change_author SET recording = 1")
        conn.execute("ANALYZE")


def report(bench, binary, stores, seconds):
    """Seeds each store, measures the three requests alternately, prints the table."""
    results = {}
    for i, store in enumerate(stores):
        db = "casting_bench_auditions"
        print(f"auditions on {bench.STORE_NAMES[store]}: seeding…", file=sys.stderr)
        url, _ = bench.seed(binary, store, db, 1_000, 200)
        add_auditions(store, db, url.removeprefix("sqlite:") if store == "sqlite" else None)
        server = bench.Server(binary, url, bench.PORT + i)
        try:
            day = server.get(f"/auditions?from={DAY}&to=2028-02-06&per_page=100")
            if day["total"] != 48 or len(day["auditions"]) != 48:
                raise SystemExit(f"the day's schedule: {day['total']} auditions, expected 48")
            pipeline = server.get("/roles/7")
            if len(pipeline["auditions"]) != AUDITIONS // ROLES:
                raise SystemExit(f"role 7's pipeline: {len(pipeline['auditions'])} auditions")
            requests = [
                ("GET /actors (first page)", "/actors?per_page=10"),
                (f"GET /auditions?from={DAY}&to=+1 day (48 of 100 000)",
                 f"/auditions?from={DAY}&to=2028-02-06"),
                ("GET /roles/{id} (1 candidate, 100 auditions)", "/roles/{id}"),
            ]
            runs = {label: [] for label, _ in requests}
            for round_ in range(bench.ROUNDS):
                for label, path in requests:
                    print(f"auditions {store} {label} round {round_ + 1}", file=sys.stderr)
                    runs[label].append(bench.api_run(server, "GET", path, None, ROLES, seconds))
            results[store] = {label: (statistics.median(r[0] for r in rs),
                                      statistics.median(r[2] for r in rs))
                              for label, rs in runs.items()}
        finally:
            server.stop()
            bench.drop(store, db)
    print(f"\nAuditions at {AUDITIONS:,} ({ROUNDS} alternating rounds of {seconds} s, medians; "
          f"ratio = req/s over GET /actors' in the same run; goal 0.8):\n")
    print("| store | request | req/s | p99 ms | ratio |")
    print("|---|---|---:|---:|---:|")
    for store, measured in results.items():
        base = measured["GET /actors (first page)"][0]
        for label, (rps, p99) in measured.items():
            print(f"| {bench.STORE_NAMES[store]} | {label} | {rps:.0f} | {p99:.2f} | {rps / base:.2f} |")
    return results

