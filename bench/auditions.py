"""The schedule at 100 000 auditions (bench/run's "Auditions" part): a day's
schedule (`GET /auditions?from=DAY&to=DAY+1`, its first page) and a role's
pipeline (`GET /roles/{id}`) against the first page of actors in the same
run, on each store. The goal is a ratio of at least 0.8 for both.

The casting is shaped as a production's: 10 000 roles (50 in each of the
200 movies), each with 10 candidates and 10 auditions, so a pipeline reads
what a casting director sees for one role. One more role, the heaviest,
has a single candidate with 100 auditions: it is reported beside, to show
how a pipeline's cost grows with what it embeds (the contract answers every
audition of the role)."""

import sqlite3
import statistics
import sys

from common import ROUNDS, psql

AUDITIONS = 100_000
ROLES = 10_000
PER_ROLE = 10  # candidates, and auditions, of each role
HEAVY = 100  # auditions of the one heavy role (ROLES + 1)
ACTORS = 1_000
# 2027-01-01T00:00:00Z; one audition every 30 minutes from then (20 minutes
# long), at 50 rooms: nobody and no room is ever double-booked.
START = 1_798_761_600
DAY = "2028-02-05"  # day 400: 48 auditions


def statements(series):
    """The seeding statements over `series(first, last)`, a row source
    with a column `n` (generate_series on PostgreSQL, a recursive CTE on
    SQLite): roles, their candidates (role r's k-th is actor
    1 + ((r - 1) * 10 + k) % 1000), the auditions (audition n is role
    1 + n % 10 000's (n / 10 000)-th candidate's), then the heavy role."""
    heavy = ROLES + 1
    return [
        f"INSERT INTO roles (movie_id, name) SELECT 1 + (n - 1) % 200, 'Role ' || n "
        f"FROM {series(1, ROLES + 1)}",
        f"INSERT INTO candidates (role_id, actor_id, stage) "
        f"SELECT 1 + n / {PER_ROLE}, 1 + n % {ACTORS}, 'auditioning' "
        f"FROM {series(0, ROLES * PER_ROLE - 1)}",
        f"INSERT INTO candidates (role_id, actor_id, stage) VALUES ({heavy}, 1, 'auditioning')",
        f"INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key) "
        f"SELECT 1 + n % {ROLES}, 1 + ((n % {ROLES}) * {PER_ROLE} + n / {ROLES}) % {ACTORS}, "
        f"{{at}}, {{end}}, 'Room ' || n % 50, 'room ' || n % 50 "
        f"FROM {series(0, AUDITIONS - HEAVY - 1)}",
        f"INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key) "
        f"SELECT {heavy}, 1, {{at}}, {{end}}, 'Room ' || n % 50, 'room ' || n % 50 "
        f"FROM {series(AUDITIONS - HEAVY, AUDITIONS - 1)}",
    ]


def add_auditions(store, db, sqlite_path=None):
    """The roles, candidates and 100 000 auditions above, the change log off."""
    if store == "postgres":
        at = f"to_timestamp({START} + n * 1800)", f"to_timestamp({START} + 1200 + n * 1800)"
        sql = [s.format(at=at[0], end=at[1])
               for s in statements(lambda a, b: f"generate_series({a}, {b}) n")]
        psql(db, "SET casting.record = 'off';\n" + ";\n".join(sql) + ";")
        psql(db, "VACUUM ANALYZE")
        return
    at = f"{START} + n * 1800", f"{START} + 1200 + n * 1800"

    def series(first, last):
        return (f"(WITH RECURSIVE g(n) AS (SELECT {first} UNION ALL "
                f"SELECT n + 1 FROM g WHERE n < {last}) SELECT n FROM g)")

    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("UPDATE change_author SET recording = 0")
        for statement in statements(series):
            conn.execute(statement.format(at=at[0], end=at[1]))
        conn.execute("UPDATE change_author SET recording = 1")
        conn.execute("ANALYZE")


def report(bench, binaries, stores, seconds):
    """Seeds each store for each build (`binaries`: (name, path) pairs, the
    build measured and an optional baseline), measures the requests with
    the builds alternated request by request and round by round, prints the
    table: req/s and p99 are medians of the rounds, a ratio the median of
    the rounds' ratios (each over the same build's actors page, measured in
    the same round)."""
    def prepare(store, db, url):
        add_auditions(store, db, url.removeprefix("sqlite:") if store == "sqlite" else None)

    with bench.builds_served(binaries, stores, "auditions", 1_000, bench.PORT, prepare) as servers:
        for server in servers.values():
            check(server)
        requests = [
            ("GET /actors (first page)", "/actors?per_page=10"),
            (f"GET /auditions?from={DAY}&to=+1 day (first 10 of 48, of 100 000)",
             f"/auditions?from={DAY}&to=2028-02-06"),
            (f"GET /roles/{{id}} ({PER_ROLE} candidates, {PER_ROLE} auditions; any of {ROLES:,})",
             "/roles/{id}"),
            (f"GET /roles/{ROLES + 1} (1 candidate, {HEAVY} auditions: the heaviest)",
             f"/roles/{ROLES + 1}"),
        ]
        runs = {}  # (store, build, label) -> [(req/s, p99)], one per round
        for round_ in range(bench.ROUNDS):
            for store in stores:
                for label, path in requests:
                    # Swapped each round, so that neither build always runs first.
                    order = binaries if round_ % 2 == 0 else binaries[::-1]
                    for name, _ in order:
                        print(f"auditions {store} {name} {label} round {round_ + 1}", file=sys.stderr)
                        rps, _, p99 = bench.api_run(servers[(name, store)], "GET", path, None, ROLES, seconds)
                        runs.setdefault((store, name, label), []).append((rps, p99))
    print(f"\nAuditions at {AUDITIONS:,} ({ROUNDS} rounds of {seconds} s, builds alternated, medians; "
          f"ratio = req/s over GET /actors' by the same build in the same round; goal 0.8):\n")
    print("| store | build | request | req/s | p99 ms | ratio |")
    print("|---|---|---|---:|---:|---:|")
    results = {}
    for (store, name, label), measured in runs.items():
        actors = runs[(store, name, requests[0][0])]
        rps = statistics.median(r[0] for r in measured)
        p99 = statistics.median(r[1] for r in measured)
        ratio = statistics.median(r[0] / a[0] for r, a in zip(measured, actors))
        results[(store, name, label)] = (rps, p99, ratio)
        print(f"| {bench.STORE_NAMES[store]} | {name} | {label} | {rps:.0f} | {p99:.2f} | {ratio:.2f} |")
    return results


def check(server):
    """The seeded schedule and pipelines are what the requests expect."""
    day = server.get(f"/auditions?from={DAY}&to=2028-02-06&per_page=100")
    if day["total"] != 48 or len(day["auditions"]) != 48:
        raise SystemExit(f"the day's schedule: {day['total']} auditions, expected 48")
    for role, candidates, auditions in [(7, PER_ROLE, PER_ROLE), (ROLES + 1, 1, HEAVY)]:
        pipeline = server.get(f"/roles/{role}")
        if (len(pipeline["candidates"]), len(pipeline["auditions"])) != (candidates, auditions):
            raise SystemExit(f"role {role}'s pipeline: {len(pipeline['candidates'])} candidates, "
                             f"{len(pipeline['auditions'])} auditions")
