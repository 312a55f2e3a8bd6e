//! PostgreSQL: built-in users. Usernames match whatever their case.

use casting_shared::Role;

use super::PgStore;
use crate::db::rows::{self, USER_COLUMNS, UserRow};
use crate::db::{User, UserChange};

impl PgStore {
    pub async fn find_user(&self, username: &str) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1)");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn add_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> sqlx::Result<User> {
        let sql = format!(
            "INSERT INTO users (username, role, password_hash) VALUES ($1, $2, $3) \
             RETURNING {USER_COLUMNS}"
        );
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .bind(role.key())
            .bind(password_hash)
            .fetch_one(&self.pool)
            .await?;
        User::try_from(row)
    }

    pub async fn list_users(&self) -> sqlx::Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(username)");
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows::users(rows)
    }

    pub async fn change_user(&self, username: &str, change: UserChange<'_>) -> sqlx::Result<bool> {
        let query = match change {
            UserChange::Role(role) => sqlx::query(
                "UPDATE users SET role = $2, updated_at = now() WHERE lower(username) = lower($1)",
            )
            .bind(username)
            .bind(role.key()),
            UserChange::PasswordHash(hash) => sqlx::query(
                "UPDATE users SET password_hash = $2, updated_at = now() \
                 WHERE lower(username) = lower($1)",
            )
            .bind(username)
            .bind(hash),
            UserChange::Disabled(disabled) => sqlx::query(
                "UPDATE users SET disabled = $2, updated_at = now() \
                 WHERE lower(username) = lower($1)",
            )
            .bind(username)
            .bind(disabled),
        };
        Ok(query.execute(&self.pool).await?.rows_affected() == 1)
    }

    pub async fn remove_user(&self, username: &str) -> sqlx::Result<bool> {
        let removed = sqlx::query("DELETE FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(removed.rows_affected() == 1)
    }
}
