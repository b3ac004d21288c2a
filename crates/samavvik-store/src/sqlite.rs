//! The SQLite engine: the embedded default, one file in WAL mode.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads and
//! then writes can fail with `SQLITE_BUSY` on the lock upgrade without ever
//! consulting the busy timeout, so every write here starts with
//! `BEGIN IMMEDIATE`: it takes the write lock up front and concurrent writers
//! queue on `busy_timeout` instead of failing. (Today every write
//! transaction opens with a write statement, which would also wait; the
//! explicit lock keeps that true for read-then-write transactions to come.)
//!
//! Writers of this process also queue in a FIFO async mutex before
//! `BEGIN IMMEDIATE`. SQLite's busy handler waits by sleeping and retrying
//! (1, 2, 5, … 100 ms), so 64 writers contending for the lock made the
//! median wait long and the tail worse (`samavvik bench intake`: max latency
//! 1.6 s); queueing in-process hands the lock over the moment it is free.
//! The busy timeout still covers other processes (`samavvik worker`).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::codec::JobRow;
use crate::engine::Engine;
use crate::group::IntakeQueue;
use crate::sql::{StatsSql, claim_order, due_at_1, job_columns};
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
    /// How long a call waits for a pooled connection before it fails.
    pub acquire_timeout: Duration,
}

impl Default for SqliteTuning {
    fn default() -> Self {
        Self {
            synchronous_full: true,
            busy_timeout: Duration::from_secs(10),
            max_connections: 8,
            acquire_timeout: crate::postgres::DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The one connection this process writes through (see `connect_with`).
    write_pool: SqlitePool,
    /// This process's writers queue here; see the module doc.
    writer: std::sync::Arc<Mutex<()>>,
    /// New numbers and cases, written in groups (`group.rs`). `None` in the
    /// group writer's own copy, which writes directly.
    intake: Option<IntakeQueue>,
    /// Flow numbers seen, shared with the group writer's copy.
    flows: std::sync::Arc<crate::flows::FlowIds>,
    /// The database file, for the free-space check (`Engine::has_room`).
    file: std::path::PathBuf,
}

/// A write transaction holding this process's turn to write. Derefs to the
/// connection like [`Transaction`]; dropping it rolls back and passes the turn on.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`, e.g.
    /// `sqlite://data/samavvik.db`, with [`SqliteTuning::default`].
    ///
    /// # Errors
    ///
    /// As [`SqliteStore::connect_with`].
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, SqliteTuning::default()).await
    }

    /// Like [`SqliteStore::connect`], with the durability, lock wait and
    /// pool size of `tuning`. Does not migrate.
    ///
    /// # Errors
    ///
    /// [`StoreError::Database`] when `url` is not a SQLite URL, the file's
    /// folder cannot be created, the file cannot be opened or created (no
    /// permission, not a database), or the writer's thread cannot be
    /// started.
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
        let file = options.get_filename().to_owned();
        create_private(&file)
            .await
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(tuning.max_connections.max(1))
            .acquire_timeout(tuning.acquire_timeout)
            .connect_with(options.clone())
            .await?;
        // Every write of this process goes through one connection. SQLite
        // empties a connection's page cache whenever another connection has
        // written since it last looked; with writes spread over the pool,
        // every write began by reading its pages back in. One writer
        // connection keeps them warm, and a larger cache (32 MiB at most,
        // taken only as used) holds the indexes new cases touch.
        //
        // The writer does not checkpoint the WAL into the database itself
        // (SQLite's default: the commit that takes the WAL past 1000 pages
        // copies them back and syncs the file, tens of milliseconds that
        // every report queued behind it waited for). A background task
        // checkpoints instead, beside the writer; see `checkpoint_wal`.
        //
        // A write that fails inside SQLite (SQLITE_FULL, an I/O error) may
        // roll the transaction back on SQLite's side while sqlx still
        // counts it as open; every later write on that connection then
        // fails ("begin_with at non-zero transaction depth") until a
        // restart. So a connection coming back in that state is closed and
        // the next write opens a fresh one: the store recovers by itself
        // once the disk has room again.
        let write_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(tuning.acquire_timeout)
            .after_release(|conn, _| {
                Box::pin(async move {
                    // The ping waits for a rollback queued on drop to run.
                    conn.ping().await?;
                    let healthy = !conn.is_in_transaction();
                    if !healthy {
                        tracing::warn!("SQLite writer connection left inside a failed transaction; reopening it");
                    }
                    Ok(healthy)
                })
            })
            .connect_with(options.pragma("cache_size", "-32768").pragma("wal_autocheckpoint", "0"))
            .await?;
        let store = Self {
            pool,
            write_pool,
            writer: Default::default(),
            intake: None,
            flows: std::sync::Arc::default(),
            file,
        };
        // One group at a time (SQLite has one writer anyway), on a thread
        // of its own (see `IntakeQueue::spawn_on_own_thread`), with the
        // WAL checkpoints beside it.
        let intake = IntakeQueue::spawn_on_own_thread(store.clone(), checkpoint_wal(store.pool.clone()))
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        Ok(Self {
            intake: Some(intake),
            ..store
        })
    }

    /// The underlying pool, for tests that check what the `Store` API
    /// cannot (raw SQL).
    #[cfg(any(test, feature = "test-support"))]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes both pools, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.write_pool.close().await;
        self.pool.close().await;
    }
}

