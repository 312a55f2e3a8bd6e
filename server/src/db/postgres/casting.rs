//! PostgreSQL: the casting pipeline's queries and methods (`db/casting.rs`)
//! over its connections, each write in one transaction recorded as its
//! author's, each read on a reader (the replica's when there is one).

use casting_shared::casting::{Audition, Candidate, Role};
use futures::future::BoxFuture;
use sqlx::{PgConnection, Postgres, Transaction};

use super::PgStore;
use crate::db::casting::rows::{
    AuditionRow, CANDIDATE_ORDER, PipelineRow, ROLE_OWN_COLUMNS, pipeline,
};
use crate::db::{Author, Versioned};

/// The current time as the tables store it.
const NOW: &str = "now()";
/// A candidate's `updated_at` as the API writes it.
const UPDATED_AT: &str =
    "to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
/// Keeps a row from being deleted until the transaction ends.
const LOCK_SHARE: &str = " FOR KEY SHARE";
/// Keeps a row for this transaction's decision.
const LOCK_UPDATE: &str = " FOR NO KEY UPDATE";

crate::db::casting::casting_store!(PgStore, sqlx::PgConnection, commit = Transaction::commit);

impl PgStore {
    /// A transaction whose changes the triggers record as `author`'s.
    pub(super) async fn write_as(
        &self,
        author: &Author,
    ) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.by', $1, true)")
            .bind(author.to_json())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A casting read on one reader's connection.
    async fn casting_read<T: Send>(
        &self,
        read: impl for<'c> Fn(&'c mut PgConnection) -> BoxFuture<'c, sqlx::Result<T>> + Sync,
    ) -> sqlx::Result<T> {
        self.read(|c, _| read(c)).await
    }

    /// A role with its candidates (by stage, then name) and its auditions
    /// (by start); `None` when there is no such role.
    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        self.casting_read(move |c| Box::pin(role_pipeline(c, id)))
            .await
    }
}

/// A role's pipeline in two statements: the role with its candidates, and
/// its auditions (one statement building JSON, or one row per candidate and
/// audition, costs PostgreSQL more: docs/src/performance.md).
async fn role_pipeline(
    c: &mut PgConnection,
    id: i64,
) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
    let sql = format!(
        "SELECT {ROLE_OWN_COLUMNS}, c.stage, c.note, {UPDATED_AT} AS updated_at, \
                ca.id AS actor_id, ca.name AS actor_name, ca.age AS actor_age, \
                ca.gender AS actor_gender \
         FROM roles r LEFT JOIN actors a ON a.id = r.actor_id \
         LEFT JOIN candidates c ON c.role_id = r.id \
         LEFT JOIN actors ca ON ca.id = c.actor_id \
         WHERE r.id = $1{CANDIDATE_ORDER}"
    );
    let rows: Vec<PipelineRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
    let Some((role, version, candidates)) = pipeline(rows)? else {
        return Ok(None);
    };
    // Ordered by the table's column (not the selected seconds), so that
    // the role's index on (role_id, starts_at) gives the order.
    let auditions: Vec<AuditionRow> = sqlx::query_as(
        "SELECT id, role_id, actor_id, CAST(extract(epoch FROM starts_at) AS bigint) AS starts_at, \
                CAST(extract(epoch FROM ends_at) AS bigint) AS ends_at, location, note \
         FROM auditions WHERE role_id = $1 ORDER BY auditions.starts_at, auditions.id",
    )
    .bind(id)
    .fetch_all(&mut *c)
    .await?;
    let auditions = auditions
        .into_iter()
        .map(AuditionRow::into_audition)
        .collect::<sqlx::Result<_>>()?;
    let role = Versioned {
        version,
        value: role,
    };
    Ok(Some((role, candidates, auditions)))
}
