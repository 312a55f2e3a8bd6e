//! The store: every read and write of the server's data, behind one
//! interface. `DATABASE_URL`'s scheme picks the backend at start-up
//! (PostgreSQL, or an embedded SQLite file); each backend holds its own SQL
//! and migrations. The handlers, auth and the command line use [`Store`]
//! alone; three modules outside this one name a backend, each for what only
//! that backend has: `startup` (SQLite's one-server-per-file lock), `feed`
//! (PostgreSQL's notifications of writes) and `replica_routing` (which
//! requests' reads the read replica may serve).
//!
//! The store is the server's lowest layer: it imports nothing of the server
//! outside `db/` (no HTTP, no metrics; `tests/api/layers.rs` checks it).

pub mod auditions;
pub mod casting;
pub mod changes;
mod common;
pub mod copy;
mod from_row;
pub mod lists;
pub mod location;
pub mod migrations;
mod names;
pub mod paging;
pub mod postgres;
mod rows;
pub mod schema_loss;
pub mod sqlite;
mod types;
pub mod undo;

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::casting::{
    ActorRole, Audition, AuditionChanges, Candidate, CandidateInput, NewAudition, NewRole, Role,
    RoleChanges, ScheduledAudition,
};
use casting_shared::changes::Change;
use casting_shared::domain::{ActorChanges, MovieChanges, NewActor, NewMovie};
use casting_shared::{Actor, Movie};

pub use casting::{Casting, Refusal};
pub use changes::{Author, HistoryOf};
use common::Shared;
pub use lists::{PageOf, RememberedTotals};
pub use location::{Location, StoreSettings};
pub use types::*;

use self::paging::{Position, Sort};

/// One of the backends; cheap to clone (pools inside).
#[derive(Clone)]
pub enum Store {
    Postgres(postgres::PgStore),
    Sqlite(sqlite::SqliteStore),
}

/// Calls the same method on whichever backend runs, and turns its
/// `sqlx::Error` into a [`DbError`] by that backend's own rules.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Postgres($store) => $call.await.map_err(|e| $store.classify(e)),
            Store::Sqlite($store) => $call.await.map_err(|e| $store.classify(e)),
        }
    };
}

impl Store {
    /// Opens (creating if missing) and migrates the store at `location`.
    pub async fn open(location: &Location, settings: &StoreSettings) -> anyhow::Result<Self> {
        if settings.read_url.is_some() && !matches!(location, Location::Postgres(_)) {
            anyhow::bail!(
                "DATABASE_READ_URL needs a PostgreSQL DATABASE_URL: {} is SQLite, which has no \
                 read replicas (unset DATABASE_READ_URL)",
                location.describe()
            );
        }
        Ok(match location {
            Location::Postgres(url) => {
                Store::Postgres(postgres::PgStore::open(url, settings).await?)
            }
            Location::SqliteFile(path) => {
                Store::Sqlite(sqlite::SqliteStore::open_file(path, settings).await?)
            }
            Location::SqliteMemory => {
                Store::Sqlite(sqlite::SqliteStore::open_memory(settings).await?)
            }
        })
    }

    /// The PostgreSQL read replica, if one is configured.
    pub fn replica(&self) -> Option<std::sync::Arc<postgres::replica::Replica>> {
        match self {
            Store::Postgres(store) => store.replica(),
            Store::Sqlite(_) => None,
        }
    }

    /// Reported when the store finds its tables gone (SQLite; a PostgreSQL
    /// database outlives the server's connections to it).
    pub fn schema_loss(&self) -> Option<schema_loss::SchemaLoss> {
        match self {
            Store::Postgres(_) => None,
            Store::Sqlite(store) => Some(store.schema_loss().clone()),
        }
    }

