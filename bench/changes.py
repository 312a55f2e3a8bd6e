"""The change log's costs, for bench/bench.py (--changes):

- write throughput with the change log on and off, on the same database
  and binary: off is the server as it wrote before the log existed (no
  change row, no lock, no notification), turned off in the database for the
  measurement (PostgreSQL: `ALTER DATABASE … SET casting.record = 'off'`;
  SQLite: `change_author.recording = 0`); rounds alternate on and off;
- 1 000 idle `GET /events` streams: the server's resident memory and its
  database connections before and with them open, and how long one write
  takes to reach all of them.
"""

import json
import selectors
import socket
import statistics
import sqlite3
import sys
import time
import urllib.request

STREAMS = 1_000
WRITES = [
    ("POST /actors", "POST", "/actors", {"name": "Bench Actor", "age": 30, "gender": "Other"}),
    ("PATCH /actors/{id}", "PATCH", "/actors/{id}", {"age": 33}),
]


def set_recording(bench, store, db, on):
    if store == "sqlite":
        with sqlite3.connect(bench.sqlite_file(db)) as conn:
            conn.execute("UPDATE change_author SET recording = ?", (1 if on else 0,))
    else:
        value = "on" if on else "off"
        bench.psql("postgres", f"ALTER DATABASE \"{db}\" SET casting.record = '{value}'")


def change_count(bench, store, db):
    if store == "sqlite":
        with sqlite3.connect(bench.sqlite_file(db)) as conn:
            return conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    out = bench.run(["psql", f"{bench.PG}/{db}", "-qAt", "-c", "SELECT count(*) FROM changes"]).stdout
    return int(out.strip())


def write_cost(bench, binary, store, seconds):
    """{label: (on req/s, off req/s)} medians over alternating rounds."""
    db = "casting_bench_changes"
    url, _ = bench.seed(binary, store, db, 1_000, 1_000)
    runs = {label: {True: [], False: []} for label, *_ in WRITES}
    try:
        for round_ in range(bench.ROUNDS):
            for on in (True, False):
                set_recording(bench, store, db, on)
                before = change_count(bench, store, db)
                server = bench.Server(binary, url, bench.PORT)
                try:
                    for label, method, path, body in WRITES:
                        print(f"change log {'on' if on else 'off'}: {STORE_NAMES[store]} {label} "
                              f"round {round_ + 1}", file=sys.stderr)
                        rps, _, _ = bench.api_run(server, method, path, body, 1_000, seconds)
                        runs[label][on].append(rps)
                finally:
                    server.stop()
                recorded = change_count(bench, store, db) - before
                if on and recorded == 0 or not on and recorded != 0:
                    raise SystemExit(f"the change log was not {'on' if on else 'off'} as set")
    finally:
        set_recording(bench, store, db, True)
        bench.drop(store, db)
    return {label: (statistics.median(r[True]), statistics.median(r[False]))
            for label, r in runs.items()}


def open_stream(port, token):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit("a stream was closed before its headers")
        head += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"GET /events: {head[:100]!r}")
    sock.setblocking(False)
    return sock


def pg_connections(bench, db):
    out = bench.run(["psql", f"{bench.PG}/postgres", "-qAt", "-c",
                     f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}'"]).stdout
    return int(out.strip())


def idle_streams(bench, binary, store):
    db = "casting_bench_streams"
    url, _ = bench.seed(binary, store, db, 1_000, 1_000)
    server = bench.Server(binary, url, bench.PORT)
    streams = []
    try:
        # Warm: a few requests and one stream, so that what follows is the streams' own cost.
        for _ in range(20):
            server.get("/actors?per_page=10")
        open_stream(server.port, server.token).close()
        time.sleep(1)
        rss_before = server.resident_mib()
        conns_before = pg_connections(bench, db) if store == "postgres" else None
        for _ in range(STREAMS):
            streams.append(open_stream(server.port, server.token))
        time.sleep(2)
        rss_with = server.resident_mib()
        conns_with = pg_connections(bench, db) if store == "postgres" else None
        # One write; how long until every stream has it.
        selector = selectors.DefaultSelector()
        for sock in streams:
            selector.register(sock, selectors.EVENT_READ, data=bytearray())
        body = json.dumps({"name": "Fan Out", "age": 40}).encode()
        started = time.monotonic()
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/actors", data=body, method="POST",
            headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
        waiting = set(range(len(streams)))
        index = {sock.fileno(): i for i, sock in enumerate(streams)}
        deadline = started + 30
        while waiting and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1):
                data = key.data
                data += key.fileobj.recv(65536)
                if b"event: change" in data:
                    waiting.discard(index[key.fileobj.fileno()])
                    selector.unregister(key.fileobj)
        fan_out = time.monotonic() - started
        reached = len(streams) - len(waiting)
    finally:
        for sock in streams:
            sock.close()
        server.stop()
        bench.drop(store, db)
    return {"rss_before": rss_before, "rss_with": rss_with, "conns_before": conns_before,
            "conns_with": conns_with, "fan_out": fan_out, "reached": reached}


STORE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def report(bench, binary, stores, seconds):
    costs = {store: write_cost(bench, binary, store, seconds) for store in stores}
    streams = {store: idle_streams(bench, binary, store) for store in stores}
    print(f"\nThe change log's cost on writes ({bench.CONNECTIONS} connections, {bench.ROUNDS} "
          f"alternating rounds of {seconds} s, medians; off = no change row, lock or notification):\n")
    print("| store | write | log on req/s | log off req/s | on / off |")
    print("|---|---|---:|---:|---:|")
    for store, rows in costs.items():
        for label, (on, off) in rows.items():
            print(f"| {STORE_NAMES[store]} | {label} | {on:.0f} | {off:.0f} | {on / off:.2f} |")
    print(f"\n{STREAMS} idle GET /events streams:\n")
    print("| store | resident before | with the streams | per stream | database connections "
          "before / with | one write reaches all streams in |")
    print("|---|---:|---:|---:|---|---:|")
    for store, s in streams.items():
        per = (s["rss_with"] - s["rss_before"]) * 1024 / STREAMS
        conns = "—" if s["conns_before"] is None else f"{s['conns_before']} / {s['conns_with']}"
        print(f"| {STORE_NAMES[store]} | {s['rss_before']:.1f} MiB | {s['rss_with']:.1f} MiB | "
              f"{per:.1f} KiB | {conns} | {s['fan_out'] * 1000:.0f} ms ({s['reached']} of {STREAMS}) |")
