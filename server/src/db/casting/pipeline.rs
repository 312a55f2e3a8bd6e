//! A role's pipeline in one statement: the role, then its candidates (by
//! stage in the pipeline's order, then name as people read it), then its
//! auditions (by start), as the rows of three `UNION ALL` parts in that
//! order. Each part fills its own columns and leaves the others null, and
//! a row is read by position, only its part's columns: the role's columns
//! are read once, not once per candidate and audition as a join would
//! repeat them.

use casting_shared::Actor;
use casting_shared::casting::{Audition, Candidate, Role, RoleCandidates, Stage};
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::rows::{CANDIDATE_RANK, ROLE_OWN_COLUMNS, RoleOwnRow, parse_stage, unix_time};

/// The statement, `$1` the role's id. `updated_at` is a candidate's
/// `c.updated_at` as RFC 3339 text, `starts`/`ends` an audition's times in
/// unix seconds, as the backend writes them. The first part casts its
/// nulls: PostgreSQL types a `UNION` pair by pair, and two bare nulls
/// would make a text column the third part could not join.
pub(crate) fn statement(updated_at: &str, starts: &str, ends: &str) -> String {
    const NO_CANDIDATE: &str = "CAST(NULL AS text), CAST(NULL AS text), CAST(NULL AS text), \
        CAST(NULL AS bigint), CAST(NULL AS text), CAST(NULL AS integer), CAST(NULL AS text)";
    const NO_AUDITION: &str = "CAST(NULL AS bigint), CAST(NULL AS bigint), CAST(NULL AS bigint), \
        CAST(NULL AS bigint), CAST(NULL AS text), CAST(NULL AS text)";
    let no_role = ["NULL"; 12].join(", ");
    let no_candidate = ["NULL"; 7].join(", ");
    format!(
        "SELECT 0 AS part, 0 AS place, NULL AS sort_key, 0 AS sort_id, {ROLE_OWN_COLUMNS}, \
                {NO_CANDIDATE}, {NO_AUDITION} \
         FROM roles r LEFT JOIN actors a ON a.id = r.actor_id WHERE r.id = $1 \
         UNION ALL \
         SELECT 1, {CANDIDATE_RANK}, ca.name_key, ca.id, {no_role}, \
                c.stage, c.note, {updated_at}, ca.id, ca.name, ca.age, ca.gender, \
                NULL, NULL, NULL, NULL, NULL, NULL \
         FROM candidates c JOIN actors ca ON ca.id = c.actor_id WHERE c.role_id = $1 \
         UNION ALL \
         SELECT 2, {starts}, NULL, au.id, {no_role}, {no_candidate}, \
                au.id, au.actor_id, {starts}, {ends}, au.location, au.note \
         FROM auditions au WHERE au.role_id = $1 \
         ORDER BY part, place, sort_key, sort_id"
    )
}

/// Where each part's columns begin in a row.
const ROLE_AT: usize = 4;
const CANDIDATE_AT: usize = ROLE_AT + 12;
const AUDITION_AT: usize = CANDIDATE_AT + 7;

/// A role, its version, its candidates and its auditions.
pub(crate) type Pipeline = (Role, i64, Vec<Candidate>, Vec<Audition>);

/// The pipeline from the rows of [`statement`]; `None` without rows (no
/// such role: the first part is the role's own row).
pub(crate) fn read<'r, R>(rows: &'r [R]) -> sqlx::Result<Option<Pipeline>>
where
    R: Row,
    usize: ColumnIndex<R>,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    i32: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    Option<i32>: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    let Some((first, rest)) = rows.split_first() else {
        return Ok(None);
    };
    let role: RoleOwnRow = sqlx::FromRow::from_row(first)?;
    let role_id = role.id();
    let mut counts = RoleCandidates::default();
    let mut candidates = Vec::new();
    let mut auditions = Vec::new();
    for row in rest {
        let part: i32 = row.try_get(0)?;
        if part == 1 {
            let at = CANDIDATE_AT;
            let stage = parse_stage(&row.try_get::<String, _>(at)?)?;
            *count_of(&mut counts, stage) += 1;
            candidates.push(Candidate {
                role_id,
                stage,
                note: row.try_get(at + 1)?,
                updated_at: row.try_get(at + 2)?,
                actor: Actor {
                    id: row.try_get(at + 3)?,
                    name: row.try_get(at + 4)?,
                    age: row.try_get(at + 5)?,
                    gender: row.try_get(at + 6)?,
                },
            });
        } else {
            let at = AUDITION_AT;
            auditions.push(Audition {
                id: row.try_get(at)?,
                role_id,
                actor_id: row.try_get(at + 1)?,
                starts_at: unix_time(row.try_get(at + 2)?)?,
                ends_at: unix_time(row.try_get(at + 3)?)?,
                location: row.try_get(at + 4)?,
                note: row.try_get(at + 5)?,
            });
        }
    }
    let version = role.version();
    Ok(Some((
        role.into_role(counts),
        version,
        candidates,
        auditions,
    )))
}

/// The count of a stage among a role's counts.
fn count_of(counts: &mut RoleCandidates, stage: Stage) -> &mut i64 {
    match stage {
        Stage::Considered => &mut counts.considered,
        Stage::Shortlisted => &mut counts.shortlisted,
        Stage::Auditioning => &mut counts.auditioning,
        Stage::Offered => &mut counts.offered,
        Stage::Booked => &mut counts.booked,
        Stage::Passed => &mut counts.passed,
    }
}
