//! Persistence for Samavvik: the [`Store`] trait and its two engines.
//!
//! SQLite is the embedded default (WAL, foreign keys on); PostgreSQL is the
//! production engine. Both implement the same trait and pass the same
//! conformance suite (`tests/conformance.rs`). This crate is the only place
//! with SQL. Only [`Ciphertext`] goes into the sealed column: the store
//! never sees plaintext case content.
//!
//! A method that must find a case answers an unknown case number with
//! [`StoreError::NotFound`]; one that looks a case up returns `Option`. A
//! write that repeats a unique value is [`StoreError::Conflict`].
//!
//! The `test-support` feature (off by default) adds what only tests use:
//! raw pool access and a few read methods; crates turn it on from their
//! dev-dependencies.

mod any;
mod archive;
mod codec;
mod common;
mod deadlines;
mod directory;
mod engine;
mod flows;
mod group;
mod handling;
mod handling_impl;
mod handling_sql;
mod inserts;
mod learning;
mod lifecycle;
mod model;
mod numbers;
mod postgres;
pub mod scratch;
mod security;
mod sign_in;
mod sql;
mod sqlite;
mod stats;
mod stats_batch;

pub use any::{AnyStore, StoreOptions};
pub use archive::{ArchiveCandidate, ArchiveMark, ArchiveStore};
pub use deadlines::DeadlineStore;
pub use directory::{DirectoryImport, DirectoryStore, DirectoryUnitRow, DirectoryVersion};
pub use group::{GroupCommitStats, GroupDurations};
pub use handling::{
    AuditEntry, AuditFilter, CaseFilter, CaseSort, HandlingStore, NewSealedItem, Reroute, SealedItem, SealedRef,
    TransitionWrite,
};
pub use learning::{
    ApprovedLesson, FollowUpCount, HistoryCount, LearningStore, LessonDecision, LessonOutcome, ProposedLesson,
};
pub use lifecycle::{
    AUDIT_HOLD_LIFTED, AUDIT_HOLD_SET, AUDIT_SHREDDED, BackupCounts, CaseLifecycle, LifecycleStore, RetentionCandidate,
    Rewrap, Rotation, RotationCase,
};
pub use model::*;
pub use postgres::PgStore;
pub use security::SecurityStore;
pub use sign_in::{ProviderSession, SessionInfo, SessionOrigin, SignInStore};
pub use sqlite::{SqliteStore, SqliteTuning};
pub use stats::{
    CaseStatistics, DaysCount, DaysTo, DimCount, DimValue, Flow, FlowStats, MonthCount, PublishedReport, StatsQuery,
    SyntheticCase, status_day,
};

use chrono::{DateTime, Utc};
use samavvik_core::{CaseNumber, EventMonth};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No case has this number. Lookups that may find nothing return
    /// `Option` instead; this is for methods that must find the case.
    #[error("no case {0}")]
    NotFound(CaseNumber),
    /// A write would repeat a value that must be unique (a message id, a
    /// token, a case number), where the store does not expect it the way it
    /// expects a repeated idempotency key.
    #[error("conflicts with a row already stored: {0}")]
    Conflict(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The store's group writer is gone (the store is shutting down).
    #[error("the store's writer has stopped")]
    WriterStopped,
}

impl StoreError {
    /// Whether this is [`StoreError::NotFound`]: the case does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound(_))
    }
}

