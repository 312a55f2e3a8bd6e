//! Undo of a change (`POST /changes/{seq}/undo`) in the store's terms, the
//! same for both backends: which write a change belongs to (migration
//! 0013's `write_id`), what undoing that write takes (each record it touched
//! put back as it was before the write), and the statements that do it,
//! written once for both dialects.
//!
//! An undo reverts the whole write the change belongs to: a deleted actor
//! comes back with the roles, candidacies and auditions its delete removed
//! or changed, a booking's role with its candidate. Cast changes are not
//! replayed: a cast entry is a booked role, and the role's own change puts
//! it back (the triggers record the cast change again). A change recorded
//! before migration 0013 has no write: it is undone alone.

use casting_shared::Permission;
use casting_shared::casting::Audition;
use serde_json::Value;
use sqlx::error::ErrorKind;

use super::from_row::from_row;

from_row! {
    /// One change of a write, as the undo reads it (`before`/`after` JSON text).
    #[derive(Debug, Clone)]
    pub struct WriteChange {
        pub seq: i64,
        pub write_id: Option<i64>,
        pub action: String,
        pub resource: String,
        pub record_id: i64,
        pub actor_id: Option<i64>,
        pub before: Option<String>,
        pub after: Option<String>,
    }
}

/// A change's columns, as [`WriteChange`] reads them (`$json` casts JSON to text).
pub fn write_change_columns(json_as_text: &str) -> String {
    format!(
        "seq, write_id, action, resource, record_id, actor_id, \
         before{json_as_text} AS before, after{json_as_text} AS after"
    )
}

/// What looking up the change to undo found.
#[derive(Debug)]
pub enum WriteLookup {
    Found(Write),
    /// No change has this `seq`, nor ever had.
    NotFound,
    /// The change was pruned.
    Gone,
}

/// The write a change belongs to: its changes, oldest first.
#[derive(Debug, Clone)]
pub struct Write {
    /// The change asked for.
    pub seq: i64,
    pub changes: Vec<WriteChange>,
}

/// What an undo did.
#[derive(Debug)]
pub enum Undone {
    /// The changes the undo made, oldest first (the JSON rows as stored).
    Done(Vec<super::DumpChange>),
    /// A record changed since, or the undo would break a casting rule.
    Conflict(String),
    /// A restored audition would overlap these.
    Overlaps(Vec<Audition>),
}

impl Write {
    /// The highest `seq` of the write: a change to one of its records after
    /// it means the record changed since.
    pub fn last_seq(&self) -> i64 {
        self.changes.iter().map(|c| c.seq).max().unwrap_or(self.seq)
    }

    /// The permissions the write needed: its actor and movie changes' own
    /// (`post:`, `patch:`, `delete:` as per action); a write of roles,
    /// candidates, auditions or cast entries alone needed `patch:movies`.
    pub fn permissions(&self) -> Vec<Permission> {
        let mut needed = Vec::new();
        for change in &self.changes {
            let permission = match (change.resource.as_str(), change.action.as_str()) {
                ("actor", "created") => Permission::PostActors,
                ("actor", "updated") => Permission::PatchActors,
                ("actor", _) => Permission::DeleteActors,
                ("movie", "created") => Permission::PostMovies,
                ("movie", "updated") => Permission::PatchMovies,
                ("movie", _) => Permission::DeleteMovies,
                _ => continue,
            };
            if !needed.contains(&permission) {
                needed.push(permission);
            }
        }
        if needed.is_empty() {
            needed.push(Permission::PatchMovies);
        }
        needed
    }

    /// Each record the write touched: as it was before the write and as the
    /// write left it. Cast changes are left out (see the module's note).
    pub fn reverts(&self) -> Result<Vec<Revert>, String> {
        let mut reverts: Vec<Revert> = Vec::new();
        for change in &self.changes {
            let Some(record) = Record::of(change) else {
                continue;
            };
            let json = |text: &Option<String>| -> Result<Option<Value>, String> {
                text.as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|_| format!("change {} is unreadable", change.seq))
            };
            let (before, after) = (json(&change.before)?, json(&change.after)?);
            match reverts.iter_mut().find(|r| r.record == record) {
                Some(revert) => revert.after = after,
                None => reverts.push(Revert {
                    record,
                    before,
                    after,
                }),
            }
        }
        Ok(reverts)
    }
}

/// A record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Actor(i64),
    Movie(i64),
    Role(i64),
    Candidate { role_id: i64, actor_id: i64 },
    Audition(i64),
}

