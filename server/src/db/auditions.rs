//! Auditions in the store's terms, the same for both backends: the
//! schedule's filter, what a write found (a missing parent, a newer
//! version, an overlap), the rows as selected, and the statements both
//! backends write alike. Each backend binds a moment its own way
//! ([`Moments`]: PostgreSQL `timestamptz`, SQLite unix seconds).
//!
//! Two auditions overlap when their half-open intervals do: `a.starts_at <
//! b.ends_at AND b.starts_at < a.ends_at`. No audition is longer than
//! 12 hours (a check of the table), so those that may overlap `[start,
//! end)` start after `start - 12 h` and before `end`: a range of the
//! `(actor_id, starts_at)` and `(location_key, starts_at)` indexes, never a
//! scan, however many auditions there are.

use casting_shared::casting::{
    ActorRef, Audition, MovieRef, NewAudition, RoleRef, ScheduledAudition, location_key,
};
use casting_shared::domain::FieldErrors;
use sqlx::{Database, Encode, FromRow, Postgres, QueryBuilder, Sqlite, Type};
use time::{Duration, OffsetDateTime};

use super::Versioned;
use super::from_row::from_row;

pub mod writes;
use super::lists::Keyed;
use super::paging::{KeyKind, Sort, SortValue};

/// The longest an audition may last (the table checks it too).
pub const LONGEST: Duration = Duration::hours(12);

/// The schedule's one order: by start, then id.
pub const BY_START: Sort = Sort {
    column: "starts_at",
    kind: Some(KeyKind::Time),
    descending: false,
};

/// How many auditions a calendar (`GET /auditions.ics`) holds at most: the
/// first by start.
pub const CALENDAR_MAX: u32 = 10_000;

/// The schedule's filters; each given one narrows it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AuditionFilter {
    /// Auditions that end after this moment.
    pub from: Option<OffsetDateTime>,
    /// Auditions that start before this moment.
    pub to: Option<OffsetDateTime>,
    pub actor_id: Option<i64>,
    pub movie_id: Option<i64>,
    pub role_id: Option<i64>,
    /// A location's key (trimmed, lower case), compared whole.
    pub location_key: Option<String>,
}

impl AuditionFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether only a time window is given (read in the order of start).
    pub fn is_window(&self) -> bool {
        (self.from.is_some() || self.to.is_some())
            && Self {
                from: None,
                to: None,
                ..self.clone()
            }
            .is_empty()
    }
}

/// What an audition write (schedule, change, delete) found.
#[derive(Debug)]
pub enum Scheduling<T> {
    Done(T),
    /// The role, the actor or the audition is not there.
    Missing(AuditionMissing),
    /// The audition exists at another version than the one expected.
    Changed,
    /// The audition's fields once changed are not valid (its interval).
    Invalid(FieldErrors),
    /// The auditions it would overlap (the actor's, or at the location).
    Overlaps(Vec<Audition>),
}

impl<T> Scheduling<T> {
    /// Whether the write is done: its transaction is committed, else rolled back.
    pub fn is_done(&self) -> bool {
        matches!(self, Scheduling::Done(_))
    }
}

/// What an audition write did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditionMissing {
    Role,
    Actor,
    RoleAndActor,
    Audition,
}

impl AuditionMissing {
    pub fn from_found(role: bool, actor: bool) -> Option<Self> {
        match (role, actor) {
            (true, true) => None,
            (false, false) => Some(Self::RoleAndActor),
            (false, true) => Some(Self::Role),
            (true, false) => Some(Self::Actor),
        }
    }
}

/// How a backend binds a moment, and writes the current time.
pub trait Moments: Database {
    type Moment: for<'t> Encode<'t, Self> + Type<Self> + Send;
    /// The current time as a candidate's `updated_at` stores it.
    const NOW: &'static str;
    fn moment(at: OffsetDateTime) -> Self::Moment;
}

impl Moments for Postgres {
    type Moment = OffsetDateTime;
    const NOW: &'static str = "now()";
    fn moment(at: OffsetDateTime) -> OffsetDateTime {
        at
    }
}

