//! SQL text both engines run unchanged.
//!
//! SQLite accepts PostgreSQL's `$n` placeholders, so a statement lives here
//! unless the engines genuinely differ (transaction start, claiming); those stay
//! in `sqlite.rs` and `postgres.rs`. Every statement is exercised by
//! `tests/conformance.rs` on both engines; there is no compile-time check.

/// The outbox predicate for "due at $1": pending, not before its time, and
/// not under a lease that is still running.
macro_rules! due_at_1 {
    () => {
        "status = 'pending' AND not_before <= $1 AND (lease_until IS NULL OR lease_until < $1)"
    };
}
pub(crate) use due_at_1;

/// The order due jobs are claimed in, and how many (`$2`): due earliest
/// first, then oldest. It is the order of the index `mail_outbox_due
/// (status, not_before)` (SQLite keeps the row id after an index's columns;
/// PostgreSQL sorts only rows with the same `not_before`), so a claim reads
/// its first `limit` due rows and stops, however long the queue. Ordered by
/// `id` alone, a claim read every due row (SQLite sorted them all inside the
/// write lock: 12 ms a claim at an 80 000-mail backlog, and every report
/// waited behind it) or, on PostgreSQL, walked the primary key past every
/// mail ever sent.
macro_rules! claim_order {
    () => {
        " ORDER BY not_before, id LIMIT $2"
    };
}
pub(crate) use claim_order;

pub(crate) const FIND_BY_IDEMPOTENCY: &str = "SELECT case_number FROM cases WHERE idempotency_hash = $1";

/// The columns [`crate::codec::CaseRow`] reads, for every statement that
/// reads cases (here and in `handling_sql.rs`). A macro, so `concat!` can
/// build whole statements at compile time.
macro_rules! case_columns {
    () => {
        "id, case_number, created_at, kind, event_month, sender_org, sender_unit, \
         receiver_org, receiver_unit, direction, consequence, patient_group, state, routing_rule, \
         routing_explanation, ack_deadline, answer_deadline, secretariat_help_at, sender_subunit, \
         agreement_clause"
    };
}
pub(crate) use case_columns;

pub(crate) const CASE_BY_NUMBER: &str = concat!("SELECT ", case_columns!(), " FROM cases WHERE case_number = $1");
pub(crate) const CASE_BY_FOLLOW_UP: &str = concat!("SELECT ", case_columns!(), " FROM cases WHERE follow_up_hash = $1");

pub(crate) const CATEGORIES: &str = "SELECT category FROM case_categories WHERE case_id = $1";

pub(crate) const CASE_ID: &str = "SELECT id FROM cases WHERE case_number = $1";

// Reads of a case's documents, events and the like start from `cases` with a
// LEFT JOIN, so one statement tells an unknown case (no row) from a case
// without any (one row of NULLs); see `codec::children`.

/// `NULL` when the case has no sealed document (a synthetic case).
pub(crate) const SEALED_DOCUMENT: &str =
    "SELECT d.ciphertext FROM cases c LEFT JOIN case_documents d ON d.case_id = c.id WHERE c.case_number = $1";

pub(crate) const CASE_EVENTS: &str = "SELECT e.id AS event_id, e.at, e.actor, e.from_state, e.to_state, e.reason \
     FROM cases c LEFT JOIN case_events e ON e.case_id = c.id WHERE c.case_number = $1 ORDER BY e.id";

/// The columns [`crate::codec::JobRow`] reads from `mail_outbox`. Qualified by
/// the table name, not an alias: SQLite's `RETURNING` does not see aliases.
macro_rules! job_columns {
    () => {
        "mail_outbox.id, (SELECT c.case_number FROM cases c WHERE c.id = mail_outbox.case_id) AS case_number, \
         mail_outbox.to_address, mail_outbox.template, mail_outbox.payload, mail_outbox.message_id, mail_outbox.attempts"
    };
}
pub(crate) use job_columns;

/// Only the lease holder may finish a job; see `Store::mark_mail_sent`. A
/// sent job keeps `lease_owner` (the worker that sent it), so marking it
/// again after a commit whose answer was lost finds the row and changes
/// nothing that matters, instead of looking like a lost lease.
pub(crate) const MARK_SENT: &str = "UPDATE mail_outbox SET status = 'sent', sent_at = COALESCE(sent_at, $3), lease_until = NULL \
     WHERE id = $1 AND lease_owner = $2 AND status IN ('pending', 'sent')";

/// Rewrites the readiness row (see `Store::check_writable`).
pub(crate) const READINESS_PROBE: &str = "INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1) \
     ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at";

pub(crate) const MARK_RETRY: &str = "UPDATE mail_outbox \
     SET attempts = attempts + 1, last_error = $3, not_before = $4, lease_owner = NULL, lease_until = NULL \
     WHERE id = $1 AND lease_owner = $2 AND status = 'pending'";

pub(crate) const MARK_DEAD: &str = "UPDATE mail_outbox \
     SET attempts = attempts + 1, last_error = $3, status = 'dead', lease_owner = NULL, lease_until = NULL \
     WHERE id = $1 AND lease_owner = $2 AND status = 'pending'";

pub(crate) const COUNTS: &str = "SELECT \
     (SELECT COUNT(*) FROM cases) AS cases, \
     (SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending') AS mail_pending, \
     (SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent') AS mail_sent, \
     (SELECT COUNT(*) FROM mail_outbox WHERE status = 'dead') AS mail_dead";

// ---- statistics (issue 8) ---------------------------------------------------
//
// The report's queries read clear columns of `cases`, `case_categories` and
// `case_measures` only; a test checks that none of them mentions the sealed
// table. `stats_batch.rs` writes them; what differs between the engines is
// in each engine's `Engine::STATS` (`StatsSql`): how it says whether a case
// was acknowledged or answered in time, and whether a statement names its
// index. Whole days to answer/close are columns (migration 0006), set with
// each engine's `SET_DAYS`.

pub(crate) use crate::stats_batch::StatsSql;

/// Bumps a year's sequence by `$2` in one statement and returns the last
/// number of the block. One statement, so two allocations of the same year
/// cannot both read the old value: the row lock (PostgreSQL) or the write
/// lock (SQLite) orders them.
pub(crate) const NEXT_SEQ_BLOCK: &str = "INSERT INTO case_sequences (year, last_seq) VALUES ($1, $2) \
     ON CONFLICT (year) DO UPDATE SET last_seq = case_sequences.last_seq + $2 \
     RETURNING last_seq";

// ---- published reports (issue 8) --------------------------------------------

pub(crate) const INSERT_PUBLISHED_REPORT: &str = "INSERT INTO published_reports \
     (period_from, period_to, threshold, input_sha256, published_at, version, published_by, release) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const PUBLISHED_REPORTS: &str = "SELECT period_from, period_to, threshold, input_sha256, published_at, \
     version, published_by, release FROM published_reports ORDER BY published_at, id";
