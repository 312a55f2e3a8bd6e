//! The store's built-in users and signing keys, whose statements are
//! written once for both backends (`db/common.rs`).

use crate::db::common::Shared;
use crate::db::{
    DbResult, KeyInfo, NewUser, RevokeOutcome, SealOutcome, Store, StoredKey, User, UserChange,
    UserConflict,
};

impl Store {
    // Built-in users. A user is named by the key of its name (see
    // `identity/usernames.rs`), or, for a row whose key could not be
    // filled in, by its exact stored name: `key` and `exact` below.

    pub async fn find_user(&self, key: &str, exact: &str) -> DbResult<Option<User>> {
        dispatch!(self, s => Shared::find_user(s.reads(), key, exact))
    }

    pub async fn find_user_by_id(&self, id: i64) -> DbResult<Option<User>> {
        dispatch!(self, s => Shared::find_user_by_id(s.reads(), id))
    }

    /// Adds a user unless `conflict` refuses the name because of an
    /// existing one; adds are serialised, so two look-alikes racing cannot
    /// both get in.
    pub async fn add_user(
        &self,
        new: &NewUser<'_>,
        conflict: &(dyn Fn(&str) -> Option<UserConflict> + Sync),
    ) -> DbResult<Result<User, UserConflict>> {
        dispatch!(self, s => async { Shared::add_user(s.users_tx().await?, new, conflict).await })
    }

    /// Gives each user without a key the key `key_of` its name, oldest
    /// first, unless an older user has it; answers the names left without.
    pub async fn fill_missing_username_keys(
        &self,
        key_of: &(dyn Fn(&str) -> String + Sync),
    ) -> DbResult<Vec<String>> {
        dispatch!(self, s => async {
            Shared::fill_missing_username_keys(s.users_tx().await?, key_of).await
        })
    }

    /// `(user id, token generation)` of every enabled user.
    pub async fn token_generations(&self) -> DbResult<Vec<(i64, i64)>> {
        dispatch!(self, s => Shared::token_generations(s.reads()))
    }

    /// Every user, by key.
    pub async fn list_users(&self) -> DbResult<Vec<User>> {
        dispatch!(self, s => Shared::list_users(s.reads()))
    }

    /// `true` when the user exists (and was changed).
    pub async fn change_user(
        &self,
        key: &str,
        exact: &str,
        change: UserChange<'_>,
    ) -> DbResult<bool> {
        dispatch!(self, s => async {
            Shared::change_user(s.write_tx().await?, key, exact, change).await
        })
    }

    pub async fn remove_user(&self, key: &str, exact: &str) -> DbResult<bool> {
        dispatch!(self, s => async { Shared::remove_user(s.write_tx().await?, key, exact).await })
    }

    // Signing keys, as stored (sealed or not: `identity/keys.rs` decides).

    /// Stores `stored` as the current key unless there is one already (several
    /// instances may try at once); `true` when it was stored.
    pub async fn add_first_signing_key(&self, kid: &str, stored: &str) -> DbResult<bool> {
        dispatch!(self, s => async { Shared::add_first_signing_key(s.keys_tx().await?, kid, stored).await })
    }

    /// Replaces the plain stored form `plain` of the key `kid` by `sealed`
    /// (unless another instance did first); if the key was signing, it is
    /// retired and `successor` (id, stored form) takes over, in the same
    /// transaction.
    pub async fn seal_signing_key(
        &self,
        kid: &str,
        plain: &str,
        sealed: &str,
        successor: (&str, &str),
    ) -> DbResult<SealOutcome> {
        dispatch!(self, s => async {
            Shared::seal_signing_key(s.keys_tx().await?, kid, plain, sealed, successor).await
        })
    }

    /// Retires the current key and makes `stored` the current one.
    pub async fn rotate_signing_key(&self, kid: &str, stored: &str) -> DbResult<()> {
        dispatch!(self, s => async { Shared::rotate_signing_key(s.keys_tx().await?, kid, stored).await })
    }

    /// Revokes the key `kid`; if it was signing, `new_kid` (stored as
    /// `new_stored`) takes over in the same transaction.
    pub async fn revoke_signing_key(
        &self,
        kid: &str,
        new_kid: &str,
        new_stored: &str,
    ) -> DbResult<RevokeOutcome> {
        dispatch!(self, s => async {
            Shared::revoke_signing_key(s.keys_tx().await?, kid, new_kid, new_stored).await
        })
    }

    forward! {
        /// The current key and the keys retired less than `retention` ago,
        /// none revoked, newest first.
        fn signing_keys(retention: std::time::Duration) -> Vec<StoredKey>;
        /// Every key's id and stored form, revoked ones too.
        fn stored_signing_keys() -> Vec<(String, String)>;
        /// Overwrites what the store still holds of replaced key rows: SQLite's
        /// free pages and write-ahead log (`VACUUM` with `secure_delete`, then
        /// a truncating checkpoint), PostgreSQL's dead row versions (`VACUUM
        /// FULL signing_keys`). `false` when SQLite could not truncate its log
        /// (a reader held it).
        fn scrub_signing_keys() -> bool;
        fn revoked_kids() -> Vec<String>;
        /// Every key, newest first.
        fn list_signing_keys() -> Vec<KeyInfo>;
    }
}
