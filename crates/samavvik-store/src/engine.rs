//! [`Engine`]: everything the shared store code needs from a database
//! engine, in one trait.
//!
//! The `Store`, `HandlingStore`, `DirectoryStore` and `DeadlineStore`
//! implementations are written once, as macros (`impl_store!` and friends)
//! that each engine invokes, because generic code over `sqlx::Database`
//! would need executor bounds larger than the code they save. What those
//! macros may use of an engine is exactly this trait: nothing is read from
//! a field or an inherent constant of the engine's type, so a new engine
//! (or a changed one) is checked by the compiler, not by a macro expansion
//! failing somewhere.

use std::future::Future;
use std::ops::DerefMut;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;

use crate::codec::JobRow;
use crate::group::IntakeQueue;
use crate::sql::StatsSql;
use crate::{InsertOutcome, NewCase, Result};

/// One database engine as the shared store code sees it.
pub(crate) trait Engine: Sized {
    /// sqlx's database type.
    type Db: sqlx::Database;

    /// A write transaction, dereferencing to its connection. It has the
    /// inherent `commit` and `rollback` of [`sqlx::Transaction`]; dropping
    /// it rolls back. (SQLite's also holds this process's write turn, see
    /// `sqlite.rs`.)
    type Tx: DerefMut<Target = <Self::Db as sqlx::Database>::Connection> + Send;

    /// Whether multi-row inserts use `?` instead of `$n` (see `inserts.rs`).
    const POSITIONAL: bool;

    /// The statistics statements, with this engine's date expression.
    const STATS: StatsSql;

    /// Recomputes case `$1`'s whole days to answer and to close, after its
    /// handling timestamps changed.
    const SET_DAYS: &'static str;

    /// Leases the first `$2` due mail jobs (`$1`: now) to `$3` until `$4`,
    /// returning them (`crate::codec::JobRow`); ordered by `claim_order!`.
    const CLAIM: &'static str;

    /// Refreshes the planner's statistics after a bulk load.
    const ANALYZE: &'static [&'static str];

    /// This engine's migrations.
    fn migrator() -> &'static Migrator;

    /// The pool reads run on (and, on PostgreSQL, writes too).
    fn read_pool(&self) -> &sqlx::Pool<Self::Db>;

    /// The flow numbers this process has seen (`flows.rs`).
    fn flow_ids(&self) -> &crate::flows::FlowIds;

    /// The group writer for new numbers and cases (SQLite). `None` where
    /// every report is written in a transaction of its own (PostgreSQL),
    /// and in the group writer's own copy of the store, which writes
    /// directly.
    fn intake(&self) -> Option<&IntakeQueue>;

    /// Makes ready what [`Engine::take_seqs`] needs for numbers of `year`
    /// (PostgreSQL: the year's sequence); called before the transaction
    /// that takes them begins.
    fn ready_year(&self, year: i32) -> impl Future<Output = Result<()>> + Send {
        let _ = year;
        std::future::ready(Ok(()))
    }

    /// Takes `count` new numbers of `year` in `tx`, in ascending order,
    /// once [`Engine::ready_year`] has run for `year`.
    /// They are used up whether or not `tx` commits: a rollback or a crash
    /// leaves a gap, never a repeat.
    fn take_seqs(&self, tx: &mut Conn<Self>, year: i32, count: i64) -> impl Future<Output = Result<Vec<i64>>> + Send;

    /// Starts a write transaction.
    fn write(&self) -> impl Future<Output = Result<Self::Tx>> + Send;

    /// Takes one new number of `year` for a report written without the
    /// group writer (`Store::create_case`), once [`Engine::ready_year`]
    /// has run: committed (or, from a sequence, used up) before the report
    /// is sealed with it, so it is never handed out twice.
    fn take_seq_alone(&self, year: i32) -> impl Future<Output = Result<i64>> + Send;

    /// Writes one new case, its categories, document, first event and mail
    /// jobs atomically, for a report written without the group writer.
    fn insert_case_alone(&self, case: &NewCase) -> impl Future<Output = Result<InsertOutcome>> + Send;

    /// Whether the disk under the database has room for writes; checked
    /// by `Store::check_writable` before its probe write. An engine whose
    /// disk is not ours to watch (PostgreSQL) has nothing to check.
    fn has_room(&self) -> Result<()> {
        Ok(())
    }

    /// Claims up to `limit` due mail jobs for `worker` until `now + lease`
    /// (see `Store::claim_mail_jobs`) with [`Engine::CLAIM`], in whatever
    /// way this engine keeps two claimers apart.
    fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<JobRow>>> + Send;
}

/// The connection of engine `E`'s transactions.
pub(crate) type Conn<E> = <<E as Engine>::Db as sqlx::Database>::Connection;

/// A statement on engine `E` whose rows need no reading.
pub(crate) type PlainQuery<'q, E> =
    sqlx::query::Query<'q, <E as Engine>::Db, <<E as Engine>::Db as sqlx::Database>::Arguments<'q>>;

/// A statement on engine `E` whose rows are read as `O`.
pub(crate) type RowsQuery<'q, E, O> =
    sqlx::query::QueryAs<'q, <E as Engine>::Db, O, <<E as Engine>::Db as sqlx::Database>::Arguments<'q>>;
