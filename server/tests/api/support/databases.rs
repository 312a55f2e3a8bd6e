//! The test's own database on either store: a PostgreSQL database (on the
//! server the tests use, see `cluster.rs`) or a SQLite file in a directory
//! of its own, and connections to look behind the API.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Connection, FromRow, PgConnection, PgPool, SqlitePool};

use super::server_url;

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database of its own for one test, removed when the test ends.
pub struct TestDb {
    pub backend: Backend,
    /// The PostgreSQL database's name, or the SQLite file's directory.
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A name and URL; the database itself is created by the server under test.
    pub fn new(backend: Backend) -> Self {
        let name = format!("casting_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Postgres => {
                let url = format!("{}/{}", server_url(), name);
                Self { backend, name, url }
            }
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                let url = format!("sqlite:{}", dir.join("casting.db").display());
                Self {
                    backend,
                    name: dir.display().to_string(),
                    url,
                }
            }
        }
    }

    /// The URL of the same PostgreSQL database through another host:port (a proxy).
    pub fn url_via(&self, addr: SocketAddr) -> String {
        format!("postgres://postgres@{addr}/{}", self.name)
    }

    /// A connection pool of the test's own, for looking behind the API.
    pub async fn pool(&self) -> TestPool {
        TestPool::connect(self.backend, &self.url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.backend == Backend::Sqlite {
            let _ = std::fs::remove_dir_all(&self.name);
            return;
        }
        let name = self.name.clone();
        let admin = format!("{}/postgres", server_url());
        // Drop runs inside a test's runtime; a thread of its own may block.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A test's own connections to its database, whichever the store.
pub enum TestPool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

impl TestPool {
    pub async fn connect(backend: Backend, url: &str) -> Self {
        match backend {
            Backend::Postgres => TestPool::Postgres(PgPool::connect(url).await.expect("connect")),
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .expect("sqlite url")
                    .busy_timeout(Duration::from_secs(10));
                TestPool::Sqlite(SqlitePool::connect_with(options).await.expect("open"))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            TestPool::Postgres(_) => Backend::Postgres,
            TestPool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs a statement; answers the rows it changed.
    pub async fn execute(&self, sql: &str) -> u64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            TestPool::Postgres(pool) => sqlx::query(sql)
                .execute(pool)
                .await
                .expect("execute")
                .rows_affected(),
            TestPool::Sqlite(pool) => sqlx::query(sql)
                .execute(pool)
                .await
                .expect("execute")
                .rows_affected(),
        }
    }

    /// Runs a statement in a transaction that is then rolled back.
    pub async fn execute_in_rolled_back_transaction(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            TestPool::Postgres(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query(sql).execute(&mut *tx).await.expect("execute");
                tx.rollback().await.expect("rollback");
            }
            TestPool::Sqlite(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query(sql).execute(&mut *tx).await.expect("execute");
                tx.rollback().await.expect("rollback");
            }
        }
    }

    pub async fn fetch_all<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            TestPool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect("query"),
            TestPool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect("query"),
        }
    }

    /// The first column of the first row.
    pub async fn scalar<T>(&self, sql: &str) -> T
    where
        (T,): for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let (value,) = self
            .fetch_all::<(T,)>(sql)
            .await
            .into_iter()
            .next()
            .expect("a row");
        value
    }

    pub async fn close(&self) {
        match self {
            TestPool::Postgres(pool) => pool.close().await,
            TestPool::Sqlite(pool) => pool.close().await,
        }
    }
}
