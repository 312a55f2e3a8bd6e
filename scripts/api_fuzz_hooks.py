"""schemathesis hooks of scripts/api-fuzz: the two rules of `after` that an
OpenAPI document cannot state (it says them in the parameter's description).

- `after` is a cursor the server made: a `next` of a list with the same sort.
  A generated `after` that has the cursor alphabet (valid by the schema) is
  replaced by a real cursor for the case's sort; one outside the alphabet is
  left alone, so negative cases stay negative.
- `after` and `page` cannot be given together: a case with both drops
  `after`, keeping `page` exactly as generated (valid or not).

Every other parameter goes to the server as generated.
"""

import base64
import json
import re

import schemathesis

CURSOR_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")
# A value of each sort column's kind, as the server's cursor carries it.
SORT_VALUES = {
    "id": None, "name": "M", "age": 40, "gender": "Female", "title": "M", "release_date": "2000-01-01",
}


def cursor_for(sort):
    column = sort[1:] if sort.startswith("-") else sort
    if column not in SORT_VALUES:
        return None
    text = json.dumps([sort, SORT_VALUES[column], 1], separators=(",", ":"))
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
        sort = query.get("sort", "id")
        cursor = cursor_for(sort) if isinstance(sort, str) else None
        if cursor is not None:
            query["after"] = cursor
    return query
