//! The audition writes' statements, written once for both stores over the
//! database `DB` ([`Moments`]: how it binds a moment, its current time). Each backend opens the transaction and keeps what it
//! does differently: PostgreSQL lets its exclusion constraints refuse an
//! overlap and locks rows, SQLite checks for overlaps under its one writer.

use std::marker::PhantomData;

use casting_shared::casting::{Audition, AuditionChanges, NewAudition, location_key};
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};

use super::{
    AUDITION_COLUMNS, AuditionMissing, AuditionRow, Moments, Scheduling, Slot, overlapping,
};
use crate::db::{Outcome, Versioned};

/// The audition statements on the database `DB`, each on the connection of
/// the caller's transaction.
pub struct AuditionWrites<DB>(PhantomData<DB>);

impl<DB> AuditionWrites<DB>
where
    DB: Moments,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    String: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
    (bool, bool): for<'r> FromRow<'r, DB::Row>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    AuditionRow: for<'r> FromRow<'r, DB::Row>,
{
    /// The audition, with `lock` (a row lock, or nothing) after the statement.
    pub async fn get(
        c: &mut DB::Connection,
        id: i64,
        lock: &str,
    ) -> sqlx::Result<Option<Versioned<Audition>>> {
        let sql = format!("SELECT {AUDITION_COLUMNS} FROM auditions WHERE id = $1{lock}");
        let row: Option<AuditionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?;
        Ok(row.map(Into::into))
    }

    /// Whether the role and the actor exist (`lock` after each, to keep
    /// them until the commit): what is missing, if anything.
    async fn missing(
        c: &mut DB::Connection,
        role_id: i64,
        actor_id: i64,
        lock: &str,
    ) -> sqlx::Result<Option<AuditionMissing>> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM roles WHERE id = $1{lock}), \
                    EXISTS (SELECT 1 FROM actors WHERE id = $2{lock})"
        );
        let (role, actor): (bool, bool) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(role_id)
            .bind(actor_id)
            .fetch_one(c)
            .await?;
        Ok(AuditionMissing::from_found(role, actor))
    }

    /// Schedules the audition: `Missing` when the role or the actor is
    /// (`lock` after each look-up keeps them), else, when `check_overlaps`
    /// (SQLite: PostgreSQL's exclusion constraints refuse an overlap
    /// themselves), `Overlaps` when it would, else it is written.
    pub async fn schedule(
        c: &mut DB::Connection,
        role_id: i64,
        new: &NewAudition,
        lock: &str,
        check_overlaps: bool,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        if let Some(missing) = Self::missing(&mut *c, role_id, new.actor_id, lock).await? {
            return Ok(Scheduling::Missing(missing));
        }
        if check_overlaps
            && let Some(refused) = Self::refuse_overlaps(&mut *c, new.into(), None).await?
        {
            return Ok(refused);
        }
        Self::insert(c, role_id, new).await
    }

    /// Changes the audition (`lock` keeps it for the decision): `Missing`,
    /// `Changed` or `Invalid` when it is so, else, when `check_overlaps`,
    /// `Overlaps` when it would, else it is written.
    pub async fn change(
        c: &mut DB::Connection,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        lock: &str,
        check_overlaps: bool,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let current = Self::get(&mut *c, id, lock).await?;
        let changed = match changed(current, changes, expected_versions) {
            Ok(changed) => changed,
            Err(refused) => return Ok(refused),
        };
        let slot = Slot::from(&changed);
        if check_overlaps
            && let Some(refused) = Self::refuse_overlaps(&mut *c, slot, Some(id)).await?
        {
            return Ok(refused);
        }
        Self::update(c, &changed).await
    }

    /// The auditions overlapping the slot, other than `except`.
    async fn overlaps(
        c: &mut DB::Connection,
        slot: Slot<'_>,
        except: Option<i64>,
    ) -> sqlx::Result<Vec<Audition>> {
        let rows: Vec<AuditionRow> = overlapping::<DB>("", &slot, except)
            .build_query_as()
            .fetch_all(c)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// `Overlaps` when the slot overlaps auditions other than `except`.
    pub async fn refuse_overlaps(
        c: &mut DB::Connection,
        slot: Slot<'_>,
        except: Option<i64>,
    ) -> sqlx::Result<Option<Scheduling<Versioned<Audition>>>> {
        let met = Self::overlaps(c, slot, except).await?;
        Ok((!met.is_empty()).then_some(Scheduling::Overlaps(met)))
    }

    /// Writes the audition, making the actor a candidate for the role at
    /// `auditioning` (a later stage is left as it is).
    async fn insert(
        c: &mut DB::Connection,
        role_id: i64,
        new: &NewAudition,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let sql = format!(
            "INSERT INTO candidates (role_id, actor_id, stage) VALUES ($1, $2, 'auditioning') \
             ON CONFLICT (role_id, actor_id) DO UPDATE SET stage = 'auditioning', \
               updated_at = {} \
             WHERE candidates.stage IN ('considered', 'shortlisted')",
            DB::NOW
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(role_id)
            .bind(new.actor_id)
            .execute(&mut *c)
            .await?;
        let sql = format!(
            "INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, \
               location_key, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {AUDITION_COLUMNS}"
        );
        let row: AuditionRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(role_id)
            .bind(new.actor_id)
            .bind(DB::moment(new.starts_at))
            .bind(DB::moment(new.ends_at))
            .bind(new.location.clone())
            .bind(location_key(&new.location))
            .bind(new.note.clone())
            .fetch_one(c)
            .await?;
        Ok(Scheduling::Done(row.into()))
    }

    /// Writes the audition's changed times, location and note.
    async fn update(
        c: &mut DB::Connection,
        changed: &Audition,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let sql = format!(
            "UPDATE auditions SET starts_at = $2, ends_at = $3, location = $4, \
               location_key = $5, note = $6, version = version + 1 \
             WHERE id = $1 RETURNING {AUDITION_COLUMNS}"
        );
        let row: AuditionRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(changed.id)
            .bind(DB::moment(changed.starts_at))
            .bind(DB::moment(changed.ends_at))
            .bind(changed.location.clone())
            .bind(location_key(&changed.location))
            .bind(changed.note.clone())
            .fetch_one(c)
            .await?;
        Ok(Scheduling::Done(row.into()))
    }

    /// Deletes the audition if it is at one of `expected_versions` (any,
    /// without); `lock` keeps it for the decision.
    pub async fn delete(
        c: &mut DB::Connection,
        id: i64,
        expected_versions: Option<&[i64]>,
        lock: &str,
    ) -> sqlx::Result<Outcome<()>> {
        let sql = format!("SELECT version FROM auditions WHERE id = $1{lock}");
        let version: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
        Ok(match version {
            None => Outcome::NotFound,
            Some((version,)) if expected_versions.is_some_and(|v| !v.contains(&version)) => {
                Outcome::Changed
            }
            Some(_) => {
                sqlx::query("DELETE FROM auditions WHERE id = $1")
                    .bind(id)
                    .execute(c)
                    .await?;
                Outcome::Done(())
            }
        })
    }
}

/// What a change found before it is written: the audition as changed, or
/// why it is not written (missing, at another version, invalid).
fn changed(
    current: Option<Versioned<Audition>>,
    changes: &AuditionChanges,
    expected_versions: Option<&[i64]>,
) -> Result<Audition, Scheduling<Versioned<Audition>>> {
    let Some(current) = current else {
        return Err(Scheduling::Missing(AuditionMissing::Audition));
    };
    if expected_versions.is_some_and(|versions| !versions.contains(&current.version)) {
        return Err(Scheduling::Changed);
    }
    changes.apply(&current.value).map_err(Scheduling::Invalid)
}
