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

/// One statement, so two allocations of the same year cannot both read the
/// old value: the row lock (PostgreSQL) or the write lock (SQLite) orders them.
pub(crate) const NEXT_SEQ: &str = "INSERT INTO case_sequences (year, last_seq) VALUES ($1, 1) \
     ON CONFLICT (year) DO UPDATE SET last_seq = case_sequences.last_seq + 1 \
     RETURNING last_seq";

pub(crate) const FIND_BY_IDEMPOTENCY: &str = "SELECT case_number FROM cases WHERE idempotency_hash = $1";

/// `ON CONFLICT DO NOTHING` turns a repeated idempotency key into "no row
/// returned" instead of an error, which would abort a PostgreSQL transaction.
/// Other unique columns (number, follow-up hash) still fail loudly.
pub(crate) const INSERT_CASE: &str = "INSERT INTO cases (\
     case_number, case_year, case_seq, created_at, kind, event_month, \
     sender_org, sender_unit, receiver_org, receiver_unit, direction, consequence, patient_group, \
     state, routing_rule, routing_explanation, ack_deadline, answer_deadline, \
     follow_up_hash, idempotency_hash, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $4) \
     ON CONFLICT (idempotency_hash) DO NOTHING \
     RETURNING id";

pub(crate) const INSERT_CATEGORY: &str =
    "INSERT INTO case_categories (case_id, category) VALUES ($1, $2) ON CONFLICT DO NOTHING";

pub(crate) const INSERT_DOCUMENT: &str =
    "INSERT INTO case_documents (case_id, ciphertext, sealed_at) VALUES ($1, $2, $3)";

pub(crate) const INSERT_EVENT: &str =
    "INSERT INTO case_events (case_id, at, actor, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const INSERT_MAIL: &str = "INSERT INTO mail_outbox \
     (case_id, to_address, template, payload, message_id, status, attempts, not_before, created_at) \
     VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)";

/// The columns [`crate::codec::CaseRow`] reads. A macro, so `concat!` can
/// build whole statements at compile time.
macro_rules! case_select {
    () => {
        "SELECT id, case_number, created_at, kind, event_month, sender_org, sender_unit, \
         receiver_org, receiver_unit, direction, consequence, patient_group, state, routing_rule, \
         routing_explanation, ack_deadline, answer_deadline FROM cases"
    };
}

pub(crate) const CASE_BY_NUMBER: &str = concat!(case_select!(), " WHERE case_number = $1");
pub(crate) const CASE_BY_FOLLOW_UP: &str = concat!(case_select!(), " WHERE follow_up_hash = $1");

pub(crate) const CATEGORIES: &str = "SELECT category FROM case_categories WHERE case_id = $1";

pub(crate) const SEALED_DOCUMENT: &str =
    "SELECT d.ciphertext FROM case_documents d JOIN cases c ON c.id = d.case_id WHERE c.case_number = $1";

pub(crate) const CASE_EVENTS: &str = "SELECT e.at, e.actor, e.from_state, e.to_state, e.reason \
     FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = $1 ORDER BY e.id";

/// The columns [`crate::codec::JobRow`] reads from `mail_outbox`. Qualified by
/// the table name, not an alias: SQLite's `RETURNING` does not see aliases.
macro_rules! job_columns {
    () => {
        "mail_outbox.id, (SELECT c.case_number FROM cases c WHERE c.id = mail_outbox.case_id) AS case_number, \
         mail_outbox.to_address, mail_outbox.template, mail_outbox.payload, mail_outbox.message_id, mail_outbox.attempts"
    };
}
pub(crate) use job_columns;

/// Only the lease holder may finish a job; see `Store::mark_mail_sent`.
pub(crate) const MARK_SENT: &str = "UPDATE mail_outbox SET status = 'sent', sent_at = $3, lease_owner = NULL, lease_until = NULL \
     WHERE id = $1 AND lease_owner = $2 AND status = 'pending'";

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
