//! Browser sign-in end to end: a real OpenID Connect provider (oidc-provider
//! under node, `tests/oidc/provider.mjs`) on loopback, the real server
//! trusting it, and the real client in tmux. The client's `open` call runs an
//! `xdg-open` first on PATH that plays the user at the browser
//! (`tests/oidc/xdg-open.mjs`): it goes through the provider's own device
//! confirmation, login and consent pages. oidc-provider is installed with `npm ci` on first use.
//! Waits are for text, bounded.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use casting_server::settings::ExternalIssuer;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::*;

const AUDIENCE: &str = "casting-agency";
const CLIENT_ID: &str = "casting-tui";

fn oidc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Waits until `done` (at most `seconds`), then says what was awaited.
async fn wait_until(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "waited {seconds} s for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `tests/oidc/provider.mjs`, running until dropped.
struct Provider {
    issuer: String,
    /// Its JSON event lines, and its stderr prefixed with `stderr:`.
    output: Arc<Mutex<Vec<String>>>,
    _process: Child,
}

/// Installs oidc-provider from the lock file the first time (once per test
/// run), so `cargo test --workspace` alone works on a fresh machine.
fn install_provider(dir: &std::path::Path) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if dir.join("node_modules/oidc-provider/package.json").exists() {
        return;
    }
    let installed = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status();
    assert!(
        installed.is_ok_and(|s| s.success())
            && dir.join("node_modules/oidc-provider/package.json").exists(),
        "the browser sign-in tests need oidc-provider: `npm ci --prefix tui/tests/oidc` failed"
    );
}

impl Provider {
    async fn start() -> Self {
        Self::start_with_access_tokens_of(3600).await
    }

    /// The provider, its access tokens lasting `seconds`.
    async fn start_with_access_tokens_of(seconds: u64) -> Self {
        let dir = oidc_dir();
        let node = std::process::Command::new("node").arg("--version").output();
        assert!(
            node.as_ref().is_ok_and(|o| o.status.success()),
            "the browser sign-in tests need Node.js (20 or later) on PATH: {node:?}"
        );
        install_provider(&dir);
        let mut process = Command::new("node")
            .arg("provider.mjs")
            .arg("0")
            .current_dir(&dir)
            .env("OIDC_EXIT_WITH_STDIN", "1")
            .env("OIDC_ACCESS_TOKEN_TTL", seconds.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts the provider");
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = BufReader::new(process.stdout.take().unwrap()).lines();
        let mut stderr = BufReader::new(process.stderr.take().unwrap()).lines();
        let collected = output.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                collected.lock().unwrap().push(format!("stderr: {line}"));
            }
        });
        let first = tokio::time::timeout(Duration::from_secs(20), stdout.next_line()).await;
        let issuer = match first {
            Ok(Ok(Some(line))) if line.starts_with("http://127.0.0.1:") => line,
            other => panic!(
                "the provider did not print its issuer ({other:?}):\n{}",
                output.lock().unwrap().join("\n")
            ),
        };
        let collected = output.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                collected.lock().unwrap().push(line);
            }
        });
        Self {
            issuer,
            output,
            _process: process,
        }
    }

    /// What the server is told about it, read from its discovery document.
    async fn external_issuer(&self) -> ExternalIssuer {
        let discovery_url = format!("{}/.well-known/openid-configuration", self.issuer);
        let discovered: Value = reqwest::get(&discovery_url)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(discovered["issuer"], self.issuer.as_str());
        ExternalIssuer {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.into(),
            jwks_url: discovered["jwks_uri"].as_str().unwrap().into(),
            discovery_url,
            client_id: Some(CLIENT_ID.into()),
        }
    }

    fn events(&self) -> Vec<Value> {
        self.output
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The first event named `name` (waiting for it, at most 10 s).
    async fn event(&self, name: &str) -> Value {
        let find = || self.events().into_iter().find(|e| e["event"] == name);
        wait_until(&format!("the provider's {name:?} event"), 10, || {
            find().is_some()
        })
        .await;
        find().unwrap()
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- the provider said:\n{}",
                self.output.lock().unwrap().join("\n")
            );
        }
    }
}

/// A directory put first on PATH, holding an `xdg-open` that runs the
/// stand-in user with this account and decision, logging to `browser.log`.
struct Browser {
    dir: PathBuf,
}

