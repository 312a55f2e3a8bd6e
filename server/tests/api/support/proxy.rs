//! A TCP proxy of the test's own between the server and PostgreSQL, so a test
//! can cut the database off (and bring it back) without touching the shared
//! cluster that other tests use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use casting_server::db::StoreSettings;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::{Backend, Options, TestApp};

pub struct PgProxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut so live connections end.
    cuts: watch::Sender<u64>,
}

impl PgProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let (up2, cuts2) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(client); // refused: the "database" is down
                    continue;
                }
                let mut cut = cuts2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, up, cuts }
    }

    /// Drops every live connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// A test server on PostgreSQL whose every database connection goes
/// through a proxy of its own, with the store's `db` settings.
pub async fn app_behind_proxy(db: StoreSettings) -> (PgProxy, TestApp) {
    let proxy = PgProxy::start(postgres_addr()).await;
    let app = TestApp::spawn_with(Options {
        database_addr: Some(proxy.addr),
        db,
        ..Options::new(Backend::Postgres)
    })
    .await;
    (proxy, app)
}

/// The address of the PostgreSQL server the tests use.
pub fn postgres_addr() -> SocketAddr {
    let url = super::server_url();
    let host_port = url
        .rsplit('@')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .trim_end_matches('/');
    host_port
        .parse()
        .unwrap_or_else(|_| "127.0.0.1:5432".parse().expect("addr"))
}
