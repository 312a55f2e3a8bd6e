//! PostgreSQL: every record out (one consistent snapshot) and into an empty
//! database (one transaction), for `casting-server copy` and the demo data.

use casting_shared::names::fold;
use sqlx::{Postgres, Transaction};

use super::PgStore;
use super::changes::COLUMNS;
use crate::db::{
    Dump, DumpActor, DumpAudition, DumpCandidate, DumpChange, DumpKey, DumpMovie, DumpRole,
    DumpUser, NextIds, NotEmpty,
};

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
        let actors = sqlx::query_as::<_, DumpActor>(
            "SELECT id, name, age, gender, version, created_at, updated_at FROM actors ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let movies = sqlx::query_as::<_, DumpMovie>(
            "SELECT id, title, release_date, version, created_at, updated_at FROM movies ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let roles = sqlx::query_as::<_, DumpRole>(
            "SELECT id, movie_id, name, description, age_min, age_max, gender, actor_id, version, \
             created_at FROM roles ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let candidates = sqlx::query_as::<_, DumpCandidate>(
            "SELECT role_id, actor_id, stage, note, updated_at FROM candidates \
             ORDER BY role_id, actor_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let auditions = sqlx::query_as::<_, DumpAudition>(
            "SELECT id, role_id, actor_id, CAST(extract(epoch FROM starts_at) AS bigint) AS starts_at, \
             CAST(extract(epoch FROM ends_at) AS bigint) AS ends_at, location, location_key, note, \
             version, created_at FROM auditions ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let users = sqlx::query_as::<_, DumpUser>(
            "SELECT id, username, username_key, role, password_hash, disabled, token_generation, \
             created_at, updated_at \
             FROM users ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let signing_keys = sqlx::query_as::<_, DumpKey>(
            "SELECT kid, private_key_pem, created_at, retired_at, revoked_at FROM signing_keys ORDER BY created_at",
        )
        .fetch_all(&mut *tx)
        .await?;
        let changes = sqlx::query_as::<_, DumpChange>(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM changes WHERE seq IS NOT NULL ORDER BY seq"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let changes_pruned_through: i64 =
            sqlx::query_scalar("SELECT pruned_through FROM changes_horizon")
                .fetch_one(&mut *tx)
                .await?;
        let next_ids = NextIds {
            actors: next_id(&mut tx, "actors_id_seq").await?,
            movies: next_id(&mut tx, "movies_id_seq").await?,
            users: next_id(&mut tx, "users_id_seq").await?,
            roles: next_id(&mut tx, "roles_id_seq").await?,
            auditions: next_id(&mut tx, "auditions_id_seq").await?,
        };
        let write_stamps: Vec<(String, i64)> = sqlx::query_as(
            "SELECT table_name, COALESCE(sum(writes), 0)::bigint FROM row_counts \
             GROUP BY table_name ORDER BY table_name",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Dump {
            write_stamps,
            actors,
            movies,
            roles,
            candidates,
            auditions,
            users,
            signing_keys,
            next_ids,
            changes,
            changes_pruned_through,
        })
    }

    pub async fn import(&self, dump: &Dump) -> sqlx::Result<Result<(), NotEmpty>> {
        let mut tx = self.pool.begin().await?;
        // Two writers into one empty database (two `--demo` starts): one wins.
        sqlx::query("LOCK TABLE actors, movies, users, signing_keys IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let empty: bool = sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM actors) AND NOT EXISTS (SELECT 1 FROM movies) \
             AND NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM changes)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !empty {
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
        insert_users(&mut tx, &dump.users).await?;
        if !dump.signing_keys.is_empty() {
            insert_keys(&mut tx, &dump.signing_keys).await?;
        }
        set_next_id(&mut tx, "actors_id_seq", dump.next_ids.actors).await?;
        set_next_id(&mut tx, "movies_id_seq", dump.next_ids.movies).await?;
        set_next_id(&mut tx, "users_id_seq", dump.next_ids.users).await?;
        set_next_id(&mut tx, "roles_id_seq", dump.next_ids.roles).await?;
        set_next_id(&mut tx, "auditions_id_seq", dump.next_ids.auditions).await?;
        insert_changes(&mut tx, &dump.changes, dump.changes_pruned_through).await?;
        // The stamps as they were (the load itself moved them).
        for (table, stamp) in &dump.write_stamps {
            sqlx::query("UPDATE row_counts SET writes = CASE WHEN shard = 0 THEN $2 ELSE 0 END WHERE table_name = $1")
                .bind(table)
                .bind(stamp)
                .execute(&mut *tx)
                .await?;
        }
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

async fn insert_users(tx: &mut Transaction<'_, Postgres>, users: &[DumpUser]) -> sqlx::Result<()> {
    for user in users {
        sqlx::query(
            "INSERT INTO users (id, username, username_key, role, password_hash, disabled, \
             token_generation, created_at, updated_at) \
             OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.username_key)
        .bind(&user.role)
        .bind(&user.password_hash)
        .bind(user.disabled)
        .bind(user.token_generation)
        .bind(user.created_at)
        .bind(user.updated_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The copied keys replace a key this database generated for itself when it
/// was first served: tokens signed before the move stay valid after it.
async fn insert_keys(tx: &mut Transaction<'_, Postgres>, keys: &[DumpKey]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM signing_keys")
        .execute(&mut **tx)
        .await?;
    for key in keys {
        sqlx::query(
            "INSERT INTO signing_keys (kid, private_key_pem, created_at, retired_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&key.kid)
        .bind(&key.private_key_pem)
        .bind(key.created_at)
        .bind(key.retired_at)
        .bind(key.revoked_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The next value `sequence` hands out. `sequence` is one of this module's names.
async fn next_id(tx: &mut Transaction<'_, Postgres>, sequence: &'static str) -> sqlx::Result<i64> {
    let sql = format!(
        "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {sequence}"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut **tx)
        .await
}

async fn set_next_id(
    tx: &mut Transaction<'_, Postgres>,
    sequence: &'static str,
    next: i64,
) -> sqlx::Result<()> {
    // Never below what the rows already use.
    let table = sequence.trim_end_matches("_id_seq");
    let sql = format!(
        "SELECT setval('{sequence}', GREATEST($1 - 1, (SELECT COALESCE(max(id), 0) FROM {table}), 1), \
                       GREATEST($1 - 1, (SELECT COALESCE(max(id), 0) FROM {table})) >= 1)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(next)
        .execute(&mut **tx)
        .await
        .map(drop)
}