/// How a column's value is written in a change's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    /// `YYYY-MM-DD` (a movie's release date).
    Date,
    /// RFC 3339 UTC, whole seconds (an audition's times).
    Time,
}

impl Record {
    fn of(change: &WriteChange) -> Option<Self> {
        Some(match change.resource.as_str() {
            "actor" => Record::Actor(change.record_id),
            "movie" => Record::Movie(change.record_id),
            "role" => Record::Role(change.record_id),
            "candidate" => Record::Candidate {
                role_id: change.record_id,
                actor_id: change.actor_id?,
            },
            "audition" => Record::Audition(change.record_id),
            _ => return None,
        })
    }

    /// Parents before children: the order records come back in.
    fn rank(self) -> u8 {
        match self {
            Record::Actor(_) => 0,
            Record::Movie(_) => 1,
            Record::Role(_) => 2,
            Record::Candidate { .. } => 3,
            Record::Audition(_) => 4,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Record::Actor(_) => "actors",
            Record::Movie(_) => "movies",
            Record::Role(_) => "roles",
            Record::Candidate { .. } => "candidates",
            Record::Audition(_) => "auditions",
        }
    }

    /// The resource as the change log names it.
    pub fn resource(self) -> &'static str {
        match self {
            Record::Actor(_) => "actor",
            Record::Movie(_) => "movie",
            Record::Role(_) => "role",
            Record::Candidate { .. } => "candidate",
            Record::Audition(_) => "audition",
        }
    }

    /// The record for people: `actor 5`, `candidate 3 (actor 7)`.
    pub fn describe(self) -> String {
        match self {
            Record::Actor(id) | Record::Movie(id) | Record::Role(id) | Record::Audition(id) => {
                format!("{} {id}", self.resource())
            }
            Record::Candidate { role_id, actor_id } => {
                format!("the candidacy of actor {actor_id} for role {role_id}")
            }
        }
    }

    /// The columns of its change JSON (as the triggers of 0009 write them).
    fn columns(self) -> &'static [(&'static str, Kind)] {
        use Kind::*;
        match self {
            Record::Actor(_) => &[("id", Int), ("name", Text), ("age", Int), ("gender", Text)],
            Record::Movie(_) => &[("id", Int), ("title", Text), ("release_date", Date)],
            Record::Role(_) => &[
                ("id", Int),
                ("movie_id", Int),
                ("name", Text),
                ("description", Text),
                ("age_min", Int),
                ("age_max", Int),
                ("gender", Text),
                ("actor_id", Int),
            ],
            Record::Candidate { .. } => &[
                ("role_id", Int),
                ("actor_id", Int),
                ("stage", Text),
                ("note", Text),
            ],
            Record::Audition(_) => &[
                ("id", Int),
                ("role_id", Int),
                ("actor_id", Int),
                ("starts_at", Time),
                ("ends_at", Time),
                ("location", Text),
                ("note", Text),
            ],
        }
    }

    /// The row's key as a condition, and its values.
    fn key(self) -> (&'static str, Vec<Bind>) {
        match self {
            Record::Candidate { role_id, actor_id } => (
                "role_id = ? AND actor_id = ?",
                vec![Bind::Int(Some(role_id)), Bind::Int(Some(actor_id))],
            ),
            Record::Actor(id) | Record::Movie(id) | Record::Role(id) | Record::Audition(id) => {
                ("id = ?", vec![Bind::Int(Some(id))])
            }
        }
    }

    /// An id assigned by the server (PostgreSQL's identity columns).
    fn has_identity(self) -> bool {
        !matches!(self, Record::Candidate { .. })
    }

    fn has_version(self) -> bool {
        !matches!(self, Record::Candidate { .. })
    }

    fn has_updated_at(self) -> bool {
        matches!(
            self,
            Record::Actor(_) | Record::Movie(_) | Record::Candidate { .. }
        )
    }
}

/// A record as it was before the write (`None`: the write created it) and
/// as the write left it (`None`: the write deleted it).
#[derive(Debug, Clone)]
pub struct Revert {
    pub record: Record,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A value to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Int(Option<i64>),
    Text(Option<String>),
}

/// The SQL of one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

