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

pub(crate) const FIND_BY_IDEMPOTENCY: &str = "SELECT case_number FROM cases WHERE idempotency_hash = $1";

/// The columns of a new case, in the order `write_group` binds them. With
/// `ON CONFLICT (idempotency_hash) DO NOTHING`, a repeated idempotency key
/// writes no row instead of failing the statement (see [`NEW_CASE_TAIL`]).
pub(crate) const NEW_CASE_COLUMNS: &[&str] = &[
    "case_number",
    "case_year",
    "case_seq",
    "created_at",
    "kind",
    "event_month",
    "sender_org",
    "sender_unit",
    "receiver_org",
    "receiver_unit",
    "direction",
    "consequence",
    "patient_group",
    "state",
    "routing_rule",
    "routing_explanation",
    "ack_deadline",
    "answer_deadline",
    "follow_up_hash",
    "idempotency_hash",
    "updated_at",
];

/// Follows a multi-row insert of [`NEW_CASE_COLUMNS`]: rows whose key is
/// taken are skipped, and the written ones say which they are.
pub(crate) const NEW_CASE_TAIL: &str = " ON CONFLICT (idempotency_hash) DO NOTHING RETURNING id, idempotency_hash";

/// `event_month` is the case's, copied for the statistics (migration 0006).
pub(crate) const NEW_CATEGORY_COLUMNS: &[&str] = &["case_id", "category", "event_month"];

pub(crate) const NEW_DOCUMENT_COLUMNS: &[&str] = &["case_id", "ciphertext", "sealed_at"];

pub(crate) const NEW_EVENT_COLUMNS: &[&str] = &["case_id", "at", "actor", "from_state", "to_state", "reason"];

pub(crate) const NEW_MAIL_COLUMNS: &[&str] = &[
    "case_id",
    "to_address",
    "template",
    "payload",
    "message_id",
    "status",
    "attempts",
    "not_before",
    "created_at",
];

/// Splits `rows` for multi-row inserts into runs of 64, 32, … 1 rows. So
/// few distinct statements come out of any group size that each stays
/// prepared in the connection's statement cache instead of being parsed (and
/// on PostgreSQL planned) anew for every group. 64 rows of the widest insert
/// (21 columns) stay far below SQLite's 32,766 parameters per statement.
pub(crate) fn insert_runs<T>(rows: &[T]) -> Vec<&[T]> {
    let mut size = 64;
    let mut runs = Vec::new();
    let mut rest = rows;
    while !rest.is_empty() {
        while size > rest.len() {
            size /= 2;
        }
        let (run, tail) = rest.split_at(size);
        runs.push(run);
        rest = tail;
    }
    runs
}

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

// ---- statistics (issue 8) ---------------------------------------------------
//
// The report's queries read clear columns of `cases`, `case_categories` and
// `case_measures` only; a test checks that none of them mentions the sealed
// table. One expression differs between the engines (a timestamp's UTC
// date), so each engine instantiates `stats_queries!` with its own;
// everything else is shared text. Whole days to answer/close are columns
// (migration 0006), set with each engine's `SET_DAYS`.
// $1..$2: event months; $3: the status instant; $4: its UTC date.

macro_rules! in_period {
    () => {
        " WHERE event_month >= $1 AND event_month <= $2"
    };
}
pub(crate) use in_period;

macro_rules! flow_columns {
    () => {
        "direction, sender_org, sender_unit, receiver_org, receiver_unit"
    };
}
pub(crate) use flow_columns;

/// The statistics statements of one engine.
pub(crate) struct StatsSql {
    pub cutoff: &'static str,
    pub flows: &'static str,
    pub days: &'static str,
    pub dims: &'static str,
    pub months: &'static str,
}

