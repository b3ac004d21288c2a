//! [`AnyStore`]: the engine chosen at run time from the database URL.
//!
//! An enum rather than `dyn Store`, because the trait's native async fns are
//! not object safe; the match costs nothing next to a query.

use chrono::{DateTime, Utc};
use samavvik_core::{CaseNumber, EventMonth};

use crate::{
    CaseEvent, CaseRecord, Ciphertext, Counts, InsertOutcome, MailJob, NewCase, PgStore, Result, SqliteStore,
    SqliteTuning, Store, StoreError, TokenHash,
};
use crate::{CaseStatistics, StatsQuery, SyntheticCase};

/// How to open a store, whichever the engine.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    /// Pool size (both engines).
    pub max_connections: u32,
    /// SQLite only: `synchronous = FULL` when true, `NORMAL` when false.
    pub sqlite_synchronous_full: bool,
    /// How long a caller waits for a pooled connection (both engines)
    /// before the call fails. While the database is down, this is how long
    /// a reporter waits for the page that says so.
    pub acquire_timeout: std::time::Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        let sqlite = SqliteTuning::default();
        Self {
            max_connections: sqlite.max_connections,
            sqlite_synchronous_full: sqlite.synchronous_full,
            acquire_timeout: sqlite.acquire_timeout,
        }
    }
}

#[derive(Clone, Debug)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// `sqlite:…` opens SQLite; `postgres:…` or `postgresql:…` connects to
    /// PostgreSQL; both with [`StoreOptions::default`]. Anything else is
    /// [`StoreError::UnsupportedUrl`]. Does not migrate.
    ///
    /// # Errors
    ///
    /// As [`AnyStore::connect_with`].
    pub async fn connect(url: &str) -> Result<AnyStore> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Like [`AnyStore::connect`], with the pool size and SQLite durability
    /// from `options` (the `database` settings).
    ///
    /// # Errors
    ///
    /// [`StoreError::UnsupportedUrl`] when the scheme is neither SQLite nor
    /// PostgreSQL; otherwise what the engine's own `connect` gives when the
    /// database cannot be opened or reached (see [`SqliteStore::connect_with`]
    /// and [`PgStore::connect_with`]).
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<AnyStore> {
        match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => {
                let tuning = SqliteTuning {
                    synchronous_full: options.sqlite_synchronous_full,
                    max_connections: options.max_connections,
                    acquire_timeout: options.acquire_timeout,
                    ..SqliteTuning::default()
                };
                Ok(AnyStore::Sqlite(SqliteStore::connect_with(url, tuning).await?))
            }
            Some("postgres" | "postgresql") => Ok(AnyStore::Postgres(
                PgStore::connect_with(url, options.max_connections, options.acquire_timeout).await?,
            )),
            _ => Err(StoreError::UnsupportedUrl),
        }
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(s) => s.close().await,
        }
    }

    /// What the group writer for new numbers and cases has done.
    pub fn group_commit_stats(&self) -> crate::GroupCommitStats {
        match self {
            AnyStore::Sqlite(s) => s.group_commit_stats(),
            AnyStore::Postgres(s) => s.group_commit_stats(),
        }
    }

    /// "sqlite" or "postgres", for logs and health output.
    pub fn engine(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(_) => "sqlite",
            AnyStore::Postgres(_) => "postgres",
        }
    }
}

impl From<SqliteStore> for AnyStore {
    fn from(s: SqliteStore) -> Self {
        AnyStore::Sqlite(s)
    }
}

impl From<PgStore> for AnyStore {
    fn from(s: PgStore) -> Self {
        AnyStore::Postgres(s)
    }
}

