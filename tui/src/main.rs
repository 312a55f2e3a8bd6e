//! `casting-tui`: parse the command line, find the server, run the client
//! (or `logout`, or `export` to standard output).

use anyhow::{Context as _, bail};
use casting_tui::api::{ApiClient, ListParams};
use casting_tui::collection::Collection;
use casting_tui::config::{self, Config, ServerChoice};
use casting_tui::session;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "casting-tui",
    version,
    about = "Keyboard-driven terminal client for Casting Agency"
)]
struct Cli {
    /// A server named in config.toml's [[servers]], or a URL (else the
    /// config's `server`, else its only server, else a picker, else
    /// http://127.0.0.1:8080).
    #[arg(long, env = "CASTING_SERVER", global = true)]
    server: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Forget the remembered token for the server.
    Logout,
    /// Every actor or movie matching the filters, as CSV on standard output
    /// (with the remembered token for the server, or CASTING_TOKEN).
    Export {
        /// `actors` or `movies`.
        collection: String,
        /// Name or title contains this (case-insensitive).
        #[arg(long)]
        q: Option<String>,
        /// A field (`name`, `age`, `title`, `release_date`, `id`), `-field` for descending.
        #[arg(long, allow_hyphen_values = true, default_value = "id")]
        sort: String,
        /// Actors of this gender (`Male`, `Female`, ...).
        #[arg(long)]
        gender: Option<String>,
        /// Actors this age or older.
        #[arg(long)]
        min_age: Option<u32>,
        /// Actors this age or younger.
        #[arg(long)]
        max_age: Option<u32>,
        /// YYYY-MM-DD.
        #[arg(long)]
        released_from: Option<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        released_to: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = config::config_dir();
    let config = Config::load(dir.as_deref()).map_err(anyhow::Error::msg)?;
    let choice = config::resolve_server(cli.server, &config).map_err(anyhow::Error::msg)?;
    let Some(command) = cli.command else {
        return casting_tui::runtime::run(choice, config, dir).await;
    };
    let ServerChoice::Url(server) = choice else {
        bail!("several servers are named in config.toml: choose one with --server NAME");
    };
    match command {
        Command::Logout => {
            let had = match &dir {
                Some(dir) => session::forget_token(dir, &server)
                    .with_context(|| format!("cannot update {}", dir.display()))?,
                None => false,
            };
            if had {
                println!("Logged out of {server}");
            } else {
                println!("No remembered session for {server}");
            }
            Ok(())
        }
        Command::Export {
            collection,
            q,
            sort,
            gender,
            min_age,
            max_age,
            released_from,
            released_to,
        } => {
            let collection = Collection::parse(&collection)
                .with_context(|| format!("\"{collection}\": export actors or movies"))?;
            let token = match std::env::var("CASTING_TOKEN") {
                Ok(token) if !token.is_empty() => token,
                _ => dir
                    .as_deref()
                    .and_then(|d| session::load_token(d, &server))
                    .map(|saved| saved.token)
                    .with_context(|| {
                        format!(
                            "not logged in to {server}: log in with \"Remember me\", or set CASTING_TOKEN"
                        )
                    })?,
            };
            let filters: Vec<(&'static str, String)> = [
                ("gender", gender),
                ("min_age", min_age.map(|a| a.to_string())),
                ("max_age", max_age.map(|a| a.to_string())),
                ("released_from", released_from),
                ("released_to", released_to),
            ]
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| (key, v)))
            .collect();
            let params = ListParams {
                page: 1,
                after: None,
                per_page: casting_tui::export::EXPORT_PAGE,
                sort,
                q: q.unwrap_or_default(),
                filters,
            };
            let api = ApiClient::new(&server);
            let stdout = std::io::stdout().lock();
            casting_tui::export::export(&api, &token, collection, &params, stdout)
                .await
                .map_err(anyhow::Error::msg)?;
            Ok(())
        }
    }
}