/// `$ack_date`/`$ans_date`: the UTC date of `acknowledged_at`/`answered_at`.
macro_rules! stats_queries {
    ($ack_date:literal, $ans_date:literal) => {
        $crate::sql::StatsSql {
            cutoff: concat!(
                "SELECT MAX(created_at) AS created, MAX(acknowledged_at) AS acknowledged, ",
                "MAX(answered_at) AS answered, MAX(closed_at) AS closed FROM cases",
                $crate::sql::in_period!()
            ),
            // Grouped by month first, the order of `cases_statistics`, so SQLite
            // aggregates while it scans instead of sorting; months are summed in Rust.
            flows: concat!(
                "SELECT event_month, ",
                $crate::sql::flow_columns!(),
                ", COUNT(*) AS cases, ",
                "COUNT(*) FILTER (WHERE acknowledged_at <= $3 OR ack_deadline < $4) AS ack_due, ",
                "COUNT(*) FILTER (WHERE acknowledged_at <= $3 AND ",
                $ack_date,
                " <= ack_deadline) AS ack_in_time, ",
                "COUNT(*) FILTER (WHERE answered_at <= $3 OR answer_deadline < $4) AS answer_due, ",
                "COUNT(*) FILTER (WHERE answered_at <= $3 AND ",
                $ans_date,
                " <= answer_deadline) AS answer_in_time, ",
                "COUNT(*) FILTER (WHERE answered_at <= $3) AS answered, ",
                "COUNT(*) FILTER (WHERE closed_at <= $3) AS closed, ",
                "COUNT(*) FILTER (WHERE closed_at IS NULL OR closed_at > $3) AS open, ",
                "COUNT(*) FILTER (WHERE (closed_at IS NULL OR closed_at > $3) AND (answered_at IS NULL OR answered_at > $3) ",
                "AND answer_deadline < $4) AS overdue ",
                "FROM cases",
                $crate::sql::in_period!(),
                " GROUP BY event_month, ",
                $crate::sql::flow_columns!()
            ),
            // Grouped by month first, in the order of the partial indexes
            // `cases_days_answer`/`_close` (migration 0006), so SQLite aggregates
            // while it scans; the outer GROUP BY then sorts a fifth as many rows.
            days: concat!(
                "SELECT ",
                $crate::sql::flow_columns!(),
                ", 'answer' AS what, days, CAST(SUM(n) AS BIGINT) AS cases FROM (SELECT event_month, ",
                $crate::sql::flow_columns!(),
                ", days_to_answer AS days, COUNT(*) AS n FROM cases",
                $crate::sql::in_period!(),
                " AND answered_at <= $3 GROUP BY event_month, ",
                $crate::sql::flow_columns!(),
                ", days_to_answer) AS a GROUP BY ",
                $crate::sql::flow_columns!(),
                ", days UNION ALL SELECT ",
                $crate::sql::flow_columns!(),
                ", 'close' AS what, days, CAST(SUM(n) AS BIGINT) AS cases FROM (SELECT event_month, ",
                $crate::sql::flow_columns!(),
                ", days_to_close AS days, COUNT(*) AS n FROM cases",
                $crate::sql::in_period!(),
                " AND closed_at <= $3 GROUP BY event_month, ",
                $crate::sql::flow_columns!(),
                ", days_to_close) AS c GROUP BY ",
                $crate::sql::flow_columns!(),
                ", days"
            ),
            // Each part grouped by month first, the order of its index
            // (`cases_dims`, `case_categories_month`, `case_measures_month`);
            // months are summed in Rust (`DimRow::decode_all`). Categories and
            // measures carry the case's event month (and closing), so no join.
            dims: concat!(
                // Kind, consequence and patient group in one scan; split in Rust.
                "SELECT 'kind|consequence|patient_group' AS dimension, ",
                "kind || '|' || consequence || '|' || patient_group AS value, COUNT(*) AS cases FROM cases",
                $crate::sql::in_period!(),
                " GROUP BY event_month, kind, consequence, patient_group UNION ALL ",
                "SELECT 'category' AS dimension, category AS value, COUNT(*) AS cases FROM case_categories",
                $crate::sql::in_period!(),
                " GROUP BY event_month, category UNION ALL ",
                "SELECT 'measure' AS dimension, category AS value, COUNT(*) AS cases FROM case_measures",
                $crate::sql::in_period!(),
                " AND closed_at <= $3 GROUP BY event_month, category"
            ),
            months: concat!(
                "SELECT event_month, COUNT(*) AS cases FROM cases",
                $crate::sql::in_period!(),
                " GROUP BY event_month"
            ),
        }
    };
}
pub(crate) use stats_queries;

