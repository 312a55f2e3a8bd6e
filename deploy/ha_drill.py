"""The failover drill of `deploy/local-cluster --ha drill` (the cluster
itself: ha_cluster.py): writers, readers and a change-feed follower through
the API's balancer while the leader is killed, its Patroni stopped, and a
switchover made; every acknowledged write checked row by row afterwards.
Each scenario's requests, with their start, end and answer, are kept in
DIR/drill-N.json: where a write gap's time went is read there.
"""

import datetime
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time

from ha_cluster import (DRILL_PASSWORD, DRILL_USER, NODES, base, config_path, db_url,
                        healthy, leader, log, members, request, start_patroni, alive,
                        wait_until)


def postmaster_pid(state, node):
    with open(os.path.join(state["dir"], node["name"], "data", "postmaster.pid")) as f:
        return int(f.readline())


def psql(url, sql):
    out = subprocess.run(["psql", url, "-Atc", sql], check=True, capture_output=True,
                         text=True)
    return out.stdout.strip()


class Load:
    """Writers creating actors and readers reading them, through the API's
    balancer, until stopped; every acknowledged write remembered."""

    def __init__(self, state, token, tag, writers=2, readers=2):
        self.state, self.token, self.tag = state, token, tag
        self.running = True
        self.lock = threading.Lock()
        self.acked = []  # (id, name)
        self.write_ok = []  # times of acknowledged writes
        self.writes = self.reads = self.reads_failed = 0
        self.statuses = {}
        # Every request: (kind, start, end, status, detail), detail being a
        # failure's message.
        self.timeline = []
        self.threads = [threading.Thread(target=self.write, args=(w,), daemon=True)
                        for w in range(writers)]
        self.threads += [threading.Thread(target=self.read, daemon=True)
                         for _ in range(readers)]
        self.threads.append(threading.Thread(target=self.follow, daemon=True))
        self.start_seq = changes_page(state, token, None)[1]
        self.followed = []  # (seq, action, resource, id) as the feed gave them
        self.feed_errors = 0

    def count(self, kind, status):
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def write(self, w):
        n = 0
        while self.running:
            n += 1
            name = f"{self.tag} w{w} #{n}"
            sent = time.time()
            try:
                status, body, headers = request(
                    "POST", base(self.state), "/actors",
                    {"name": name, "age": 40, "gender": "Other"}, self.token, timeout=15)
            except Exception as e:
                status, body, headers = type(e).__name__, None, {}
            with self.lock:
                self.writes += 1
                self.timeline.append(("write", sent, time.time(), status, detail(status, body)))
                if status == 201:
                    self.acked.append((body["created"], name))
                    self.write_ok.append(time.time())
                else:
                    self.count("write", status)
                    if status == 503 and "retry-after" not in headers:
                        self.count("write", "503 (no Retry-After)")
            if status != 201:
                time.sleep(0.05)

    def read(self):
        n = 0
        while self.running:
            n += 1
            with self.lock:
                target = self.acked[(n * 7919) % len(self.acked)][0] if self.acked else 1
            path = f"/actors/{target}" if n % 3 else "/actors?per_page=20"
            sent = time.time()
            try:
                status, body, _ = request("GET", base(self.state), path, token=self.token,
                                          timeout=15)
            except Exception as e:
                status, body = type(e).__name__, None
            with self.lock:
                self.reads += 1
                self.timeline.append(("read", sent, time.time(), status, detail(status, body)))
                if status != 200 and status != 404:
                    self.reads_failed += 1
                    self.count("read", status)

    def follow(self):
        """Follows GET /changes as a client would, while the writes go on."""
        cursor = self.start_seq
        while True:
            running = self.running
            try:
                changes, cursor = changes_page(self.state, self.token, cursor)
                self.followed += changes
                if not running and not changes:
                    return
            except Exception:
                self.feed_errors += 1
            time.sleep(0.2)

    def feed_check(self):
        """The feed as followed through the failover against the change log
        read afresh afterwards: the same changes, each once, in `seq` order,
        and a `created` for every acknowledged write."""
        fresh, cursor = [], self.start_seq
        while True:
            changes, cursor = changes_page(self.state, self.token, cursor)
            if not changes:
                break
            fresh += changes
        seqs = [c[0] for c in self.followed]
        problems = []
        if seqs != sorted(set(seqs)):
            problems.append("seq not strictly increasing (or repeated)")
        last = seqs[-1] if seqs else 0
        followed = set(self.followed)
        skipped = [c for c in fresh if c[0] <= last and c not in followed]
        late = [c for c in fresh if c[0] > last]
        if skipped:
            problems.append(f"{len(skipped)} changes skipped (seq {[c[0] for c in skipped][:5]})")
        if any(c not in set(fresh) for c in self.followed):
            problems.append("the feed gave changes the log does not have")
        created = {(c[2], c[3]) for c in fresh if c[1] == "created"}
        missing = [i for i, _ in self.acked if ("actor", i) not in created]
        if missing:
            problems.append(f"{len(missing)} acknowledged creations missing from the feed")
        return {"changes": len(self.followed), "late": len(late), "problems": problems}

    def start(self):
        self.started = time.time()
        for t in self.threads:
            t.start()

    def stop(self):
        self.running = False
        self.stopped = time.time()
        for t in self.threads:
            t.join()

    def longest_gap(self):
        """The longest time, from the load's start to its end, in which no
        write was acknowledged."""
        return self.gap_span()[1] - self.gap_span()[0]

    def gap_span(self):
        times = [self.started] + sorted(self.write_ok) + [self.stopped]
        return max(zip(times, times[1:]), key=lambda pair: pair[1] - pair[0])

    def gap_account(self, faulted):
        """Where the longest write gap's time went: when it began and ended
        (seconds after the fault), how many writes were answered in it and
        how, and the longest any of them took."""
        start, end = self.gap_span()
        inside = [(done - sent, str(status)) for kind, sent, done, status, _ in self.timeline
                  if kind == "write" and done > start and sent < end]
        statuses = {}
        for _, status in inside:
            statuses[status] = statuses.get(status, 0) + 1
        return {"from": start - faulted, "to": end - faulted, "answered": statuses,
                "longest": max((took for took, _ in inside), default=0.0)}

    def save(self, path, faulted):
        with open(path, "w") as f:
            json.dump({"faulted": faulted, "requests": [
                [kind, round(sent - faulted, 3), round(done - sent, 3), str(status), text]
                for kind, sent, done, status, text in sorted(self.timeline,
                                                             key=lambda r: r[1])]}, f)

    def other_5xx(self):
        return sum(v for k, v in self.statuses.items()
                   if k.split(" ", 1)[1][:1] == "5" and k.split(" ", 1)[1][:3] != "503")


