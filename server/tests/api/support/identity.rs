//! Built-in users as an operator makes them, with the real `users`
//! command, and their logins through the API.

use std::process::Output;

use serde_json::{Value, json};

use super::{TestApp, binary, read, run, text};

/// Runs `casting-server ARGS` on the database at `db_url` to its end.
pub fn server_command(db_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = binary(args);
    command.env("DATABASE_URL", db_url).env("RUST_LOG", "warn");
    run(&mut command, stdin)
}

/// Runs a users/keys command that must succeed; returns what it printed.
pub fn ok(db_url: &str, args: &[&str], stdin: Option<&str>) -> String {
    let output = tokio::task::block_in_place(|| server_command(db_url, args, stdin));
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        text(&output)
    );
    text(&output)
}

/// Adds a user through the real `users add` command.
pub fn add_user(db_url: &str, name: &str, role: &str, password: &str) {
    ok(
        db_url,
        &["users", "add", name, "--role", role, "--password-stdin"],
        Some(&format!("{password}\n")),
    );
}

/// Runs a command that must fail with a message containing `expected`.
pub fn fails(db_url: &str, args: &[&str], stdin: Option<&str>, expected: &str) {
    let output = tokio::task::block_in_place(|| server_command(db_url, args, stdin));
    assert!(
        !output.status.success(),
        "{args:?} succeeded: {}",
        text(&output)
    );
    assert!(
        text(&output).contains(expected),
        "{args:?}: {:?} lacks {expected:?}",
        text(&output)
    );
}

pub async fn login(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let response = app
        .http
        .post(app.url("/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    read(response).await
}

pub async fn login_token(app: &TestApp, username: &str, password: &str) -> String {
    let (status, body) = login(app, username, password).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}