/// One statement and its values.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl Dialect {
    /// `?` placeholders as the backend numbers them.
    fn finish(self, sql: String, binds: Vec<Bind>) -> Statement {
        let sql = match self {
            Dialect::Sqlite => sql,
            Dialect::Postgres => {
                let mut numbered = String::with_capacity(sql.len() + 8);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        numbered.push_str(&format!("${n}"));
                    } else {
                        numbered.push(c);
                    }
                }
                numbered
            }
        };
        Statement { sql, binds }
    }

    /// A column as its change JSON holds it.
    fn json_value(self, column: &str, kind: Kind) -> String {
        match (self, kind) {
            (Dialect::Postgres, Kind::Time) => format!("utc_text({column})"),
            (Dialect::Sqlite, Kind::Time) => {
                format!("strftime('%Y-%m-%dT%H:%M:%SZ', {column}, 'unixepoch')")
            }
            _ => column.to_owned(),
        }
    }

    /// A placeholder for a value in its change JSON's form.
    fn placeholder(self, kind: Kind) -> &'static str {
        match (self, kind) {
            (Dialect::Postgres, Kind::Date) => "?::date",
            (Dialect::Postgres, Kind::Time) => "?::timestamptz",
            (Dialect::Sqlite, Kind::Time) => "CAST(strftime('%s', ?) AS INTEGER)",
            _ => "?",
        }
    }

    fn now(self) -> &'static str {
        match self {
            Dialect::Postgres => "now()",
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        }
    }

    /// The record's row as its change JSON (text), locked where the backend
    /// can; no row when it is gone.
    pub fn current(self, record: Record) -> Statement {
        let fields: Vec<String> = record
            .columns()
            .iter()
            .map(|&(name, kind)| format!("'{name}', {}", self.json_value(name, kind)))
            .collect();
        let (key, binds) = record.key();
        let sql = match self {
            Dialect::Postgres => format!(
                "SELECT jsonb_build_object({})::text FROM {} WHERE {key} FOR UPDATE",
                fields.join(", "),
                record.table()
            ),
            Dialect::Sqlite => format!(
                "SELECT json_object({}) FROM {} WHERE {key}",
                fields.join(", "),
                record.table()
            ),
        };
        self.finish(sql, binds)
    }

    /// A change to the record after `seq` (its `seq`), if any.
    pub fn later_change(self, record: Record, seq: i64) -> Statement {
        let (sql, mut binds) = match record {
            Record::Candidate { role_id, actor_id } => (
                "SELECT seq FROM changes WHERE resource = 'candidate' AND record_id = ? \
                 AND actor_id = ? AND seq > ? ORDER BY seq LIMIT 1"
                    .to_owned(),
                vec![Bind::Int(Some(role_id)), Bind::Int(Some(actor_id))],
            ),
            Record::Actor(id) | Record::Movie(id) | Record::Role(id) | Record::Audition(id) => (
                format!(
                    "SELECT seq FROM changes WHERE resource = '{}' AND record_id = ? \
                     AND seq > ? ORDER BY seq LIMIT 1",
                    record.resource()
                ),
                vec![Bind::Int(Some(id))],
            ),
        };
        binds.push(Bind::Int(Some(seq)));
        self.finish(sql, binds)
    }

    /// The statement that puts the record back as `revert.before` says.
    pub fn restore(self, revert: &Revert) -> Statement {
        let record = revert.record;
        let (key, key_binds) = record.key();
        let Some(before) = &revert.before else {
            return self.finish(
                format!("DELETE FROM {} WHERE {key}", record.table()),
                key_binds,
            );
        };
        let mut columns: Vec<&str> = Vec::new();
        let mut placeholders: Vec<String> = Vec::new();
        let mut binds = Vec::new();
        for &(name, kind) in record.columns() {
            columns.push(name);
            placeholders.push(self.placeholder(kind).to_owned());
            binds.push(match kind {
                Kind::Int => Bind::Int(before.get(name).and_then(Value::as_i64)),
                _ => Bind::Text(before.get(name).and_then(Value::as_str).map(str::to_owned)),
            });
        }
        // A name, title or gender is put back with its folded key (0014).
        let keyed: &[(&str, &str)] = match record {
            Record::Actor(_) => &[("name", "name_key"), ("gender", "gender_key")],
            Record::Movie(_) => &[("title", "title_key")],
            _ => &[],
        };
        for &(column, key) in keyed {
            columns.push(key);
            placeholders.push("?".to_owned());
            binds.push(Bind::Text(
                before
                    .get(column)
                    .and_then(Value::as_str)
                    .map(casting_shared::names::fold),
            ));
        }
        if let Record::Audition(_) = record {
            columns.push("location_key");
            placeholders.push("?".to_owned());
            binds.push(Bind::Text(
                before
                    .get("location")
                    .and_then(Value::as_str)
                    .map(casting_shared::casting::location_key),
            ));
        }
        if revert.after.is_none() {
            let overriding = if self == Dialect::Postgres && record.has_identity() {
                " OVERRIDING SYSTEM VALUE"
            } else {
                ""
            };
            let sql = format!(
                "INSERT INTO {} ({}){overriding} VALUES ({})",
                record.table(),
                columns.join(", "),
                placeholders.join(", ")
            );
            return self.finish(sql, binds);
        }
        // The key stays (PostgreSQL refuses to set an identity column).
        let key_columns: &[&str] = match record {
            Record::Candidate { .. } => &["role_id", "actor_id"],
            _ => &["id"],
        };
        let mut sets = Vec::new();
        let mut set_binds = Vec::new();
        for ((column, placeholder), bind) in columns.iter().zip(&placeholders).zip(binds) {
            if !key_columns.contains(column) {
                sets.push(format!("{column} = {placeholder}"));
                set_binds.push(bind);
            }
        }
        let mut binds = set_binds;
        if record.has_version() {
            sets.push("version = version + 1".to_owned());
        }
        if record.has_updated_at() {
            sets.push(format!("updated_at = {}", self.now()));
        }
        binds.extend(key_binds);
        let sql = format!(
            "UPDATE {} SET {} WHERE {key}",
            record.table(),
            sets.join(", ")
        );
        self.finish(sql, binds)
    }
}