/// The date in Norway (Europe/Oslo) of a column of UTC milliseconds, as an
/// SQL expression. SQLite knows no time zones, so this writes out the rule
/// Norway has followed since 1996: UTC+2 from 01:00 UTC on the last Sunday of
/// March until 01:00 UTC on the last Sunday of October, UTC+1 otherwise.
/// `'weekday 0'` moves a date forward to a Sunday (or keeps a Sunday), so
/// 25 March and 25 October lead to the months' last Sundays. Every function
/// in it is deterministic, so an index can hold it (migration 0031). A test
/// compares it with [`samavvik_core::deadline::norwegian_date`] (chrono-tz)
/// at every whole hour from 2000 to 2040 (and a millisecond before); if Norway
/// changes the rule, that test fails once chrono-tz knows.
macro_rules! norwegian_date {
    ($col:literal) => {
        concat!(
            "date(",
            $col,
            " / 1000, 'unixepoch', CASE WHEN datetime(",
            $col,
            " / 1000, 'unixepoch') ",
            "BETWEEN date(strftime('%Y', ",
            $col,
            " / 1000, 'unixepoch') || '-03-25', 'weekday 0') || ' 01:00:00' ",
            "AND date(strftime('%Y', ",
            $col,
            " / 1000, 'unixepoch') || '-10-25', 'weekday 0') || ' 00:59:59' ",
            "THEN '+2 hours' ELSE '+1 hours' END)"
        )
    };
}

/// [`Engine::CLAIM`]: `BEGIN IMMEDIATE` keeps two claimers apart.
const CLAIM: &str = concat!(
    "UPDATE mail_outbox SET lease_owner = $3, lease_until = $4 WHERE id IN (SELECT id FROM mail_outbox WHERE ",
    due_at_1!(),
    claim_order!(),
    ") RETURNING ",
    job_columns!()
);

