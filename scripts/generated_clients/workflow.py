"""A real workflow through the Python client that openapi-python-client
generated from the server's own /openapi.json (scripts/generated-clients
runs it against `serve --demo`).

It logs in, lists with every filter, sort and page parameter, creates, reads,
patches with If-Match, gets a 412 for a stale one, revalidates with
If-None-Match (304), deletes, casts, reads the
change log, the live events and a history, and provokes each error status the
document lists, checking that each is parsed into the error model.

It also checks that it left nothing out, so that an operation added to the
document later fails here until this program exercises it:
- every operation of the document was generated and called;
- every parameter of every operation was sent at least once, and every
  value of an enumerated one;
- every 4xx status the document lists was answered at least once (except
  the ones a single client cannot provoke, see UNPROVOKED).

Arguments come from the environment: CASTING_API (the base URL),
CASTING_DOCUMENT (the document the client was generated from) and
CASTING_PASSWORD_<USER> for the demo users assistant, director and producer.
The client's package must be importable as casting_agency_api_client.
"""

import datetime
import importlib
import json
import keyword
import os
import pkgutil
import re
import sys
import uuid
from collections import defaultdict
from http import HTTPStatus

import httpx

import casting_agency_api_client.api as generated_api
from casting_agency_api_client import AuthenticatedClient, Client
from casting_agency_api_client.api.actors import (
    create_actor,
    delete_actor,
    get_actor,
    list_actors,
    update_actor,
)
from casting_agency_api_client.api.auditions import (
    audition_calendar,
    delete_audition,
    get_audition,
    list_auditions,
    schedule_audition,
    update_audition,
)
from casting_agency_api_client.api.auth import auth_config, jwks, login, me, refresh
from casting_agency_api_client.api.cast import (
    cast_actor,
    list_actor_movies,
    list_cast,
    uncast_actor,
)
from casting_agency_api_client.api.changes import (
    actor_history,
    follow_changes,
    list_changes,
    movie_history,
    undo_change,
)
from casting_agency_api_client.api.movies import (
    create_movie,
    delete_movie,
    get_movie,
    list_movies,
    update_movie,
)
from casting_agency_api_client.api.operations import health, metrics, openapi_json, ready
from casting_agency_api_client.api.roles import (
    create_role,
    delete_role,
    get_role,
    list_actor_roles,
    list_roles,
    remove_candidate,
    set_candidate,
    update_role,
)
from casting_agency_api_client.models import (
    ActorChanges,
    AuditionChanges,
    CandidateInput,
    CastAssignment,
    Change,
    ChangeAction,
    ChangeResource,
    ErrorBody,
    ListActorsSort,
    ListMoviesSort,
    LoginRequest,
    MovieChanges,
    NewActor,
    NewAudition,
    NewMovie,
    NewRole,
    Role,
    RoleChanges,
    Stage,
)
from casting_agency_api_client.models.stream_event_type_0 import StreamEventType0
from casting_agency_api_client.types import UNSET

# The error statuses of the document that one client cannot provoke on its
# own, and why. Every other 4xx status it lists must be provoked below.
UNPROVOKED = {
    408: "needs a request slower than the server's request timeout",
    410: "needs changes pruned after CASTING_CHANGES_KEEP (days)",
}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The JSON error body's `message` for each status (the contract's phrases).
PHRASES = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "resource not found",
    405: "method not allowed",
    409: "conflict",
    410: "gone",
    412: "precondition failed",
    413: "payload too large",
    422: "unprocessable",
    429: "too many requests",
}

API = os.environ["CASTING_API"]
with open(os.environ["CASTING_DOCUMENT"], encoding="utf-8") as file:
    DOCUMENT = json.load(file)


