//! The SQL behind [`crate::HandlingStore`] (its implementation is in
//! `handling_impl.rs`), and the rows it reads.
//!
//! Static statements are constants; the two list queries (work list, audit
//! log) are built at run time because their set of conditions varies. They
//! still only ever contain `$n` placeholders for values: the text that is
//! spliced in comes from this file (column names, `ORDER BY` variants).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use samavvik_core::{CaseNumber, MeasureCategory, UnitId};

use crate::codec::{self, Ts};
use crate::handling::{AuditEntry, AuditFilter, CaseFilter, CaseSort, SealedItem, SealedRef};
use crate::{Ciphertext, Result, StoreError};

// ---- sign-in and sessions ---------------------------------------------------

pub(crate) const INSERT_LOGIN_TOKEN: &str =
    "INSERT INTO login_tokens (token_hash, principal, created_at, expires_at) VALUES ($1, $2, $3, $4)";

/// One statement, so two concurrent uses of the same link cannot both succeed.
pub(crate) const CONSUME_LOGIN_TOKEN: &str = "UPDATE login_tokens SET used_at = $2 \
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING principal";

pub(crate) const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, principal, created_at, last_seen_at, expires_at) \
     VALUES ($1, $2, $3, $3, $4)";

pub(crate) const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_at = $2 \
     WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at >= $3 RETURNING principal";

pub(crate) const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";

// ---- audit --------------------------------------------------------------------

pub(crate) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor, action, case_number, unit, detail) VALUES ($1, $2, $3, $4, $5, $6)";

// ---- cases, transitions, items ----------------------------------------------

/// The guarded state change. `$1` number, `$2` expected state, `$3` new
/// state, `$4` now; `$5..$7` handling timestamps to set (NULL keeps),
/// `$8` clear `closed_at`, `$9` clear acknowledged/answered (a set value
/// wins over a clear); `$10..$16` the reroute columns (NULL keeps); a
/// reroute also sets the flow number of the new flow, which
/// [`ENSURE_REROUTED_FLOW`] has made sure exists (migration 0029: a NULL
/// here would be refused by `NOT NULL`, never counted under another flow). A
/// withdrawal also sets `withdrawn_at` to its event's time (migration 0011).
pub(crate) const TRANSITION: &str = "UPDATE cases SET state = $3, updated_at = $4, \
     flow_id = CASE WHEN $16 IS NULL THEN flow_id ELSE (SELECT f.id FROM case_flows f \
       WHERE f.direction = $16 AND f.sender_org = cases.sender_org AND f.sender_unit = cases.sender_unit \
       AND f.receiver_org = $15 AND f.receiver_unit = $10) END, \
     withdrawn_at = CASE WHEN $3 = 'withdrawn' THEN $4 ELSE withdrawn_at END, \
     acknowledged_at = COALESCE($5, CASE WHEN $9 THEN NULL ELSE acknowledged_at END), \
     answered_at = COALESCE($6, CASE WHEN $9 THEN NULL ELSE answered_at END), \
     closed_at = COALESCE($7, CASE WHEN $8 THEN NULL ELSE closed_at END), \
     receiver_unit = COALESCE($10, receiver_unit), \
     routing_rule = COALESCE($11, routing_rule), \
     routing_explanation = COALESCE($12, routing_explanation), \
     ack_deadline = COALESCE($13, ack_deadline), \
     answer_deadline = COALESCE($14, answer_deadline), \
     receiver_org = COALESCE($15, receiver_org), \
     direction = COALESCE($16, direction), \
     secretariat_help_at = CASE WHEN $17 THEN $4 ELSE secretariat_help_at END \
     WHERE case_number = $1 AND state = $2 RETURNING id";

/// The flow case `$1` gets by a reroute to direction `$2`, receiver
/// organisation `$3` and unit `$4`, added if no case had it before; in the
/// reroute's transaction, before [`TRANSITION`] looks it up (`flows.rs`).
pub(crate) const ENSURE_REROUTED_FLOW: &str = "INSERT INTO case_flows \
     (direction, sender_org, sender_unit, receiver_org, receiver_unit) \
     SELECT CAST($2 AS TEXT), sender_org, sender_unit, CAST($3 AS TEXT), CAST($4 AS TEXT) \
     FROM cases WHERE case_number = $1 ON CONFLICT DO NOTHING";

