//! Inserts that write rows the store's callers hand it: each table's insert
//! columns written once, and the statement text for them built once.
//!
//! A [`RowsInsert`] is one table, its columns (in the order the engine code
//! binds them) and what follows the `VALUES` list. Its text for a run of
//! 1, 2, 4, … 64 rows is built on first use and kept, so the intake path
//! never formats SQL: a group of new cases is split into such runs
//! ([`insert_runs`]), and a single event or mail job is a run of one.
//! Bulk loads of synthetic cases use any row count and build their text
//! per chunk ([`RowsInsert::bulk_sql`]); they are not on a request path.

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::{NewCase, NewEvent, NewMailJob};

/// Most rows in one run of [`insert_runs`]. 64 rows of the widest insert
/// (24 columns) stay far below SQLite's 32,766 parameters per statement.
pub(crate) const MAX_RUN: usize = 64;

/// Run sizes 1, 2, 4, … [`MAX_RUN`].
const RUN_SIZES: usize = MAX_RUN.trailing_zeros() as usize + 1;

/// The columns of a new case, in the order `bind_case_rows` (`common.rs`)
/// binds them. A macro, so the synthetic insert can extend it with `concat!`.
macro_rules! new_case_columns {
    () => {
        "case_number, case_year, case_seq, created_at, kind, event_month, sender_org, sender_unit, \
         receiver_org, receiver_unit, direction, consequence, patient_group, state, routing_rule, \
         routing_explanation, ack_deadline, answer_deadline, follow_up_hash, idempotency_hash, updated_at"
    };
}

/// `event_month` is the case's, copied for the statistics (migration 0006).
const CATEGORY_COLUMNS: &str = "case_id, category, event_month";

/// The case's event month and closing, copied for the statistics
/// (migration 0006). A macro for `handling_sql::INSERT_MEASURE`.
macro_rules! measure_columns {
    () => {
        "case_id, category, event_month, closed_at, direction, answered_at"
    };
}
pub(crate) use measure_columns;

/// New cases. With `ON CONFLICT (idempotency_hash) DO NOTHING`, a repeated
/// idempotency key writes no row instead of failing the statement, and the
/// written rows say which they are.
///
/// A report's sub-unit (migration 0012), agreement clause (0027) and flow
/// number (0029) are written with its row, so no crash can leave a case
/// without them.
pub(crate) static NEW_CASES: RowsInsert = RowsInsert::new(
    "cases",
    concat!(new_case_columns!(), ", sender_subunit, agreement_clause, flow_id"),
    " ON CONFLICT (idempotency_hash) DO NOTHING RETURNING id, idempotency_hash",
);

/// A new case's categories (a repeated category is written once).
pub(crate) static NEW_CATEGORIES: RowsInsert =
    RowsInsert::new("case_categories", CATEGORY_COLUMNS, " ON CONFLICT DO NOTHING");

pub(crate) static NEW_DOCUMENTS: RowsInsert = RowsInsert::new("case_documents", "case_id, ciphertext, sealed_at", "");

/// Sealed items written with a new case (its attachments).
pub(crate) static NEW_ITEMS: RowsInsert =
    RowsInsert::new("case_items", "case_id, kind, at, actor, shareable, ciphertext", "");

/// Events: a new case's first, and every transition's.
pub(crate) static NEW_EVENTS: RowsInsert =
    RowsInsert::new("case_events", "case_id, at, actor, from_state, to_state, reason", "");

/// Outbox jobs, with or without a case (a sign-in link has none).
pub(crate) static NEW_MAIL: RowsInsert = RowsInsert::new(
    "mail_outbox",
    "case_id, to_address, template, payload, message_id, status, attempts, not_before, created_at",
    "",
);

/// Generated cases: a new case's columns and the handling ones.
pub(crate) static SYNTHETIC_CASES: RowsInsert = RowsInsert::new(
    "cases",
    concat!(
        new_case_columns!(),
        ", acknowledged_at, answered_at, closed_at, days_to_answer, days_to_close, flow_id"
    ),
    " RETURNING id, case_number",
);

pub(crate) static SYNTHETIC_CATEGORIES: RowsInsert = RowsInsert::new("case_categories", CATEGORY_COLUMNS, "");

