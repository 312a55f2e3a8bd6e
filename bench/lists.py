"""The list requests that must hold at a million rows (bench/run's
"Lists at 1 000 and at 1 000 000 rows"), and the plan each store makes for
the statement the server writes for them."""

import json
import re
import sqlite3

from common import psql, sqlite_file


def list_workloads(actors, movies, server):
    """The list requests that must not fall off a cliff at a million rows:
    (label, path, table, columns, condition, order). `condition` and `order`
    rebuild the server's statement (server/src/db/lists.rs) for its plan."""
    a_cols, m_cols = "id, name, age, gender, name_key, gender_key", "id, title, release_date, title_key"
    # A cursor to the last page but one, and an OFFSET page as deep in the
    # table as 50 000 of 1 000 000 (page = rows / 20).
    deep = server.get(f"/actors?per_page=10&page={actors // 10 - 1}")
    cursor, last_id = deep["next"], deep["actors"][-1]["id"]
    # A cursor in the middle of a sort with few distinct values (the
    # terminal client's paging when sorted by gender).
    tied = server.get(f"/actors?sort=gender&per_page=10&page={actors // 20}")
    tied_cursor, tied_last = tied["next"], tied["actors"][-1]
    return [
        ("actors gender=female", "/actors?gender=female", "actors", a_cols,
         "lower(gender) = lower('female')", "id"),
        ("actors min_age=30&max_age=40", "/actors?min_age=30&max_age=40", "actors", a_cols,
         "age >= 30 AND age <= 40", "id"),
        ("actors q=actor 99 (broad)", "/actors?q=actor%2099", "actors", a_cols,
         "name_key LIKE '%actor 99%'", "id"),
        ("actors q=zyxwvut (selective)", "/actors?q=zyxwvut", "actors", a_cols,
         "name_key LIKE '%zyxwvut%'", "id"),
        ("actors sort=-age", "/actors?sort=-age", "actors", a_cols, None, "age DESC, id DESC"),
        ("actors sort=name", "/actors?sort=name", "actors", a_cols, None, "name_key, id"),
        ("actors page=rows/20, the last (OFFSET)", f"/actors?page={actors // 20}", "actors", a_cols,
         None, f"id OFFSET {(actors // 20 - 1) * 10}"),
        ("actors after=cursor (last page)", f"/actors?after={cursor}", "actors", a_cols,
         f"id > {last_id}", "id"),
        ("actors sort=gender&after=cursor (middle)", f"/actors?sort=gender&after={tied_cursor}", "actors",
         a_cols, f"id > {tied_last['id']} AND gender_key = '{tied_last['gender'].lower()}'", "gender_key, id"),
        ("actors q=actor 99&sort=name (broad)", "/actors?q=actor%2099&sort=name", "actors", a_cols,
         "name_key LIKE '%actor 99%'", "name_key, id"),
        ("movies 2000-01-01..2000-12-31", "/movies?released_from=2000-01-01&released_to=2000-12-31",
         "movies", m_cols, "release_date >= '2000-01-01' AND release_date <= '2000-12-31'", "id"),
        ("movies q=movie 77", "/movies?q=movie%2077", "movies", m_cols, "title_key LIKE '%movie 77%'", "id"),
        ("movies sort=-release_date", "/movies?sort=-release_date", "movies", m_cols, None,
         "release_date DESC, id DESC"),
    ]