/// Less free space than this under the database file and the store is not
/// ready: a small row may still fit into the WAL's slack while new cases
/// and the checkpoints into the database file already fail.
const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies what the WAL holds into the database file every
/// [`CHECKPOINT_EVERY`], on a reading connection, until the pool closes
/// or the store is dropped (it runs beside the group writer).
///
/// `PASSIVE` never blocks the writer or readers: it copies what no reader
/// still needs and leaves the rest for the next round; once all is copied
/// the next commit starts the WAL from its beginning again, so the file
/// does not grow without bound. Commits stay durable either way (the WAL
/// is synced on every commit). Another process on the same file still
/// checkpoints as SQLite does by default, and the last connection to close
/// checkpoints whatever is left.
/// Creates the database file (and its folder, which the demo's `data/`
/// should not need beforehand) readable by the service's user only, unless
/// they exist. SQLite gives the `-wal` and `-shm` files the database file's
/// permissions, so those follow. The file holds the mail outbox and the
/// sign-in records; under systemd `UMask=0077` does the same, but a service
/// started by hand would otherwise leave them readable by every local user.
/// An empty file is an empty database to SQLite.
async fn create_private(file: &std::path::Path) -> std::io::Result<()> {
    if file.as_os_str() == ":memory:" {
        return Ok(());
    }
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || {
        #[cfg(unix)]
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            builder.mode(0o700);
            builder.create(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        match options.open(&file) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(std::io::Error::other)?
}

async fn checkpoint_wal(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "WAL checkpoint failed; retrying at the next round");
        }
    }
}

impl Engine for SqliteStore {
    type Db = Sqlite;
    type Tx = WriteTx;

    /// See `RowsInsert::build` in `inserts.rs`.
    const POSITIONAL: bool = true;

    const CLAIM: &'static str = CLAIM;

    /// The comparisons of dates in Norway ([`norwegian_date!`]), which the
    /// statistics index holds (migration 0031): SQLite reads their values
    /// from it when the statement writes them exactly as the index does.
    const STATS: StatsSql = StatsSql {
        ack_in_time: concat!(norwegian_date!("acknowledged_at"), " <= ack_deadline"),
        ans_in_time: concat!(norwegian_date!("answered_at"), " <= answer_deadline"),
        indexed_by: true,
    };

    /// Integer division of milliseconds.
    const SET_DAYS: &'static str = "UPDATE cases SET \
         days_to_answer = (answered_at - created_at) / 86400000, \
         days_to_close = (closed_at - created_at) / 86400000 WHERE id = $1";

    const ANALYZE: &'static [&'static str] = &["ANALYZE"];

    fn migrator() -> &'static Migrator {
        static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");
        &MIGRATOR
    }

    fn read_pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn flow_ids(&self) -> &crate::flows::FlowIds {
        &self.flows
    }

    fn intake(&self) -> Option<&IntakeQueue> {
        self.intake.as_ref()
    }

    /// A block of the year's row in `case_sequences`, bumped in one
    /// statement under the write lock.
    async fn take_seqs(&self, tx: &mut SqliteConnection, year: i32, count: i64) -> Result<Vec<i64>> {
        let last: i64 = sqlx::query_scalar(crate::sql::NEXT_SEQ_BLOCK)
            .bind(year)
            .bind(count)
            .fetch_one(&mut *tx)
            .await?;
        Ok((last - count + 1..=last).collect())
    }

    #[cfg(unix)]
    fn has_room(&self) -> Result<()> {
        let dir = self
            .file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let stat = rustix::fs::statvfs(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e.into())))?;
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        if free < MIN_FREE_BYTES {
            return Err(StoreError::Database(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!("{free} bytes free under the database file"),
            ))));
        }
        Ok(())
    }

    /// See the module doc for why every write takes the lock up front.
    async fn write(&self) -> Result<WriteTx> {
        // The turn first, then a connection: waiting writers hold no connection.
        let turn = self.writer.clone().lock_owned().await;
        Ok(WriteTx {
            tx: self.write_pool.begin_with("BEGIN IMMEDIATE").await?,
            _turn: turn,
        })
    }

    /// Its own write transaction (the group writer's copy of the store
    /// writes this way; the intake goes through the group writer).
    async fn take_seq_alone(&self, year: i32) -> Result<i64> {
        let mut tx = self.write().await?;
        let seq = crate::group::only(self.take_seqs(&mut tx, year, 1).await?)?;
        tx.commit().await?;
        Ok(seq)
    }

    /// The shared multi-row inserts in one write transaction.
    async fn insert_case_alone(&self, case: &crate::NewCase) -> Result<crate::InsertOutcome> {
        let cases = std::slice::from_ref(case);
        let flows = self.ready_flows(cases).await?;
        let mut tx = self.write().await?;
        let outcome = crate::group::only(Self::insert_cases(&mut tx, cases, &flows).await?)?;
        tx.commit().await?;
        Ok(outcome)
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
        if let Some(queue) = self.intake() {
            // In the next group: no commit of its own (`group.rs`).
            return queue.claim(worker, now, lease, limit).await;
        }
        let mut tx = self.write().await?;
        let rows = Self::claim_rows(&mut tx, worker, now, lease, limit).await?;
        tx.commit().await?;
        Ok(rows)
    }
}

