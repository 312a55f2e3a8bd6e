//! A dump (`casting-server copy`, the demo data) as both stores read and
//! write it alike, written once and generic over the database: every
//! record's statement out, and into an empty database the users, keys, next
//! ids and write stamps. Each backend opens the transaction (its own
//! snapshot, its own writer) and writes the bulk of the rows its own way
//! (PostgreSQL's `UNNEST` arrays, SQLite's multi-row `VALUES`).

use sqlx::{Encode, Executor, FromRow, IntoArguments, Postgres, Sqlite, Transaction, Type};
use time::OffsetDateTime;

use super::common::Dialect;
use super::{Dump, DumpChange, DumpKey, DumpUser, NextIds};

type Tx<DB> = Transaction<'static, DB>;

impl NextIds {
    /// Each table's next id, by the table's name (one of this module's).
    fn by_table(&mut self) -> [(&'static str, &mut i64); 5] {
        [
            ("actors", &mut self.actors),
            ("movies", &mut self.movies),
            ("users", &mut self.users),
            ("roles", &mut self.roles),
            ("auditions", &mut self.auditions),
        ]
    }
}

/// What differs between the dialects in a dump's statements.
pub trait Copying: Dialect {
    /// Written before `VALUES` when a row keeps its own id.
    const OVERRIDING: &'static str;

    /// What a table's write stamp is set to (`$2`, the dump's).
    const STAMP: &'static str;

    /// A scalar: the next id `table` hands out.
    fn next_id(table: &str) -> String;

    /// Makes the next id of `table` at least `$1 + 1` (never below its rows').
    fn set_next_id(table: &str) -> Vec<String>;
}

impl Copying for Postgres {
    const OVERRIDING: &'static str = "OVERRIDING SYSTEM VALUE";

    /// The stamp is a sum over the table's shards.
    const STAMP: &'static str = "CASE WHEN shard = 0 THEN $2 ELSE 0 END";

    fn next_id(table: &str) -> String {
        format!(
            "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {table}_id_seq"
        )
    }

    fn set_next_id(table: &str) -> Vec<String> {
        vec![format!(
            "SELECT setval('{table}_id_seq', \
                    GREATEST($1, (SELECT COALESCE(max(id), 0) FROM {table}), 1), \
                    GREATEST($1, (SELECT COALESCE(max(id), 0) FROM {table})) >= 1)"
        )]
    }
}

impl Copying for Sqlite {
    const OVERRIDING: &'static str = "";

    const STAMP: &'static str = "$2";

    /// AUTOINCREMENT's counter.
    fn next_id(table: &str) -> String {
        format!("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0) + 1")
    }

    /// Inserting ids already raised the counter to the highest; never lower it.
    fn set_next_id(table: &str) -> Vec<String> {
        vec![
            format!("UPDATE sqlite_sequence SET seq = max(seq, $1) WHERE name = '{table}'"),
            format!(
                "INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', $1 \
                 WHERE $1 > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}')"
            ),
        ]
    }
}

/// Every row of `sql`.
async fn all<DB, T>(tx: &mut Tx<DB>, sql: String) -> sqlx::Result<Vec<T>>
where
    DB: Copying,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut **tx)
        .await
}