def plan(store, db, table, columns, condition, order):
    """The plan of the server's page statement: whether it scans the whole
    table, and the buffers it touched (PostgreSQL), or SQLite's plan."""
    if store == "sqlite":
        return sqlite_plan(db, table, columns, condition, order)
    where = f" AND {condition}" if condition else ""
    order_by, _, offset = order.partition(" OFFSET ")
    rows = f"SELECT {columns} FROM {table} WHERE true{where}"
    if " LIKE " in (condition or "") and not order_by.startswith("id"):
        # A search sorted by another column: the server sorts its matches
        # (server/src/db/postgres/lists.rs) unless a tenth of the table matches.
        tenth = int(psql(db, f"SELECT sum(n)::bigint / 10 FROM row_counts WHERE table_name = '{table}'"))
        matches = int(psql(db, f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE "
                               f"{condition} LIMIT {tenth}) c"))
        if matches < tenth:
            rows = f"WITH m AS MATERIALIZED ({rows}) SELECT * FROM m"
    sql = (f"SELECT s.total, s.stamp, p.* FROM (SELECT COALESCE(sum(n), 0)::bigint AS total, "
           f"COALESCE(sum(writes), 0)::bigint AS stamp FROM row_counts WHERE table_name = '{table}') s "
           f"LEFT JOIN ({rows} ORDER BY {order_by} "
           f"LIMIT 11 OFFSET {offset or 0}) p ON true")
    out = json.loads(psql(db, f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"))[0]["Plan"]
    nodes, stack = [], [out]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    seq = any(n["Node Type"] == "Seq Scan" and n.get("Relation Name") == table for n in nodes)
    buffers = out.get("Shared Hit Blocks", 0) + out.get("Shared Read Blocks", 0)
    return ("SEQ SCAN" if seq else "index") + f", {buffers} buffers"


SQLITE_SORT_INDEXES = {"name_key": "actors_name_key", "age": "actors_age_id", "gender_key": "actors_gender_key",
                       "title_key": "movies_title_key", "release_date": "movies_release_date_id"}


def sqlite_plan(db, table, columns, condition, order):
    """SQLite's plan of the server's page statement, written the way
    server/src/db/sqlite/lists.rs writes it for the request: a search sorted
    by id walks the trigram index in id order; a filter matching more than
    10 000 rows walks the sort's order (the rowid, or the sort column's
    index), as does a range of the sort's own column; a narrower one has
    its matches' ids sorted from its own index, and only the page read.
    "SEQ SCAN" when the plan sorts rows read straight from the table (every
    match) or, for a narrow filter, reads the table from end to end."""
    order_by, _, offset = order.partition(" OFFSET ")
    search = re.fullmatch(r"(name_key|title_key) LIKE '%(.*?)%'", condition or "")
    cursor = condition is not None and condition.startswith("id ")
    narrow = False
    with sqlite3.connect(sqlite_file(db)) as conn:
        if search:
            source = (f"FROM (SELECT rowid AS hit FROM {table}_search WHERE {table}_search MATCH "
                      f"'\"{search.group(2)}\"') f JOIN {table} ON {table}.id = f.hit WHERE 1")
            order_by = order_by.replace("id", "f.hit")
        elif condition and not cursor:
            matches = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {condition} "
                                   f"LIMIT 10001)").fetchone()[0]
            narrow = matches <= 10000
            column = order_by.split()[0]
            hint = f"INDEXED BY {SQLITE_SORT_INDEXES[column]}" if column in SQLITE_SORT_INDEXES else "NOT INDEXED"
            # A range of the sort's own column walks its index from the range's end.
            in_its_order = re.fullmatch(rf"{column} >= \S+ AND {column} <= \S+", condition)
            narrow = narrow and not in_its_order
            source = f"FROM {table} WHERE 1 AND {condition}" if narrow else \
                f"FROM {table} {hint} WHERE 1 AND {condition}"
            if narrow:
                order_by = ", ".join("+" + term.strip() for term in order_by.split(","))
        else:
            source = f"FROM {table} WHERE 1" + (f" AND {condition}" if cursor else "")
        rows = f"SELECT {columns} {source} ORDER BY {order_by} LIMIT 11 OFFSET {offset or 0}"
        if narrow:
            # The matches' ids are sorted, and only the page's rows read.
            rows = (f"SELECT {columns} FROM {table} WHERE id IN (SELECT id {source} "
                    f"ORDER BY {order_by} LIMIT 11 OFFSET {offset or 0})")
        sql = (f"SELECT s.total, s.stamp, p.* FROM (SELECT COALESCE(sum(n), 0) AS total, "
               f"COALESCE(sum(writes), 0) AS stamp FROM row_counts WHERE table_name = '{table}') s "
               f"LEFT JOIN ({rows}) p ON 1")
        details = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    sorts_matches = any(after == "USE TEMP B-TREE FOR ORDER BY"
                        and (before.startswith(f"SEARCH {table} ") or before.startswith(f"SCAN {table}"))
                        for before, after in zip(details, details[1:]))
    walks = any(d == f"SCAN {table}" or d.startswith(f"SCAN {table} USING") for d in details)
    whole = (sorts_matches and not narrow) or (walks and narrow)
    return ("SEQ SCAN" if whole else "index") + ": " + "; ".join(details)
