//! SQLite: every record out (one consistent snapshot) and into an empty
//! database (one transaction), for `casting-server copy` and the demo data;
//! the statements alike on both stores are `db::dump`'s.

use casting_shared::names::fold;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::SqliteStore;
use crate::db::{Dump, DumpChange, NotEmpty, dump};

/// Rows written per statement (SQLite binds at most 32 766 values at once).
const CHUNK: usize = 1000;

impl SqliteStore {
    pub async fn export(&self) -> sqlx::Result<Dump> {
        // A read transaction sees one snapshot of the file from its first read on.
        let tx = self.reader.begin().await?;
        dump::export(tx).await
    }

    pub async fn import(&self, dump: &Dump) -> sqlx::Result<Result<(), NotEmpty>> {
        let mut tx = self.write().await?;
        if !dump::is_empty(&mut tx).await? {
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
        dump::insert_accounts(&mut tx, dump).await?;
        insert_changes(&mut tx, &dump.changes, dump.changes_pruned_through).await?;
        dump::set_write_stamps(&mut tx, &dump.write_stamps).await?;
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
    dump::set_next_id(tx, "changes", pruned_through + 1).await
}