/// The order the records go back in: first those the write created are
/// deleted (children first), then those it deleted come back (parents
/// first), then those it changed are changed back, releasing a role's
/// booking before another role takes the actor back.
pub fn in_order(mut reverts: Vec<Revert>) -> Vec<Revert> {
    let phase = |r: &Revert| match (&r.before, &r.after) {
        (None, _) => (0, 4 - r.record.rank()),
        (Some(_), None) => (1, r.record.rank()),
        (Some(before), Some(_)) => (
            2,
            u8::from(!before.get("actor_id").is_none_or(Value::is_null)),
        ),
    };
    reverts.sort_by_key(phase);
    reverts
}

/// The sentence of a 409 for a record changed since the write.
pub fn changed_since(record: Record, seq: i64) -> String {
    format!(
        "{} has changed since change {seq}: undo the later changes first",
        record.describe()
    )
}

/// The audition a restore brings back or moves back, to check for overlaps
/// first (SQLite has no exclusion constraint; PostgreSQL's would only say
/// that one exists, not which).
pub fn restored_audition(revert: &Revert) -> Option<Audition> {
    match (revert.record, &revert.before) {
        (Record::Audition(_), Some(before)) => serde_json::from_value(before.clone()).ok(),
        _ => None,
    }
}

/// A rule of the tables a restore broke, as the sentence of a 409; `None`
/// for any other failure.
pub fn rule_broken(error: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if db.code().as_deref() == Some("23P01") {
        return Some(
            "an audition it brings back would overlap another of the actor's or at its location"
                .into(),
        );
    }
    Some(match db.kind() {
        ErrorKind::UniqueViolation => {
            "it would book an actor twice in one movie, or bring back a record whose key is taken"
                .into()
        }
        ErrorKind::ForeignKeyViolation => {
            "a record it would bring back refers to one that is gone: undo that one's delete first"
                .into()
        }
        ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
            "a record as it was breaks a rule of its table".into()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_numbers_its_placeholders() {
        let statement = Dialect::Postgres.later_change(
            Record::Candidate {
                role_id: 1,
                actor_id: 2,
            },
            3,
        );
        assert!(
            statement
                .sql
                .contains("record_id = $1 AND actor_id = $2 AND seq > $3")
        );
        assert_eq!(statement.binds.len(), 3);
    }

    #[test]
    fn a_deleted_audition_comes_back_with_its_location_key() {
        let revert = Revert {
            record: Record::Audition(4),
            before: Some(serde_json::json!({"id": 4, "role_id": 1, "actor_id": 2,
                "starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T11:00:00Z",
                "location": " Studio A ", "note": null})),
            after: None,
        };
        let statement = Dialect::Sqlite.restore(&revert);
        assert!(statement.sql.starts_with("INSERT INTO auditions"));
        assert_eq!(
            statement.binds.last(),
            Some(&Bind::Text(Some("studio a".into())))
        );
    }
}