def python_name(name: str) -> str:
    """A parameter's or operation's name as the generator writes it in Python."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


class Coverage:
    """What the workflow called, sent and was answered."""

    def __init__(self) -> None:
        self.sent: dict[str, set[str]] = defaultdict(set)
        self.values: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.errors: set[int] = set()

    def record(self, operation: str, arguments: dict) -> None:
        self.sent[operation]  # an operation without arguments is called too
        for name, value in arguments.items():
            if name in ("client", "body") or value is UNSET:
                continue
            # The generator writes a parameter named like a keyword with a
            # trailing underscore (`from` is `from_`).
            if name.endswith("_") and keyword.iskeyword(name[:-1]):
                name = name[:-1]
            self.sent[operation].add(name)
            self.values[(operation, name)].add(str(getattr(value, "value", value)))


COVERAGE = Coverage()


def operation_of(module) -> str:
    return module.__name__.rsplit(".", 1)[1]


def call(module, expected: int, **arguments):
    """Calls one generated operation and checks its status; an error's body
    must parse into the error model, with the status and its phrase."""
    operation = operation_of(module)
    COVERAGE.record(operation, arguments)
    response = module.sync_detailed(**arguments)
    where = f"{operation}({', '.join(f'{k}={v!r}' for k, v in arguments.items() if k != 'client')})"
    if response.status_code != expected:
        sys.exit(f"{where}: {response.status_code}, expected {expected}: {response.content[:500]!r}")
    if expected >= 400:
        error = response.parsed
        if not isinstance(error, ErrorBody):
            sys.exit(f"{where}: the {expected} did not parse into ErrorBody: {error!r}")
        if error.success or error.error != expected or error.message != PHRASES[expected]:
            sys.exit(f"{where}: a {expected} with the body {error.to_dict()}")
        COVERAGE.errors.add(expected)
    return response


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"workflow: {what}")


def client_for(token: str) -> AuthenticatedClient:
    # Any status the document does not list for an operation raises.
    return AuthenticatedClient(base_url=API, token=token, raise_on_unexpected_status=True, timeout=httpx.Timeout(30.0))


anonymous = Client(base_url=API, raise_on_unexpected_status=True, timeout=httpx.Timeout(30.0))


def log_in(username: str) -> AuthenticatedClient:
    password = os.environ[f"CASTING_PASSWORD_{username.upper()}"]
    answer = call(login, 200, client=anonymous, body=LoginRequest(username=username, password=password))
    check(answer.parsed.token_type == "Bearer", f"token type {answer.parsed.token_type}")
    return client_for(answer.parsed.access_token)


def operations_unauthenticated() -> None:
    call(health, 200, client=anonymous)
    check(call(ready, 200, client=anonymous).parsed.status == "ready", "ready")
    served = call(openapi_json, 200, client=anonymous)
    check(json.loads(served.content) == DOCUMENT, "/openapi.json is the document the client was generated from")
    exposition = call(metrics, 200, client=anonymous).parsed
    check(isinstance(exposition, str) and "casting_" in exposition, "metrics in the text format")
    keys = json.loads(call(jwks, 200, client=anonymous).content)
    check(len(keys["keys"]) >= 1 and keys["keys"][0]["kty"] == "RSA", "a JWKS")
    config = call(auth_config, 200, client=anonymous).parsed
    check(config.builtin.enabled and config.builtin.login_path == "/auth/login", "the built-in login")


def main() -> None:
    operations_unauthenticated()

    # Logging in: each role, a wrong password, a malformed body.
    assistant = log_in("assistant")
    director = log_in("director")
    producer = log_in("producer")
    call(login, 401, client=anonymous, body=LoginRequest(username="producer", password="not-the-password"))
    call(login, 422, client=anonymous, body=LoginRequest(username="", password="x"))
    who = call(me, 200, client=producer).parsed
    check(who.role == Role.EXECUTIVE_PRODUCER and who.username == "producer", f"me: {who}")
    fresh = call(refresh, 200, client=producer).parsed
    producer = client_for(fresh.access_token)
    check(call(me, 200, client=producer).parsed.role == Role.EXECUTIVE_PRODUCER, "the refreshed token")

    # Where the change log stands before this workflow writes.
    head = 0
    while True:
        page = call(list_changes, 200, client=producer, after=head, limit=1000).parsed
        if not page.changes:
            break
        head = page.next_

    # Creating: three actors and three movies whose every sortable field
    # sorts the same way, so each sort has one right order.
    tag = "Zq" + uuid.uuid4().hex[:10]
    actors = {}
    for name, age, gender in [("Ann", 31, "Female"), ("Bo", 40, "Male"), ("Cy", 52, "Nonbinary")]:
        created = call(create_actor, 201, client=producer, body=NewActor(name=f"{name} {tag}", age=age, gender=gender))
        actor = created.parsed.actor
        check(created.headers["Location"] == f"/actors/{actor.id}", f"Location {created.headers['Location']}")
        check((actor.name, actor.age, actor.gender) == (f"{name} {tag}", age, gender), f"created {actor}")
        actors[name] = actor
    # The contract's numeric string for an age.
    dana = call(create_actor, 201, client=director, body=NewActor(name=f"Dana {tag}", age="27")).parsed.actor
    check(dana.age == 27 and dana.gender == "Other", f"an age as a string, gender defaulted: {dana}")
    movies = {}
    for title, date in [("First", "2001-01-01"), ("Second", "2002-02-02"), ("Third", "2003-03-03")]:
        created = call(
            create_movie,
            201,
            client=producer,
            body=NewMovie(title=f"{title} {tag}", release_date=datetime.date.fromisoformat(date)),
        )
        movie = created.parsed.movie
        check(created.headers["Location"] == f"/movies/{movie.id}", f"Location {created.headers['Location']}")
        check(movie.release_date.isoformat() == date, f"created {movie}")
        movies[title] = movie
    ann, bo, cy = actors["Ann"], actors["Bo"], actors["Cy"]
    first = movies["First"]
    position = created.headers.get("X-Casting-Position", "0/0")

    # Reading one, with its version.
    read = call(get_actor, 200, client=assistant, id=ann.id, x_casting_position=position)
    check(read.parsed.actor == ann and read.headers["ETag"].startswith('"'), f"read {read.parsed}")
    read = call(get_movie, 200, client=assistant, id=first.id, x_casting_position=position)
    check(read.parsed.movie == first and read.headers["ETag"].startswith('"'), f"read {read.parsed}")

    # Lists: every filter, every sort, pages by number and by cursor.
    def actor_names(**arguments) -> list[str]:
        found = call(list_actors, 200, client=assistant, q=tag, **arguments).parsed
        return [actor.name.split()[0] for actor in found.actors]

    check(actor_names(x_casting_position=position) == ["Ann", "Bo", "Cy", "Dana"], "q finds the four")
    check(actor_names(gender="fEmAlE") == ["Ann"], "gender, case-insensitive")
    check(actor_names(min_age=35, max_age=52) == ["Bo", "Cy"], "an age range, both ends included")
    check(actor_names(page=2, per_page=3) == ["Dana"], "the second page by number")
    for sort in ListActorsSort:
        names = [n for n in actor_names(sort=sort) if n != "Dana"]
        expected = ["Ann", "Bo", "Cy"]
        check(names == (expected[::-1] if sort.value.startswith("-") else expected), f"sort={sort.value}: {names}")
    by_name = call(list_actors, 200, client=assistant, q=tag, per_page=2, sort=ListActorsSort.NAME_DESC).parsed
    check(by_name.page == 1 and by_name.total == 4 and by_name.total_exact, f"a first page: {by_name}")
    # With a cursor, no page: the generated default for `page` must not be sent.
    after = call(
        list_actors, 200, client=assistant, q=tag, per_page=2, sort=ListActorsSort.NAME_DESC, after=by_name.next_
    ).parsed
    check([a.name.split()[0] for a in after.actors] == ["Bo", "Ann"] and after.page is None, f"after: {after}")
    call(
        list_actors,
        400,
        client=assistant,
        q=tag,
        per_page=2,
        sort=ListActorsSort.NAME_DESC,
        after=by_name.next_,
        page=1,
    )

    def movie_titles(**arguments) -> list[str]:
        found = call(list_movies, 200, client=assistant, q=tag, **arguments).parsed
        return [movie.title.split()[0] for movie in found.movies]

    check(movie_titles(x_casting_position=position) == ["First", "Second", "Third"], "q finds the three")
    check(
        movie_titles(released_from=datetime.date(2002, 2, 2), released_to=datetime.date(2003, 3, 2)) == ["Second"],
        "a release range",
    )
    check(movie_titles(page=1, per_page=1) == ["First"], "the first page by number")
    for sort in ListMoviesSort:
        titles = movie_titles(sort=sort)
        expected = ["First", "Second", "Third"]
        check(titles == (expected[::-1] if sort.value.startswith("-") else expected), f"sort={sort.value}: {titles}")
    first_page = call(list_movies, 200, client=assistant, q=tag, per_page=2).parsed
    rest = call(list_movies, 200, client=assistant, q=tag, per_page=2, after=first_page.next_).parsed
    check([m.title.split()[0] for m in rest.movies] == ["Third"] and rest.next_ is None, f"after: {rest}")

    # Patching with If-Match; a stale one is 412 and changes nothing.
    version = call(get_actor, 200, client=director, id=ann.id).headers["ETag"]
    patched = call(update_actor, 200, client=director, id=ann.id, if_match=version, body=ActorChanges(age=32))
    check(patched.parsed.actor[0].age == 32 and patched.headers["ETag"] != version, f"patched {patched.parsed}")
    call(update_actor, 412, client=director, id=ann.id, if_match=version, body=ActorChanges(age=33))
    check(call(get_actor, 200, client=director, id=ann.id).parsed.actor.age == 32, "a 412 changed nothing")
    # Revalidation: the stale ETag gets the changed actor; the current one is
    # 304 with no body, for a record and for a list alike.
    check(call(get_actor, 200, client=director, id=ann.id, if_none_match=version).parsed.actor.age == 32, "stale")
    for operation, where in ((get_actor, {"id": ann.id}), (get_movie, {"id": first.id}),
                             (list_actors, {"q": tag}), (list_movies, {"q": tag})):
        full = call(operation, 200, client=assistant, **where)
        check(full.headers["Cache-Control"] == "private, no-cache", f"{operation.__name__}: {full.headers}")
        current = full.headers["ETag"]
        same = call(operation, 304, client=assistant, if_none_match=current, **where)
        check(same.content == b"" and same.headers["ETag"] == current, f"{operation.__name__}: a 304 {same}")
    call(update_actor, 200, client=director, id=ann.id, body=ActorChanges(name=f"Ann {tag}"))
    call(update_actor, 400, client=director, id=ann.id, body=ActorChanges())
    call(update_actor, 400, client=director, id=ann.id, if_match="not-an-etag", body=ActorChanges(age=34))
    invalid = call(update_actor, 422, client=director, id=ann.id, body=ActorChanges(age=200)).parsed
    check("age" in invalid.fields, f"422 names the field: {invalid.to_dict()}")
    version = call(get_movie, 200, client=producer, id=first.id).headers["ETag"]
    retitled = call(
        update_movie, 200, client=producer, id=first.id, if_match=version, body=MovieChanges(title=f"First {tag} (cut)")
    ).parsed
    check(retitled.movie[0].title == f"First {tag} (cut)" and retitled.edited == first.id, f"{retitled}")
    call(update_movie, 412, client=producer, id=first.id, if_match=version, body=MovieChanges(title="Stale"))

    # Casting.
    cast = call(cast_actor, 200, client=director, id=first.id, actor_id=ann.id, body=CastAssignment(character="Lead"))
    check(cast.parsed.character == "Lead", f"cast {cast.parsed}")
    # No character: an empty object. (This generator cannot leave the optional
    # body out: body=None sends its JSON Content-Type with no body, a 400, and
    # the default, UNSET, fails to serialise.)
    check(
        call(cast_actor, 200, client=director, id=first.id, actor_id=bo.id, body=CastAssignment()).parsed.character
        is None,
        "no character",
    )
    entries = call(list_cast, 200, client=assistant, id=first.id, x_casting_position=position).parsed.cast
    check([(e.actor.id, e.character) for e in entries] == [(ann.id, "Lead"), (bo.id, None)], f"cast {entries}")
    films = call(list_actor_movies, 200, client=assistant, id=ann.id, x_casting_position=position).parsed.movies
    check([(f.movie.id, f.character) for f in films] == [(first.id, "Lead")], f"filmography {films}")
    call(uncast_actor, 200, client=director, id=first.id, actor_id=bo.id)
    call(uncast_actor, 404, client=director, id=first.id, actor_id=bo.id)

    # Roles and candidates: a role's pipeline from considered to booked, the
    # booking rules' 409s, If-Match on a role, an actor's roles.
    lead = call(create_role, 201, client=director, id=first.id, body=NewRole(name=f"Lead {tag}")).parsed.role
    check(lead.status.value == "open" and lead.actor is None, f"a new role is open {lead}")
    call(create_role, 404, client=director, id=2**62, body=NewRole(name="Nobody"))
    call(create_role, 403, client=assistant, id=first.id, body=NewRole(name="Extra"))
    listed = call(list_roles, 200, client=assistant, id=first.id).parsed.roles
    check(lead.id in [r.id for r in listed], f"the movie's roles {listed}")
    call(list_roles, 404, client=assistant, id=2**62)
    for stage in Stage:
        if stage.value == "booked":
            continue
        placed = call(
            set_candidate, 200, client=director, id=lead.id, actor_id=bo.id, body=CandidateInput(stage=stage)
        ).parsed
        check(placed.candidate.stage == stage, f"{stage.value}: {placed.candidate}")
    booked = call(
        set_candidate, 200, client=director, id=lead.id, actor_id=bo.id, body=CandidateInput(stage=Stage.BOOKED)
    ).parsed
    check(booked.role.actor is not None and booked.role.actor.id == bo.id, f"booked {booked.role}")
    call(set_candidate, 200, client=director, id=lead.id, actor_id=cy.id, body=CandidateInput())
    second = call(
        set_candidate, 409, client=director, id=lead.id, actor_id=cy.id, body=CandidateInput(stage=Stage.BOOKED)
    ).parsed
    check(second.detail, f"409 says why {second.to_dict()}")
    call(set_candidate, 404, client=director, id=lead.id, actor_id=2**62, body=CandidateInput())
    pipeline = call(get_role, 200, client=assistant, id=lead.id)
    check({c.actor.id for c in pipeline.parsed.candidates} == {bo.id, cy.id}, f"the pipeline {pipeline.parsed}")
    call(get_role, 404, client=assistant, id=2**62)
    version = pipeline.headers["ETag"]
    renamed = call(
        update_role, 200, client=director, id=lead.id, if_match=version, body=RoleChanges(description="Brave")
    ).parsed
    check(renamed.role.description == "Brave", f"{renamed.role}")
    call(update_role, 412, client=director, id=lead.id, if_match=version, body=RoleChanges(description="Stale"))
    call(update_role, 400, client=director, id=lead.id, body=RoleChanges())
    mine = call(list_actor_roles, 200, client=producer, id=bo.id).parsed.roles
    check(any(r.role.id == lead.id and r.stage == Stage.BOOKED for r in mine), f"Bo's roles {mine}")
    call(list_actor_roles, 404, client=producer, id=2**62)
    call(remove_candidate, 200, client=director, id=lead.id, actor_id=cy.id)
    call(remove_candidate, 404, client=director, id=lead.id, actor_id=cy.id)
    stale = call(get_role, 200, client=director, id=lead.id).headers["ETag"]
    call(update_role, 200, client=director, id=lead.id, body=RoleChanges(gender="Any"))
    call(delete_role, 412, client=director, id=lead.id, if_match=stale)
    current = call(get_role, 200, client=director, id=lead.id).headers["ETag"]
    call(delete_role, 200, client=director, id=lead.id, if_match=current)
    call(delete_role, 404, client=director, id=lead.id)

    # Auditions: two back to back, the overlaps refused naming the audition
    # in the way, a move with If-Match, the schedule and its calendar.
    role = call(create_role, 201, client=director, id=first.id, body=NewRole(name=f"Guard {tag}")).parsed.role
    room = f"Room {tag}"
    at = datetime.datetime(2031, 5, 5, 10, 0, tzinfo=datetime.timezone.utc)
    hour = datetime.timedelta(hours=1)

    def audition(actor, start, end, location=room, role_id=role.id, expected=201, client=director):
        body = NewAudition(actor_id=actor.id, starts_at=start, ends_at=end, location=location)
        return call(schedule_audition, expected, client=client, id=role_id, body=body)

    created = audition(ann, at, at + hour)
    morning = created.parsed.audition
    check(created.headers["Location"] == f"/auditions/{morning.id}", f"Location {created.headers['Location']}")
    check(morning.starts_at == at and morning.location == room, f"scheduled {morning}")
    noon = audition(ann, at + hour, at + 2 * hour, location=f" {room.upper()} ").parsed.audition
    clash = audition(bo, at + hour / 2, at + 3 * hour / 2, location=room.lower(), expected=409).parsed
    check([a.id for a in clash.conflicts] == [morning.id, noon.id], f"the conflicts {clash.to_dict()}")
    refused = audition(bo, at + hour, at, location="Elsewhere", expected=422).parsed
    check("ends_at" in refused.fields, f"422 names ends_at: {refused.to_dict()}")
    audition(bo, at, at + hour, role_id=2**62, expected=404)
    audition(bo, at, at + hour, client=assistant, expected=403)
    read = call(get_audition, 200, client=assistant, id=noon.id)
    check(read.parsed.audition == noon, f"read {read.parsed}")
    version = read.headers["ETag"]
    moved = call(
        update_audition, 200, client=director, id=noon.id, if_match=version, body=AuditionChanges(note="callback")
    )
    check(moved.parsed.audition.note == "callback" and moved.headers["ETag"] != version, f"moved {moved.parsed}")
    call(update_audition, 412, client=director, id=noon.id, if_match=version, body=AuditionChanges(note="stale"))
    clash = call(
        update_audition, 409, client=director, id=noon.id, body=AuditionChanges(starts_at=at + hour / 2)
    ).parsed
    check([a.id for a in clash.conflicts] == [morning.id], f"the conflicts {clash.to_dict()}")
    call(update_audition, 422, client=director, id=noon.id, body=AuditionChanges(ends_at=at))
    call(update_audition, 400, client=director, id=noon.id, body=AuditionChanges())
    call(get_audition, 404, client=assistant, id=2**62)

    def schedule_ids(**arguments) -> list[int]:
        return [a.id for a in call(list_auditions, 200, client=assistant, **arguments).parsed.auditions]

    day = at.date()
    check(schedule_ids(from_=day, to=day + datetime.timedelta(days=1)) == [morning.id, noon.id], "the day")
    check(schedule_ids(from_=at + hour, to=at + 2 * hour) == [noon.id], "a window, half-open")
    check(
        schedule_ids(actor_id=ann.id, movie_id=first.id, role_id=role.id, location=room.upper())
        == [morning.id, noon.id],
        "every filter",
    )
    page = call(list_auditions, 200, client=assistant, role_id=role.id, per_page=1, page=1).parsed
    check(page.total == 2 and [a.id for a in page.auditions] == [morning.id], f"a page {page}")
    check(page.auditions[0].actor.id == ann.id and page.auditions[0].movie.id == first.id, "names")
    check(schedule_ids(role_id=role.id, per_page=1, after=page.next_) == [noon.id], "after the cursor")
    call(list_auditions, 400, client=assistant, after="not-a-cursor")
    calendar = call(
        audition_calendar,
        200,
        client=assistant,
        from_=at,
        to=day + datetime.timedelta(days=1),
        actor_id=ann.id,
        movie_id=first.id,
        role_id=role.id,
        location=room,
    )
    text = calendar.content.decode()
    check(calendar.headers["Content-Type"].startswith("text/calendar"), "a calendar")
    check(text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") == 2, f"the calendar {text!r}")
    check(f"UID:audition-{morning.id}@casting-agency" in text, "a stable UID")
    stale = call(get_audition, 200, client=director, id=morning.id).headers["ETag"]
    call(update_audition, 200, client=director, id=morning.id, body=AuditionChanges(location=f"{room} B"))
    call(delete_audition, 412, client=director, id=morning.id, if_match=stale)
    current = call(get_audition, 200, client=director, id=morning.id).headers["ETag"]
    call(delete_audition, 200, client=director, id=morning.id, if_match=current)
    call(delete_audition, 404, client=director, id=morning.id)

    # Permissions, tokens and unknown ids.
    call(create_actor, 403, client=assistant, body=NewActor(name=f"Eve {tag}", age=30))
    call(delete_movie, 403, client=director, id=first.id)
    refused = call(list_actors, 401, client=client_for("not-a-token"))
    check(refused.headers["WWW-Authenticate"].startswith("Bearer"), "the 401's challenge")
    call(get_actor, 404, client=assistant, id=2**62)
    call(get_movie, 404, client=assistant, id=2**62)
    call(create_actor, 413, client=producer, body=NewActor(name="x" * 70_000, age=30))
    call(create_movie, 422, client=producer, body=NewMovie(title=" ", release_date=datetime.date(2020, 4, 10)))

    # Deleting, with a stale version first.
    stale = call(get_actor, 200, client=producer, id=cy.id).headers["ETag"]
    call(update_actor, 200, client=producer, id=cy.id, body=ActorChanges(gender="Nonbinary"))
    call(delete_actor, 412, client=producer, id=cy.id, if_match=stale)
    current = call(get_actor, 200, client=producer, id=cy.id).headers["ETag"]
    check(call(delete_actor, 200, client=producer, id=cy.id, if_match=current).parsed.deleted == cy.id, "deleted")
    call(get_actor, 404, client=producer, id=cy.id)
    third = movies["Third"]
    stale = call(get_movie, 200, client=producer, id=third.id).headers["ETag"]
    call(update_movie, 200, client=producer, id=third.id, body=MovieChanges(release_date=datetime.date(2003, 3, 4)))
    call(delete_movie, 412, client=producer, id=third.id, if_match=stale)
    call(delete_movie, 200, client=producer, id=third.id)

    # The change log: every write above, oldest first, in pages.
    changes: list[Change] = []
    cursor = head
    while True:
        page = call(list_changes, 200, client=assistant, after=cursor, limit=5).parsed
        if not page.changes:
            check(page.next_ == cursor, "an empty page keeps `next`")
            break
        changes.extend(page.changes)
        cursor = page.next_
    seqs = [change.seq for change in changes]
    check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"seq order {seqs}")
    actions = [(c.resource, c.action, c.id) for c in changes]
    for expected in [
        (ChangeResource.ACTOR, ChangeAction.CREATED, ann.id),
        (ChangeResource.ACTOR, ChangeAction.UPDATED, ann.id),
        (ChangeResource.MOVIE, ChangeAction.UPDATED, first.id),
        (ChangeResource.CAST, ChangeAction.CREATED, first.id),
        (ChangeResource.CAST, ChangeAction.DELETED, first.id),
        (ChangeResource.ACTOR, ChangeAction.DELETED, cy.id),
        (ChangeResource.MOVIE, ChangeAction.DELETED, third.id),
    ]:
        check(expected in actions, f"the change log has {expected}")
    check(all(c.by.name in ("producer", "director") for c in changes), "each change names its author")

    # The live events: what follows `after`, then resuming with Last-Event-ID.
    def first_event(**arguments) -> Change:
        COVERAGE.record(operation_of(follow_changes), arguments)
        request = follow_changes._get_kwargs(**arguments)
        fields: dict[str, str] = {}
        with producer.get_httpx_client().stream(**request) as response:
            if response.status_code != 200:
                sys.exit(f"follow_changes({arguments}): {response.status_code}: {response.read()[:500]!r}")
            check(response.headers["content-type"].startswith("text/event-stream"), "an event stream")
            for line in response.iter_lines():
                if line == "" and "data" in fields:
                    event = StreamEventType0.from_dict(fields)
                    return Change.from_dict(json.loads(event.data))
                if line.startswith(":") or ":" not in line:
                    continue
                key, value = line.split(":", 1)
                fields[key] = value.removeprefix(" ")
        sys.exit("events: the stream ended before an event")

    event = first_event(after=head)
    check(event.seq == changes[0].seq and event.resource == ChangeResource.ACTOR, f"the first event {event}")
    event = first_event(last_event_id=str(changes[0].seq))
    check(event.seq == changes[1].seq, f"resumed after {changes[0].seq}: {event}")
    call(follow_changes, 400, client=producer, last_event_id="not-a-seq")

    # Histories, newest first; a deleted actor's stays readable.
    history = call(actor_history, 200, client=assistant, id=ann.id).parsed.history
    check([c.seq for c in history] == sorted((c.seq for c in history), reverse=True), "newest first")
    check(history[-1].action == ChangeAction.CREATED and history[-1].after.name == f"Ann {tag}", "created last")
    check(any(c.resource == ChangeResource.CAST for c in history), "with the actor's cast changes")
    gone = call(actor_history, 200, client=assistant, id=cy.id).parsed.history
    check(gone[0].action == ChangeAction.DELETED and gone[0].after is None, f"a deleted actor's history {gone[0]}")
    movie = call(movie_history, 200, client=assistant, id=first.id).parsed.history
    # A movie's history: its own changes, its cast's, and its roles',
    # candidates' and auditions'.
    check(
        {c.resource for c in movie}
        == {
            ChangeResource.MOVIE,
            ChangeResource.CAST,
            ChangeResource.ROLE,
            ChangeResource.CANDIDATE,
            ChangeResource.AUDITION,
        },
        f"movie history {movie}",
    )
    call(actor_history, 404, client=assistant, id=2**62)

    # Undo: a deleted actor comes back with its id; the undo is recorded as
    # the caller's; 403 without the permission of the change's own write;
    # 409 once the record changed since (here: by the undo itself); 404 for
    # no such change.
    deleted = next(c for c in changes if c.resource == ChangeResource.ACTOR and c.action == ChangeAction.DELETED)
    check(deleted.id == cy.id, f"the delete to undo {deleted}")
    call(undo_change, 403, client=assistant, seq=deleted.seq)
    undone = call(undo_change, 200, client=producer, seq=deleted.seq).parsed
    check(undone.undone == deleted.seq, f"undone {undone}")
    check(
        [(c.resource, c.action, c.id) for c in undone.changes][:1] == [(ChangeResource.ACTOR, ChangeAction.CREATED, cy.id)]
        and undone.changes[0].by.name == "producer",
        f"the undo's changes {undone.changes}",
    )
    check(call(get_actor, 200, client=producer, id=cy.id).parsed.actor.name == f"Cy {tag}", "undone: Cy is back")
    call(undo_change, 409, client=producer, seq=deleted.seq)
    call(undo_change, 404, client=producer, seq=2**62)

    # Too many failed logins for one name: 429 with Retry-After (last, as it
    # counts against this address too).
    nobody = f"nobody-{tag}"
    for _ in range(10):
        answer = login.sync_detailed(client=anonymous, body=LoginRequest(username=nobody, password="guess"))
        if answer.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            break
        check(answer.status_code == HTTPStatus.UNAUTHORIZED, f"a failed login: {answer.status_code}")
    throttled = call(login, 429, client=anonymous, body=LoginRequest(username=nobody, password="guess"))
    check(int(throttled.headers["Retry-After"]) > 0, "Retry-After")

    check_coverage()


def documented_operations() -> dict[str, tuple[str, dict, list]]:
    """Each operation by its Python name: where it is, it, its parameters."""
    found = {}
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                parameters = item.get("parameters", []) + operation.get("parameters", [])
                found[python_name(operation["operationId"])] = (f"{method.upper()} {path}", operation, parameters)
    return found


def generated_operations() -> set[str]:
    """The operations' modules the generator wrote, one package per tag."""
    return {
        module.name
        for package in pkgutil.iter_modules(generated_api.__path__, generated_api.__name__ + ".")
        for module in pkgutil.iter_modules(importlib.import_module(package.name).__path__)
    }