pub(crate) const ITEM_IDS: &str = "SELECT id FROM case_items WHERE case_id = $1";
pub(crate) const HAS_DOCUMENT: &str = "SELECT COUNT(*) FROM case_documents WHERE case_id = $1";
pub(crate) const RESEAL_DOCUMENT: &str = "UPDATE case_documents SET ciphertext = $2 WHERE case_id = $1";
pub(crate) const RESEAL_ITEM: &str = "UPDATE case_items SET ciphertext = $3 WHERE id = $1 AND case_id = $2";

pub(crate) const INSERT_ITEM: &str = "INSERT INTO case_items (case_id, kind, at, actor, shareable, ciphertext) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

pub(crate) const DELETE_MEASURES: &str = "DELETE FROM case_measures WHERE case_id = $1";
/// Sets a measure's due date (migration 0016).
pub(crate) const SET_MEASURE_DUE: &str = "UPDATE case_measures SET due_on = $3 WHERE case_id = $1 AND category = $2";
pub(crate) const MEASURE_FOLLOW_UPS: &str = "SELECT m.category, m.due_on, m.done_on \
     FROM cases c JOIN case_measures m ON m.case_id = c.id WHERE c.case_number = $1";
/// Guarded by the case's state and by the measure not being done yet.
pub(crate) const MARK_MEASURE_DONE: &str = "UPDATE case_measures SET done_on = $3 \
     WHERE case_id = (SELECT id FROM cases WHERE case_number = $1 AND state = $4) \
     AND category = $2 AND done_on IS NULL";
/// Copies the case's event month, closing, direction and answering for the
/// statistics (migrations 0006, 0028).
pub(crate) const INSERT_MEASURE: &str = concat!(
    "INSERT INTO case_measures (",
    crate::inserts::measure_columns!(),
    ") SELECT id, $2, event_month, closed_at, direction, answered_at FROM cases WHERE id = $1 ON CONFLICT DO NOTHING"
);

/// Keeps the measures' copies of `closed_at`, `answered_at` and `direction`
/// in step (reopening clears the closing, a return the answering, a reroute
/// may change the direction).
pub(crate) const SYNC_MEASURES: &str = "UPDATE case_measures SET (closed_at, answered_at, direction) = \
     (SELECT closed_at, answered_at, direction FROM cases WHERE id = $1) WHERE case_id = $1";

// Like `sql::CASE_EVENTS`, these read from `cases` with a LEFT JOIN, so an
// unknown case (no row) differs from a case without any (a row of NULLs).

pub(crate) const SEALED_ITEMS: &str = "SELECT i.id, i.kind, i.at, i.actor, i.shareable, i.ciphertext \
     FROM cases c LEFT JOIN case_items i ON i.case_id = c.id WHERE c.case_number = $1 ORDER BY i.at, i.id";

pub(crate) const CASE_MEASURES: &str = "SELECT m.category \
     FROM cases c LEFT JOIN case_measures m ON m.case_id = c.id WHERE c.case_number = $1";

#[cfg(any(test, feature = "test-support"))]
pub(crate) const HANDLING_TIMES: &str =
    "SELECT acknowledged_at, answered_at, closed_at FROM cases WHERE case_number = $1";

// ---- dynamic queries ----------------------------------------------------------

/// A value bound to a run-time built statement.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Date(NaiveDate),
    At(Ts),
}

