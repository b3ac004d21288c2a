//! Fresh databases for tests: a temp SQLite file, or a new PostgreSQL
//! database per test at `SAMAVVIK_TEST_POSTGRES_URL`.

use sqlx::{Connection, PgConnection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("SAMAVVIK_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Creates a new, empty PostgreSQL database and returns its URL. Without a
/// reachable server this fails the test under `CI` and skips (loudly) otherwise.
pub async fn fresh_postgres() -> Option<String> {
    let admin = postgres_admin_url();
    if let Err(e) = PgConnection::connect(&admin).await {
        if std::env::var_os("CI").is_some() {
            panic!("PostgreSQL at {admin} is required under CI: {e}");
        }
        eprintln!("!!! SKIPPING PostgreSQL test: cannot reach {admin}: {e}");
        return None;
    }
    Some(
        samavvik_store::scratch::create_postgres(&admin, "samavvik_endtoend")
            .await
            .expect("create database"),
    )
}

/// Drops a database made by [`fresh_postgres`] (best effort: a leftover
/// database is a nuisance, not a test failure).
pub async fn drop_postgres(url: &str) {
    let _ = samavvik_store::scratch::drop_postgres(&postgres_admin_url(), url).await;
}

/// A database made by [`fresh_postgres`] that must not outlive its test:
/// [`ScratchDb::drop_now`] drops it when the test stops its app, and if
/// the test never does (it returns early, forgets `stop`, or panics) the
/// database is dropped when this value is.
pub struct ScratchDb {
    url: Option<String>,
}

impl ScratchDb {
    pub fn new(url: String) -> Self {
        Self { url: Some(url) }
    }

    /// Drops the database now.
    pub async fn drop_now(mut self) {
        if let Some(url) = self.url.take() {
            drop_postgres(&url).await;
        }
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let Some(url) = self.url.take() else {
            return;
        };
        // `drop` cannot await and may run inside the test's runtime: a
        // thread with a runtime of its own does the DROP DATABASE (WITH
        // FORCE, so a server still connected does not keep it alive).
        let dropped = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(drop_postgres(&url));
            }
        });
        let _ = dropped.join();
    }
}

/// Every row of every table as text, for "this string is nowhere in the
/// clear columns" checks. SQLite: the raw database and WAL file bytes.
pub async fn everything_stored(engine: Engine, url: &str) -> String {
    match engine {
        Engine::Sqlite => {
            let path = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default();
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                    all.extend(bytes);
                }
            }
            String::from_utf8_lossy(&all).into_owned()
        }
        Engine::Postgres => {
            let mut conn = PgConnection::connect(url).await.expect("connect");
            let tables: Vec<(String,)> =
                sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                    .fetch_all(&mut conn)
                    .await
                    .expect("tables");
            let mut all = String::new();
            for (t,) in tables {
                let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM \"{t}\" t"))
                    .fetch_all(&mut conn)
                    .await
                    .expect("rows");
                for (r,) in rows {
                    all.push_str(&r);
                    all.push('\n');
                }
            }
            all
        }
    }
}
