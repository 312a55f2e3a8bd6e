//! Built-in users. Every lookup goes through [`UsernameKey`]; every change
//! that must take the user's tokens back bumps the user's token generation
//! (the store does, in the same statement).

use casting_shared::Role;

use super::usernames::UsernameKey;
use crate::db::{DbError, DbResult, NewUser, Store, UserChange, UserConflict};

pub use crate::db::User;

#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("a user named {0} already exists")]
    Duplicate(String),
    #[error("{new} looks too much like the existing user {existing}; choose another name")]
    LookAlike { new: String, existing: String },
    #[error(
        "{0} is, or looks like, the name the change log gives writes made straight in the \
         database; choose another name"
    )]
    Reserved(String),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// The user `username` names: by its key, or by its exact stored name for
/// a row whose key could not be filled in (see [`fill_missing_keys`]).
pub async fn find(db: &Store, username: &str) -> DbResult<Option<User>> {
    db.find_user(UsernameKey::of(username).as_str(), username.trim())
        .await
}

pub async fn find_by_id(db: &Store, id: i64) -> DbResult<Option<User>> {
    db.find_user_by_id(id).await
}

/// Refuses a name the change log uses for writes no user made (see
/// [`UsernameKey::is_reserved`]).
pub fn check_not_reserved(username: &str) -> Result<(), AddUserError> {
    if UsernameKey::of(username).is_reserved() {
        return Err(AddUserError::Reserved(username.to_owned()));
    }
    Ok(())
}

/// Adds a user unless the name, or a look-alike of it, is taken or
/// reserved. Two `add`s racing on look-alikes are serialised by the store.
pub async fn add(
    db: &Store,
    username: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, AddUserError> {
    check_not_reserved(username)?;
    let key = UsernameKey::of(username);
    let skeleton = key.skeleton();
    let conflict = |existing: &str| {
        let other = UsernameKey::of(existing);
        if other == key {
            Some(UserConflict::Duplicate)
        } else if other.skeleton() == skeleton {
            Some(UserConflict::LookAlike(existing.to_owned()))
        } else {
            None
        }
    };
    let new = NewUser {
        username,
        key: key.as_str(),
        role,
        password_hash,
    };
    match db.add_user(&new, &conflict).await {
        Ok(Ok(user)) => Ok(user),
        Ok(Err(UserConflict::Duplicate)) | Err(DbError::Duplicate) => {
            Err(AddUserError::Duplicate(username.to_owned()))
        }
        Ok(Err(UserConflict::LookAlike(existing))) => Err(AddUserError::LookAlike {
            new: username.to_owned(),
            existing,
        }),
        Err(error) => Err(error.into()),
    }
}

/// Fills `username_key` for rows written before it existed (migration 0005).
/// Two old names with one key (`Straße` and `strasse`) cannot both have it:
/// the older user keeps it, the newer one keeps no key (it can still be
/// listed, renamed by removing and adding, or removed by its exact name) and
/// is reported, so an operator decides. Returns the names left without a key.
pub async fn fill_missing_keys(db: &Store) -> DbResult<Vec<String>> {
    let key_of = |username: &str| UsernameKey::of(username).as_str().to_owned();
    db.fill_missing_username_keys(&key_of).await
}

/// `(user id, token generation)` of every user whose tokens may be accepted:
/// what each instance's revocation cache holds.
pub async fn token_generations(db: &Store) -> DbResult<Vec<(i64, i64)>> {
    db.token_generations().await
}

pub async fn list(db: &Store) -> DbResult<Vec<User>> {
    db.list_users().await
}

async fn change(db: &Store, username: &str, change: UserChange<'_>) -> DbResult<bool> {
    db.change_user(UsernameKey::of(username).as_str(), username.trim(), change)
        .await
}

/// A new role takes the user's tokens back (they carry the old role).
pub async fn set_role(db: &Store, username: &str, role: Role) -> DbResult<bool> {
    change(db, username, UserChange::Role(role)).await
}

/// A new password takes the user's tokens back (the old one may have leaked).
pub async fn set_password(db: &Store, username: &str, password_hash: &str) -> DbResult<bool> {
    change(db, username, UserChange::PasswordHash(password_hash)).await
}

/// Disabling takes the user's tokens back; enabling does not give them back.
pub async fn set_disabled(db: &Store, username: &str, disabled: bool) -> DbResult<bool> {
    change(db, username, UserChange::Disabled(disabled)).await
}

pub async fn remove(db: &Store, username: &str) -> DbResult<bool> {
    db.remove_user(UsernameKey::of(username).as_str(), username.trim())
        .await
}
