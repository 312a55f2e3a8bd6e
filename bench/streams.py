"""Hostile live-feed clients against the release server (issue 25, points 1
and 2), as the attacker of that issue tried them: the server runs with
`ulimit -n 1024` (connection cap 768) on a SQLite file or a PostgreSQL
database holding 3 000 changes, with USERS Casting Assistants.

1. One token opens 1 000 `GET /events` streams over HTTP/1: how many are held.
2. Every user opens 16 streams (two tokens of 8): the server at its stream
   bound; then `/health` and `/ready` from new connections, their latency.
3. Streams of every user resume with `Last-Event-ID: 1` at once (as many as
   the bound admits): the server's peak memory, how many streams got every
   change or said why they ended, and the latency of `GET /actors/1` meanwhile.

    python3 bench/streams.py [--store sqlite|postgres] [--users 60]

Prints one table; nothing here asserts (the tests do, in
server/tests/api/security_streams.rs).
"""

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import PG, ROOT, psql  # noqa: E402

BINARY = os.path.join(ROOT, "target", "release", "casting-server")
PORT = 18950
PASSWORD = "streams-bench-password"
CHANGES = 3_000


def start(url, env_extra=None):
    env = dict(os.environ, DATABASE_URL=url, CASTING_BIND=f"127.0.0.1:{PORT}",
               RUST_LOG="warn", CASTING_LOGIN_MAX_FAILURES="100000", **(env_extra or {}))

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    server = subprocess.Popen([BINARY, "serve"], env=env, preexec_fn=limit,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ready", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def streams_open():
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics").read().decode()
    for line in metrics.splitlines():
        if line.startswith("casting_event_streams_open "):
            return int(float(line.split()[1]))
    return 0


def wait_for_no_streams():
    """Streams the client closed are uncounted once the server notices."""
    for _ in range(300):
        if streams_open() == 0:
            return
        time.sleep(0.1)


def login(name):
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/auth/login",
        data=json.dumps({"username": name, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["access_token"]


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


async def open_stream(token, last_event_id=None):
    """Opens a stream; answers (status, reader, writer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    resume = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
    writer.write(f"GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{resume}\r\n".encode())
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 30)
    status = int(line.split()[1]) if line else 0
    return status, reader, writer


async def timed_get(path, token=None):
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 30)
    writer.close()
    return time.perf_counter() - start, int(answer.split()[1])


async def one_token(token):
    held, refused, streams = 0, 0, []
    for _ in range(1_000):
        try:
            status, reader, writer = await open_stream(token)
        except (OSError, asyncio.TimeoutError):
            refused += 1
            continue
        if status == 200:
            held += 1
            streams.append(writer)
        else:
            refused += 1
            writer.close()
    for writer in streams:
        writer.close()
    return held, refused


async def at_the_bound(tokens):
    writers, ended_to_make_room = [], 0
    for pair in tokens:
        for token in pair:
            for _ in range(8):
                try:
                    status, reader, writer = await open_stream(token)
                except (OSError, asyncio.TimeoutError):
                    continue
                if status == 200:
                    writers.append((reader, writer))
                else:
                    writer.close()
    await asyncio.sleep(1)
    latencies = {}
    for path in ["/health", "/ready"]:
        latencies[path] = [(await timed_get(path))[0] for _ in range(10)]
    for reader, writer in writers:
        data = b""
        try:
            data = await asyncio.wait_for(reader.read(65536), 0.01)
        except asyncio.TimeoutError:
            pass
        if b"make room" in data:
            ended_to_make_room += 1
        writer.close()
    return len(writers), len(writers) - ended_to_make_room, ended_to_make_room, latencies


async def replay(tokens, pid):
    async def follow(token):
        try:
            status, reader, writer = await open_stream(token, last_event_id="1")
        except (OSError, asyncio.TimeoutError):
            return "not opened"
        if status != 200:
            writer.close()
            return f"status {status}"
        seen, tail = 0, b""
        try:
            while seen < CHANGES - 1:
                chunk = await asyncio.wait_for(reader.read(1 << 16), 60)
                if not chunk:
                    return "error event" if b"event: error" in tail else "closed silently"
                seen += (tail[-4:] + chunk).count(b"\nid: ")
                tail = chunk[-200:]
        except asyncio.TimeoutError:
            return "stalled"
        finally:
            writer.close()
        return "complete"

    peak = 0
    done = False

    async def watch_memory():
        nonlocal peak
        while not done:
            peak = max(peak, rss_kib(pid))
            await asyncio.sleep(0.05)

    async def reads():
        latencies, statuses = [], []
        while not done:
            latency, status = await timed_get("/actors/1", tokens[0][0])
            latencies.append(latency)
            statuses.append(status)
            await asyncio.sleep(0.05)
        return latencies, statuses

    started = time.perf_counter()
    watcher = asyncio.create_task(watch_memory())
    reader_task = asyncio.create_task(reads())
    # As many as the bound admits (16 a user, 576 in all at 1 024 descriptors).
    outcomes = await asyncio.gather(*(follow(t) for pair in tokens[:36] for t in pair for _ in range(8)))
    done = True
    await watcher
    latencies, statuses = await reader_task
    return outcomes, peak, latencies, statuses, time.perf_counter() - started


def main():
    # This client holds a socket per stream: more than the usual 1 024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=60)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="streams-bench-")
    if args.store == "sqlite":
        path = os.path.join(work, "casting.db")
        url = f"sqlite:{path}"
    else:
        db = f"casting_streams_bench_{os.getpid()}"
        url = f"{PG}/{db}?sslmode=disable"
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([BINARY, "migrate"], env=env, check=True, capture_output=True)
    for i in range(args.users):
        subprocess.run([BINARY, "users", "add", f"user{i:03}", "--role", "assistant", "--password-stdin"],
                       env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    insert = ("INSERT INTO actors (name, age, gender) SELECT 'Replayed ' || g, 30, 'Female' FROM {}")
    if args.store == "sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute(insert.format(
                f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {CHANGES}) SELECT g FROM s)"))
    else:
        psql(db, insert.format(f"generate_series(1, {CHANGES}) g"))
    server = start(url)
    try:
        # Two tokens a user: logins a second apart (a token names the second it was issued).
        first = [login(f"user{i:03}") for i in range(args.users)]
        time.sleep(1.1)
        tokens = list(zip(first, (login(f"user{i:03}") for i in range(args.users))))
        rss_idle = rss_kib(server.pid)
        held, refused = asyncio.run(one_token(tokens[0][0]))
        print(f"one token, 1 000 streams: {held} held, {refused} refused (429)")
        wait_for_no_streams()
        opened, still, made_room, latencies = asyncio.run(at_the_bound(tokens))
        print(f"{args.users} users x 16 streams: {opened} opened, {still} held at the bound, "
              f"{made_room} ended with 'make room'")
        for path, values in latencies.items():
            print(f"  {path} from new connections at the bound: median {statistics.median(values) * 1000:.1f} ms, "
                  f"max {max(values) * 1000:.1f} ms, {len(values)} of {len(values)} answered")
        wait_for_no_streams()
        outcomes, peak, latencies, statuses, took = asyncio.run(replay(tokens, server.pid))
        counts = {o: outcomes.count(o) for o in sorted(set(outcomes))}
        print(f"replay of {CHANGES} changes to {len(outcomes)} stream attempts with Last-Event-ID: 1: "
              f"{counts}, {took:.1f} s")
        print(f"  RSS idle {rss_idle / 1024:.1f} MiB, peak during the replay {peak / 1024:.1f} MiB")
        print(f"  GET /actors/1 meanwhile: {len(latencies)} requests, median {statistics.median(latencies) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms, statuses {sorted(set(statuses))}")
    finally:
        server.terminate()
        server.wait()
        if args.store == "postgres":
            psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