/// Forwards one call to whichever engine is inside.
macro_rules! delegate {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            AnyStore::Sqlite(s) => s.$method($($arg),*).await,
            AnyStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store for AnyStore {
    async fn migrate(&self) -> Result<()> {
        delegate!(self.migrate())
    }

    async fn find_by_idempotency(&self, key_hash: &TokenHash) -> Result<Option<CaseNumber>> {
        delegate!(self.find_by_idempotency(key_hash))
    }

    async fn allocate_case_number(&self, year: i32) -> Result<CaseNumber> {
        delegate!(self.allocate_case_number(year))
    }

    async fn insert_case(&self, case: &NewCase) -> Result<InsertOutcome> {
        delegate!(self.insert_case(case))
    }

    async fn create_case<F, Fut, E>(&self, year: i32, build: F) -> Result<(NewCase, InsertOutcome), E>
    where
        F: FnOnce(CaseNumber) -> Fut + Send,
        Fut: std::future::Future<Output = Result<NewCase, E>> + Send,
        E: From<StoreError> + Send,
    {
        delegate!(self.create_case(year, build))
    }

    async fn case_by_number(&self, number: CaseNumber) -> Result<Option<CaseRecord>> {
        delegate!(self.case_by_number(number))
    }

    async fn case_by_follow_up(&self, token_hash: &TokenHash) -> Result<Option<CaseRecord>> {
        delegate!(self.case_by_follow_up(token_hash))
    }

    async fn sealed_document(&self, number: CaseNumber) -> Result<Option<Ciphertext>> {
        delegate!(self.sealed_document(number))
    }

    async fn case_events(&self, number: CaseNumber) -> Result<Vec<CaseEvent>> {
        delegate!(self.case_events(number))
    }

    async fn claim_mail_jobs(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<MailJob>> {
        delegate!(self.claim_mail_jobs(worker, now, lease, limit))
    }

    async fn mark_mail_sent(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()> {
        delegate!(self.mark_mail_sent(id, worker, now))
    }

    async fn mark_mail_sent_many(&self, ids: &[i64], worker: &str, now: DateTime<Utc>) -> Result<()> {
        delegate!(self.mark_mail_sent_many(ids, worker, now))
    }

    async fn mark_mail_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        delegate!(self.mark_mail_failed(id, worker, error, retry_at))
    }

    async fn counts(&self) -> Result<Counts> {
        delegate!(self.counts())
    }

    async fn check_writable(&self, now: DateTime<Utc>) -> Result<()> {
        delegate!(self.check_writable(now))
    }

    async fn statistics_cutoff(&self, from: EventMonth, to: EventMonth) -> Result<Option<DateTime<Utc>>> {
        delegate!(self.statistics_cutoff(from, to))
    }

    async fn case_statistics(&self, query: &StatsQuery) -> Result<CaseStatistics> {
        delegate!(self.case_statistics(query))
    }

    async fn statistics_cutoffs(&self, periods: &[(EventMonth, EventMonth)]) -> Result<Vec<Option<DateTime<Utc>>>> {
        delegate!(self.statistics_cutoffs(periods))
    }

    async fn case_statistics_many(&self, queries: &[StatsQuery]) -> Result<Vec<CaseStatistics>> {
        delegate!(self.case_statistics_many(queries))
    }

    async fn insert_synthetic_cases(&self, cases: &[SyntheticCase]) -> Result<u64> {
        delegate!(self.insert_synthetic_cases(cases))
    }

    async fn analyze(&self) -> Result<()> {
        delegate!(self.analyze())
    }

    async fn record_published_report(&self, report: &crate::PublishedReport) -> Result<()> {
        delegate!(self.record_published_report(report))
    }

    async fn published_reports(&self) -> Result<Vec<crate::PublishedReport>> {
        delegate!(self.published_reports())
    }
}

impl crate::DirectoryStore for AnyStore {
    async fn import_directory(&self, import: &crate::DirectoryImport) -> Result<bool> {
        delegate!(self.import_directory(import))
    }

    #[cfg(any(test, feature = "test-support"))]
    async fn directory_versions(&self) -> Result<Vec<crate::DirectoryVersion>> {
        delegate!(self.directory_versions())
    }

    #[cfg(any(test, feature = "test-support"))]
    async fn directory_unit_name(&self, version: &str, unit_id: &str) -> Result<Option<String>> {
        delegate!(self.directory_unit_name(version, unit_id))
    }
}

impl crate::HandlingStore for AnyStore {
    async fn create_login_token(
        &self,
        hash: &TokenHash,
        principal: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        mail: &crate::NewMailJob,
    ) -> Result<()> {
        delegate!(self.create_login_token(hash, principal, now, expires_at, mail))
    }

    async fn consume_login_token(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>> {
        delegate!(self.consume_login_token(hash, now))
    }

    async fn create_session(
        &self,
        hash: &TokenHash,
        principal: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self.create_session(hash, principal, now, expires_at))
    }

    async fn touch_session(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<Option<String>> {
        delegate!(self.touch_session(hash, now, idle_cutoff))
    }

    async fn delete_session(&self, hash: &TokenHash) -> Result<()> {
        delegate!(self.delete_session(hash))
    }

    async fn append_audit(&self, entry: &crate::AuditEntry) -> Result<()> {
        delegate!(self.append_audit(entry))
    }

    async fn audit_entries(&self, filter: &crate::AuditFilter) -> Result<(Vec<crate::AuditEntry>, u64)> {
        delegate!(self.audit_entries(filter))
    }

    async fn list_cases(&self, filter: &crate::CaseFilter) -> Result<(Vec<CaseRecord>, u64)> {
        delegate!(self.list_cases(filter))
    }

    async fn case_measures(&self, number: CaseNumber) -> Result<Vec<samavvik_core::MeasureCategory>> {
        delegate!(self.case_measures(number))
    }

    #[cfg(any(test, feature = "test-support"))]
    async fn handling_times(
        &self,
        number: CaseNumber,
    ) -> Result<Option<(Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>> {
        delegate!(self.handling_times(number))
    }

    async fn apply_transition(&self, write: &crate::TransitionWrite) -> Result<bool> {
        delegate!(self.apply_transition(write))
    }

    async fn add_sealed_item(
        &self,
        number: CaseNumber,
        item: &crate::NewSealedItem,
        mail: &[crate::NewMailJob],
    ) -> Result<i64> {
        delegate!(self.add_sealed_item(number, item, mail))
    }

    async fn sealed_items(&self, number: CaseNumber) -> Result<Vec<crate::SealedItem>> {
        delegate!(self.sealed_items(number))
    }

    async fn all_case_numbers(&self) -> Result<Vec<CaseNumber>> {
        delegate!(self.all_case_numbers())
    }

    async fn raise_to_fsu(
        &self,
        case_number: Option<CaseNumber>,
        title: &str,
        reason: &str,
        raised_by_unit: &samavvik_core::UnitId,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        delegate!(self.raise_to_fsu(case_number, title, reason, raised_by_unit, at))
    }

    async fn fsu_items(&self) -> Result<Vec<crate::FsuItem>> {
        delegate!(self.fsu_items())
    }

    async fn update_fsu_item(
        &self,
        id: i64,
        status: samavvik_core::fsu::FsuStatus,
        decision: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        delegate!(self.update_fsu_item(id, status, decision, at))
    }

    async fn assign_case(
        &self,
        number: CaseNumber,
        unit: &samavvik_core::UnitId,
        principal: Option<&str>,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<bool> {
        delegate!(self.assign_case(number, unit, principal, at, by))
    }

    async fn case_assignees(&self, numbers: &[CaseNumber]) -> Result<Vec<(CaseNumber, samavvik_core::UnitId, String)>> {
        delegate!(self.case_assignees(numbers))
    }

    async fn measure_follow_ups(&self, number: CaseNumber) -> Result<Vec<crate::MeasureFollowUp>> {
        delegate!(self.measure_follow_ups(number))
    }

    async fn mark_measure_done(
        &self,
        number: CaseNumber,
        state: samavvik_core::CaseState,
        category: samavvik_core::MeasureCategory,
        done_on: chrono::NaiveDate,
        event: &crate::NewEvent,
    ) -> Result<bool> {
        delegate!(self.mark_measure_done(number, state, category, done_on, event))
    }

    async fn reseal_case(&self, number: CaseNumber, resealed: &[(crate::SealedRef, crate::Ciphertext)]) -> Result<()> {
        delegate!(self.reseal_case(number, resealed))
    }
}

impl crate::DeadlineStore for AnyStore {
    async fn record_deadline_notice(
        &self,
        number: samavvik_core::CaseNumber,
        stage: &str,
        deadline: chrono::NaiveDate,
        at: DateTime<Utc>,
        mail: &[crate::NewMailJob],
    ) -> Result<bool> {
        delegate!(self.record_deadline_notice(number, stage, deadline, at, mail))
    }

    async fn record_deadline_notice_for(
        &self,
        number: samavvik_core::CaseNumber,
        stage: &str,
        deadline: chrono::NaiveDate,
        at: DateTime<Utc>,
        mail: &[crate::NewMailJob],
        digest: &[String],
    ) -> Result<bool> {
        delegate!(self.record_deadline_notice_for(number, stage, deadline, at, mail, digest))
    }

    async fn pending_digest_items(&self) -> Result<Vec<crate::DigestItem>> {
        delegate!(self.pending_digest_items())
    }

    async fn record_digest(
        &self,
        principal: &str,
        day: chrono::NaiveDate,
        items: &[i64],
        at: DateTime<Utc>,
        mail: &crate::NewMailJob,
    ) -> Result<bool> {
        delegate!(self.record_digest(principal, day, items, at, mail))
    }

    async fn notification_mode(&self, principal: &str) -> Result<Option<String>> {
        delegate!(self.notification_mode(principal))
    }

    async fn set_notification_mode(&self, principal: &str, mode: &str, at: DateTime<Utc>) -> Result<()> {
        delegate!(self.set_notification_mode(principal, mode, at))
    }
}

impl crate::SecurityStore for AnyStore {
    async fn rewrap_legacy_follow_ups(&self, rewrap: &(dyn Fn(&TokenHash) -> TokenHash + Sync)) -> Result<u64> {
        delegate!(self.rewrap_legacy_follow_ups(rewrap))
    }

    async fn hit_rate_limit(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u64> {
        delegate!(self.hit_rate_limit(key, now, window_secs))
    }
}

impl crate::LearningStore for AnyStore {
    async fn propose_lesson(
        &self,
        case_number: CaseNumber,
        category: samavvik_core::Category,
        unit: &samavvik_core::UnitId,
        at: DateTime<Utc>,
        sealed: &Ciphertext,
    ) -> Result<i64> {
        delegate!(self.propose_lesson(case_number, category, unit, at, sealed))
    }

    async fn proposed_lessons(&self) -> Result<Vec<crate::ProposedLesson>> {
        delegate!(self.proposed_lessons())
    }

    async fn decide_lesson(&self, id: i64, decision: &crate::LessonDecision, at: DateTime<Utc>) -> Result<bool> {
        delegate!(self.decide_lesson(id, decision, at))
    }

    async fn case_lessons(&self, case_number: samavvik_core::CaseNumber) -> Result<Vec<crate::LessonOutcome>> {
        delegate!(self.case_lessons(case_number))
    }

    async fn reseal_lesson(&self, id: i64, sealed: &crate::Ciphertext) -> Result<bool> {
        delegate!(self.reseal_lesson(id, sealed))
    }

    async fn approved_lessons(&self, from: EventMonth, to: EventMonth) -> Result<Vec<crate::ApprovedLesson>> {
        delegate!(self.approved_lessons(from, to))
    }

    async fn cases_in_months(&self, from: EventMonth, to: EventMonth) -> Result<u64> {
        delegate!(self.cases_in_months(from, to))
    }

    async fn history_counts(&self) -> Result<Vec<crate::HistoryCount>> {
        delegate!(self.history_counts())
    }

    async fn import_history(&self, rows: &[crate::HistoryCount], source: &str, at: DateTime<Utc>) -> Result<()> {
        delegate!(self.import_history(rows, source, at))
    }
}

impl crate::SignInStore for AnyStore {
    async fn create_oidc_login(
        &self,
        state: &TokenHash,
        provider: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self.create_oidc_login(state, provider, now, expires_at))
    }

    async fn take_oidc_login(&self, state: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>> {
        delegate!(self.take_oidc_login(state, now))
    }

    async fn create_provider_session(
        &self,
        hash: &TokenHash,
        principal: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        session: &crate::ProviderSession<'_>,
    ) -> Result<()> {
        delegate!(self.create_provider_session(hash, principal, now, expires_at, session))
    }

    async fn end_provider_sessions(
        &self,
        provider: &str,
        sid_hash: Option<&TokenHash>,
        sub_hash: Option<&TokenHash>,
    ) -> Result<Vec<String>> {
        delegate!(self.end_provider_sessions(provider, sid_hash, sub_hash))
    }

    async fn session_origin(&self, hash: &TokenHash) -> Result<Option<crate::SessionOrigin>> {
        delegate!(self.session_origin(hash))
    }

    async fn list_sessions(&self, principal: &str, now: DateTime<Utc>) -> Result<Vec<crate::SessionInfo>> {
        delegate!(self.list_sessions(principal, now))
    }

    async fn revoke_session(&self, principal: &str, id: &TokenHash) -> Result<bool> {
        delegate!(self.revoke_session(principal, id))
    }

    async fn revoke_sessions(&self, principal: &str) -> Result<u64> {
        delegate!(self.revoke_sessions(principal))
    }
}