/// Every record the snapshot `tx` sees; commits it.
pub async fn export<DB>(mut tx: Tx<DB>) -> sqlx::Result<Dump>
where
    DB: Copying,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    (String, i64): for<'r> FromRow<'r, DB::Row>,
    super::DumpActor: for<'r> FromRow<'r, DB::Row>,
    super::DumpMovie: for<'r> FromRow<'r, DB::Row>,
    super::DumpRole: for<'r> FromRow<'r, DB::Row>,
    super::DumpCandidate: for<'r> FromRow<'r, DB::Row>,
    super::DumpAudition: for<'r> FromRow<'r, DB::Row>,
    DumpUser: for<'r> FromRow<'r, DB::Row>,
    DumpKey: for<'r> FromRow<'r, DB::Row>,
    DumpChange: for<'r> FromRow<'r, DB::Row>,
{
    let (starts_at, ends_at) = (DB::epoch("starts_at"), DB::epoch("ends_at"));
    let actors = all(
        &mut tx,
        "SELECT id, name, age, gender, version, created_at, updated_at FROM actors ORDER BY id"
            .into(),
    )
    .await?;
    let movies = all(
        &mut tx,
        "SELECT id, title, release_date, version, created_at, updated_at FROM movies ORDER BY id"
            .into(),
    )
    .await?;
    let roles = all(
        &mut tx,
        "SELECT id, movie_id, name, description, age_min, age_max, gender, actor_id, version, \
         created_at FROM roles ORDER BY id"
            .into(),
    )
    .await?;
    let candidates = all(
        &mut tx,
        "SELECT role_id, actor_id, stage, note, updated_at FROM candidates \
         ORDER BY role_id, actor_id"
            .into(),
    )
    .await?;
    let auditions = all(
        &mut tx,
        format!(
            "SELECT id, role_id, actor_id, {starts_at}, {ends_at}, location, location_key, note, \
             version, created_at FROM auditions ORDER BY id"
        ),
    )
    .await?;
    let users = all(
        &mut tx,
        "SELECT id, username, username_key, role, password_hash, disabled, token_generation, \
         created_at, updated_at FROM users ORDER BY id"
            .into(),
    )
    .await?;
    let signing_keys = all(
        &mut tx,
        format!(
            "SELECT kid, private_key_pem, created_at, retired_at, revoked_at FROM signing_keys \
             ORDER BY {}",
            DB::instant("created_at")
        ),
    )
    .await?;
    let changes = all(
        &mut tx,
        format!(
            "SELECT {} FROM changes WHERE seq IS NOT NULL ORDER BY seq",
            DB::CHANGE_COLUMNS
        ),
    )
    .await?;
    let changes_pruned_through: i64 =
        sqlx::query_scalar("SELECT pruned_through FROM changes_horizon")
            .fetch_one(&mut *tx)
            .await?;
    let mut next_ids = NextIds::default();
    for (table, next) in next_ids.by_table() {
        *next = sqlx::query_scalar(sqlx::AssertSqlSafe(DB::next_id(table)))
            .fetch_one(&mut *tx)
            .await?;
    }
    let write_stamps = all(
        &mut tx,
        "SELECT table_name, CAST(COALESCE(sum(writes), 0) AS bigint) FROM row_counts \
         GROUP BY table_name ORDER BY table_name"
            .into(),
    )
    .await?;
    tx.commit().await?;
    Ok(Dump {
        users,
        signing_keys,
        next_ids,
        changes,
        changes_pruned_through,
        write_stamps,
        actors,
        movies,
        roles,
        candidates,
        auditions,
    })
}

/// `true` when the store holds no record yet (an import writes only there).
pub async fn is_empty<DB>(tx: &mut Tx<DB>) -> sqlx::Result<bool>
where
    DB: Copying,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    (bool,): for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM actors) AND NOT EXISTS (SELECT 1 FROM movies) \
         AND NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM changes)",
    )
    .fetch_one(&mut **tx)
    .await
}

/// The dump's users and signing keys, and the next ids it hands out.
pub async fn insert_accounts<DB>(tx: &mut Tx<DB>, dump: &Dump) -> sqlx::Result<()>
where
    DB: Copying,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q String: Encode<'q, DB> + Type<DB>,
    for<'q> &'q Option<String>: Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    bool: for<'q> Encode<'q, DB> + Type<DB>,
    OffsetDateTime: for<'q> Encode<'q, DB> + Type<DB>,
    Option<OffsetDateTime>: for<'q> Encode<'q, DB> + Type<DB>,
{
    let insert_user = format!(
        "INSERT INTO users (id, username, username_key, role, password_hash, disabled, \
         token_generation, created_at, updated_at) {} \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        DB::OVERRIDING
    );
    for user in &dump.users {
        sqlx::query(sqlx::AssertSqlSafe(insert_user.as_str()))
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
    // The copied keys replace a key this database generated for itself when
    // it was first served: tokens signed before the move stay valid after it.
    if !dump.signing_keys.is_empty() {
        sqlx::query("DELETE FROM signing_keys")
            .execute(&mut **tx)
            .await?;
    }
    for key in &dump.signing_keys {
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
    let mut next_ids = dump.next_ids;
    for (table, next) in next_ids.by_table() {
        set_next_id(tx, table, *next).await?;
    }
    Ok(())
}

/// Makes `table` hand out `next` or a higher id next.
pub async fn set_next_id<DB>(tx: &mut Tx<DB>, table: &'static str, next: i64) -> sqlx::Result<()>
where
    DB: Copying,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
{
    let used = next.saturating_sub(1).max(0);
    for sql in DB::set_next_id(table) {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(used)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The write stamps as they were in the dump (the load itself moved them).
pub async fn set_write_stamps<DB>(tx: &mut Tx<DB>, stamps: &[(String, i64)]) -> sqlx::Result<()>
where
    DB: Copying,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q String: Encode<'q, DB> + Type<DB>,
    for<'q> &'q i64: Encode<'q, DB> + Type<DB>,
{
    let sql = format!(
        "UPDATE row_counts SET writes = {} WHERE table_name = $1",
        DB::STAMP
    );
    for (table, stamp) in stamps {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(table)
            .bind(stamp)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