    /// Which backend this is, for logs and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "PostgreSQL",
            Store::Sqlite(_) => "SQLite",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Postgres(store) => store.close().await,
            Store::Sqlite(store) => store.close().await,
        }
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> DbResult<()> {
        match self {
            Store::Postgres(store) => store.ping().await,
            Store::Sqlite(store) => store.ping().await.map_err(|e| store.classify(e)),
        }
    }

    /// The connections the store holds, for the metrics.
    pub fn pool_stats(&self) -> PoolStats {
        match self {
            Store::Postgres(store) => store.pool_stats(),
            Store::Sqlite(store) => store.pool_stats(),
        }
    }

    /// How the store would run a list's statement, for the plan tests:
    /// PostgreSQL's `EXPLAIN (FORMAT JSON)`, or the details of SQLite's
    /// `EXPLAIN QUERY PLAN` as a JSON array of strings.
    pub async fn actors_plan(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.actors_plan(filter, sort, position))
    }

    /// Like [`Store::actors_plan`], for movies.
    pub async fn movies_plan(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.movies_plan(filter, sort, position))
    }

    // Actors.

    pub async fn list_actors(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<PageOf<Actor>> {
        dispatch!(self, s => s.list_actors(filter, sort, position))
    }

    pub async fn get_actor(&self, id: i64) -> DbResult<Option<Versioned<Actor>>> {
        dispatch!(self, s => s.get_actor(id))
    }

    pub async fn insert_actor(
        &self,
        actor: &NewActor,
        author: &Author,
    ) -> DbResult<Versioned<Actor>> {
        dispatch!(self, s => s.insert_actor(actor, author))
    }

    pub async fn update_actor(
        &self,
        id: i64,
        changes: &ActorChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Versioned<Actor>>> {
        dispatch!(self, s => s.update_actor(id, changes, expected_versions, author))
    }

    // Movies.

    pub async fn list_movies(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<PageOf<Movie>> {
        dispatch!(self, s => s.list_movies(filter, sort, position))
    }

    pub async fn get_movie(&self, id: i64) -> DbResult<Option<Versioned<Movie>>> {
        dispatch!(self, s => s.get_movie(id))
    }

    pub async fn insert_movie(
        &self,
        movie: &NewMovie,
        author: &Author,
    ) -> DbResult<Versioned<Movie>> {
        dispatch!(self, s => s.insert_movie(movie, author))
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Versioned<Movie>>> {
        dispatch!(self, s => s.update_movie(id, changes, expected_versions, author))
    }

    /// The version of a row of a versioned table, `None` when there is no
    /// such row: what a conditional read compares, without the row itself.
    pub async fn version_of(&self, table: Table, id: i64) -> DbResult<Option<i64>> {
        dispatch!(self, s => s.version_of(table, id))
    }

    /// The table's write stamp: it moves with every committed write to the
    /// table, the API's or one made straight in the database (by triggers).
    pub async fn write_stamp(&self, table: Table) -> DbResult<i64> {
        dispatch!(self, s => s.write_stamp(table))
    }

    /// Deletes a row of a versioned table (and, by the schema, its cast
    /// entries) unless it is at another version than expected.
    pub async fn delete_row(
        &self,
        table: Table,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_row(table, id, expected_versions, author))
    }

    // Cast.

    /// A movie's cast by actor name, then id; `None` when the movie does not exist.
    pub async fn movie_cast(&self, movie_id: i64) -> DbResult<Option<Vec<CastEntry>>> {
        dispatch!(self, s => s.movie_cast(movie_id))
    }

    /// An actor's movies by release date, then id; `None` when the actor does not exist.
    pub async fn actor_movies(&self, actor_id: i64) -> DbResult<Option<Vec<FilmographyEntry>>> {
        dispatch!(self, s => s.actor_movies(actor_id))
    }

    /// Books the actor in the movie as `character`: the role they are
    /// booked in is renamed, or a role is made with them booked; answers
    /// the character now stored.
    pub async fn assign_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        character: Option<&str>,
        author: &Author,
    ) -> DbResult<Result<Option<String>, Missing>> {
        // The character is the role's name: a refusal names the body's field.
        dispatch!(self, s => s.assign_cast(movie_id, actor_id, character, author)).map_err(|e| {
            match e {
                DbError::Invalid("name") => DbError::Invalid("character"),
                other => other,
            }
        })
    }

    /// Unbooks the actor: the role stays, open; their candidacy goes back to `offered`.
    pub async fn remove_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> DbResult<Result<(), Missing>> {
        dispatch!(self, s => s.remove_cast(movie_id, actor_id, author))
    }

    // Auditions.

    /// A page of the schedule, by start, then id.
    pub async fn list_auditions(
        &self,
        filter: &auditions::AuditionFilter,
        position: &Position,
    ) -> DbResult<PageOf<ScheduledAudition>> {
        dispatch!(self, s => s.list_auditions(filter, position))
    }

    /// The plan of the statement [`Store::list_auditions`] runs (see [`Store::actors_plan`]).
    pub async fn auditions_plan(
        &self,
        filter: &auditions::AuditionFilter,
        position: &Position,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.auditions_plan(filter, position))
    }

    /// The plan of the overlap check a write runs (see [`Store::actors_plan`]).
    pub async fn overlap_plan(
        &self,
        actor_id: i64,
        location: &str,
        starts_at: time::OffsetDateTime,
        ends_at: time::OffsetDateTime,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.overlap_plan(actor_id, location, starts_at, ends_at))
    }

    /// The first `limit` auditions of the filter, by start.
    pub async fn audition_calendar(
        &self,
        filter: &auditions::AuditionFilter,
        limit: u32,
    ) -> DbResult<Vec<ScheduledAudition>> {
        dispatch!(self, s => s.audition_calendar(filter, limit))
    }

    pub async fn get_audition(&self, id: i64) -> DbResult<Option<Versioned<Audition>>> {
        dispatch!(self, s => s.get_audition(id))
    }

    /// Schedules an audition unless it would overlap another of the actor's
    /// or at the same location; the actor becomes a candidate for the role
    /// at `auditioning` (a later stage is left as it is).
    pub async fn schedule_audition(
        &self,
        role_id: i64,
        new: &NewAudition,
        author: &Author,
    ) -> DbResult<auditions::Scheduling<Versioned<Audition>>> {
        dispatch!(self, s => s.schedule_audition(role_id, new, author))
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<auditions::Scheduling<Versioned<Audition>>> {
        dispatch!(self, s => s.update_audition(id, changes, expected_versions, author))
    }

    pub async fn delete_audition(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_audition(id, expected_versions, author))
    }

    // The casting pipeline: roles, candidates (`db/casting.rs`).

    /// A movie's roles in creation order; `None` when the movie does not exist.
    pub async fn movie_roles(&self, movie_id: i64) -> DbResult<Option<Vec<Role>>> {
        dispatch!(self, s => s.movie_roles(movie_id))
    }

    /// A role, its candidates and its auditions; `None` when it does not exist.
    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> DbResult<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        dispatch!(self, s => s.role_pipeline(id))
    }

    /// Every role the actor is a candidate for; `None` when the actor does not exist.
    pub async fn actor_roles(&self, actor_id: i64) -> DbResult<Option<Vec<ActorRole>>> {
        dispatch!(self, s => s.actor_roles(actor_id))
    }

    /// `None` when the movie does not exist.
    pub async fn create_role(
        &self,
        movie_id: i64,
        new: &NewRole,
        author: &Author,
    ) -> DbResult<Option<Versioned<Role>>> {
        dispatch!(self, s => s.create_role(movie_id, new, author))
    }

    pub async fn update_role(
        &self,
        id: i64,
        changes: &RoleChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Casting<Versioned<Role>>>> {
        dispatch!(self, s => s.update_role(id, changes, expected_versions, author))
    }

    /// Deletes a role with its candidacies and auditions.
    pub async fn delete_role(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_role(id, expected_versions, author))
    }

    /// Makes the actor a candidate for the role, or changes their stage or
    /// note; `booked` books the role, leaving `booked` unbooks it.
    pub async fn set_candidate(
        &self,
        role_id: i64,
        actor_id: i64,
        input: &CandidateInput,
        author: &Author,
    ) -> DbResult<Casting<(Candidate, Versioned<Role>)>> {
        dispatch!(self, s => s.set_candidate(role_id, actor_id, input, author))
    }

    /// Removes a candidate, their auditions for the role, and their booking.
    pub async fn remove_candidate(
        &self,
        role_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> DbResult<Casting<()>> {
        dispatch!(self, s => s.remove_candidate(role_id, actor_id, author))
    }

    // The change log (written by the stores' triggers with every write above).

    /// Up to `limit` changes after `after` of the given resources, oldest first.
    pub async fn changes_after(
        &self,
        after: i64,
        resources: &[&str],
        limit: i64,
    ) -> DbResult<Vec<Change>> {
        dispatch!(self, s => s.changes_after(after, resources, limit))
    }

    /// A record's changes, newest first; `None` when it never existed (and
    /// so has no change left).
    pub async fn history(&self, of: HistoryOf) -> DbResult<Option<Vec<Change>>> {
        dispatch!(self, s => s.history(of))
    }

    /// The change `seq` and the other changes of the write it belongs to.
    pub async fn change_write(&self, seq: i64) -> DbResult<undo::WriteLookup> {
        dispatch!(self, s => s.change_write(seq))
    }

    /// Undoes `write` as `author`: every record it touched put back as it
    /// was, in one transaction, or nothing (see `db::undo`).
    pub async fn undo(&self, write: &undo::Write, author: &Author) -> DbResult<undo::Undone> {
        dispatch!(self, s => s.undo(write, author))
    }

    /// `(pruned through, latest)`: resuming after a seq below the first is
    /// 410; the second is where a new follower starts.
    pub async fn change_bounds(&self) -> DbResult<(i64, i64)> {
        dispatch!(self, s => s.change_bounds())
    }

    /// Keeps the planner's statistics fresh where the database needs it done
    /// (SQLite; PostgreSQL's autovacuum does it by itself).
    pub async fn optimize(&self) -> DbResult<()> {
        match self {
            Store::Postgres(_) => Ok(()),
            Store::Sqlite(store) => store.optimize().await.map_err(|e| store.classify(e)),
        }
    }

    /// Removes the changes older than `keep`; answers how many.
    pub async fn prune_changes(&self, keep: std::time::Duration) -> DbResult<u64> {
        dispatch!(self, s => s.prune_changes(keep))
    }

    // Built-in users. A user is named by the key of its name (see
    // `identity/usernames.rs`), or, for a row whose key could not be
    // filled in, by its exact stored name: `key` and `exact` below.

    pub async fn find_user(&self, key: &str, exact: &str) -> DbResult<Option<User>> {
        dispatch!(self, s => Shared::find_user(s.reads(), key, exact))
    }

    pub async fn find_user_by_id(&self, id: i64) -> DbResult<Option<User>> {
        dispatch!(self, s => Shared::find_user_by_id(s.reads(), id))
    }

    /// Adds a user unless `conflict` refuses the name because of an
    /// existing one; adds are serialised, so two look-alikes racing cannot
    /// both get in.
    pub async fn add_user(
        &self,
        new: &NewUser<'_>,
        conflict: &(dyn Fn(&str) -> Option<UserConflict> + Sync),
    ) -> DbResult<Result<User, UserConflict>> {
        dispatch!(self, s => async { Shared::add_user(s.users_tx().await?, new, conflict).await })
    }

    /// Gives each user without a key the key `key_of` its name, oldest
    /// first, unless an older user has it; answers the names left without.
    pub async fn fill_missing_username_keys(
        &self,
        key_of: &(dyn Fn(&str) -> String + Sync),
    ) -> DbResult<Vec<String>> {
        dispatch!(self, s => async {
            Shared::fill_missing_username_keys(s.users_tx().await?, key_of).await
        })
    }

    /// Keys a batch of the rows written without their name keys (see
    /// `db/names.rs`); answers how many were keyed (0: none is left).
    pub async fn key_names(&self) -> DbResult<u64> {
        dispatch!(self, s => async {
            if !names::any_missing(s.reads()).await? {
                return Ok(0);
            }
            names::key_missing(s.names_tx().await?).await
        })
    }

    /// `(user id, token generation)` of every enabled user.
    pub async fn token_generations(&self) -> DbResult<Vec<(i64, i64)>> {
        dispatch!(self, s => Shared::token_generations(s.reads()))
    }

    /// Every user, by key.
    pub async fn list_users(&self) -> DbResult<Vec<User>> {
        dispatch!(self, s => Shared::list_users(s.reads()))
    }

    /// `true` when the user exists (and was changed).
    pub async fn change_user(
        &self,
        key: &str,
        exact: &str,
        change: UserChange<'_>,
    ) -> DbResult<bool> {
        dispatch!(self, s => async {
            Shared::change_user(s.write_tx().await?, key, exact, change).await
        })
    }

    pub async fn remove_user(&self, key: &str, exact: &str) -> DbResult<bool> {
        dispatch!(self, s => async { Shared::remove_user(s.write_tx().await?, key, exact).await })
    }

    // Signing keys, as stored (sealed or not: `identity/keys.rs` decides).

    /// The current key and the keys retired less than `retention` ago,
    /// none revoked, newest first.
    pub async fn signing_keys(&self, retention: std::time::Duration) -> DbResult<Vec<StoredKey>> {
        dispatch!(self, s => s.signing_keys(retention))
    }

    /// Every key's id and stored form, revoked ones too.
    pub async fn stored_signing_keys(&self) -> DbResult<Vec<(String, String)>> {
        dispatch!(self, s => s.stored_signing_keys())
    }

    /// Stores `stored` as the current key unless there is one already (several
    /// instances may try at once); `true` when it was stored.
    pub async fn add_first_signing_key(&self, kid: &str, stored: &str) -> DbResult<bool> {
        dispatch!(self, s => async { Shared::add_first_signing_key(s.keys_tx().await?, kid, stored).await })
    }

    /// Replaces the plain stored form `plain` of the key `kid` by `sealed`
    /// (unless another instance did first); if the key was signing, it is
    /// retired and `successor` (id, stored form) takes over, in the same
    /// transaction.
    pub async fn seal_signing_key(
        &self,
        kid: &str,
        plain: &str,
        sealed: &str,
        successor: (&str, &str),
    ) -> DbResult<SealOutcome> {
        dispatch!(self, s => async {
            Shared::seal_signing_key(s.keys_tx().await?, kid, plain, sealed, successor).await
        })
    }

    /// Overwrites what the store still holds of replaced key rows: SQLite's
    /// free pages and write-ahead log (`VACUUM` with `secure_delete`, then
    /// a truncating checkpoint), PostgreSQL's dead row versions (`VACUUM
    /// FULL signing_keys`). `false` when SQLite could not truncate its log
    /// (a reader held it).
    pub async fn scrub_signing_keys(&self) -> DbResult<bool> {
        dispatch!(self, s => s.scrub_signing_keys())
    }

    /// Retires the current key and makes `stored` the current one.
    pub async fn rotate_signing_key(&self, kid: &str, stored: &str) -> DbResult<()> {
        dispatch!(self, s => async { Shared::rotate_signing_key(s.keys_tx().await?, kid, stored).await })
    }

    /// Revokes the key `kid`; if it was signing, `new_kid` (stored as
    /// `new_stored`) takes over in the same transaction.
    pub async fn revoke_signing_key(
        &self,
        kid: &str,
        new_kid: &str,
        new_stored: &str,
    ) -> DbResult<RevokeOutcome> {
        dispatch!(self, s => async {
            Shared::revoke_signing_key(s.keys_tx().await?, kid, new_kid, new_stored).await
        })
    }

    pub async fn revoked_kids(&self) -> DbResult<Vec<String>> {
        dispatch!(self, s => s.revoked_kids())
    }

    /// Every key, newest first.
    pub async fn list_signing_keys(&self) -> DbResult<Vec<KeyInfo>> {
        dispatch!(self, s => s.list_signing_keys())
    }

    // Copies between stores, and the demo data.

    /// Every record, read in one consistent snapshot.
    pub async fn export(&self) -> DbResult<Dump> {
        dispatch!(self, s => s.export())
    }

    /// Writes `dump` into this store, which must be empty; ids, versions and
    /// the next ids to hand out are kept.
    pub async fn import(&self, dump: &Dump) -> DbResult<Result<(), NotEmpty>> {
        dispatch!(self, s => s.import(dump))
    }
}

