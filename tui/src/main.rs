//! `casting-tui`: parse the command line, find the server, run the client.

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "casting-tui",
    version,
    about = "Keyboard-driven terminal client for Casting Agency"
)]
struct Cli {
    /// The Casting Agency server (else the config file's `server`, else http://127.0.0.1:8080).
    #[arg(long, env = "CASTING_SERVER")]
    server: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = casting_tui::config::config_dir();
    let server = casting_tui::config::resolve_server(cli.server, dir.as_deref());
    casting_tui::runtime::run(server, dir).await
}
