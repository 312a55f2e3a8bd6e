//! Corners a hostile client pokes at (issue 25, point 7).

use super::STORE;
use super::identity::{ok, server_command, text};
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_key_id_starting_with_a_dash_is_revoked_as_given() {
    let db = TestDb::new(STORE);
    ok(&db.url, &["migrate"], None);
    let pool = db.pool().await;
    // Ids are base64url thumbprints: one in 64 starts with `-`.
    pool.execute(
        "INSERT INTO signing_keys (kid, private_key_pem, retired_at) \
         VALUES ('-Zq3dashed', 'not used', '2026-01-01T00:00:00.000Z')",
    )
    .await;
    let out = ok(&db.url, &["keys", "revoke", "-Zq3dashed"], None);
    assert!(out.contains("revoked -Zq3dashed"), "{out}");
    let out = ok(&db.url, &["keys", "revoke", "--", "-Zq3dashed"], None);
    assert!(out.contains("already revoked"), "{out}");
    // Options still read as options.
    let help = tokio::task::block_in_place(|| {
        server_command(&db.url, &["keys", "revoke", "--help"], None)
    });
    assert!(
        help.status.success() && text(&help).contains("Usage"),
        "{}",
        text(&help)
    );
    pool.close().await;
}