/// The two tables whose rows carry a version; the delete path is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Actors,
    Movies,
}

impl Table {
    /// The table's name: one of this module's own names, never request text.
    pub fn name(self) -> &'static str {
        match self {
            Table::Actors => "actors",
            Table::Movies => "movies",
        }
    }
}

/// The connections a store holds, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolStats {
    /// The numbers of one pool.
    pub fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Self {
        let open = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(open).min(open);
        Self {
            open,
            idle,
            max: pool.options().get_max_connections(),
        }
    }
}

impl std::ops::Add for PoolStats {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            open: self.open + other.open,
            idle: self.idle + other.idle,
            max: self.max + other.max,
        }
    }
}

/// The tracing target under which the store reports how long a request
/// waited for a connection from a pool of its own (PostgreSQL's readers),
/// in the field `acquired_after_secs`, as sqlx's pool reports its own under
/// `sqlx::pool::acquire`. The metrics listen to both; the store knows
/// nothing of them.
pub const ACQUIRE_TARGET: &str = "casting_server::db::acquire";

/// `ORDER BY` for a list: the sort column (a text column's folded key),
/// then `id` in the same direction,
/// so pages never overlap. `sort.column` comes from a fixed list of columns;
/// `prefix` qualifies the columns (`p.`) or is empty.
pub(crate) fn order_by(sort: Sort, prefix: &str) -> String {
    let direction = sort.sql_direction();
    if sort.column == "id" {
        format!(" ORDER BY {prefix}id {direction}")
    } else {
        format!(
            " ORDER BY {prefix}{} {direction}, {prefix}id {direction}",
            sort.sql_column()
        )
    }
}
