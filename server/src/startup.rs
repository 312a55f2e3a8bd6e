//! Start-up: create and migrate the database, build the application, serve
//! until SIGTERM or Ctrl-C, then drain in-flight requests and exit.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderValue;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::net::TcpListener;

use crate::auth::discovery::ExternalLoginInfo;
use crate::auth::jwks::JwksCache;
use crate::auth::verifier::KeySource;
use crate::auth::{TrustedIssuer, Verifier};
use crate::config::{CommonArgs, ServeArgs};
use crate::connections::{self, ConnectionLimits};
use crate::identity::demo::{self, DemoError};
use crate::identity::{
    HashingPool, Identity, Keyring, LoginThrottle, RefreshLimit, Revocations, users,
};
use crate::metrics::Metrics;
use crate::routes::{HttpConfig, app};
use crate::settings::AuthSettings;
use crate::state::AppState;
use crate::systemd;

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// How the server uses its database.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub pool_size: u32,
    /// Bounds both the wait for a connection and each statement (then 503).
    pub timeout: Duration,
}

impl From<&CommonArgs> for DbSettings {
    fn from(args: &CommonArgs) -> Self {
        Self {
            pool_size: args.db_pool_size,
            timeout: args.db_timeout,
        }
    }
}

impl Default for DbSettings {
    fn default() -> Self {
        Self {
            pool_size: 8,
            timeout: Duration::from_secs(3),
        }
    }
}

/// Creates the database named in `url` if it is missing, connects a pool,
/// and applies the migrations. Several servers may do this at once: sqlx
/// holds an advisory lock while migrating.
pub async fn prepare_database(url: &str, settings: &DbSettings) -> anyhow::Result<PgPool> {
    let options =
        PgConnectOptions::from_str(url).context("DATABASE_URL is not a PostgreSQL URL")?;
    ensure_database(&options).await?;
    let statement_timeout = format!("{}", settings.timeout.as_millis());
    let pool = PgPoolOptions::new()
        .max_connections(settings.pool_size.max(1))
        .acquire_timeout(settings.timeout)
        // No ping before each use: it would double the round trips. A
        // connection broken by an outage fails its query (503) and is dropped.
        .test_before_acquire(false)
        // Report each acquire's wait as a tracing event: the metrics'
        // pool-acquire layer turns it into a histogram.
        .acquire_time_level(log::LevelFilter::Trace)
        .connect_with(options.options([("statement_timeout", statement_timeout.as_str())]))
        .await
        .with_context(|| format!("cannot connect to {}", redact(url)))?;
    MIGRATOR
        .run(&pool)
        .await
        .context("cannot apply the database migrations")?;
    let clashes = users::fill_missing_keys(&pool)
        .await
        .context("cannot normalise the stored usernames")?;
    for name in clashes {
        tracing::warn!(
            username = ?name,
            "this user's name is the same as an older user's once normalised (case, width, \
             compatibility forms); it cannot log in until one of them is removed \
             (`casting-server users remove NAME`)"
        );
    }
    Ok(pool)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(o) => format!(
            "postgres://{}@{}:{}/{}",
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        ),
        Err(_) => "the database".into(),
    }
}

async fn ensure_database(options: &PgConnectOptions) -> anyhow::Result<()> {
    let name = options
        .get_database()
        .unwrap_or(options.get_username())
        .to_owned();
    let mut admin = options
        .clone()
        .database("postgres")
        .connect()
        .await
        .context("cannot reach PostgreSQL (is it running, and is DATABASE_URL right?)")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
            .execute(&mut admin)
            .await;
        match created {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another instance created it at the same moment.
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
            Err(e) => return Err(e).context(format!("cannot create the database {name}")),
        }
    }
    admin.close().await.ok();
    Ok(())
}

/// `casting-server migrate`.
pub async fn migrate(common: &CommonArgs) -> anyhow::Result<PgPool> {
    let pool = prepare_database(&common.database_url, &DbSettings::from(common)).await?;
    tracing::info!("the database is migrated");
    Ok(pool)
}