pub(crate) static SYNTHETIC_MEASURES: RowsInsert = RowsInsert::new("case_measures", measure_columns!(), "");

/// One new case with all its rows in a single PostgreSQL statement (data-
/// modifying CTEs), so a report is one round trip and one implicit
/// transaction instead of BEGIN, five inserts and COMMIT. `$1`–`$24` are
/// [`NEW_CASES`]' columns; then the categories (`$25`, `text[]`), the sealed
/// document (`$26`), the first event (`$27`–`$31`) and the mail jobs as
/// parallel arrays (`$32`–`$36`: addresses, templates, payloads as JSON
/// text, Message-IDs, not-before), then the sealed items (attachments) as
/// parallel arrays (`$37`–`$41`: kinds, times, actors, shareable,
/// ciphertexts). A repeated idempotency key writes no case row, so no child
/// row either, and the statement returns no row.
pub(crate) fn pg_new_case() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let case = NEW_CASES.sql(1, false);
        format!(
            "WITH c AS ({case}), \
             k AS (INSERT INTO case_categories ({CATEGORY_COLUMNS}) \
               SELECT c.id, k.category, $6 FROM c, unnest($25::text[]) AS k(category) ON CONFLICT DO NOTHING), \
             d AS (INSERT INTO case_documents (case_id, ciphertext, sealed_at) SELECT c.id, $26::bytea, $4 FROM c), \
             e AS (INSERT INTO case_events (case_id, at, actor, from_state, to_state, reason) \
               SELECT c.id, $27::timestamptz, $28::text, $29::text, $30::text, $31::text FROM c), \
             m AS (INSERT INTO mail_outbox (case_id, to_address, template, payload, message_id, status, attempts, not_before, created_at) \
               SELECT c.id, m.to_address, m.template, CAST(m.payload AS jsonb), m.message_id, 'pending', 0, m.not_before, $4 \
               FROM c, unnest($32::text[], $33::text[], $34::text[], $35::text[], $36::timestamptz[]) \
                 AS m(to_address, template, payload, message_id, not_before)), \
             i AS (INSERT INTO case_items (case_id, kind, at, actor, shareable, ciphertext) \
               SELECT c.id, i.kind, i.at, i.actor, i.shareable, i.ciphertext \
               FROM c, unnest($37::text[], $38::timestamptz[], $39::text[], $40::boolean[], $41::bytea[]) \
                 AS i(kind, at, actor, shareable, ciphertext)) \
             SELECT id FROM c"
        )
    })
}

/// A multi-row insert into one table; see the module doc.
pub(crate) struct RowsInsert {
    table: &'static str,
    columns: &'static str,
    /// How many columns `columns` names: the parameters per row.
    width: usize,
    tail: &'static str,
    /// The text for each run size, `$n` placeholders first, then `?`.
    texts: [[OnceLock<String>; RUN_SIZES]; 2],
}

impl RowsInsert {
    const fn new(table: &'static str, columns: &'static str, tail: &'static str) -> Self {
        Self {
            table,
            columns,
            width: count_columns(columns),
            tail,
            texts: [const { [const { OnceLock::new() }; RUN_SIZES] }; 2],
        }
    }

    /// The statement for `rows` rows: kept for the run sizes of
    /// [`insert_runs`], built for any other count.
    pub(crate) fn sql(&'static self, rows: usize, positional: bool) -> Cow<'static, str> {
        if !rows.is_power_of_two() || rows > MAX_RUN {
            return Cow::Owned(self.build(rows, positional));
        }
        let slot = &self.texts[usize::from(positional)][rows.trailing_zeros() as usize];
        Cow::Borrowed(slot.get_or_init(|| self.build(rows, positional)))
    }

    /// The statement for a bulk load of `rows` rows, built each time.
    pub(crate) fn bulk_sql(&self, rows: usize, positional: bool) -> String {
        self.build(rows, positional)
    }

    /// `$n` placeholders, or `?` where the engine needs plain positional
    /// parameters: SQLite resolves `$n` by name, one lookup per parameter
    /// over all of them, which makes a 20,000-parameter insert take
    /// seconds; `?` is bound by position.
    fn build(&self, rows: usize, positional: bool) -> String {
        use std::fmt::Write as _;
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns);
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..self.width {
                if c > 0 {
                    sql.push_str(", ");
                }
                if positional {
                    sql.push('?');
                } else {
                    let _ = write!(sql, "${}", r * self.width + c + 1);
                }
            }
            sql.push(')');
        }
        sql.push_str(self.tail);
        sql
    }
}

