//! SQLite: built-in users. Usernames match whatever their case.

use casting_shared::Role;

use super::{NOW, SqliteStore};
use crate::db::rows::{self, USER_COLUMNS, UserRow};
use crate::db::{User, UserChange};

impl SqliteStore {
    pub async fn find_user(&self, username: &str) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower(?)");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.reader)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn add_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> sqlx::Result<User> {
        let mut tx = self.write().await?;
        let sql = format!(
            "INSERT INTO users (username, role, password_hash) VALUES (?, ?, ?) \
             RETURNING {USER_COLUMNS}"
        );
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .bind(role.key())
            .bind(password_hash)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        User::try_from(row)
    }

    pub async fn list_users(&self) -> sqlx::Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(username)");
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.reader)
            .await?;
        rows::users(rows)
    }

    pub async fn change_user(&self, username: &str, change: UserChange<'_>) -> sqlx::Result<bool> {
        let set = match change {
            UserChange::Role(_) => "role",
            UserChange::PasswordHash(_) => "password_hash",
            UserChange::Disabled(_) => "disabled",
        };
        let sql = format!(
            "UPDATE users SET {set} = ?, updated_at = {NOW} WHERE lower(username) = lower(?)"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let query = match change {
            UserChange::Role(role) => query.bind(role.key()),
            UserChange::PasswordHash(hash) => query.bind(hash),
            UserChange::Disabled(disabled) => query.bind(disabled),
        };
        let mut tx = self.write().await?;
        let changed = query
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(changed == 1)
    }

    pub async fn remove_user(&self, username: &str) -> sqlx::Result<bool> {
        let mut tx = self.write().await?;
        let removed = sqlx::query("DELETE FROM users WHERE lower(username) = lower(?)")
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed == 1)
    }
}
