//! What both stores run alike, written once: statements whose SQL text is
//! the same in both dialects (sqlx binds `$1`, `$2`… on SQLite as on
//! PostgreSQL) and the logic around them, generic over the database. A
//! backend passes its own transaction (PostgreSQL's holds an advisory lock,
//! SQLite's is its one writer's) and keeps what its dialect truly does
//! differently.
//!
//! The backends open the transactions (PostgreSQL's key changes hold an
//! advisory lock and its user adds a table lock; SQLite's are its one
//! writer's) and name the pool to read from; [`Shared`] runs the rest.

use std::marker::PhantomData;

use sqlx::{
    Database, Encode, Executor, FromRow, IntoArguments, Pool, Postgres, Sqlite, Transaction, Type,
};

use super::rows::{self, USER_COLUMNS, UserRow};
use super::{NewUser, RevokeOutcome, SealOutcome, User, UserChange, UserConflict};

/// What differs between the two dialects in the shared statements.
pub trait Dialect: Database {
    /// The current time, as the column stores it.
    const NOW: &'static str;

    /// Every column of a change as [`DumpChange`](super::DumpChange) reads
    /// it: `at` as the API writes it, `before`/`after` as JSON text.
    const CHANGE_COLUMNS: &'static str;

    /// A time column as it sorts in time order.
    fn instant(column: &str) -> String;

    /// A time column as unix seconds, named as the column.
    fn epoch(column: &str) -> String;

    /// How many rows a statement changed (each backend's result has its own method).
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

impl Dialect for Postgres {
    const NOW: &'static str = "now()";

    const CHANGE_COLUMNS: &'static str = "seq, \
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at, \
        subject, by_name, action, resource, record_id, movie_id, actor_id, \
        before::text AS before, after::text AS after";

    fn instant(column: &str) -> String {
        column.to_owned()
    }