const fn count_columns(columns: &str) -> usize {
    let bytes = columns.as_bytes();
    let (mut n, mut i) = (1, 0);
    while i < bytes.len() {
        if bytes[i] == b',' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Splits `rows` for multi-row inserts into runs of 64, 32, … 1 rows. So
/// few distinct statements come out of any group size that each is built
/// once ([`RowsInsert::sql`]) and stays prepared in the connection's
/// statement cache instead of being parsed (and on PostgreSQL planned)
/// anew for every group.
pub(crate) fn insert_runs<T>(rows: &[T]) -> Vec<&[T]> {
    let mut size = MAX_RUN;
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

/// An outbox job to write: `case_id` is `None` for mail without a case.
#[derive(Clone, Copy)]
pub(crate) struct MailRow<'a> {
    pub case_id: Option<i64>,
    pub job: &'a NewMailJob,
    pub created_at: DateTime<Utc>,
}

/// One run of rows into a table that hangs off `cases` (`i64` is the case
/// row's id). The table and its columns come from [`ChildRows::table`],
/// the binds from `bind_child_rows` in `common.rs`, in the same order.
pub(crate) enum ChildRows<'a> {
    Categories(&'a [(i64, &'a NewCase, &'a samavvik_core::Category)]),
    Documents(&'a [(i64, &'a NewCase)]),
    Events(&'a [(i64, &'a NewEvent)]),
    Mail(&'a [MailRow<'a>]),
    Items(&'a [(i64, &'a crate::NewSealedItem)]),
}

impl ChildRows<'_> {
    pub(crate) fn table(&self) -> &'static RowsInsert {
        match self {
            Self::Categories(_) => &NEW_CATEGORIES,
            Self::Documents(_) => &NEW_DOCUMENTS,
            Self::Events(_) => &NEW_EVENTS,
            Self::Mail(_) => &NEW_MAIL,
            Self::Items(_) => &NEW_ITEMS,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Categories(rows) => rows.len(),
            Self::Documents(rows) => rows.len(),
            Self::Events(rows) => rows.len(),
            Self::Mail(rows) => rows.len(),
            Self::Items(rows) => rows.len(),
        }
    }

    /// The statement for this run.
    pub(crate) fn sql(&self, positional: bool) -> Cow<'static, str> {
        self.table().sql(self.len(), positional)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_runs_are_powers_of_two_in_order() {
        let rows: Vec<u32> = (0..203).collect();
        let runs = insert_runs(&rows);
        let sizes: Vec<usize> = runs.iter().map(|r| r.len()).collect();
        assert_eq!(sizes, [64, 64, 64, 8, 2, 1]);
        assert_eq!(runs.concat(), rows);
        assert!(insert_runs::<u32>(&[]).is_empty());
    }

    #[test]
    fn statements_are_built_once_per_run_size() {
        let first = NEW_EVENTS.sql(2, false);
        assert_eq!(
            first,
            "INSERT INTO case_events (case_id, at, actor, from_state, to_state, reason) \
             VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12)"
        );
        assert!(matches!(first, Cow::Borrowed(_)));
        assert!(std::ptr::eq(first.as_ptr(), NEW_EVENTS.sql(2, false).as_ptr()));
        assert_eq!(
            NEW_CATEGORIES.sql(1, true),
            "INSERT INTO case_categories (case_id, category, event_month) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
        );
        assert!(matches!(NEW_MAIL.sql(3, true), Cow::Owned(_)));
    }

    #[test]
    fn widths_count_the_columns() {
        assert_eq!(NEW_CASES.width, 24);
        assert_eq!(SYNTHETIC_CASES.width, 27);
        assert_eq!(NEW_MAIL.width, 9);
        assert_eq!(SYNTHETIC_MEASURES.width, 6);
    }
}