crate::common::impl_store!(SqliteStore);
crate::directory::impl_directory_store!(SqliteStore);
crate::deadlines::impl_deadline_store!(SqliteStore);
crate::handling_impl::impl_handling_store!(SqliteStore);
crate::security::impl_security_store!(SqliteStore);
crate::learning::impl_learning_store!(SqliteStore);
crate::sign_in::impl_sign_in_store!(SqliteStore);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    /// The claim runs inside the write lock every report waits for: it must
    /// read the due jobs in index order and stop at its limit, never sort
    /// the whole queue (`claim_order!`).
    #[tokio::test]
    async fn a_claim_reads_the_due_index_in_order_without_sorting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::connect(&format!("sqlite://{}/plan.db", dir.path().display()))
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {CLAIM}"))
            .bind(0_i64)
            .bind(8_i64)
            .bind("w")
            .bind(1_i64)
            .fetch_all(&store.pool)
            .await
            .expect("plan");
        let steps: Vec<&str> = plan.iter().map(|(_, _, _, step)| step.as_str()).collect();
        assert!(
            steps.iter().any(|s| s.contains("USING INDEX mail_outbox_due")),
            "{steps:?}"
        );
        assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{steps:?}");
        store.close().await;
    }

    /// `norwegian_date!` gives the date chrono-tz gives for Europe/Oslo at
    /// every whole hour from 2000 to 2040 and a millisecond before it: the
    /// offset only changes on a whole hour, so this covers every change.
    #[tokio::test]
    async fn the_norwegian_date_in_sql_is_the_time_zone_databases() {
        use chrono::TimeZone;
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::connect(&format!("sqlite://{}/tz.db", dir.path().display()))
            .await
            .expect("open");
        let hour = 3_600_000_i64;
        let (from, to) = (
            Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap().timestamp_millis(),
            Utc.with_ymd_and_hms(2041, 1, 1, 0, 0, 0).unwrap().timestamp_millis(),
        );
        let sql = format!(
            "WITH RECURSIVE h(t) AS (SELECT $1 UNION ALL SELECT t + $3 FROM h WHERE t + $3 < $2), \
             i(t) AS (SELECT t FROM h UNION ALL SELECT t - 1 FROM h) SELECT t, {} FROM i",
            norwegian_date!("t")
        );
        let rows: Vec<(i64, String)> = sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(hour)
            .fetch_all(&store.pool)
            .await
            .expect("dates");
        assert_eq!(rows.len() as i64, 2 * (to - from) / hour);
        let wrong: Vec<_> = rows
            .iter()
            .filter(|(t, day)| {
                let at = Utc.timestamp_millis_opt(*t).unwrap();
                samavvik_core::deadline::norwegian_date(at)
                    .format("%Y-%m-%d")
                    .to_string()
                    != *day
            })
            .take(5)
            .collect();
        assert!(wrong.is_empty(), "{wrong:?}");
        store.close().await;
    }

    /// A database created by the store, its WAL and a folder it had to make
    /// are the service user's alone, whatever the umask.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_database_and_its_wal_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = dir.path().join("data");
        let store = SqliteStore::connect(&format!("sqlite://{}/samavvik.db", folder.display()))
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&folder.join("samavvik.db")), 0o600);
        assert_eq!(mode(&folder.join("samavvik.db-wal")), 0o600);
        store.close().await;
    }
}
