//! The command line as an operator meets it: `--help` grouped by concern,
//! shell completions that a real bash completes with, the manual page, and
//! `PORT` as hosting platforms set it.

use std::net::SocketAddr;
use std::process::{Command, Output};

use crate::support::*;

fn casting_server(args: &[&str]) -> Output {
    run(binary(args).env("RUST_LOG", "warn"), None)
}

fn stdout_of(args: &[&str]) -> String {
    let output = casting_server(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `--help` split into its sections: heading → the lines under it.
fn help_sections(help: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let is_heading = !line.starts_with(' ') && line.ends_with(':');
        if is_heading {
            sections.push((line.trim_end_matches(':').to_owned(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    sections
}

#[test]
fn help_groups_the_options_under_headings() {
    let help = stdout_of(&["--help"]);
    let sections = help_sections(&help);
    let headings: Vec<&str> = sections.iter().map(|(h, _)| h.as_str()).collect();
    let expected = [
        (
            "Database",
            &["--database-url", "--db-pool-size", "--db-timeout", "--demo"][..],
        ),
        (
            "HTTP",
            &[
                "--bind",
                "--port",
                "--cors-origins",
                "--request-timeout",
                "--header-timeout",
                "--metrics",
            ],
        ),
        (
            "External issuer (Auth0 or any OpenID Connect provider)",
            &[
                "--auth-issuer",
                "--auth-audience",
                "--auth-jwks-url",
                "--auth-client-id",
                "--auth-leeway",
            ],
        ),
        (
            "Built-in identity",
            &[
                "--public-url",
                "--token-ttl",
                "--signing-key-file",
                "--login-max-failures",
            ],
        ),
        ("Logging", &["--log-format"]),
    ];
    for (heading, options) in expected {
        let (_, body) = sections
            .iter()
            .find(|(h, _)| h == heading)
            .unwrap_or_else(|| panic!("no {heading:?} heading in {headings:?}:\n{help}"));
        for option in options {
            assert!(
                body.contains(option),
                "{option} is not under {heading:?}:\n{help}"
            );
        }
    }
    // What is left under the generic heading is only help and version.
    let (_, generic) = sections.iter().find(|(h, _)| h == "Options").unwrap();
    let generic_options: Vec<&str> = generic
        .lines()
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
        .collect();
    assert_eq!(generic_options, ["--help", "--version"], "{help}");
    // The environment variable of each option is shown beside it.
    assert!(help.contains("[env: CASTING_METRICS="), "{help}");
    assert!(help.contains("[env: PORT="), "{help}");
}

#[test]
fn help_never_shows_the_database_passwords() {
    let output = run(
        binary(&["--help"])
            .env("DATABASE_URL", "postgres://u:first-secret@db/casting")
            .env(
                "DATABASE_READ_URL",
                "postgres://u:second-secret@replica/casting",
            )
            .env("CASTING_KEY_ENCRYPTION_KEY", "third-secret"),
        None,
    );
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("DATABASE_URL"), "{help}");
    for secret in ["first-secret", "second-secret", "third-secret"] {
        assert!(!help.contains(secret), "{secret} in:\n{help}");
    }
}

/// Asks a real bash what the generated completion offers after `words`.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let words_array = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        "source '{}'; COMP_WORDS=({words_array}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         _casting__server casting-server '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completion_completes_subcommands_and_option_values() {
    let script = stdout_of(&["completions", "bash"]);
    let dir = std::env::temp_dir().join(format!("casting-completions-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("casting-server.bash");
    std::fs::write(&path, &script).unwrap();

    let offered = bash_completes(&path, &["casting-server", "us"]);
    assert_eq!(offered, ["users"], "completing `us`");
    let mut offered = bash_completes(&path, &["casting-server", "--log-format", ""]);
    offered.sort();
    assert_eq!(
        offered,
        ["json", "pretty"],
        "completing a --log-format value"
    );
    // Not checked: a subcommand's own arguments (`users set-`). clap_complete
    // 4.6 names the script's states after the hyphenated program name in
    // two different ways, so bash offers nothing there.
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn zsh_and_fish_completions_name_every_subcommand() {
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef casting-server"), "{zsh}");
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("complete -c casting-server"), "{fish}");
    for subcommand in ["serve", "migrate", "users", "keys", "completions", "man"] {
        assert!(
            zsh.contains(&format!("'{subcommand}:")),
            "zsh lacks {subcommand}"
        );
        assert!(
            fish.contains(&format!("-a \"{subcommand}\"")),
            "fish lacks {subcommand}"
        );
    }
    for option in ["database-url", "auth-issuer", "login-window"] {
        assert!(zsh.contains(&format!("--{option}")), "zsh lacks --{option}");
        assert!(
            fish.contains(&format!("-l {option}")),
            "fish lacks --{option}"
        );
    }
    let output = casting_server(&["completions", "tcsh"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("bash") && message.contains("zsh"),
        "{message}"
    );
}

#[test]
fn man_page_is_roff_generated_from_the_same_definitions() {
    let page = stdout_of(&["man"]);
    assert!(
        page.contains(".TH casting-server 1"),
        "not a section-1 page"
    );
    for text in [
        "\\-\\-database\\-url",
        "\\-\\-metrics",
        "\\-\\-port",
        "completions",
    ] {
        assert!(page.contains(text), "the man page lacks {text}");
    }
    // Rendered by the real formatter when there is one, without warnings.
    if let Ok(output) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut groff| {
            use std::io::Write;
            groff.stdin.take().unwrap().write_all(page.as_bytes())?;
            groff.wait_with_output()
        })
    {
        assert!(output.status.success());
        let warnings = String::from_utf8_lossy(&output.stderr);
        assert!(warnings.trim().is_empty(), "groff warns: {warnings}");
    } else {
        println!("groff is not installed: the page was not rendered");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn port_listens_on_every_interface_unless_an_address_is_given() {
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    // The default store: an embedded SQLite file.
    let db = TestDb::new(Backend::Sqlite);
    let port = free_port();
    let mut server = tokio::task::block_in_place(|| {
        Server::start_with(&db, &jwks, |command| {
            command
                .env_remove("CASTING_BIND")
                .env("PORT", port.to_string());
        })
    });
    let address = tokio::task::block_in_place(|| server.address());
    assert_eq!(address, SocketAddr::from(([0, 0, 0, 0], port)));
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // CASTING_BIND, when set, wins over PORT.
    let other = TestDb::new(Backend::Sqlite);
    let ignored = free_port();
    let mut server = tokio::task::block_in_place(|| {
        Server::start_with(&other, &jwks, |command| {
            command.env("PORT", ignored.to_string());
        })
    });
    let address = tokio::task::block_in_place(|| server.address());
    assert!(address.ip().is_loopback(), "{address}");
    assert_ne!(address.port(), ignored);
}
