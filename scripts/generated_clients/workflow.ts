// A short workflow through the TypeScript client of /openapi.json:
// openapi-typescript writes the document's types to schema.d.ts, openapi-fetch
// sends typed requests. `tsc` (strict) must accept it, so a change to the
// document that breaks a TypeScript team's code breaks this first; then
// scripts/generated-clients runs it against the server.
//
// Environment: CASTING_API (the base URL) and CASTING_PASSWORD_PRODUCER.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type ErrorBody = components["schemas"]["ErrorBody"];
type Actor = components["schemas"]["Actor"];

function check(condition: boolean, what: string): asserts condition {
  if (!condition) {
    throw new Error(`workflow.ts: ${what}`);
  }
}

/** An error answer: its status and the body parsed into the error model. */
function expectError(status: number, answer: { error?: ErrorBody; response: Response }): ErrorBody {
  check(answer.response.status === status, `expected ${status}, got ${answer.response.status}`);
  const error = answer.error;
  check(error !== undefined && error.error === status && !error.success, `a ${status} as ErrorBody`);
  return error;
}

const baseUrl = process.env["CASTING_API"] ?? "http://127.0.0.1:8080";
const password = process.env["CASTING_PASSWORD_PRODUCER"] ?? "";

const anonymous = createClient<paths>({ baseUrl });
const login = await anonymous.POST("/auth/login", { body: { username: "producer", password } });
check(login.data !== undefined, `login: ${login.response.status}`);
const api = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${login.data.access_token}` },
});

const tag = `Ts${Date.now().toString(36)}`;
const created = await api.POST("/actors", { body: { name: `Ann ${tag}`, age: "31", gender: "Female" } });
check(created.response.status === 201 && created.data !== undefined, "created");
const id = created.data.created;
check(created.response.headers.get("Location") === `/actors/${id}`, "Location");

const list = await api.GET("/actors", {
  params: { query: { q: tag, gender: "female", min_age: 30, max_age: 31, sort: "-name", per_page: 5 } },
});
const found: Actor[] = list.data?.actors ?? [];
check(found.length === 1 && found[0]?.id === id, "listed with filters");

const read = await api.GET("/actors/{id}", { params: { path: { id } } });
const version = read.response.headers.get("ETag");
check(read.data?.actor.age === 31 && version !== null, "read with its ETag");

const patched = await api.PATCH("/actors/{id}", {
  params: { path: { id }, header: { "If-Match": version } },
  body: { age: 32 },
});
check(patched.data?.actor[0]?.age === 32, "patched with If-Match");
const stale = await api.PATCH("/actors/{id}", {
  params: { path: { id }, header: { "If-Match": version } },
  body: { age: 33 },
});
expectError(412, stale);
const invalid = expectError(422, await api.POST("/actors", { body: { name: " ", age: 200 } }));
check(invalid.fields !== undefined && "age" in invalid.fields, "422 names its fields");

const movie = await api.POST("/movies", { body: { title: `First ${tag}`, release_date: "2001-01-01" } });
check(movie.data !== undefined, "a movie");
const movies = await api.GET("/movies", {
  params: { query: { q: tag, released_from: "2001-01-01", released_to: "2001-12-31", sort: "-release_date" } },
});
check(movies.data?.movies.length === 1, "movies by release range");
const cast = await api.PUT("/movies/{id}/cast/{actor_id}", {
  params: { path: { id: movie.data.created, actor_id: id } },
  body: { character: "Lead" },
});
check(cast.data?.character === "Lead", "cast");

const history = await api.GET("/actors/{id}/history", { params: { path: { id } } });
const entries = history.data?.history ?? [];
// Newest first: the booking (its cast entry and the actor's candidacy), the
// edit, the creation.
check(
  entries.some((c) => c.resource === "cast") &&
    entries.some((c) => c.resource === "candidate") &&
    entries[entries.length - 1]?.action === "created",
  "history",
);
const changes = await api.GET("/changes", { params: { query: { limit: 1000 } } });
check((changes.data?.changes.length ?? 0) > 0, "the change log");

const current = (await api.GET("/actors/{id}", { params: { path: { id } } })).response.headers.get("ETag");
check(current !== null, "the current ETag");
expectError(412, await api.DELETE("/actors/{id}", { params: { path: { id }, header: { "If-Match": version } } }));
const deleted = await api.DELETE("/actors/{id}", { params: { path: { id }, header: { "If-Match": current } } });
check(deleted.data?.deleted === id, "deleted");
expectError(404, await api.GET("/actors/{id}", { params: { path: { id } } }));

const deletion = (await api.GET("/actors/{id}/history", { params: { path: { id } } })).data?.history[0];
check(deletion !== undefined && deletion.action === "deleted", "the delete in the history");
const undone = await api.POST("/changes/{seq}/undo", { params: { path: { seq: deletion.seq } } });
check(undone.data?.undone === deletion.seq, "undone");
const back = await api.GET("/actors/{id}", { params: { path: { id } } });
check(back.data?.actor.name === `Ann ${tag}`, "the actor is back with its id");
expectError(409, await api.POST("/changes/{seq}/undo", { params: { path: { seq: deletion.seq } } }));

console.log("workflow.ts: logged in, listed, created, read, patched (412 when stale), cast, deleted, undone");