/// The application state: the built-in identity (keys from the database or
/// a PEM file) and every trusted issuer. Tests build theirs with this too.
pub async fn build_state(db: PgPool, auth: &AuthSettings) -> anyhow::Result<AppState> {
    let keyring = Arc::new(match &auth.signing_key_pem {
        Some(pem) => Keyring::from_pem(pem).context("CASTING_SIGNING_KEY_FILE")?,
        None => Keyring::from_database(db.clone(), auth.token_ttl, auth.key_sealer.clone()).await?,
    });
    let revocations = Revocations::start(db.clone(), keyring.clone())
        .await
        .context("cannot read the token revocations")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .context("cannot build the HTTP client")?;
    let mut issuers = vec![TrustedIssuer::new(
        auth.public_url.clone(),
        auth.audience.clone(),
        KeySource::BuiltIn(keyring.clone()),
        auth.leeway,
    )];
    let mut external_login = None;
    if let Some(external) = &auth.external {
        tracing::info!(issuer = %external.issuer, audience = %external.audience, jwks = %external.jwks_url, "trusting external issuer");
        issuers.push(TrustedIssuer::new(
            external.issuer.clone(),
            external.audience.clone(),
            KeySource::Jwks(JwksCache::new(
                external.jwks_url.clone(),
                client.clone(),
                auth.jwks_min_refresh,
            )),
            auth.leeway,
        ));
        external_login = Some(Arc::new(ExternalLoginInfo::new(external.clone(), client)));
    }
    let identity = Identity {
        keyring,
        throttle: LoginThrottle::new(auth.login_max_failures, auth.login_window),
        hashing: HashingPool::new(auth.login_concurrency),
        revocations: revocations.clone(),
        refresh_limit: RefreshLimit::default(),
        issuer: auth.public_url.clone(),
        audience: auth.audience.clone(),
        token_ttl: auth.token_ttl,
        session_max: auth.session_max,
    };
    Ok(AppState {
        db: db.clone(),
        verifier: Arc::new(Verifier::new(issuers).with_revocations(revocations)),
        identity: Arc::new(identity),
        external_login,
        totals: Arc::default(),
        metrics: Some(Metrics::new(db)),
    })
}

pub fn http_config(serve: &ServeArgs) -> anyhow::Result<HttpConfig> {
    let cors_origins = serve
        .cors_origins
        .iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| HeaderValue::from_str(o.trim()).with_context(|| format!("bad CORS origin {o}")))
        .collect::<anyhow::Result<_>>()?;
    Ok(HttpConfig {
        cors_origins,
        request_timeout: serve.request_timeout,
        header_timeout: serve.header_timeout,
        metrics: serve.metrics,
        idle_timeout: serve.idle_timeout,
        max_connections: serve.max_connections,
    })
}

/// `casting-server` / `casting-server serve`.
pub async fn serve(common: &CommonArgs, serve: &ServeArgs) -> anyhow::Result<()> {
    let auth = serve.auth_settings(common)?;
    let http = http_config(serve)?;
    let pool = migrate(common).await?;
    if serve.demo {
        seed_demo(&pool).await?;
    }
    let state = build_state(pool.clone(), &auth).await?;
    let bind = serve.bind_address();
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "listening");
    let limits = http.connection_limits();
    tracing::info!(
        max_connections = limits.max_connections,
        "connection limits"
    );
    systemd::ready(address);
    connections::serve(listener, app(state, &http), limits, shutdown_signal()).await?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `serve --demo`: seeds an empty database and prints the demo passwords.
async fn seed_demo(pool: &PgPool) -> anyhow::Result<()> {
    match demo::seed(pool).await {
        Ok(users) => {
            // Standard error, not standard output: output is often kept in
            // log collectors, and these are secrets.
            eprintln!(
                "Demo data seeded. Log in as one of these users (passwords are shown only now):"
            );
            for user in users {
                eprintln!(
                    "  {:<10} {:<20} password: {}",
                    user.username,
                    user.role.name(),
                    user.password
                );
            }
            Ok(())
        }
        Err(DemoError::NotEmpty) if demo::already_seeded(pool).await? => {
            println!(
                "Demo data is already in this database; its users keep the passwords printed when \
                 it was seeded (reset one with `casting-server users set-password NAME`)."
            );
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Serves until `shutdown` resolves, then stops accepting (new connections
/// are refused) and finishes the requests already accepted. Each client
/// gets `header_timeout` to send its request headers; the other limits are
/// the defaults of [`ConnectionLimits`].
pub async fn run(
    listener: TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(
        listener,
        app,
        ConnectionLimits::new(header_timeout),
        shutdown,
    )
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
    systemd::stopping();
}
