//! SQL for built-in users. Every lookup goes through [`UsernameKey`]; every
//! change that must take the user's tokens back bumps `token_generation`.

use casting_shared::Role;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;

use super::usernames::UsernameKey;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    /// Tokens carrying an older generation are refused.
    pub token_generation: i64,
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    role: String,
    password_hash: String,
    disabled: bool,
    created_at: OffsetDateTime,
    token_generation: i64,
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
            token_generation: row.token_generation,
        })
    }
}

const COLUMNS: &str = "id, username, role, password_hash, disabled, created_at, token_generation";

/// The one row that names the user: a row whose key could not be filled in
/// (see [`fill_missing_keys`]) by its exact stored name first, else the row
/// with the key.
const MATCHES: &str = "id = (SELECT id FROM users \
     WHERE username_key = $1 OR (username_key IS NULL AND username = $2) \
     ORDER BY username_key IS NULL DESC, id LIMIT 1)";

#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("a user named {0} already exists")]
    Duplicate(String),
    #[error("{new} looks too much like the existing user {existing}; choose another name")]
    LookAlike { new: String, existing: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn find(db: &PgPool, username: &str) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {MATCHES}");
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(UsernameKey::of(username).as_str())
        .bind(username.trim())
        .fetch_optional(db)
        .await?;
    row.map(User::try_from).transpose()
}

pub async fn find_by_id(db: &PgPool, id: i64) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(User::try_from).transpose()
}

/// Adds a user unless the name, or a look-alike of it, is taken. Two `add`s
/// racing on look-alikes are serialised by a table lock.
pub async fn add(
    db: &PgPool,
    username: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, AddUserError> {
    let mut tx = db.begin().await?;
    sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let key = UsernameKey::of(username);
    let skeleton = key.skeleton();
    let names: Vec<String> = sqlx::query_scalar("SELECT username FROM users")
        .fetch_all(&mut *tx)
        .await?;
    for existing in names {
        let other = UsernameKey::of(&existing);
        if other == key {
            return Err(AddUserError::Duplicate(username.to_owned()));
        }
        if other.skeleton() == skeleton {
            return Err(AddUserError::LookAlike {
                new: username.to_owned(),
                existing,
            });
        }
    }
    let sql = format!(
        "INSERT INTO users (username, username_key, role, password_hash) \
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    );
    let row: Result<UserRow, sqlx::Error> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(username)
        .bind(key.as_str())
        .bind(role.key())
        .bind(password_hash)
        .fetch_one(&mut *tx)
        .await;
    let row = match row {
        Ok(row) => row,
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("users_username_key_unique") => {
            return Err(AddUserError::Duplicate(username.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(User::try_from(row)?)
}

/// Fills `username_key` for rows written before it existed (migration 0005).
/// Two old names with one key (`Straße` and `strasse`) cannot both have it:
/// the older user keeps it, the newer one keeps a NULL key (it can still be
/// listed, renamed by removing and adding, or removed by its exact name) and
/// is reported, so an operator decides. Returns the names left without a key.
pub async fn fill_missing_keys(db: &PgPool) -> sqlx::Result<Vec<String>> {
    let mut tx = db.begin().await?;
    sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let missing: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, username FROM users WHERE username_key IS NULL ORDER BY created_at, id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut clashes = Vec::new();
    for (id, username) in missing {
        let key = UsernameKey::of(&username);
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username_key = $1)")
                .bind(key.as_str())
                .fetch_one(&mut *tx)
                .await?;
        if taken {
            clashes.push(username);
            continue;
        }
        sqlx::query("UPDATE users SET username_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(clashes)
}

/// `(user id, token generation)` of every user whose tokens may be accepted:
/// what each instance's revocation cache holds.
pub async fn token_generations(db: &PgPool) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("SELECT id, token_generation FROM users WHERE NOT disabled")
        .fetch_all(db)
        .await
}

pub async fn list(db: &PgPool) -> sqlx::Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username_key, username");
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
/// Runs `UPDATE users SET {assignments}` on the user named `username`; `$3`
/// is `value`. `true` when the user exists (and was changed).
async fn update<T>(
    db: &PgPool,
    username: &str,
    assignments: &'static str,
    value: T,
) -> sqlx::Result<bool>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + 'static,
{
    let sql = format!("UPDATE users SET {assignments}, updated_at = now() WHERE {MATCHES}");
    let changed = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(UsernameKey::of(username).as_str())
        .bind(username.trim())
        .bind(value)
        .execute(db)
        .await?;
    Ok(changed.rows_affected() == 1)
}

/// A new role takes the user's tokens back (they carry the old role).
pub async fn set_role(db: &PgPool, username: &str, role: Role) -> sqlx::Result<bool> {
    let assignments = "role = $3, token_generation = token_generation + 1";
    update(db, username, assignments, role.key()).await
}

/// A new password takes the user's tokens back (the old one may have leaked).
pub async fn set_password(db: &PgPool, username: &str, password_hash: &str) -> sqlx::Result<bool> {
    let assignments = "password_hash = $3, token_generation = token_generation + 1";
    update(db, username, assignments, password_hash.to_owned()).await
}

/// Disabling takes the user's tokens back; enabling does not give them back.
pub async fn set_disabled(db: &PgPool, username: &str, disabled: bool) -> sqlx::Result<bool> {
    let assignments = "disabled = $3, \
         token_generation = token_generation + CASE WHEN $3 THEN 1 ELSE 0 END";
    update(db, username, assignments, disabled).await
}

pub async fn remove(db: &PgPool, username: &str) -> sqlx::Result<bool> {
    let sql = format!("DELETE FROM users WHERE {MATCHES}");
    let removed = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(UsernameKey::of(username).as_str())
        .bind(username.trim())
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}