/// Bumps a year's sequence by `$2` in one statement and returns the last
/// number of the block. One statement, so two allocations of the same year
/// cannot both read the old value: the row lock (PostgreSQL) or the write
/// lock (SQLite) orders them.
pub(crate) const NEXT_SEQ_BLOCK: &str = "INSERT INTO case_sequences (year, last_seq) VALUES ($1, $2) \
     ON CONFLICT (year) DO UPDATE SET last_seq = case_sequences.last_seq + $2 \
     RETURNING last_seq";

/// Parameters per synthetic case row in [`insert_synthetic_sql`].
pub(crate) const SYNTHETIC_PARAMS: usize = 24;

/// The `n`-th placeholder (1-based): `$n`, or `?` where the engine needs
/// plain positional parameters. SQLite resolves `$n` by name, one lookup per
/// parameter over all of them, which makes a 20,000-parameter insert take
/// seconds; `?` is bound by position.
fn placeholder(positional: bool, n: usize) -> String {
    if positional { "?".to_owned() } else { format!("${n}") }
}

/// A multi-row insert of `rows` synthetic cases. Routing columns are fixed
/// text: synthetic cases were never routed. Parameters are bound in column order.
pub(crate) fn insert_synthetic_sql(rows: usize, positional: bool) -> String {
    let mut sql = String::from(
        "INSERT INTO cases (case_number, case_year, case_seq, created_at, kind, event_month, \
         sender_org, sender_unit, receiver_org, receiver_unit, direction, consequence, patient_group, state, \
         ack_deadline, answer_deadline, follow_up_hash, idempotency_hash, acknowledged_at, answered_at, closed_at, \
         updated_at, days_to_answer, days_to_close, routing_rule, routing_explanation) VALUES ",
    );
    for r in 0..rows {
        let b = r * SYNTHETIC_PARAMS;
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for p in 1..=SYNTHETIC_PARAMS {
            sql.push_str(&placeholder(positional, b + p));
            sql.push_str(", ");
        }
        sql.push_str("'synthetic', 'Syntetisk sak (generert)')");
    }
    sql.push_str(" RETURNING id, case_number");
    sql
}

/// A multi-row insert of `rows` rows of `columns` into `table`.
pub(crate) fn insert_rows_sql(table: &str, columns: &[&str], rows: usize, positional: bool) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let n = columns.len();
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let values: Vec<String> = (1..=n).map(|p| placeholder(positional, n * r + p)).collect();
        sql.push_str(&format!("({})", values.join(", ")));
    }
    sql
}

// ---- published reports (issue 8) --------------------------------------------

pub(crate) const INSERT_PUBLISHED_REPORT: &str = "INSERT INTO published_reports \
     (period_from, period_to, threshold, input_sha256, published_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const PUBLISHED_REPORTS: &str = "SELECT period_from, period_to, threshold, input_sha256, published_at \
     FROM published_reports ORDER BY published_at, id";

#[cfg(test)]
mod tests {
    #[test]
    fn insert_runs_are_powers_of_two_in_order() {
        let rows: Vec<u32> = (0..203).collect();
        let runs = super::insert_runs(&rows);
        let sizes: Vec<usize> = runs.iter().map(|r| r.len()).collect();
        assert_eq!(sizes, [64, 64, 64, 8, 2, 1]);
        assert_eq!(runs.concat(), rows);
        assert!(super::insert_runs::<u32>(&[]).is_empty());
    }
}
