//! The change log as both stores keep it: triggers write it (see
//! `migrations/*/0008_changes.sql`), the stores read it back as these rows.

use crate::db::DumpChange;
use casting_shared::changes::{Change, ChangeAction, ChangeAuthor, ChangeResource, ChangedRecord};

/// Who is writing: recorded with every change the write makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub subject: String,
    pub name: Option<String>,
}

impl Author {
    /// The author as the PostgreSQL triggers read it (`casting.by`).
    pub fn to_json(&self) -> String {
        serde_json::json!({"subject": self.subject, "name": self.name}).to_string()
    }
}

/// Which changes a caller may see: actors with `get:actors`; movies,
/// casts, roles, candidates and auditions with `get:movies`.
pub fn visible_resources(actors: bool, movies: bool) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if actors {
        kinds.push(ChangeResource::Actor.as_str());
    }
    if movies {
        kinds.extend([
            ChangeResource::Movie.as_str(),
            ChangeResource::Cast.as_str(),
            ChangeResource::Role.as_str(),
            ChangeResource::Candidate.as_str(),
            ChangeResource::Audition.as_str(),
        ]);
    }
    kinds
}

/// A record whose history is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOf {
    Actor(i64),
    Movie(i64),
}

/// One row of the `changes` table, as both stores select it (the same row
/// `copy` carries: `at` already formatted, `before`/`after` as JSON text).
impl DumpChange {
    /// The change as the API gives it; an error names a row the triggers
    /// could not have written (edited by hand).
    pub fn into_change(self) -> Result<Change, sqlx::Error> {
        let bad = |what: &str| {
            sqlx::Error::Decode(format!("change {} has an unreadable {what}", self.seq).into())
        };
        let record = |text: &Option<String>, what: &str| -> Result<Option<ChangedRecord>, _> {
            text.as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| bad(what))
        };
        Ok(Change {
            seq: self.seq,
            at: self.at.clone(),
            by: ChangeAuthor {
                subject: self.subject.clone(),
                name: self.by_name.clone(),
            },
            action: ChangeAction::parse(&self.action).ok_or_else(|| bad("action"))?,
            resource: ChangeResource::parse(&self.resource).ok_or_else(|| bad("resource"))?,
            id: self.record_id,
            before: record(&self.before, "before")?,
            after: record(&self.after, "after")?,
        })
    }
}

/// Rows into changes, oldest or newest first as selected.
pub fn into_changes(rows: Vec<DumpChange>) -> Result<Vec<Change>, sqlx::Error> {
    rows.into_iter().map(DumpChange::into_change).collect()
}
