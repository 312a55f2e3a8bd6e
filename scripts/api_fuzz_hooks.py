"""schemathesis hooks of scripts/api-fuzz: the rules that an OpenAPI document
cannot state (it says them in the descriptions).

- `after` is a cursor the server made: a `next` of a list with the same sort.
  A generated `after` that has the cursor alphabet (valid by the schema) is
  replaced by a real cursor for the case's sort; one outside the alphabet is
  left alone, so negative cases stay negative.
- `after` and `page` cannot be given together: a case with both drops
  `after`, keeping `page` exactly as generated (valid or not).

- The schedule (`GET /auditions`) has no `sort`: its cursor is made for its
  one order, by `starts_at` (unix seconds).
- An audition ends after it starts, at most 12 hours later, in whole
  seconds: a body whose times are both well-formed gets an end 30 minutes
  after its start (a PATCH naming one of the two gets the other), so that
  valid data is valid; a malformed time is left alone.

Every other parameter goes to the server as generated.
"""

import base64
import datetime
import json
import re

import schemathesis

CURSOR_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")
# A value of each sort column's kind, as the server's cursor carries it: a
# text sort's cursor carries the folded key and then the folding's version
# (FOLD_VERSION in shared/src/names.rs); an older form is refused (400).
SORT_VALUES = {
    "id": None, "name": "m", "age": 40, "gender": "female", "title": "m", "release_date": "2000-01-01",
    "starts_at": 1800000000,
}
TEXT_SORTS = {"name", "gender", "title"}
FOLD_VERSION = 1
AUDITION_WRITES = re.compile(r"^/(roles/[^/]+/auditions|auditions/[^/]+)$")
HALF_HOUR = datetime.timedelta(minutes=30)


def cursor_for(sort):
    column = sort[1:] if sort.startswith("-") else sort
    if column not in SORT_VALUES:
        return None
    parts = [sort, SORT_VALUES[column], 1] + ([FOLD_VERSION] if column in TEXT_SORTS else [])
    text = json.dumps(parts, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@schemathesis.hook
def map_query(ctx, query):
    if not query or "after" not in query:
        return query
    if "page" in query:
        del query["after"]
        return query
    after = query["after"]
    if isinstance(after, str) and CURSOR_ALPHABET.match(after):
        default = "starts_at" if ctx.operation.path == "/auditions" else "id"
        sort = query.get("sort", default)
        cursor = cursor_for(sort) if isinstance(sort, str) else None
        if cursor is not None:
            query["after"] = cursor
    return query


def moment(value):
    """A well-formed RFC 3339 time, in whole seconds; else None."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None or not 1 <= at.year <= 9998:
        return None
    return at.replace(microsecond=0)


def written(at):
    return at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@schemathesis.hook
def map_body(ctx, body):
    if not isinstance(body, dict) or not AUDITION_WRITES.match(ctx.operation.path):
        return body
    start, end = moment(body.get("starts_at")), moment(body.get("ends_at"))
    # Only a PATCH may name one time of the two: a POST without one stays a
    # negative case.
    patch = ctx.operation.path.startswith("/auditions/")
    if start is not None and (end is not None or (patch and "ends_at" not in body)):
        body["starts_at"] = written(start)
        body["ends_at"] = written(start + HALF_HOUR)
    elif end is not None and patch and "starts_at" not in body:
        body["ends_at"] = written(end)
        body["starts_at"] = written(end - HALF_HOUR)
    return body
