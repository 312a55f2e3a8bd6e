//! SQL for built-in users.

use casting_shared::Role;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    role: String,
    password_hash: String,
    disabled: bool,
    created_at: OffsetDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown role {:?} for {}", row.role, row.username).into())
        })?;
        Ok(User {
            id: row.id,
            username: row.username,
            role,
            password_hash: row.password_hash,
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

const COLUMNS: &str = "id, username, role, password_hash, disabled, created_at";

#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("a user named {0} already exists")]
    Duplicate(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn find(db: &PgPool, username: &str) -> sqlx::Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT id, username, role, password_hash, disabled, created_at \
         FROM users WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .fetch_optional(db)
    .await?;
    row.map(User::try_from).transpose()
}

pub async fn add(
    db: &PgPool,
    username: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, AddUserError> {
    let row: Result<UserRow, sqlx::Error> = sqlx::query_as(
        "INSERT INTO users (username, role, password_hash) VALUES ($1, $2, $3) \
         RETURNING id, username, role, password_hash, disabled, created_at",
    )
    .bind(username)
    .bind(role.key())
    .bind(password_hash)
    .fetch_one(db)
    .await;
    match row {
        Ok(row) => Ok(User::try_from(row)?),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("users_username_unique") => {
            Err(AddUserError::Duplicate(username.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn list(db: &PgPool) -> sqlx::Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY lower(username)");
    let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(db)
        .await?;
    rows.into_iter().map(User::try_from).collect()
}

pub async fn count(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(db)
        .await
}

/// `true` when the user exists (and was changed).
pub async fn set_role(db: &PgPool, username: &str, role: Role) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE users SET role = $2, updated_at = now() WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .bind(role.key())
    .execute(db)
    .await?;
    Ok(changed.rows_affected() == 1)
}

pub async fn set_password(db: &PgPool, username: &str, password_hash: &str) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .bind(password_hash)
    .execute(db)
    .await?;
    Ok(changed.rows_affected() == 1)
}

pub async fn set_disabled(db: &PgPool, username: &str, disabled: bool) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE users SET disabled = $2, updated_at = now() WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .bind(disabled)
    .execute(db)
    .await?;
    Ok(changed.rows_affected() == 1)
}

pub async fn remove(db: &PgPool, username: &str) -> sqlx::Result<bool> {
    let removed = sqlx::query("DELETE FROM users WHERE lower(username) = lower($1)")
        .bind(username)
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}