impl Moments for Sqlite {
    type Moment = i64;
    /// RFC 3339 text in UTC, with milliseconds.
    const NOW: &'static str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    fn moment(at: OffsetDateTime) -> i64 {
        at.unix_timestamp()
    }
}

/// An audition's columns, as [`AuditionRow`] reads them.
pub const AUDITION_COLUMNS: &str =
    "id, role_id, actor_id, starts_at, ends_at, location, note, version";

/// A scheduled audition's own columns (its version too, read as
/// [`AuditionRow`] reads them); its names come from [`NAMES`].
pub const SCHEDULED_COLUMNS: &str = AUDITION_COLUMNS;

/// What names a page of the schedule, joined to its rows `p` once the page
/// is cut (so only its own rows are looked up, by key): the columns added
/// and the joins (left joins: an empty page is one row of nulls). The
/// actor's name is a subquery by key: joined, PostgreSQL hashed the whole
/// actors table for a page's ten names (docs/src/performance.md).
pub const NAMES: (&str, &str) = (
    ", r.name AS role_name, r.movie_id, m.title AS movie_title, \
     (SELECT a.name FROM actors a WHERE a.id = p.actor_id) AS actor_name",
    " LEFT JOIN roles r ON r.id = p.role_id LEFT JOIN movies m ON m.id = r.movie_id",
);

/// What a page statement of `table` joins to its rows (see [`NAMES`]):
/// nothing but for the schedule.
pub fn page_names(table: &str) -> (&'static str, &'static str) {
    if table == "auditions" {
        NAMES
    } else {
        ("", "")
    }
}

/// Whether a filtered page of `table` is a statement planned once per
/// connection: the schedule's filters are ranges and keys of its own
/// indexes, whose plan does not depend on the values (a list of actors
/// filtered by a rare name or by half the table is planned with its values).
pub fn planned_once(table: &str) -> bool {
    table == "auditions"
}

/// The first `limit` of the schedule's rows the filter keeps, by start,
/// with their names (a calendar). `truth` is the dialect's `true`.
pub fn calendar_query<DB>(truth: &str, filter: &AuditionFilter, limit: u32) -> QueryBuilder<DB>
where
    DB: Moments,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
    String: for<'t> Encode<'t, DB> + Type<DB>,
{
    let (names, joins) = NAMES;
    let mut sql = QueryBuilder::new(format!(
        "SELECT p.*{names} FROM (SELECT {SCHEDULED_COLUMNS} FROM auditions WHERE {truth}"
    ));
    push_filter(&mut sql, filter);
    sql.push(format!(
        " ORDER BY starts_at, id LIMIT {limit}) p{joins} ORDER BY p.starts_at, p.id"
    ));
    sql
}

from_row! {
    pub struct AuditionRow {
        id: i64,
        role_id: i64,
        actor_id: i64,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
        location: String,
        note: Option<String>,
        version: i64,
    }
}

impl From<AuditionRow> for Versioned<Audition> {
    fn from(row: AuditionRow) -> Self {
        Versioned {
            version: row.version,
            value: Audition {
                id: row.id,
                role_id: row.role_id,
                actor_id: row.actor_id,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                location: row.location,
                note: row.note,
            },
        }
    }
}

impl From<AuditionRow> for Audition {
    fn from(row: AuditionRow) -> Self {
        Versioned::from(row).value
    }
}

from_row! {
    /// What names a scheduled audition (the columns [`NAMES`] adds).
    pub struct NamesRow {
        role_name: Option<String>,
        movie_id: i64,
        movie_title: String,
        actor_name: String,
    }
}

/// A scheduled audition as selected: its own columns, then its names.
pub struct ScheduledRow {
    audition: AuditionRow,
    names: NamesRow,
}

impl<'r, R: sqlx::Row> FromRow<'r, R> for ScheduledRow
where
    AuditionRow: FromRow<'r, R>,
    NamesRow: FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(ScheduledRow {
            audition: AuditionRow::from_row(row)?,
            names: NamesRow::from_row(row)?,
        })
    }
}

