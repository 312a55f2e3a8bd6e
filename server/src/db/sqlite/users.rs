//! SQLite: built-in users. Every change that takes a user's tokens back
//! bumps `token_generation` in the same statement.

use super::{NOW, SqliteStore};
use crate::db::rows::{self, USER_COLUMNS, UserRow};
use crate::db::{NewUser, User, UserChange, UserConflict};

/// The one row that names the user: a row whose key could not be filled in
/// by its exact stored name first, else the row with the key.
const MATCHES: &str = "id = (SELECT id FROM users \
     WHERE username_key = ?1 OR (username_key IS NULL AND username = ?2) \
     ORDER BY username_key IS NULL DESC, id LIMIT 1)";

impl SqliteStore {
    pub async fn find_user(&self, key: &str, exact: &str) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {MATCHES}");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(exact)
            .fetch_optional(&self.reader)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn find_user_by_id(&self, id: i64) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(User::try_from).transpose()
    }

    /// The write transaction (one writer at a time) serialises adds.
    pub async fn add_user(
        &self,
        new: &NewUser<'_>,
        conflict: &(dyn Fn(&str) -> Option<UserConflict> + Sync),
    ) -> sqlx::Result<Result<User, UserConflict>> {
        let mut tx = self.write().await?;
        let names: Vec<String> = sqlx::query_scalar("SELECT username FROM users")
            .fetch_all(&mut *tx)
            .await?;
        if let Some(found) = names.iter().find_map(|name| conflict(name)) {
            return Ok(Err(found));
        }
        let sql = format!(
            "INSERT INTO users (username, username_key, role, password_hash) \
             VALUES (?, ?, ?, ?) RETURNING {USER_COLUMNS}"
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

    pub async fn fill_missing_username_keys(
        &self,
        key_of: &(dyn Fn(&str) -> String + Sync),
    ) -> sqlx::Result<Vec<String>> {
        let mut tx = self.write().await?;
        let missing: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, username FROM users WHERE username_key IS NULL \
             ORDER BY julianday(created_at), id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut clashes = Vec::new();
        for (id, username) in missing {
            let key = key_of(&username);
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username_key = ?)")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
            if taken {
                clashes.push(username);
                continue;
            }
            sqlx::query("UPDATE users SET username_key = ? WHERE id = ?")
                .bind(&key)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(clashes)
    }

    pub async fn token_generations(&self) -> sqlx::Result<Vec<(i64, i64)>> {
        sqlx::query_as("SELECT id, token_generation FROM users WHERE NOT disabled")
            .fetch_all(&self.reader)
            .await
    }

    pub async fn list_users(&self) -> sqlx::Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username_key, username");
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.reader)
            .await?;
        rows::users(rows)
    }

    pub async fn change_user(
        &self,
        key: &str,
        exact: &str,
        change: UserChange<'_>,
    ) -> sqlx::Result<bool> {
        let assignments = match change {
            UserChange::Role(_) => "role = ?3, token_generation = token_generation + 1",
            UserChange::PasswordHash(_) => {
                "password_hash = ?3, token_generation = token_generation + 1"
            }
            UserChange::Disabled(_) => {
                "disabled = ?3, token_generation = token_generation + CASE WHEN ?3 THEN 1 ELSE 0 END"
            }
        };
        let sql = format!("UPDATE users SET {assignments}, updated_at = {NOW} WHERE {MATCHES}");
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).bind(exact);
        let query = match change {
            UserChange::Role(role) => query.bind(role.key()),
            UserChange::PasswordHash(hash) => query.bind(hash),
            UserChange::Disabled(disabled) => query.bind(disabled),
        };
        let mut tx = self.write().await?;
        let changed = query.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(changed == 1)
    }

    pub async fn remove_user(&self, key: &str, exact: &str) -> sqlx::Result<bool> {
        let sql = format!("DELETE FROM users WHERE {MATCHES}");
        let mut tx = self.write().await?;
        let removed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(exact)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed == 1)
    }
}
