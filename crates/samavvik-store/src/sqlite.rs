//! The SQLite engine: the embedded default, one file in WAL mode.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads and
//! then writes can fail with `SQLITE_BUSY` on the lock upgrade without ever
//! consulting the busy timeout, so every write here starts with
//! `BEGIN IMMEDIATE`: it takes the write lock up front and concurrent writers
//! queue on `busy_timeout` instead of failing. (Today every write
//! transaction opens with a write statement, which would also wait; the
//! explicit lock keeps that true for read-then-write transactions to come.)

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::codec::{JobRow, Ts};
use crate::sql::{due_at_1, job_columns};
use crate::{Result, StoreError};

/// Knobs for the SQLite engine. The defaults favour durability.
#[derive(Clone, Copy, Debug)]
pub struct SqliteTuning {
    /// `synchronous = FULL` (fsync on every commit) when true; `NORMAL` when
    /// false, which in WAL mode may lose the last commits on power loss but
    /// never corrupts the file.
    pub synchronous_full: bool,
    /// How long a writer waits for the write lock before giving up.
    pub busy_timeout: Duration,
    /// Pool size. WAL lets readers run beside the one writer.
    pub max_connections: u32,
}

impl Default for SqliteTuning {
    fn default() -> Self {
        Self {
            synchronous_full: true,
            busy_timeout: Duration::from_secs(10),
            max_connections: 8,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`, e.g.
    /// `sqlite://data/samavvik.db`, with [`SqliteTuning::default`].
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, SqliteTuning::default()).await
    }

    pub async fn connect_with(url: &str, tuning: SqliteTuning) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(tuning.busy_timeout)
            .synchronous(if tuning.synchronous_full {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            });
        // `create_if_missing` makes the file, not its directory; the demo's
        // `data/` should not have to exist beforehand.
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(tuning.max_connections.max(1))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// The underlying pool, for callers that need raw access (tests, tools).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn migrator() -> &'static Migrator {
        static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");
        &MIGRATOR
    }

    /// Whole days are integer division of milliseconds; dates are UTC.
    pub(crate) const STATS: crate::sql::StatsSql = crate::sql::stats_queries!(
        "(answered_at - created_at) / 86400000",
        "(closed_at - created_at) / 86400000",
        "date(acknowledged_at / 1000, 'unixepoch')",
        "date(answered_at / 1000, 'unixepoch')"
    );

    const ANALYZE: &'static [&'static str] = &["ANALYZE"];

    /// See the module doc for why every write takes the lock up front.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<JobRow>> {
        // The write lock taken by BEGIN IMMEDIATE is what keeps two workers
        // from claiming the same row here; the lease keeps them apart after.
        const CLAIM: &str = concat!(
            "UPDATE mail_outbox SET lease_owner = $3, lease_until = $4 WHERE id IN (SELECT id FROM mail_outbox WHERE ",
            due_at_1!(),
            " ORDER BY id LIMIT $2) RETURNING ",
            job_columns!()
        );
        let mut tx = self.write().await?;
        let rows = sqlx::query_as(CLAIM)
            .bind(Ts::new(now))
            .bind(i64::from(limit))
            .bind(worker)
            .bind(Ts::new(now + lease))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }
}

crate::common::impl_store!(SqliteStore);
crate::directory::impl_directory_store!(SqliteStore);
crate::handling_sql::impl_handling_store!(SqliteStore);