    fn epoch(column: &str) -> String {
        format!("CAST(extract(epoch FROM {column}) AS bigint) AS {column}")
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Dialect for Sqlite {
    /// The time as the API writes it: times are stored as this text.
    const NOW: &'static str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    /// Stored as the API writes them.
    const CHANGE_COLUMNS: &'static str =
        "seq, at, subject, by_name, action, resource, record_id, movie_id, actor_id, before, after";

    /// Stored as text; `julianday` orders instants written with other offsets.
    fn instant(column: &str) -> String {
        format!("julianday({column})")
    }

    /// Stored as unix seconds.
    fn epoch(column: &str) -> String {
        column.to_owned()
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

type Tx<DB> = Transaction<'static, DB>;

/// The one row that names a user: a row whose key could not be filled in
/// by its exact stored name first, else the row with the key.
const MATCHES: &str = "id = (SELECT id FROM users \
     WHERE username_key = $1 OR (username_key IS NULL AND username = $2) \
     ORDER BY username_key IS NULL DESC, id LIMIT 1)";

/// The statements on the database `DB` that both stores run alike; each
/// change commits the transaction it takes.
pub struct Shared<DB>(PhantomData<DB>);

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> &'q String: Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    bool: for<'q> Encode<'q, DB> + Type<DB>,
    (bool,): for<'r> FromRow<'r, DB::Row>,
    (bool, bool): for<'r> FromRow<'r, DB::Row>,
    (String,): for<'r> FromRow<'r, DB::Row>,
    (i64, String): for<'r> FromRow<'r, DB::Row>,
    (i64, i64): for<'r> FromRow<'r, DB::Row>,
    UserRow: for<'r> FromRow<'r, DB::Row>,
{
    // Signing keys.

    /// Stores `stored` as the current key unless there is one; `true` when stored.
    pub async fn add_first_signing_key(
        mut tx: Tx<DB>,
        kid: &str,
        stored: &str,
    ) -> sqlx::Result<bool> {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            Self::insert_current(&mut tx, kid, stored).await?;
        }
        tx.commit().await?;
        Ok(!exists)
    }

    /// See `Store::seal_signing_key`.
    pub async fn seal_signing_key(
        mut tx: Tx<DB>,
        kid: &str,
        plain: &str,
        sealed: &str,
        (successor_kid, successor_stored): (&str, &str),
    ) -> sqlx::Result<SealOutcome> {
        let signing: Option<bool> = sqlx::query_scalar(
            "UPDATE signing_keys SET private_key_pem = $3 WHERE kid = $1 AND private_key_pem = $2 \
             RETURNING retired_at IS NULL",
        )
        .bind(kid)
        .bind(plain)
        .bind(sealed)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match signing {
            None => SealOutcome::Unchanged,
            Some(false) => SealOutcome::Sealed,
            Some(true) => {
                Self::retire_current(&mut tx).await?;
                Self::insert_current(&mut tx, successor_kid, successor_stored).await?;
                SealOutcome::SealedAndReplaced
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Retires the current key and makes `stored` the current one.
    pub async fn rotate_signing_key(mut tx: Tx<DB>, kid: &str, stored: &str) -> sqlx::Result<()> {
        Self::retire_current(&mut tx).await?;
        Self::insert_current(&mut tx, kid, stored).await?;
        tx.commit().await
    }

    /// See `Store::revoke_signing_key`.
    pub async fn revoke_signing_key(
        mut tx: Tx<DB>,
        kid: &str,
        new_kid: &str,
        new_stored: &str,
    ) -> sqlx::Result<RevokeOutcome> {
        let found: Option<(bool, bool)> = sqlx::query_as(
            "SELECT retired_at IS NULL, revoked_at IS NOT NULL FROM signing_keys WHERE kid = $1",
        )
        .bind(kid)
        .fetch_optional(&mut *tx)
        .await?;
        let replaced = match found {
            None => return Ok(RevokeOutcome::NotFound),
            Some((_, true)) => return Ok(RevokeOutcome::AlreadyRevoked),
            Some((current, false)) => current,
        };
        if replaced {
            Self::retire_current(&mut tx).await?;
            Self::insert_current(&mut tx, new_kid, new_stored).await?;
        }
        let now = DB::NOW;
        let revoke = format!(
            "UPDATE signing_keys SET revoked_at = {now}, retired_at = COALESCE(retired_at, {now}) \
             WHERE kid = $1"
        );
        sqlx::query(sqlx::AssertSqlSafe(revoke))
            .bind(kid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RevokeOutcome::Revoked { replaced })
    }

    async fn retire_current(tx: &mut Tx<DB>) -> sqlx::Result<()> {
        let retire = format!(
            "UPDATE signing_keys SET retired_at = {} WHERE retired_at IS NULL",
            DB::NOW
        );
        sqlx::query(sqlx::AssertSqlSafe(retire))
            .execute(&mut **tx)
            .await
            .map(drop)
    }

    async fn insert_current(tx: &mut Tx<DB>, kid: &str, stored: &str) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES ($1, $2)")
            .bind(kid)
            .bind(stored)
            .execute(&mut **tx)
            .await
            .map(drop)
    }

    // Built-in users. Every change that takes a user's tokens back bumps
    // `token_generation` in the same statement.

    pub async fn find_user(reads: &Pool<DB>, key: &str, exact: &str) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {MATCHES}");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(exact)
            .fetch_optional(reads)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn find_user_by_id(reads: &Pool<DB>, id: i64) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(reads)
            .await?;
        row.map(User::try_from).transpose()
    }

    /// See `Store::add_user`.
    pub async fn add_user(
        mut tx: Tx<DB>,
        new: &NewUser<'_>,
        conflict: &(dyn Fn(&str) -> Option<UserConflict> + Sync),
    ) -> sqlx::Result<Result<User, UserConflict>> {
        let names: Vec<String> = sqlx::query_scalar("SELECT username FROM users")
            .fetch_all(&mut *tx)
            .await?;
        if let Some(found) = names.iter().find_map(|name| conflict(name)) {
            return Ok(Err(found));
        }
        let sql = format!(
            "INSERT INTO users (username, username_key, role, password_hash) \
             VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}"
        );
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(new.username)
            .bind(new.key)
            .bind(new.role.key())
            .bind(new.password_hash)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(User::try_from(row)?))
    }

    /// See `Store::fill_missing_username_keys`.
    pub async fn fill_missing_username_keys(
        mut tx: Tx<DB>,
        key_of: &(dyn Fn(&str) -> String + Sync),
    ) -> sqlx::Result<Vec<String>> {
        let sql = format!(
            "SELECT id, username FROM users WHERE username_key IS NULL ORDER BY {}, id",
            DB::instant("created_at")
        );
        let missing: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?;
        let mut clashes = Vec::new();
        for (id, username) in missing {
            let key = key_of(&username);
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username_key = $1)")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
            if taken {
                clashes.push(username);
                continue;
            }
            sqlx::query("UPDATE users SET username_key = $2 WHERE id = $1")
                .bind(id)
                .bind(&key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(clashes)
    }

    pub async fn token_generations(reads: &Pool<DB>) -> sqlx::Result<Vec<(i64, i64)>> {
        sqlx::query_as("SELECT id, token_generation FROM users WHERE NOT disabled")
            .fetch_all(reads)
            .await
    }

    pub async fn list_users(reads: &Pool<DB>) -> sqlx::Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username_key, username");
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(reads)
            .await?;
        rows::users(rows)
    }

    /// See `Store::change_user`.
    pub async fn change_user(
        mut tx: Tx<DB>,
        key: &str,
        exact: &str,
        change: UserChange<'_>,
    ) -> sqlx::Result<bool> {
        let assignments = match change {
            UserChange::Role(_) => "role = $3, token_generation = token_generation + 1",
            UserChange::PasswordHash(_) => {
                "password_hash = $3, token_generation = token_generation + 1"
            }
            UserChange::Disabled(_) => {
                "disabled = $3, token_generation = token_generation + CASE WHEN $3 THEN 1 ELSE 0 END"
            }
        };
        let sql = format!(
            "UPDATE users SET {assignments}, updated_at = {} WHERE {MATCHES}",
            DB::NOW
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).bind(exact);
        let query = match change {
            UserChange::Role(role) => query.bind(role.key()),
            UserChange::PasswordHash(hash) => query.bind(hash),
            UserChange::Disabled(disabled) => query.bind(disabled),
        };
        let changed = DB::rows_affected(&query.execute(&mut *tx).await?);
        tx.commit().await?;
        Ok(changed == 1)
    }

    pub async fn remove_user(mut tx: Tx<DB>, key: &str, exact: &str) -> sqlx::Result<bool> {
        let sql = format!("DELETE FROM users WHERE {MATCHES}");
        let removed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(exact)
            .execute(&mut *tx)
            .await?;
        let removed = DB::rows_affected(&removed);
        tx.commit().await?;
        Ok(removed == 1)
    }
}
