//! The SQL behind [`crate::HandlingStore`], and its shared implementation
//! [`impl_handling_store!`], invoked once per engine like `impl_store!`.
//!
//! Static statements are constants; the two list queries (work list, audit
//! log) are built at run time because their set of conditions varies. They
//! still only ever contain `$n` placeholders for values: the text that is
//! spliced in comes from this file (column names, `ORDER BY` variants).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use samavvik_core::{MeasureCategory, UnitId};

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

/// A mail job without a case (`case_id` NULL), e.g. a sign-in link.
pub(crate) const INSERT_MAIL_NO_CASE: &str = "INSERT INTO mail_outbox \
     (case_id, to_address, template, payload, message_id, status, attempts, not_before, created_at) \
     VALUES (NULL, $1, $2, $3, $4, 'pending', 0, $5, $6)";

// ---- audit --------------------------------------------------------------------

pub(crate) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor, action, case_number, unit, detail) VALUES ($1, $2, $3, $4, $5, $6)";

// ---- cases, transitions, items ----------------------------------------------

/// The columns [`crate::codec::CaseRow`] reads; the same list as
/// `sql::case_select!` (a mismatch fails every list test on both engines).
const CASE_COLUMNS: &str = "id, case_number, created_at, kind, event_month, sender_org, sender_unit, \
     receiver_org, receiver_unit, direction, consequence, patient_group, state, routing_rule, \
     routing_explanation, ack_deadline, answer_deadline";

pub(crate) const CASE_ID: &str = "SELECT id FROM cases WHERE case_number = $1";

/// The guarded state change. `$1` number, `$2` expected state, `$3` new
/// state, `$4` now; `$5..$7` handling timestamps to set (NULL keeps),
/// `$8` clear `closed_at`, `$9` clear acknowledged/answered (a set value
/// wins over a clear); `$10..$16` the reroute columns (NULL keeps).
pub(crate) const TRANSITION: &str = "UPDATE cases SET state = $3, updated_at = $4, \
     acknowledged_at = COALESCE($5, CASE WHEN $9 THEN NULL ELSE acknowledged_at END), \
     answered_at = COALESCE($6, CASE WHEN $9 THEN NULL ELSE answered_at END), \
     closed_at = COALESCE($7, CASE WHEN $8 THEN NULL ELSE closed_at END), \
     receiver_unit = COALESCE($10, receiver_unit), \
     routing_rule = COALESCE($11, routing_rule), \
     routing_explanation = COALESCE($12, routing_explanation), \
     ack_deadline = COALESCE($13, ack_deadline), \
     answer_deadline = COALESCE($14, answer_deadline), \
     receiver_org = COALESCE($15, receiver_org), \
     direction = COALESCE($16, direction) \
     WHERE case_number = $1 AND state = $2 RETURNING id";

pub(crate) const ITEM_IDS: &str = "SELECT id FROM case_items WHERE case_id = $1";
pub(crate) const HAS_DOCUMENT: &str = "SELECT COUNT(*) FROM case_documents WHERE case_id = $1";
pub(crate) const RESEAL_DOCUMENT: &str = "UPDATE case_documents SET ciphertext = $2 WHERE case_id = $1";
pub(crate) const RESEAL_ITEM: &str = "UPDATE case_items SET ciphertext = $3 WHERE id = $1 AND case_id = $2";

pub(crate) const INSERT_ITEM: &str = "INSERT INTO case_items (case_id, kind, at, actor, shareable, ciphertext) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

pub(crate) const DELETE_MEASURES: &str = "DELETE FROM case_measures WHERE case_id = $1";
/// Copies the case's event month and closing for the statistics (migration 0006).
pub(crate) const INSERT_MEASURE: &str = "INSERT INTO case_measures (case_id, category, event_month, closed_at) \
     SELECT id, $2, event_month, closed_at FROM cases WHERE id = $1 ON CONFLICT DO NOTHING";

/// Keeps the measures' copy of `closed_at` in step (reopening clears it).
pub(crate) const SYNC_MEASURES_CLOSED: &str =
    "UPDATE case_measures SET closed_at = (SELECT closed_at FROM cases WHERE id = $1) WHERE case_id = $1";

pub(crate) const SEALED_ITEMS: &str = "SELECT i.id, i.kind, i.at, i.actor, i.shareable, i.ciphertext \
     FROM case_items i JOIN cases c ON c.id = i.case_id WHERE c.case_number = $1 ORDER BY i.at, i.id";