impl From<ScheduledRow> for ScheduledAudition {
    fn from(ScheduledRow { audition, names }: ScheduledRow) -> Self {
        let audition = Audition::from(audition);
        ScheduledAudition {
            role: RoleRef {
                id: audition.role_id,
                name: names.role_name,
            },
            movie: MovieRef {
                id: names.movie_id,
                title: names.movie_title,
            },
            actor: ActorRef {
                id: audition.actor_id,
                name: names.actor_name,
            },
            audition,
        }
    }
}

impl Keyed for ScheduledAudition {
    fn id(&self) -> i64 {
        self.audition.id
    }

    fn sort_value(&self, column: &str) -> Option<SortValue> {
        (column == "starts_at").then_some(SortValue::Time(self.audition.starts_at))
    }
}

/// The filter as ` AND …` conditions. A window bounds `starts_at` on both
/// sides (an audition ending after `from` started less than 12 hours
/// before it), so it is a range of the `(starts_at, id)` index.
pub fn push_filter<DB>(sql: &mut QueryBuilder<DB>, filter: &AuditionFilter)
where
    DB: Moments,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
    String: for<'t> Encode<'t, DB> + Type<DB>,
{
    if let Some(from) = filter.from {
        sql.push(" AND starts_at > ")
            .push_bind(DB::moment(from - LONGEST))
            .push(" AND ends_at > ")
            .push_bind(DB::moment(from));
    }
    if let Some(to) = filter.to {
        sql.push(" AND starts_at < ").push_bind(DB::moment(to));
    }
    if let Some(actor_id) = filter.actor_id {
        sql.push(" AND actor_id = ").push_bind(actor_id);
    }
    if let Some(role_id) = filter.role_id {
        sql.push(" AND role_id = ").push_bind(role_id);
    }
    if let Some(movie_id) = filter.movie_id {
        sql.push(" AND role_id IN (SELECT id FROM roles WHERE movie_id = ")
            .push_bind(movie_id)
            .push(")");
    }
    if let Some(key) = &filter.location_key {
        sql.push(" AND location_key = ").push_bind(key.clone());
    }
}

/// Whose and where an audition is, and when: what the overlap check
/// compares, for a new audition or one as changed.
pub struct Slot<'a> {
    pub actor_id: i64,
    pub location: &'a str,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
}

impl<'a> From<&'a NewAudition> for Slot<'a> {
    fn from(new: &'a NewAudition) -> Self {
        Slot {
            actor_id: new.actor_id,
            location: &new.location,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
        }
    }
}

impl<'a> From<&'a Audition> for Slot<'a> {
    fn from(audition: &'a Audition) -> Self {
        Slot {
            actor_id: audition.actor_id,
            location: &audition.location,
            starts_at: audition.starts_at,
            ends_at: audition.ends_at,
        }
    }
}

/// The auditions other than `except` that overlap the slot's interval and
/// are the actor's or at the location (by key), by start: each half a
/// range of its own index. `prefix` goes before it (`EXPLAIN …`).
pub fn overlapping<DB>(prefix: &str, slot: &Slot<'_>, except: Option<i64>) -> QueryBuilder<DB>
where
    DB: Moments,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
    String: for<'t> Encode<'t, DB> + Type<DB>,
{
    let mut sql = QueryBuilder::new(prefix);
    for (column, half) in [("actor_id", 0), ("location_key", 1)] {
        if half == 1 {
            sql.push(" UNION ");
        }
        sql.push(format!(
            "SELECT {AUDITION_COLUMNS} FROM auditions WHERE {column} = "
        ));
        if half == 0 {
            sql.push_bind(slot.actor_id);
        } else {
            sql.push_bind(location_key(slot.location));
        }
        sql.push(" AND starts_at > ")
            .push_bind(DB::moment(slot.starts_at - LONGEST))
            .push(" AND starts_at < ")
            .push_bind(DB::moment(slot.ends_at))
            .push(" AND ends_at > ")
            .push_bind(DB::moment(slot.starts_at))
            .push(" AND id <> ")
            .push_bind(except.unwrap_or(0));
    }
    sql.push(" ORDER BY starts_at, id");
    sql
}
