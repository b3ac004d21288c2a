//! The PostgreSQL engine: the production database.
//!
//! Same SQL as SQLite (`sql.rs`) except for claiming, which uses
//! `FOR UPDATE SKIP LOCKED`, and case numbers, which come from a sequence
//! per year. Transactions run at READ COMMITTED; the statements are written
//! so that is enough (sequences, `ON CONFLICT` for the idempotency key, row
//! locks for claims).
//!
//! Every report is written on its own (`Store::create_case`), no group
//! writer: its number from this process's stock, refilled from the year's
//! sequence a block at a time (`numbers.rs`), then (once sealed with it)
//! one statement that writes the case, its
//! categories, document, first event and mail jobs, atomic as any single
//! statement is (`inserts::pg_new_case`). No connection is held while the
//! report is sealed. Nothing waits for another report: a sequence hands out
//! numbers without locking anything (unlike a counter row, which every
//! report would queue on from its update to its commit), and PostgreSQL
//! itself flushes the commits that arrive together with one WAL write.
//!
//! **Why a sequence per year** (`case_number_2026`, …): a number reads
//! `SA-2026-00042`, and the reporter and the units expect the count to
//! start again each January. One sequence for all years with the year as a
//! prefix would make the first number of 2027 something like
//! `SA-2027-04711`. A year's sequence is created the first time a number of
//! that year is asked for (once a year, in its own short transaction, so no
//! report holds a DDL lock), starting after the highest number of that year
//! already used, whether recorded in the older `case_sequences` table or in
//! `cases` — so a database from before the sequences continues its years
//! without a migration. Sequences are not transactional: a number taken by
//! a report whose transaction then rolls back (or whose server crashes) is
//! gone, which leaves a gap. Numbers identify, they do not count.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};

use crate::codec::{JobRow, Ts};
use crate::engine::Engine;
use crate::group::IntakeQueue;
use crate::numbers::{BlockSize, NumberStock};
use crate::sql::{StatsSql, claim_order, due_at_1, job_columns};
use crate::{InsertOutcome, NewCase, Result};
use sqlx::PgConnection;

