//! SQLite: every record out (one consistent snapshot) and into an empty
//! database (one transaction), for `casting-server copy` and the demo data.

use casting_shared::names::fold;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::SqliteStore;
use super::changes::COLUMNS;
use crate::db::{
    Dump, DumpActor, DumpAudition, DumpCandidate, DumpChange, DumpKey, DumpMovie, DumpRole,
    DumpUser, NextIds, NotEmpty,
};

/// Rows written per statement (SQLite binds at most 32 766 values at once).
const CHUNK: usize = 1000;

impl SqliteStore {
    pub async fn export(&self) -> sqlx::Result<Dump> {
        // A read transaction sees one snapshot of the file from its first read on.
        let mut tx = self.reader.begin().await?;
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
            "SELECT id, role_id, actor_id, starts_at, ends_at, location, location_key, note, \
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
            "SELECT kid, private_key_pem, created_at, retired_at, revoked_at FROM signing_keys \
             ORDER BY julianday(created_at)",
        )
        .fetch_all(&mut *tx)
        .await?;
        let changes = sqlx::query_as::<_, DumpChange>(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM changes ORDER BY seq"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let changes_pruned_through: i64 =
            sqlx::query_scalar("SELECT pruned_through FROM changes_horizon")
                .fetch_one(&mut *tx)
                .await?;
        let next_ids = NextIds {
            actors: next_id(&mut tx, "actors").await?,
            movies: next_id(&mut tx, "movies").await?,
            users: next_id(&mut tx, "users").await?,
            roles: next_id(&mut tx, "roles").await?,
            auditions: next_id(&mut tx, "auditions").await?,
        };
        let write_stamps: Vec<(String, i64)> = sqlx::query_as(
            "SELECT table_name, COALESCE(sum(writes), 0) FROM row_counts \
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
        let mut tx = self.write().await?;
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
        sqlx::query("UPDATE change_author SET recording = 0")
            .execute(&mut *tx)
            .await?;
        for rows in dump.actors.chunks(CHUNK) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO actors (id, name, age, gender, version, created_at, updated_at, \
                 name_key, gender_key) ",
            );
            sql.push_values(rows, |mut row, a| {
                row.push_bind(a.id)
                    .push_bind(&a.name)
                    .push_bind(a.age)
                    .push_bind(&a.gender)
                    .push_bind(a.version)
                    .push_bind(a.created_at)
                    .push_bind(a.updated_at)
                    .push_bind(fold(&a.name))
                    .push_bind(fold(&a.gender));
            });
            sql.build().execute(&mut *tx).await?;
        }
        for rows in dump.movies.chunks(CHUNK) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO movies (id, title, release_date, version, created_at, updated_at, \
                 title_key) ",
            );
            sql.push_values(rows, |mut row, m| {
                row.push_bind(m.id)
                    .push_bind(&m.title)
                    .push_bind(m.release_date)
                    .push_bind(m.version)
                    .push_bind(m.created_at)
                    .push_bind(m.updated_at)
                    .push_bind(fold(&m.title));
            });
            sql.build().execute(&mut *tx).await?;
        }
        for rows in dump.roles.chunks(CHUNK) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO roles (id, movie_id, name, description, age_min, age_max, gender, \
                 actor_id, version, created_at) ",
            );
            sql.push_values(rows, |mut row, r| {
                row.push_bind(r.id)
                    .push_bind(r.movie_id)
                    .push_bind(&r.name)
                    .push_bind(&r.description)
                    .push_bind(r.age_min)
                    .push_bind(r.age_max)
                    .push_bind(&r.gender)
                    .push_bind(r.actor_id)
                    .push_bind(r.version)
                    .push_bind(r.created_at);
            });
            sql.build().execute(&mut *tx).await?;
        }
        for rows in dump.candidates.chunks(CHUNK) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO candidates (role_id, actor_id, stage, note, updated_at) ",
            );
            sql.push_values(rows, |mut row, c| {
                row.push_bind(c.role_id)
                    .push_bind(c.actor_id)
                    .push_bind(&c.stage)
                    .push_bind(&c.note)
                    .push_bind(c.updated_at);
            });
            sql.build().execute(&mut *tx).await?;
        }
        for rows in dump.auditions.chunks(CHUNK) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO auditions (id, role_id, actor_id, starts_at, ends_at, location, \
                 location_key, note, version, created_at) ",
            );
            sql.push_values(rows, |mut row, a| {
                row.push_bind(a.id)
                    .push_bind(a.role_id)
                    .push_bind(a.actor_id)
                    .push_bind(a.starts_at)
                    .push_bind(a.ends_at)
                    .push_bind(&a.location)
                    .push_bind(&a.location_key)
                    .push_bind(&a.note)
                    .push_bind(a.version)
                    .push_bind(a.created_at);
            });
            sql.build().execute(&mut *tx).await?;
        }
        for user in &dump.users {
            sqlx::query(
                "INSERT INTO users (id, username, username_key, role, password_hash, disabled, \
                 token_generation, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            .execute(&mut *tx)
            .await?;
        }
        if !dump.signing_keys.is_empty() {
            insert_keys(&mut tx, &dump.signing_keys).await?;
        }
        set_next_id(&mut tx, "actors", dump.next_ids.actors).await?;
        set_next_id(&mut tx, "movies", dump.next_ids.movies).await?;
        set_next_id(&mut tx, "users", dump.next_ids.users).await?;
        set_next_id(&mut tx, "roles", dump.next_ids.roles).await?;
        set_next_id(&mut tx, "auditions", dump.next_ids.auditions).await?;
        insert_changes(&mut tx, &dump.changes, dump.changes_pruned_through).await?;
        // The stamps as they were (the load itself moved them).
        for (table, stamp) in &dump.write_stamps {
            sqlx::query("UPDATE row_counts SET writes = $2 WHERE table_name = $1")
                .bind(table)
                .bind(stamp)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE change_author SET recording = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}

/// The change log as it was; AUTOINCREMENT then goes on after both its last
/// change and its last pruned one.
async fn insert_changes(
    tx: &mut Transaction<'static, Sqlite>,
    changes: &[DumpChange],
    pruned_through: i64,
) -> sqlx::Result<()> {
    for rows in changes.chunks(CHUNK) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO changes (seq, at, subject, by_name, action, resource, record_id, \
                                  movie_id, actor_id, before, after) ",
        );
        sql.push_values(rows, |mut row, c| {
            row.push_bind(c.seq)
                .push_bind(&c.at)
                .push_bind(&c.subject)
                .push_bind(&c.by_name)
                .push_bind(&c.action)
                .push_bind(&c.resource)
                .push_bind(c.record_id)
                .push_bind(c.movie_id)
                .push_bind(c.actor_id)
                .push_bind(&c.before)
                .push_bind(&c.after);
        });
        sql.build().execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE changes_horizon SET pruned_through = ?")
        .bind(pruned_through)
        .execute(&mut **tx)
        .await?;
    set_next_id(tx, "changes", pruned_through + 1).await
}

/// The copied keys replace a key this database generated for itself when it
/// was first served: tokens signed before the move stay valid after it.
async fn insert_keys(tx: &mut Transaction<'static, Sqlite>, keys: &[DumpKey]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM signing_keys")
        .execute(&mut **tx)
        .await?;
    for key in keys {
        sqlx::query(
            "INSERT INTO signing_keys (kid, private_key_pem, created_at, retired_at, revoked_at) \
             VALUES (?, ?, ?, ?, ?)",
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

/// The next id AUTOINCREMENT hands out for `table`.
async fn next_id(tx: &mut Transaction<'static, Sqlite>, table: &'static str) -> sqlx::Result<i64> {
    let used: Option<i64> = sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = ?")
        .bind(table)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(used.unwrap_or(0) + 1)
}

async fn set_next_id(
    tx: &mut Transaction<'static, Sqlite>,
    table: &'static str,
    next: i64,
) -> sqlx::Result<()> {
    let used = next.saturating_sub(1).max(0);
    // Inserting ids already raised the sequence to the highest; never lower it.
    sqlx::query("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?")
        .bind(used)
        .bind(table)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? \
         WHERE ? > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
    )
    .bind(table)
    .bind(used)
    .bind(used)
    .bind(table)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