def detail(status, body):
    """A failed request's message, as the API or the client library said it."""
    if status in (200, 201, 404):
        return None
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:200]
    return str(body)[:200] if body else str(status)


def changes_page(state, token, after):
    """One page of GET /changes after `after`; None: where the log ends now."""
    if after is None:
        return [], max_seq(state)
    status, body, _ = request("GET", base(state), f"/changes?limit=1000&after={after}",
                              token=token)
    if status != 200:
        raise RuntimeError(f"GET /changes: {status}")
    return [(c["seq"], c["action"], c["resource"], c["id"]) for c in body["changes"]], body["next"]


def max_seq(state):
    return int(psql(db_url(state), "SELECT coalesce(max(seq), 0) FROM changes"))


def login(state):
    status, body, _ = request("POST", base(state), "/auth/login",
                              {"username": DRILL_USER, "password": DRILL_PASSWORD})
    if status != 200:
        sys.exit(f"cannot log in as {DRILL_USER}: {status} {body}")
    return body["access_token"]


def switchover(state, old):
    candidate = next((m["name"] for m in members(state) if m.get("role") == "sync_standby"),
                     None)
    cfg = config_path(state, state["nodes"][0])
    for flag in ("--leader", "--master"):
        done = subprocess.run(["patronictl", "-c", cfg, "switchover", flag, old["name"],
                               "--candidate", candidate, "--force"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            return
    raise SystemExit(f"patronictl switchover failed: {done.stdout} {done.stderr}")


def scenario(state, token, title, fault, before=4.0, settle=120):
    log(f"drill: {title}")
    old = leader(state)
    load = Load(state, token, f"drill {title} {int(time.time())}")
    load.start()
    time.sleep(before)
    log_size = os.path.getsize(patroni_log(state, old))
    faulted = time.time()
    restart = fault(old)
    # Each fault moves the leadership: wait for another node to lead.
    wait_until("another leader", lambda: (leader(state) or old)["name"] != old["name"], settle)
    promoted = time.time()
    wait_until("writes succeed again",
               lambda: any(t > faulted for t in list(load.write_ok)), settle)
    if restart:
        restart()
    rejoined_at = wait_until("the old leader back in the cluster, all streaming",
                             lambda: healthy(state) and time.time(), settle)
    time.sleep(3)
    load.stop()
    new = leader(state)
    old_role = next(m["role"] for m in members(state) if m["name"] == old["name"])
    stored = rows(state, [i for i, _ in load.acked])
    lost = [(i, name) for i, name in load.acked if stored.get(i) != name]
    feed = load.feed_check()
    number = len(glob.glob(os.path.join(state["dir"], "drill-*.json"))) + 1
    load.save(os.path.join(state["dir"], f"drill-{number}.json"), faulted)
    failed_reads = [(round(sent - faulted, 2), round(done - sent, 2), status, text)
                    for kind, sent, done, status, text in load.timeline
                    if kind == "read" and status not in (200, 404)]
    return {
        "gap_account": load.gap_account(faulted), "failed_reads": failed_reads[:5],
        "title": title, "old": old["name"], "new": new["name"], "old_now": old_role,
        "writes": load.writes, "acked": len(load.acked), "lost": len(lost),
        "lost_rows": lost[:5],
        "gap": load.longest_gap(), "promoted": promoted - faulted, "reads": load.reads,
        "reads_failed": load.reads_failed, "other_5xx": load.other_5xx(),
        "statuses": dict(load.statuses), "healthy_after": rejoined_at - faulted,
        "rewind": rewound(state, old, log_size), "feed": feed,
    }


def rows(state, ids):
    """The names of the actors `ids`, read back from the leader, row by row."""
    if not ids:
        return {}
    out = psql(db_url(state), "SELECT id || '|' || name FROM actors WHERE id IN ("
               + ",".join(str(int(i)) for i in ids) + ")")
    return {int(line.split("|", 1)[0]): line.split("|", 1)[1] for line in out.splitlines()}


def patroni_log(state, node):
    return os.path.join(state["dir"], node["name"], "patroni.log")


def rewound(state, node, since):
    """Whether the node's Patroni ran pg_rewind after byte `since` of its log."""
    with open(patroni_log(state, node), errors="replace") as f:
        f.seek(since)
        return "rewind" in f.read()


def drill(state):
    token = login(state)
    results = []

    def kill_postmaster(old):
        os.kill(postmaster_pid(state, old), signal.SIGKILL)

    def stop_patroni(old):
        key = f"patroni-{old['name']}"
        os.kill(state["pids"][key], signal.SIGTERM)
        wait_until("the old leader's Patroni stops", lambda: not alive(state["pids"][key]), 60)
        return lambda: start_patroni(state, old)

    results.append(scenario(state, token, "kill -9 the leader's postmaster", kill_postmaster))
    results.append(scenario(state, token, "stop the leader's Patroni", stop_patroni))
    results.append(scenario(state, token, "patronictl switchover",
                            lambda old: switchover(state, old)))
    report(results)
    return results


def report(results):
    print()
    print(f"Failover drill ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} cores shared, {NODES} PostgreSQL nodes under Patroni, "
          "synchronous_mode, 2 writers + 2 readers through HAProxy):")
    for r in results:
        print(f"- {r['title']}: leader {r['old']} -> {r['new']}; old leader now {r['old_now']}"
              f"{' (pg_rewind in its log)' if r['rewind'] else ''}")
        print(f"    writes {r['writes']} sent, {r['acked']} acknowledged, {r['lost']} lost "
              f"(checked row by row); longest write gap {r['gap']:.1f} s; new leader "
              f"{r['promoted']:.1f} s after the fault")
        print(f"    reads {r['reads']}, {r['reads_failed']} failed; 5xx other than 503: "
              f"{r['other_5xx']}; all nodes streaming again after {r['healthy_after']:.1f} s")
        print(f"    change feed followed through it: {r['feed']['changes']} changes, "
              f"{'; '.join(r['feed']['problems']) or 'each once, in seq order, none skipped'}"
              + (f"; {r['feed']['late']} more numbered after the follower stopped"
                 if r['feed']['late'] else ""))
        if r["statuses"]:
            print(f"    failures by status: {r['statuses']}")
        g = r["gap_account"]
        print(f"    the gap: {g['from']:+.1f} s to {g['to']:+.1f} s after the fault; writes "
              f"answered in it: {g['answered']}, the slowest in {g['longest']:.2f} s")
        if r["failed_reads"]:
            print(f"    failed reads (sent, took, status, why): {r['failed_reads']}")
        if r["lost_rows"]:
            print(f"    lost rows (first 5): {r['lost_rows']}")
    bad = [r for r in results if r["lost"] or r["other_5xx"] or r["feed"]["problems"]
           or any("no Retry-After" in k for k in r["statuses"])]
    if bad:
        raise SystemExit("the drill lost acknowledged writes, answered a 5xx other than 503 "
                         "(or one without Retry-After), or the feed broke its order")