/// Binds [`Arg`]s in order; a macro so it works for either engine's query type.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::handling_sql::Arg::Text(v) => query.bind(v.clone()),
                $crate::handling_sql::Arg::Int(v) => query.bind(*v),
                $crate::handling_sql::Arg::Date(v) => query.bind(*v),
                $crate::handling_sql::Arg::At(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_args;

/// A `WHERE` clause under construction: conditions and their arguments.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    /// Adds `arg` and returns its placeholder.
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn list(&mut self, values: impl IntoIterator<Item = Arg>) -> String {
        values.into_iter().map(|v| self.arg(v)).collect::<Vec<_>>().join(", ")
    }

    fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// A page query and its count query; the page binds every argument, the
/// count the first `count_args`.
pub(crate) struct Paged {
    pub page: String,
    pub count: String,
    pub args: Vec<Arg>,
    pub count_args: usize,
}

impl Paged {
    fn new(table: &str, columns: &str, c: Conditions, order: &str, limit: u32, offset: u32) -> Self {
        let mut c = c;
        let filter = c.where_clause();
        let count_args = c.args.len();
        let limit = c.arg(Arg::Int(i64::from(limit)));
        let offset = c.arg(Arg::Int(i64::from(offset)));
        Paged {
            page: format!("SELECT {columns} FROM {table}{filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"),
            count: format!("SELECT COUNT(*) FROM {table}{filter}"),
            args: c.args,
            count_args,
        }
    }
}

/// The work list query, or `None` when no unit is given (nothing can match).
pub(crate) fn list_cases_sql(f: &CaseFilter) -> Option<Paged> {
    let mut c = Conditions::default();
    let units = |c: &mut Conditions, column: &str, units: &[UnitId]| {
        (!units.is_empty()).then(|| {
            let list = c.list(units.iter().map(|u| Arg::Text(u.as_str().to_owned())));
            format!("{column} IN ({list})")
        })
    };
    // A receiving unit sees a case only once it has been sent on to it: not
    // while the sender's leader reviews it, and never if it was withdrawn.
    let receiving = units(&mut c, "receiver_unit", &f.receiving_units)
        .map(|u| format!("({u} AND state NOT IN ('submitted', 'sender_review', 'withdrawn'))"));
    let mut sending = units(&mut c, "sender_unit", &f.sending_units);
    // Only bound when used: an unused argument would not match the SQL.
    if let Some(s) = sending.take() {
        sending = Some(match units(&mut c, "sender_subunit", &f.reviewed_elsewhere) {
            Some(elsewhere) => format!(
                "({s} AND NOT (state IN ('submitted', 'sender_review') AND sender_subunit IS NOT NULL AND {elsewhere}))"
            ),
            None => s,
        });
    }
    let subunits = units(&mut c, "sender_subunit", &f.sending_subunits);
    let sides: Vec<String> = [receiving, sending, subunits].into_iter().flatten().collect();
    if sides.is_empty() {
        return None;
    }
    c.clauses.push(format!("({})", sides.join(" OR ")));
    if !f.states.is_empty() {
        let list = c.list(f.states.iter().map(|s| Arg::Text(s.slug().to_owned())));
        c.clauses.push(format!("state IN ({list})"));
    }
    if let Some(day) = f.overdue_on {
        let d = c.arg(Arg::Date(day));
        c.clauses.push(format!(
            "state IN ('dispatched', 'acknowledged', 'answered') AND \
             ((acknowledged_at IS NULL AND ack_deadline < {d}) OR (answered_at IS NULL AND answer_deadline < {d}))"
        ));
    }
    if let Some(category) = &f.category {
        let k = c.arg(Arg::Text(category.slug().to_owned()));
        c.clauses.push(format!(
            "EXISTS (SELECT 1 FROM case_categories k WHERE k.case_id = cases.id AND k.category = {k})"
        ));
    }
    // 'YYYY-MM' text sorts like the months it names.
    if let Some(from) = f.month_from {
        let m = c.arg(Arg::Text(from.to_string()));
        c.clauses.push(format!("event_month >= {m}"));
    }
    if let Some(to) = f.month_to {
        let m = c.arg(Arg::Text(to.to_string()));
        c.clauses.push(format!("event_month <= {m}"));
    }
    if let Some(principal) = &f.assigned_to {
        let p = c.arg(Arg::Text(principal.clone()));
        c.clauses.push(format!(
            "EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = cases.id \
             AND a.principal = {p} AND a.unit_id = cases.receiver_unit)"
        ));
    }
    let order = match f.sort {
        CaseSort::Newest => "created_at DESC, id DESC",
        CaseSort::Oldest => "created_at ASC, id ASC",
        CaseSort::AckDeadline => "ack_deadline ASC, id ASC",
        CaseSort::AnswerDeadline => "answer_deadline ASC, id ASC",
    };
    Some(Paged::new(
        "cases",
        crate::sql::case_columns!(),
        c,
        order,
        f.limit,
        f.offset,
    ))
}

/// The handlers of a page of cases, in one query.
pub(crate) fn assignees_sql(numbers: &[CaseNumber]) -> (String, Vec<Arg>) {
    let mut c = Conditions::default();
    let list = c.list(numbers.iter().map(|n| Arg::Text(n.to_string())));
    (
        format!(
            "SELECT c.case_number, a.unit_id, a.principal FROM case_assignments a \
             JOIN cases c ON c.id = a.case_id WHERE c.case_number IN ({list})"
        ),
        c.args,
    )
}

/// The categories of a page of cases, in one query.
pub(crate) fn categories_sql(ids: &[i64]) -> (String, Vec<Arg>) {
    let mut c = Conditions::default();
    let list = c.list(ids.iter().map(|&id| Arg::Int(id)));
    (
        format!("SELECT case_id, category FROM case_categories WHERE case_id IN ({list})"),
        c.args,
    )
}

pub(crate) fn audit_sql(f: &AuditFilter) -> Paged {
    let mut c = Conditions::default();
    for (column, value) in [("actor", &f.actor), ("action", &f.action)] {
        if let Some(v) = value {
            let p = c.arg(Arg::Text(v.clone()));
            c.clauses.push(format!("{column} = {p}"));
        }
    }
    if let Some(n) = f.case_number {
        let p = c.arg(Arg::Text(n.to_string()));
        c.clauses.push(format!("case_number = {p}"));
    }
    if let Some(from) = f.from {
        let p = c.arg(Arg::At(Ts::new(from)));
        c.clauses.push(format!("at >= {p}"));
    }
    if let Some(to) = f.to {
        let p = c.arg(Arg::At(Ts::new(to)));
        c.clauses.push(format!("at < {p}"));
    }
    Paged::new(
        "audit_log",
        "at, actor, action, case_number, unit, detail",
        c,
        "at DESC, id DESC",
        f.limit,
        f.offset,
    )
}

// ---- rows -----------------------------------------------------------------------

pub(crate) type AuditRow = (Ts, String, String, Option<String>, Option<String>, String);

pub(crate) fn audit_entry((at, actor, action, case_number, unit, detail): AuditRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        at: at.get(),
        actor,
        action,
        case_number: case_number.as_deref().map(codec::case_number).transpose()?,
        unit: unit
            .map(|u| UnitId::new(&u).map_err(|_| StoreError::Corrupt(format!("audit unit: {u:?}"))))
            .transpose()?,
        detail,
    })
}