def check_coverage() -> None:
    operations = documented_operations()
    generated = generated_operations()
    missing = []
    for name, (where, _, parameters) in sorted(operations.items()):
        if name not in generated:
            missing.append(f"{where}: the generator made no {name}")
        if name not in COVERAGE.sent:
            missing.append(f"{where}: {name} is never called")
            continue
        for parameter in parameters:
            argument = python_name(parameter["name"])
            if argument not in COVERAGE.sent[name]:
                missing.append(f"{where}: {name} never sends {parameter['name']}")
            for value in parameter.get("schema", {}).get("enum", []):
                if str(value) not in COVERAGE.values[(name, argument)]:
                    missing.append(f"{where}: {name} never sends {parameter['name']}={value}")
    statuses = {
        int(status)
        for _, operation, _ in operations.values()
        for status in operation["responses"]
        if status.isdigit() and 400 <= int(status) < 500
    }
    for status in sorted(statuses - COVERAGE.errors - UNPROVOKED.keys()):
        missing.append(f"the document lists {status}, which no call provoked")
    if missing:
        sys.exit("workflow: not exercised through the generated client:\n  " + "\n  ".join(missing))
    print(
        f"workflow: {len(operations)} operations, their parameters and {len(COVERAGE.errors)} error statuses "
        f"({', '.join(map(str, sorted(COVERAGE.errors)))}) exercised through the generated client"
    )


if __name__ == "__main__":
    main()