pub(crate) const CASE_MEASURES: &str = "SELECT m.category FROM case_measures m JOIN cases c ON c.id = m.case_id \
     WHERE c.case_number = $1";

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
    let sides: Vec<String> = [receiving, units(&mut c, "sender_unit", &f.sending_units)]
        .into_iter()
        .flatten()
        .collect();
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
    if let Some(category) = f.category {
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
    let order = match f.sort {
        CaseSort::Newest => "created_at DESC, id DESC",
        CaseSort::Oldest => "created_at ASC, id ASC",
        CaseSort::AckDeadline => "ack_deadline ASC, id ASC",
        CaseSort::AnswerDeadline => "answer_deadline ASC, id ASC",
    };
    Some(Paged::new("cases", CASE_COLUMNS, c, order, f.limit, f.offset))
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

pub(crate) type ItemRow = (i64, String, Ts, String, bool, Vec<u8>);

pub(crate) fn sealed_item((id, kind, at, actor, shareable, ciphertext): ItemRow) -> SealedItem {
    SealedItem {
        id,
        kind,
        at: at.get(),
        actor,
        shareable,
        ciphertext: Ciphertext(ciphertext),
    }
}

/// Measure slugs in vocabulary order.
pub(crate) fn measures(slugs: Vec<String>) -> Result<Vec<MeasureCategory>> {
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

/// The shared implementation, invoked once per engine like `impl_store!`.
macro_rules! impl_handling_store {
    ($engine:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::{CaseNumber, MeasureCategory};
            use $crate::codec::{CaseRow, Ts};
            use $crate::handling::{
                AuditEntry, AuditFilter, CaseFilter, HandlingStore, NewSealedItem, SealedItem, SealedRef,
                TransitionWrite,
            };
            use $crate::handling_sql::{self as q, AuditRow, ItemRow, bind_args};
            use $crate::{CaseRecord, NewMailJob, Result, TokenHash};

            impl HandlingStore for $engine {
                async fn create_login_token(
                    &self,
                    hash: &TokenHash,
                    principal: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                    mail: &NewMailJob,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::INSERT_LOGIN_TOKEN)
                        .bind(&hash.0[..])
                        .bind(principal)
                        .bind(Ts::new(now))
                        .bind(Ts::new(expires_at))
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(q::INSERT_MAIL_NO_CASE)
                        .bind(&mail.to)
                        .bind(&mail.template)
                        .bind(sqlx::types::Json(&mail.payload))
                        .bind(&mail.message_id)
                        .bind(Ts::new(mail.not_before))
                        .bind(Ts::new(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn consume_login_token(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>> {
                    let mut tx = self.write().await?;
                    let principal: Option<String> = sqlx::query_scalar(q::CONSUME_LOGIN_TOKEN)
                        .bind(&hash.0[..])
                        .bind(Ts::new(now))
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(principal)
                }

                async fn create_session(
                    &self,
                    hash: &TokenHash,
                    principal: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::INSERT_SESSION)
                        .bind(&hash.0[..])
                        .bind(principal)
                        .bind(Ts::new(now))
                        .bind(Ts::new(expires_at))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn touch_session(
                    &self,
                    hash: &TokenHash,
                    now: DateTime<Utc>,
                    idle_cutoff: DateTime<Utc>,
                ) -> Result<Option<String>> {
                    let mut tx = self.write().await?;
                    let principal: Option<String> = sqlx::query_scalar(q::TOUCH_SESSION)
                        .bind(&hash.0[..])
                        .bind(Ts::new(now))
                        .bind(Ts::new(idle_cutoff))
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(principal)
                }

                async fn delete_session(&self, hash: &TokenHash) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::DELETE_SESSION)
                        .bind(&hash.0[..])
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::INSERT_AUDIT)
                        .bind(Ts::new(entry.at))
                        .bind(&entry.actor)
                        .bind(&entry.action)
                        .bind(entry.case_number.map(|n| n.to_string()))
                        .bind(entry.unit.as_ref().map(|u| u.as_str().to_owned()))
                        .bind(&entry.detail)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn audit_entries(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64)> {
                    let paged = q::audit_sql(filter);
                    let rows: Vec<AuditRow> = bind_args!(sqlx::query_as(&paged.page), &paged.args)
                        .fetch_all(&self.pool)
                        .await?;
                    let total: i64 = bind_args!(sqlx::query_scalar(&paged.count), &paged.args[..paged.count_args])
                        .fetch_one(&self.pool)
                        .await?;
                    let entries = rows.into_iter().map(q::audit_entry).collect::<Result<Vec<_>>>()?;
                    Ok((entries, q::count(total)))
                }

                async fn list_cases(&self, filter: &CaseFilter) -> Result<(Vec<CaseRecord>, u64)> {
                    let Some(paged) = q::list_cases_sql(filter) else {
                        return Ok((Vec::new(), 0));
                    };
                    let rows: Vec<CaseRow> = bind_args!(sqlx::query_as(&paged.page), &paged.args)
                        .fetch_all(&self.pool)
                        .await?;
                    let total: i64 = bind_args!(sqlx::query_scalar(&paged.count), &paged.args[..paged.count_args])
                        .fetch_one(&self.pool)
                        .await?;
                    let mut categories: std::collections::HashMap<i64, Vec<String>> = Default::default();
                    if !rows.is_empty() {
                        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                        let (text, args) = q::categories_sql(&ids);
                        let pairs: Vec<(i64, String)> = bind_args!(sqlx::query_as(&text), &args)
                            .fetch_all(&self.pool)
                            .await?;
                        for (id, category) in pairs {
                            categories.entry(id).or_default().push(category);
                        }
                    }
                    let records = rows
                        .into_iter()
                        .map(|row| {
                            let cats = categories.remove(&row.id).unwrap_or_default();
                            row.into_record(cats)
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok((records, q::count(total)))
                }

                async fn case_measures(&self, number: CaseNumber) -> Result<Vec<MeasureCategory>> {
                    let slugs: Vec<String> = sqlx::query_scalar(q::CASE_MEASURES)
                        .bind(number.to_string())
                        .fetch_all(&self.pool)
                        .await?;
                    q::measures(slugs)
                }

                async fn handling_times(
                    &self,
                    number: CaseNumber,
                ) -> Result<
                    Option<(
                        Option<DateTime<Utc>>,
                        Option<DateTime<Utc>>,
                        Option<DateTime<Utc>>,
                    )>,
                > {
                    let row: Option<(Option<Ts>, Option<Ts>, Option<Ts>)> = sqlx::query_as(q::HANDLING_TIMES)
                        .bind(number.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                    let get = |t: Option<Ts>| t.map(Ts::get);
                    Ok(row.map(|(ack, ans, closed)| (get(ack), get(ans), get(closed))))
                }

                async fn apply_transition(&self, w: &TransitionWrite) -> Result<bool> {
                    let r = w.reroute.as_ref();
                    let mut tx = self.write().await?;
                    let id: Option<i64> = sqlx::query_scalar(q::TRANSITION)
                        .bind(w.number.to_string())
                        .bind(w.from.slug())
                        .bind(w.to.slug())
                        .bind(Ts::new(w.event.at))
                        .bind(w.acknowledged_at.map(Ts::new))
                        .bind(w.answered_at.map(Ts::new))
                        .bind(w.closed_at.map(Ts::new))
                        .bind(w.clear_closed_at)
                        .bind(w.clear_acknowledged_and_answered)
                        .bind(r.map(|r| r.receiver_unit.as_str().to_owned()))
                        .bind(r.map(|r| r.routing_rule.clone()))
                        .bind(r.map(|r| r.routing_explanation.clone()))
                        .bind(r.map(|r| r.ack_deadline).or(w.deadlines.map(|d| d.0)))
                        .bind(r.map(|r| r.answer_deadline).or(w.deadlines.map(|d| d.1)))
                        .bind(r.map(|r| r.receiver_org.as_str().to_owned()))
                        .bind(r.map(|r| r.direction.slug()))
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(id) = id else {
                        tx.rollback().await?;
                        return Ok(false);
                    };
                    let handling_changed = w.answered_at.is_some()
                        || w.closed_at.is_some()
                        || w.clear_closed_at
                        || w.clear_acknowledged_and_answered;
                    if handling_changed {
                        sqlx::query(Self::SET_DAYS).bind(id).execute(&mut *tx).await?;
                        sqlx::query(q::SYNC_MEASURES_CLOSED)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some(r) = r {
                        let has_document: i64 = sqlx::query_scalar(q::HAS_DOCUMENT)
                            .bind(id)
                            .fetch_one(&mut *tx)
                            .await?;
                        let item_ids: Vec<i64> = sqlx::query_scalar(q::ITEM_IDS)
                            .bind(id)
                            .fetch_all(&mut *tx)
                            .await?;
                        // An error return drops `tx`, which rolls everything back.
                        q::check_reseal(w.number, &r.resealed, has_document > 0, item_ids)?;
                        for (what, sealed) in &r.resealed {
                            match what {
                                SealedRef::Report => sqlx::query(q::RESEAL_DOCUMENT).bind(id).bind(&sealed.0),
                                SealedRef::Item(item) => {
                                    sqlx::query(q::RESEAL_ITEM).bind(*item).bind(id).bind(&sealed.0)
                                }
                            }
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    let ev = &w.event;
                    sqlx::query($crate::sql::INSERT_EVENT)
                        .bind(id)
                        .bind(Ts::new(ev.at))
                        .bind(&ev.actor)
                        .bind(ev.from_state.map(|s| s.slug()))
                        .bind(ev.to_state.slug())
                        .bind(&ev.reason)
                        .execute(&mut *tx)
                        .await?;
                    for item in &w.new_items {
                        Self::handling_insert_item(&mut tx, id, item).await?;
                    }
                    if let Some(measures) = &w.measures {
                        sqlx::query(q::DELETE_MEASURES).bind(id).execute(&mut *tx).await?;
                        for m in measures {
                            sqlx::query(q::INSERT_MEASURE)
                                .bind(id)
                                .bind(m.slug())
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Self::handling_insert_mail(&mut tx, id, &w.mail, ev.at).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn add_sealed_item(
                    &self,
                    number: CaseNumber,
                    item: &NewSealedItem,
                    mail: &[NewMailJob],
                ) -> Result<i64> {
                    let mut tx = self.write().await?;
                    let case_id: Option<i64> = sqlx::query_scalar(q::CASE_ID)
                        .bind(number.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(case_id) = case_id else {
                        tx.rollback().await?;
                        return Err($crate::StoreError::Database(sqlx::Error::RowNotFound));
                    };
                    let item_id = Self::handling_insert_item(&mut tx, case_id, item).await?;
                    Self::handling_insert_mail(&mut tx, case_id, mail, item.at).await?;
                    tx.commit().await?;
                    Ok(item_id)
                }

                async fn sealed_items(&self, number: CaseNumber) -> Result<Vec<SealedItem>> {
                    let rows: Vec<ItemRow> = sqlx::query_as(q::SEALED_ITEMS)
                        .bind(number.to_string())
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(rows.into_iter().map(q::sealed_item).collect())
                }
            }

            impl $engine {
                async fn handling_insert_item(
                    tx: &mut <<Self as $crate::handling_sql::Engine>::Db as sqlx::Database>::Connection,
                    case_id: i64,
                    item: &NewSealedItem,
                ) -> Result<i64> {
                    Ok(sqlx::query_scalar(q::INSERT_ITEM)
                        .bind(case_id)
                        .bind(&item.kind)
                        .bind(Ts::new(item.at))
                        .bind(&item.actor)
                        .bind(item.shareable)
                        .bind(&item.ciphertext.0)
                        .fetch_one(&mut *tx)
                        .await?)
                }

                async fn handling_insert_mail(
                    tx: &mut <<Self as $crate::handling_sql::Engine>::Db as sqlx::Database>::Connection,
                    case_id: i64,
                    mail: &[NewMailJob],
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    for job in mail {
                        sqlx::query($crate::sql::INSERT_MAIL)
                            .bind(case_id)
                            .bind(&job.to)
                            .bind(&job.template)
                            .bind(sqlx::types::Json(&job.payload))
                            .bind(&job.message_id)
                            .bind(Ts::new(job.not_before))
                            .bind(Ts::new(now))
                            .execute(&mut *tx)
                            .await?;
                    }
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_handling_store;

/// Names each engine's database type, so the shared code can spell its
/// transaction type.
pub(crate) trait Engine {
    type Db: sqlx::Database;
}

impl Engine for crate::SqliteStore {
    type Db = sqlx::Sqlite;
}

impl Engine for crate::PgStore {
    type Db = sqlx::Postgres;
}