/// A row of [`SEALED_ITEMS`]; all NULL for a case without items.
pub(crate) type ItemRow = (
    Option<i64>,
    Option<String>,
    Option<Ts>,
    Option<String>,
    Option<bool>,
    Option<Vec<u8>>,
);

/// `None` for the row of a case without items.
pub(crate) fn sealed_item((id, kind, at, actor, shareable, ciphertext): ItemRow) -> Result<Option<SealedItem>> {
    let Some(id) = id else { return Ok(None) };
    Ok(Some(SealedItem {
        id,
        kind: codec::present("item kind", kind)?,
        at: codec::present("item time", at)?.get(),
        actor: codec::present("item actor", actor)?,
        shareable: codec::present("item shareable", shareable)?,
        ciphertext: Ciphertext(codec::present("item ciphertext", ciphertext)?),
    }))
}

/// Measure slugs in vocabulary order.
pub(crate) fn measures(slugs: &[String]) -> Result<Vec<MeasureCategory>> {
    let mut out = slugs
        .iter()
        .map(|s| MeasureCategory::from_slug(s).ok_or_else(|| StoreError::Corrupt(format!("measure: {s:?}"))))
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    Ok(out)
}

pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A reroute must seal every sealed document of the case again, or the old
/// unit would keep access to what was left out; naming a document the case
/// does not have is a caller error too. Either refuses the whole transition.
pub(crate) fn check_reseal(
    number: samavvik_core::CaseNumber,
    resealed: &[(SealedRef, Ciphertext)],
    has_document: bool,
    item_ids: Vec<i64>,
) -> Result<()> {
    // `None` is the report, `Some(id)` an item.
    let key = |r: &SealedRef| match r {
        SealedRef::Report => None,
        SealedRef::Item(id) => Some(*id),
    };
    let given: BTreeSet<Option<i64>> = resealed.iter().map(|(r, _)| key(r)).collect();
    let mut present: BTreeSet<Option<i64>> = item_ids.into_iter().map(Some).collect();
    if has_document {
        present.insert(None);
    }
    if given == present {
        return Ok(());
    }
    let name = |k: &Option<i64>| k.map_or_else(|| "report".to_owned(), |id| format!("item {id}"));
    let missing: Vec<_> = present.difference(&given).map(name).collect();
    let unknown: Vec<_> = given.difference(&present).map(name).collect();
    Err(StoreError::Corrupt(format!(
        "reroute of {number} must reseal every sealed document: missing {missing:?}, not in the case {unknown:?}"
    )))
}
