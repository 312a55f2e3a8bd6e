//! PostgreSQL: every record out (one consistent snapshot) and into an empty
//! database (one transaction), for `casting-server copy` and the demo data;
//! the statements alike on both stores are `db::dump`'s.

use casting_shared::names::fold;
use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::db::{Dump, DumpChange, NotEmpty, dump};

/// Rows written per statement.
const CHUNK: usize = 5000;

impl PgStore {
    pub async fn export(&self) -> sqlx::Result<Dump> {
        // What has committed is numbered first: the dump holds numbered changes.
        sqlx::query("SELECT sequence_changes()")
            .execute(&self.pool)
            .await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        dump::export(tx).await
    }

    pub async fn import(&self, dump: &Dump) -> sqlx::Result<Result<(), NotEmpty>> {
        let mut tx = self.pool.begin().await?;
        // Two writers into one empty database (two `--demo` starts): one wins.
        sqlx::query("LOCK TABLE actors, movies, users, signing_keys IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        if !dump::is_empty(&mut tx).await? {
            return Ok(Err(NotEmpty));
        }
        // The rows come with their own change log (below), not as new changes.
        sqlx::query("SET LOCAL casting.record = 'off'")
            .execute(&mut *tx)
            .await?;
        for rows in dump.actors.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO actors (id, name, age, gender, version, created_at, updated_at, \
                                     name_key, gender_key) \
                 OVERRIDING SYSTEM VALUE \
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::int[], $4::text[], \
                                      $5::bigint[], $6::timestamptz[], $7::timestamptz[], \
                                      $8::text[], $9::text[])",
            )
            .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.age).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.gender.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| fold(&r.name)).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| fold(&r.gender)).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        for rows in dump.movies.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO movies (id, title, release_date, version, created_at, updated_at, \
                                     title_key) \
                 OVERRIDING SYSTEM VALUE \
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::date[], $4::bigint[], \
                                      $5::timestamptz[], $6::timestamptz[], $7::text[])",
            )
            .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.title.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.release_date).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| fold(&r.title)).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        for rows in dump.roles.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO roles (id, movie_id, name, description, age_min, age_max, gender, \
                                    actor_id, version, created_at) \
                 OVERRIDING SYSTEM VALUE \
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
                                      $5::int[], $6::int[], $7::text[], $8::bigint[], \
                                      $9::bigint[], $10::timestamptz[])",
            )
            .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.movie_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
            .bind(
                rows.iter()
                    .map(|r| r.description.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(rows.iter().map(|r| r.age_min).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.age_max).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.gender.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.actor_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        for rows in dump.candidates.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO candidates (role_id, actor_id, stage, note, updated_at) \
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
                                      $5::timestamptz[])",
            )
            .bind(rows.iter().map(|r| r.role_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.actor_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.stage.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.note.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        for rows in dump.auditions.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO auditions (id, role_id, actor_id, starts_at, ends_at, location, \
                                        location_key, note, version, created_at) \
                 OVERRIDING SYSTEM VALUE \
                 SELECT id, role_id, actor_id, to_timestamp(starts_at), to_timestamp(ends_at), \
                        location, location_key, note, version, created_at \
                 FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], \
                             $6::text[], $7::text[], $8::text[], $9::bigint[], $10::timestamptz[]) \
                      AS a (id, role_id, actor_id, starts_at, ends_at, location, location_key, \
                            note, version, created_at)",
            )
            .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.role_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.actor_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.starts_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.ends_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.location.clone()).collect::<Vec<_>>())
            .bind(
                rows.iter()
                    .map(|r| r.location_key.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(rows.iter().map(|r| r.note.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        dump::insert_accounts(&mut tx, dump).await?;
        insert_changes(&mut tx, &dump.changes, dump.changes_pruned_through).await?;
        dump::set_write_stamps(&mut tx, &dump.write_stamps).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}

/// The change log as it was, and how far it was pruned.
async fn insert_changes(
    tx: &mut Transaction<'_, Postgres>,
    changes: &[DumpChange],
    pruned_through: i64,
) -> sqlx::Result<()> {
    for rows in changes.chunks(CHUNK) {
        sqlx::query(
            "INSERT INTO changes (seq, at, subject, by_name, action, resource, record_id, \
                                  movie_id, actor_id, before, after) \
             SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], \
                                  $5::text[], $6::text[], $7::bigint[], $8::bigint[], \
                                  $9::bigint[], $10::jsonb[], $11::jsonb[])",
        )
        .bind(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.at.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.subject.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.by_name.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.action.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.resource.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.record_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.movie_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.actor_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.before.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.after.clone()).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    }
    // New changes are numbered above both (see sequence_changes()).
    sqlx::query("UPDATE changes_horizon SET pruned_through = $1")
        .bind(pruned_through)
        .execute(&mut **tx)
        .await
        .map(drop)
}