impl From<sqlx::Error> for StoreError {
    /// A unique-constraint violation is [`StoreError::Conflict`]; every
    /// other database error is [`StoreError::Database`].
    fn from(e: sqlx::Error) -> Self {
        match e.as_database_error() {
            Some(db) if db.is_unique_violation() => StoreError::Conflict(e),
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Samavvik keeps, behind one interface per engine.
///
/// Every method is one transaction unless it says otherwise. On SQLite,
/// numbers and new cases are written by a group writer that may put several
/// callers' requests in one transaction (`group.rs`).
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;

    /// The case already created with this idempotency key, if any.
    async fn find_by_idempotency(&self, key_hash: &TokenHash) -> Result<Option<CaseNumber>>;

    /// Hands out the next number of `year`, committed before it is returned,
    /// so the number is never given out twice even if the case insert later
    /// fails (a gap is fine, a repeat is not). The transaction may be shared
    /// with other callers' numbers and cases (group commit, see `group.rs`).
    async fn allocate_case_number(&self, year: i32) -> Result<CaseNumber>;

    /// Writes the case row, its categories, the sealed document, the first
    /// event and the outbox jobs in **one** transaction (which may also hold
    /// other callers' cases; a failing case never fails the others). If another case already
    /// holds the idempotency key, nothing is written and that case's number is
    /// returned as [`InsertOutcome::Duplicate`].
    async fn insert_case(&self, case: &NewCase) -> Result<InsertOutcome>;

    /// Numbers and writes a new case: `build` is given the case's number
    /// (to seal it into the document) and returns the case to write, or an
    /// error that leaves nothing written. Returns the case with what
    /// [`Store::insert_case`] would.
    ///
    /// On PostgreSQL this is **one transaction per report**: the number is
    /// taken from the year's sequence inside it and the case committed with
    /// it. On SQLite the number is committed first and the case written by
    /// the group writer (`group.rs`). Either way a failure after the number
    /// was taken leaves a gap, never a repeat.
    ///
    /// # Errors
    ///
    /// What `build` returns, or the store's error converted into `E`.
    async fn create_case<F, Fut, E>(&self, year: i32, build: F) -> Result<(NewCase, InsertOutcome), E>
    where
        F: FnOnce(CaseNumber) -> Fut + Send,
        Fut: std::future::Future<Output = Result<NewCase, E>> + Send,
        E: From<StoreError> + Send;

    /// Clear columns of a case.
    async fn case_by_number(&self, number: CaseNumber) -> Result<Option<CaseRecord>>;

    /// Clear columns of the case a follow-up token belongs to.
    async fn case_by_follow_up(&self, token_hash: &TokenHash) -> Result<Option<CaseRecord>>;

    /// The case's sealed document (ciphertext only); `None` when the case has
    /// none (a synthetic case). An unknown case is [`StoreError::NotFound`].
    async fn sealed_document(&self, number: CaseNumber) -> Result<Option<Ciphertext>>;

    /// The case's events, oldest first. An unknown case is
    /// [`StoreError::NotFound`].
    async fn case_events(&self, number: CaseNumber) -> Result<Vec<CaseEvent>>;

    /// Claims up to `limit` due mail jobs for `worker`, leasing them until
    /// `now + lease`. Jobs leased by another worker whose lease has not run out
    /// are skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a lease column on
    /// SQLite), so several workers never send the same job at the same time.
    async fn claim_mail_jobs(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<MailJob>>;

    /// [`Store::mark_mail_sent_many`] for one job. Marking again a job this
    /// worker already marked (a commit whose answer was lost) is harmless.
    async fn mark_mail_sent(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()>;

    /// Marks jobs sent, in **one** transaction: the worker marks the mails
    /// of one claim that the relay accepted within a few milliseconds of
    /// each other together, for one commit instead of one per mail. Only the worker holding a
    /// job's lease may do so; for anyone else (the lease was taken over, or
    /// the job is finished) that job is left as it is, with a warning in the
    /// log, and the call still returns `Ok`.
    async fn mark_mail_sent_many(&self, ids: &[i64], worker: &str, now: DateTime<Utc>) -> Result<()>;

    /// Records a failed attempt: retry at `retry_at`, or dead-letter when `retry_at` is `None`.
    /// `error` is a short technical summary without personal data. Clears the
    /// lease and counts the attempt. Like [`Store::mark_mail_sent_many`], a no-op
    /// unless `worker` holds the lease.
    async fn mark_mail_failed(&self, id: i64, worker: &str, error: &str, retry_at: Option<DateTime<Utc>>)
    -> Result<()>;

    /// Counts for health checks, benchmarks and tests.
    async fn counts(&self) -> Result<Counts>;

    /// Writes and commits one small row (the readiness probe), so a
    /// database that answers reads but cannot take a write (a full disk, a
    /// read-only file, a standby) is found out. Takes this process's write
    /// turn on SQLite, like any write.
    async fn check_writable(&self, now: DateTime<Utc>) -> Result<()>;

    /// The latest recorded instant (created, acknowledged, answered, closed)
    /// among cases with event months `from..=to`; `None` when there are none.
    async fn statistics_cutoff(&self, from: EventMonth, to: EventMonth) -> Result<Option<DateTime<Utc>>>;

    /// Grouped counts of clear columns for the anonymised reports. Reads no
    /// sealed column. The result is sorted the same on both engines.
    async fn case_statistics(&self, query: &StatsQuery) -> Result<CaseStatistics>;

    /// [`Store::statistics_cutoff`] of each period, in one scan of their union.
    async fn statistics_cutoffs(&self, periods: &[(EventMonth, EventMonth)]) -> Result<Vec<Option<DateTime<Utc>>>>;

    /// [`Store::case_statistics`] of each query, in one pass over the union
    /// of their months (the year's standard set is read once, not four
    /// times); each result equals the query's own.
    async fn case_statistics_many(&self, queries: &[StatsQuery]) -> Result<Vec<CaseStatistics>>;

    /// Writes generated cases (demo and benchmark data) in one transaction,
    /// with multi-row inserts. Numbers come from the same per-year sequence as
    /// real cases. No sealed document, no events, no mail. Returns how many.
    async fn insert_synthetic_cases(&self, cases: &[SyntheticCase]) -> Result<u64>;

    /// Refreshes the planner's statistics (after a bulk load).
    async fn analyze(&self) -> Result<()>;

    /// Records a report that was written or downloaded (see [`PublishedReport`]).
    async fn record_published_report(&self, report: &PublishedReport) -> Result<()>;

    /// Every recorded report, oldest first.
    async fn published_reports(&self) -> Result<Vec<PublishedReport>>;
}