/// How long a call waits for a pooled connection unless told otherwise
/// (sqlx's own default is 30 s, which is how long every report waited for
/// its answer while the database was down).
pub(crate) const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Years whose number sequence this process has seen exist.
    sequences: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<i32>>>,
    /// Numbers taken from the sequences and not handed out yet
    /// (`numbers.rs`); refilled by one caller at a time, in blocks.
    stock: std::sync::Arc<NumberStock>,
    refill: std::sync::Arc<tokio::sync::Mutex<BlockSize>>,
    /// Flow numbers seen (`flows.rs`).
    flows: std::sync::Arc<crate::flows::FlowIds>,
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
        Ok(Self {
            pool,
            sequences: std::sync::Arc::default(),
            stock: std::sync::Arc::default(),
            refill: std::sync::Arc::default(),
            flows: std::sync::Arc::default(),
        })
    }

    /// Creates `year`'s number sequence unless it exists, starting after
    /// the highest number of the year already used. Its own transaction,
    /// on its own connection; two instances racing to create it both end
    /// with the one sequence.
    async fn create_sequence(&self, year: i32) -> Result<()> {
        let start: i64 = sqlx::query_scalar(
            "SELECT GREATEST((SELECT last_seq FROM case_sequences WHERE year = $1), \
             (SELECT MAX(case_seq) FROM cases WHERE case_year = $1), 0) + 1",
        )
        .bind(year)
        .fetch_one(&self.pool)
        .await?;
        // DDL takes no parameters; both values are integers.
        let create = format!(
            "CREATE SEQUENCE IF NOT EXISTS {} START WITH {start}",
            sequence_name(year)
        );
        if let Err(e) = sqlx::query(&create).execute(&self.pool).await {
            // Another instance created it at the same moment: fine.
            let exists: Option<String> = sqlx::query_scalar("SELECT CAST(to_regclass($1) AS TEXT)")
                .bind(sequence_name(year))
                .fetch_one(&self.pool)
                .await?;
            if exists.is_none() {
                return Err(e.into());
            }
        }
        tracing::info!(year, start, "case number sequence created");
        Ok(())
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

/// The name of `year`'s case number sequence.
fn sequence_name(year: i32) -> String {
    format!("case_number_{year}")
}

impl Engine for PgStore {
    type Db = Postgres;
    type Tx = Transaction<'static, Postgres>;

    /// `$n` placeholders (see `RowsInsert::build` in `inserts.rs`).
    const POSITIONAL: bool = false;

    /// SKIP LOCKED lets concurrent claimers pass over rows another claim is
    /// taking right now instead of queueing behind it; the lease keeps
    /// workers apart after the commit.
    const CLAIM: &'static str = concat!(
        "WITH due AS (SELECT id FROM mail_outbox WHERE ",
        due_at_1!(),
        claim_order!(),
        " FOR UPDATE SKIP LOCKED) ",
        "UPDATE mail_outbox SET lease_owner = $3, lease_until = $4 FROM due WHERE mail_outbox.id = due.id RETURNING ",
        job_columns!()
    );

    /// Generated columns (migration 0031) compare the dates in Norway, by
    /// the server's time zone database, whenever a case is written; the
    /// statistics index holds them, so the report reads them instead of
    /// converting every case's instants.
    const STATS: StatsSql = StatsSql {
        ack_in_time: "acknowledged_by_deadline",
        ans_in_time: "answered_by_deadline",
        indexed_by: false,
    };

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

    fn flow_ids(&self) -> &crate::flows::FlowIds {
        &self.flows
    }

    /// None: every report is one transaction of its own (module doc).
    fn intake(&self) -> Option<&IntakeQueue> {
        None
    }

    /// Creates the year's sequence on first use (module doc). Before the
    /// transaction that takes numbers, not inside it: a backend that looked
    /// for the sequence in vain does not see it created by another until its
    /// next transaction.
    async fn ready_year(&self, year: i32) -> Result<()> {
        let known = |s: &Self| s.sequences.lock().map(|years| years.contains(&year)).unwrap_or(false);
        if known(self) {
            return Ok(());
        }
        let exists: Option<String> = sqlx::query_scalar("SELECT CAST(to_regclass($1) AS TEXT)")
            .bind(sequence_name(year))
            .fetch_one(&self.pool)
            .await?;
        if exists.is_none() {
            self.create_sequence(year).await?;
        }
        if let Ok(mut years) = self.sequences.lock() {
            years.insert(year);
        }
        Ok(())
    }

    /// From the year's sequence (module doc).
    async fn take_seqs(&self, tx: &mut PgConnection, year: i32, count: i64) -> Result<Vec<i64>> {
        // `to_regclass` is NULL for a missing sequence (dropped since
        // `ready_year` saw it), and so is `nextval` of NULL.
        const NEXT: &str = "SELECT nextval(to_regclass($1)) FROM generate_series(1, $2)";
        let seqs: Vec<Option<i64>> = sqlx::query_scalar(NEXT)
            .bind(sequence_name(year))
            .bind(count)
            .fetch_all(&mut *tx)
            .await?;
        let Some(mut seqs) = seqs.into_iter().collect::<Option<Vec<i64>>>() else {
            if let Ok(mut years) = self.sequences.lock() {
                years.remove(&year);
            }
            return Err(crate::StoreError::Corrupt(format!(
                "the case number sequence of {year} is missing"
            )));
        };
        seqs.sort_unstable();
        Ok(seqs)
    }

    async fn write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// From this process's stock, refilled from the year's sequence in
    /// blocks (`numbers.rs`), outside any transaction: a sequence is not
    /// transactional anyway, and no connection waits while the report is
    /// sealed with the number. Under load most reports take theirs without
    /// a round trip; a block's unused rest is a gap if the process stops.
    async fn take_seq_alone(&self, year: i32) -> Result<i64> {
        if let Some(seq) = self.stock.take(year) {
            return Ok(seq);
        }
        // One refill at a time; whoever waited for it looks again first,
        // so numbers go out in order and blocks are not taken twice.
        let mut block = self.refill.lock().await;
        if let Some(seq) = self.stock.take(year) {
            return Ok(seq);
        }
        let size = block.next(std::time::Instant::now());
        let mut conn = self.pool.acquire().await?;
        let mut seqs = self.take_seqs(&mut conn, year, size as i64).await?.into_iter();
        let first = seqs.next().ok_or(crate::StoreError::WriterStopped)?;
        self.stock.put(year, seqs);
        Ok(first)
    }

    /// One statement (`inserts::pg_new_case`), atomic on its own: one round
    /// trip per report.
    async fn insert_case_alone(&self, case: &NewCase) -> Result<InsertOutcome> {
        let ev = &case.first_event;
        let mail = &case.mail;
        let payloads = mail
            .iter()
            .map(|job| serde_json::to_string(&job.payload))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| crate::StoreError::Corrupt(format!("mail payload: {e}")))?;
        let flows = self.ready_flows(std::slice::from_ref(case)).await?;
        let query = Self::bind_case_rows(
            sqlx::query_as(crate::inserts::pg_new_case()),
            std::slice::from_ref(case),
            &flows,
        )
        .bind(case.categories.iter().map(|c| c.slug()).collect::<Vec<_>>())
        .bind(&case.sealed.0)
        .bind(Ts::new(ev.at))
        .bind(&ev.actor)
        .bind(ev.from_state.map(|s| s.slug()))
        .bind(ev.to_state.slug())
        .bind(&ev.reason)
        .bind(mail.iter().map(|j| j.to.as_str()).collect::<Vec<_>>())
        .bind(mail.iter().map(|j| j.template.as_str()).collect::<Vec<_>>())
        .bind(payloads)
        .bind(mail.iter().map(|j| j.message_id.as_str()).collect::<Vec<_>>())
        .bind(mail.iter().map(|j| Ts::new(j.not_before).get()).collect::<Vec<_>>())
        .bind(case.items.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>())
        .bind(case.items.iter().map(|i| Ts::new(i.at).get()).collect::<Vec<_>>())
        .bind(case.items.iter().map(|i| i.actor.as_str()).collect::<Vec<_>>())
        .bind(case.items.iter().map(|i| i.shareable).collect::<Vec<_>>())
        .bind(case.items.iter().map(|i| &i.ciphertext.0[..]).collect::<Vec<_>>());
        let mut conn = self.pool.acquire().await?;
        let written: Option<(i64,)> = query.fetch_optional(&mut *conn).await?;
        match written {
            Some(_) => Ok(InsertOutcome::Created),
            None => Self::duplicate_of(&mut conn, &case.idempotency_hash.0[..]).await,
        }
    }

    async fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<JobRow>> {
        // One statement, so no transaction.
        let rows = sqlx::query_as(Self::CLAIM)
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
crate::learning::impl_learning_store!(PgStore);
crate::sign_in::impl_sign_in_store!(PgStore);
