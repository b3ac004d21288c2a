//! The PostgreSQL engine: the production database.
//!
//! Same SQL as SQLite (`sql.rs`) except for claiming, which uses
//! `FOR UPDATE SKIP LOCKED`. Transactions run at READ COMMITTED; the
//! statements are written so that is enough (single-statement sequence bump,
//! `ON CONFLICT` for the idempotency key, row locks for claims).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};

use crate::Result;
use crate::codec::{JobRow, Ts};
use crate::engine::Engine;
use crate::group::IntakeQueue;
use crate::sql::{StatsSql, due_at_1, job_columns};

/// How long a call waits for a pooled connection unless told otherwise
/// (sqlx's own default is 30 s, which is how long every report waited for
/// its answer while the database was down).
pub(crate) const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// New numbers and cases, written in groups (`group.rs`). `None` in the
    /// group writer's own copy, which writes directly.
    intake: Option<IntakeQueue>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`) with a pool of at most
    /// `max_connections`, waiting at most 5 s for a connection. Does not
    /// migrate.
    ///
    /// # Errors
    ///
    /// As [`PgStore::connect_with`].
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_with(url, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// Like [`PgStore::connect`]; a call that waits longer than
    /// `acquire_timeout` for a connection (the server is down, every
    /// connection is busy) fails instead of waiting on, so a reporter gets
    /// an answer while the database is away.
    ///
    /// # Errors
    ///
    /// [`StoreError::Database`](crate::StoreError::Database) when `url` is
    /// malformed or the first connection fails: the server is down or
    /// unreachable, refuses the user, or has no such database.
    pub async fn connect_with(url: &str, max_connections: u32, acquire_timeout: Duration) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout)
            .connect(url)
            .await?;
        let store = Self { pool, intake: None };
        // Up to half as many groups as connections are written side by side.
        // Each takes one connection, or two while its numbers and cases are
        // written apart (`NUMBERS_APART`), so under a burst of reports the
        // writers can hold the whole pool and readers wait their turn.
        let in_flight = usize::try_from(max_connections / 2).unwrap_or(1);
        let intake = IntakeQueue::spawn(store.clone(), in_flight);
        Ok(Self {
            intake: Some(intake),
            ..store
        })
    }

    /// The underlying pool, for tests that check what the `Store` API
    /// cannot (raw SQL).
    #[cfg(any(test, feature = "test-support"))]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Engine for PgStore {
    type Db = Postgres;
    type Tx = Transaction<'static, Postgres>;

    /// `$n` placeholders (see `RowsInsert::build` in `inserts.rs`).
    const POSITIONAL: bool = false;

    /// Groups run side by side; see `write_group`.
    const NUMBERS_APART: bool = true;

    /// Dates are UTC.
    const STATS: StatsSql = crate::sql::stats_queries!(
        "CAST(acknowledged_at AT TIME ZONE 'UTC' AS DATE)",
        "CAST(answered_at AT TIME ZONE 'UTC' AS DATE)"
    );

    /// Flooring the interval in seconds.
    const SET_DAYS: &'static str = "UPDATE cases SET \
         days_to_answer = CAST(FLOOR(EXTRACT(EPOCH FROM (answered_at - created_at)) / 86400) AS BIGINT), \
         days_to_close = CAST(FLOOR(EXTRACT(EPOCH FROM (closed_at - created_at)) / 86400) AS BIGINT) WHERE id = $1";

    /// A bulk load leaves the visibility map unset; VACUUM lets the report use
    /// index-only scans.
    const ANALYZE: &'static [&'static str] = &["VACUUM (ANALYZE) cases, case_categories, case_measures"];

    fn migrator() -> &'static Migrator {
        static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");
        &MIGRATOR
    }

    fn read_pool(&self) -> &PgPool {
        &self.pool
    }

    fn intake(&self) -> Option<&IntakeQueue> {
        self.intake.as_ref()
    }

    async fn write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<JobRow>> {
        // SKIP LOCKED lets concurrent claimers pass over rows another claim
        // is taking right now instead of queueing behind it; the lease keeps
        // workers apart after the commit. One statement, so no transaction.
        const CLAIM: &str = concat!(
            "WITH due AS (SELECT id FROM mail_outbox WHERE ",
            due_at_1!(),
            " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) ",
            "UPDATE mail_outbox SET lease_owner = $3, lease_until = $4 FROM due WHERE mail_outbox.id = due.id RETURNING ",
            job_columns!()
        );
        let rows = sqlx::query_as(CLAIM)
            .bind(Ts::new(now))
            .bind(i64::from(limit))
            .bind(worker)
            .bind(Ts::new(now + lease))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }
}

crate::common::impl_store!(PgStore);
crate::directory::impl_directory_store!(PgStore);
crate::deadlines::impl_deadline_store!(PgStore);
crate::handling_impl::impl_handling_store!(PgStore);
crate::security::impl_security_store!(PgStore);