impl Browser {
    fn new(user: &str, decision: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "casting-tui-browser-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let script = format!(
            "#!/bin/sh\n\
             CASTING_TEST_BROWSER_USER='{user}' CASTING_TEST_BROWSER_DECISION='{decision}' \
             CASTING_TEST_BROWSER_LOG='{}' exec node '{}' \"$@\"\n",
            dir.join("browser.log").display(),
            oidc_dir().join("xdg-open.mjs").display(),
        );
        let opener = dir.join("xdg-open");
        std::fs::write(&opener, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self { dir }
    }

    /// PATH with this directory first.
    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.dir.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("browser.log")).unwrap_or_default()
    }

    /// Waits until the stand-in user has finished (at most 20 s), returning its log.
    async fn finished(&self) -> String {
        wait_until("the stand-in browser to finish", 20, || {
            let log = self.log();
            log.contains("done:") || log.contains("FAILED")
        })
        .await;
        let log = self.log();
        assert!(!log.contains("FAILED"), "{log}");
        log
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.log();
            let log = if log.is_empty() {
                "(nothing: it never ran)"
            } else {
                &log
            };
            eprintln!("--- the stand-in browser did:\n{log}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The user code on the login screen.
fn code_on(screen: &str) -> String {
    let start = screen.find("Code: ").expect("a code is shown") + "Code: ".len();
    screen[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('│')
        .to_owned()
}

/// Starts a browser sign-in (Ctrl-B) and returns the code the screen shows.
async fn sign_in_with_browser(tmux: &Tmux, provider: &Provider) -> String {
    tmux.wait_for("Sign in with browser (Ctrl-B)").await;
    tmux.keys(&["C-b"]).await;
    let screen = tmux.wait_for("Code: ").await;
    assert!(
        screen.contains("Open this page and enter the code:")
            && screen.contains(&format!("{}/device", provider.issuer)),
        "{screen}"
    );
    assert!(
        !screen.contains("could not open a browser"),
        "the stand-in xdg-open ran: {screen}"
    );
    code_on(&screen)
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_sign_in_through_a_real_provider_logs_in_with_the_directors_permissions() {
    let provider = Provider::start().await;
    let browser = Browser::new("director", "approve");
    let (server, _) = start_server_trusting(Some(provider.external_issuer().await)).await;
    let tmux = Tmux::new();
    tmux.launch_with(&server, &[("PATH", &browser.path())])
        .await;

    let code = sign_in_with_browser(&tmux, &provider).await;
    let log = browser.finished().await;
    assert!(
        log.contains(&format!("device code on the page: {code}")),
        "the browser shows the terminal's code {code}:\n{log}"
    );
    assert!(log.contains("done: Sign-in Success"), "{log}");

    // Polling picks the approval up: the tables, with the director's keys.
    tmux.wait_for("Logged in as director (Casting Director)")
        .await;
    let screen = tmux.wait_for("actors: row 1 of 64").await;
    assert!(screen.contains("director · Casting Director"), "{screen}");
    assert!(
        screen.contains("n new") && screen.contains("e edit") && screen.contains("d delete"),
        "a director adds, edits and deletes actors:\n{screen}"
    );
    tmux.keys(&["2"]).await;
    let screen = tmux.wait_for("movies: row 1 of 26").await;
    assert!(
        screen.contains("e edit") && !screen.contains("n new") && !screen.contains("d delete"),
        "a director edits movies but neither adds nor deletes them:\n{screen}"
    );

    // The provider saw the device request, the approval and issued the token.
    let requested = provider.event("device_authorization").await;
    assert_eq!(
        (
            requested["user_code"].as_str(),
            requested["audience"].as_str()
        ),
        (Some(code.as_str()), Some(AUDIENCE)),
        "{requested}"
    );
    assert_eq!(provider.event("approved").await["account"], "director");
    let issued = provider.event("token_issued").await;
    assert_eq!(
        (issued["account"].as_str(), issued["audience"].as_str()),
        (Some("director"), Some(AUDIENCE)),
        "{issued}"
    );

    // The same kind of token, fetched here, as the API sees it.
    let token = device_flow_token(&provider, &browser).await;
    let me: Value = reqwest::Client::new()
        .get(format!("{server}/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            me["username"].as_str(),
            me["role"].as_str(),
            me["issuer"].as_str(),
            me["permissions"].as_array().map(Vec::len),
        ),
        (
            Some("director"),
            Some("Casting Director"),
            Some(provider.issuer.as_str()),
            Some(6)
        ),
        "{me}"
    );

    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

/// Its access tokens last 10 s: the client renews them with the refresh
/// token the provider granted, and works on past the first one's end.
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_sign_in_is_renewed_with_the_providers_refresh_token() {
    let provider = Provider::start_with_access_tokens_of(10).await;
    let browser = Browser::new("director", "approve");
    let (server, _) = start_server_trusting(Some(provider.external_issuer().await)).await;
    let tmux = Tmux::new();
    tmux.launch_with(&server, &[("PATH", &browser.path())])
        .await;
    sign_in_with_browser(&tmux, &provider).await;
    browser.finished().await;
    tmux.wait_for("actors: row 1 of 64").await;
    let signed_in = Instant::now();
    let issued = |provider: &Provider| {
        provider
            .events()
            .iter()
            .filter(|e| e["event"] == "token_issued")
            .count()
    };
    wait_until("a second token, from the refresh token", 20, || {
        issued(&provider) >= 2
    })
    .await;
    // Past the first token's end, the session goes on.
    tokio::time::sleep(Duration::from_secs(11).saturating_sub(signed_in.elapsed())).await;
    tmux.keys(&["R"]).await;
    let screen = tmux.wait_for("Reloaded: 64 actors").await;
    assert!(!screen.contains("Session ended"), "{screen}");
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_consent_in_the_browser_says_sign_in_was_denied() {
    let provider = Provider::start().await;
    let browser = Browser::new("director", "deny");
    let (server, _) = start_server_trusting(Some(provider.external_issuer().await)).await;
    let tmux = Tmux::new();
    tmux.launch_with(&server, &[("PATH", &browser.path())])
        .await;

    let code = sign_in_with_browser(&tmux, &provider).await;
    let log = browser.finished().await;
    assert!(
        log.contains(&format!("device code on the page: {code}"))
            && log.contains("cancel at consent")
            && log.contains("The Sign-in request was interrupted"),
        "{log}"
    );

    let screen = tmux.wait_for("Sign-in was denied in the browser").await;
    assert!(
        !screen.contains("Code: ") && screen.contains("Sign in with browser (Ctrl-B)"),
        "back to the login screen, ready to try again:\n{screen}"
    );
    assert_eq!(
        provider.event("token_refused").await["error"],
        "access_denied"
    );
    assert!(
        provider
            .events()
            .iter()
            .all(|e| e["event"] != "token_issued"),
        "{:?}",
        provider.events()
    );

    tmux.keys(&["Escape"]).await;
    tmux.wait_until_gone().await;
}

#[test]
fn the_api_is_named_as_resource_only_when_it_is_an_absolute_uri() {
    use casting_tui::device::device_request;
    let names = |form: Vec<(&'static str, &str)>| -> Vec<&'static str> {
        form.into_iter().map(|(name, _)| name).collect()
    };
    assert_eq!(
        names(device_request(CLIENT_ID, "casting-agency")),
        ["client_id", "scope", "audience"],
        "RFC 8707: a provider refuses a resource that is not an absolute URI"
    );
    assert_eq!(
        device_request(CLIENT_ID, "https://api.casting.example/")
            .into_iter()
            .filter(|(n, _)| *n == "audience" || *n == "resource")
            .collect::<Vec<_>>(),
        [
            ("audience", "https://api.casting.example/"),
            ("resource", "https://api.casting.example/")
        ]
    );
}

/// A token from the provider's device flow as the client gets it, with the
/// stand-in user approving: for checking it against the API directly.
async fn device_flow_token(provider: &Provider, browser: &Browser) -> String {
    let http = reqwest::Client::new();
    let discovered: Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            provider.issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let started: Value = http
        .post(
            discovered["device_authorization_endpoint"]
                .as_str()
                .unwrap(),
        )
        .form(&casting_tui::device::device_request(CLIENT_ID, AUDIENCE))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let opened = Command::new(browser.dir.join("xdg-open"))
        .arg(started["verification_uri_complete"].as_str().unwrap())
        .status()
        .await
        .unwrap();
    assert!(opened.success(), "{}", browser.log());
    let answer: Value = http
        .post(discovered["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", started["device_code"].as_str().unwrap()),
            ("client_id", CLIENT_ID),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_owned()
}
