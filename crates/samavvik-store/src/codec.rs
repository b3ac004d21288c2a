//! How Rust values become columns and back, shared by both engines.
//!
//! [`Ts`] is the one timestamp type the store binds and reads: unix
//! milliseconds in an INTEGER on SQLite, `TIMESTAMPTZ` on PostgreSQL. Both
//! encodings truncate to whole milliseconds, because SQLite's column cannot
//! hold more and a value must read back the same from either engine.
//!
//! The row structs decode on either engine (`FromRow` is generic over the row
//! type); turning their slugs back into domain types happens here, once, and an
//! unknown slug is [`StoreError::Corrupt`] rather than a panic or a default.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::{
    CaseNumber, CaseState, Category, Consequence, Direction, EventMonth, Kind, OrgId, PatientGroup, UnitId,
};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::types::Json;
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

use crate::{CaseEvent, CaseRecord, InsertOutcome, MailJob, Result, StoreError};

/// A UTC instant at millisecond precision, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ts(DateTime<Utc>);

impl Ts {
    /// Truncates to the millisecond, the precision both engines keep.
    pub(crate) fn new(at: DateTime<Utc>) -> Self {
        Ts(DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at))
    }

    pub(crate) fn get(self) -> DateTime<Utc> {
        self.0
    }

    pub(crate) fn into_inner(self) -> DateTime<Utc> {
        self.0
    }

    fn from_millis(ms: i64) -> Result<Self, BoxDynError> {
        DateTime::from_timestamp_millis(ms)
            .map(Ts)
            .ok_or_else(|| format!("timestamp out of range: {ms} ms").into())
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(self.0.timestamp_millis(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ts::from_millis(<i64 as Decode<Sqlite>>::decode(value)?)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<Postgres>>::encode(Ts::new(self.0).0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        // Rows written by the store are already whole milliseconds; truncating
        // here too keeps rows written by hand from breaking equality.
        Ok(Ts::new(<DateTime<Utc> as Decode<Postgres>>::decode(value)?))
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

fn slug<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| corrupt(what, value))
}

pub(crate) fn case_number(value: &str) -> Result<CaseNumber> {
    value.parse().map_err(|_| corrupt("case number", value))
}

/// Case number `seq` of `year`, as handed out by a sequence.
pub(crate) fn case_number_of(year: i32, seq: i64) -> Result<CaseNumber> {
    u32::try_from(seq)
        .ok()
        .and_then(|seq| CaseNumber::new(year, seq).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("no case number for {year}/{seq}")))
}

pub(crate) fn state(value: &str) -> Result<CaseState> {
    slug("state", value, CaseState::from_slug)
}

/// The clear columns of `cases`, as selected by `sql::case_columns!`.
#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub id: i64,
    case_number: String,
    created_at: Ts,
    kind: String,
    event_month: String,
    sender_org: String,
    sender_unit: String,
    receiver_org: String,
    receiver_unit: String,
    direction: String,
    consequence: String,
    patient_group: String,
    state: String,
    routing_rule: String,
    routing_explanation: String,
    ack_deadline: NaiveDate,
    answer_deadline: NaiveDate,
    secretariat_help_at: Option<Ts>,
    sender_subunit: Option<String>,
    agreement_clause: Option<String>,
}

impl CaseRow {
    /// `categories` are the case's `case_categories` slugs; they come back in
    /// slug order, which is the order validation produces.
    pub(crate) fn into_record(self, categories: &[String]) -> Result<CaseRecord> {
        let mut cats = categories
            .iter()
            .map(|c| slug("category", c, Category::from_slug))
            .collect::<Result<Vec<_>>>()?;
        cats.sort();
        Ok(CaseRecord {
            number: case_number(&self.case_number)?,
            created_at: self.created_at.0,
            kind: slug("kind", &self.kind, Kind::from_slug)?,
            event_month: self
                .event_month
                .parse::<EventMonth>()
                .map_err(|_| corrupt("event month", &self.event_month))?,
            sender_org: OrgId::new(&self.sender_org).map_err(|_| corrupt("sender org", &self.sender_org))?,
            sender_unit: UnitId::new(&self.sender_unit).map_err(|_| corrupt("sender unit", &self.sender_unit))?,
            receiver_org: OrgId::new(&self.receiver_org).map_err(|_| corrupt("receiver org", &self.receiver_org))?,
            receiver_unit: UnitId::new(&self.receiver_unit)
                .map_err(|_| corrupt("receiver unit", &self.receiver_unit))?,
            direction: slug("direction", &self.direction, Direction::from_slug)?,
            categories: cats,
            consequence: slug("consequence", &self.consequence, Consequence::from_slug)?,
            patient_group: slug("patient group", &self.patient_group, PatientGroup::from_slug)?,
            state: state(&self.state)?,
            routing_rule: self.routing_rule,
            routing_explanation: self.routing_explanation,
            ack_deadline: self.ack_deadline,
            answer_deadline: self.answer_deadline,
            secretariat_help_at: self.secretariat_help_at.map(Ts::into_inner),
            sender_subunit: self
                .sender_subunit
                .map(|s| UnitId::new(&s).map_err(|_| corrupt("sender sub-unit", &s)))
                .transpose()?,
            agreement_clause: self
                .agreement_clause
                .map(|s| slug("agreement clause", &s, samavvik_core::AgreementClause::from_slug))
                .transpose()?,
        })
    }
}

/// A row of `sql::CASE_EVENTS`: the event columns are NULL (and
/// `event_id` too) when the case has no events.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    event_id: Option<i64>,
    at: Option<Ts>,
    actor: Option<String>,
    from_state: Option<String>,
    to_state: Option<String>,
    reason: Option<String>,
}

impl EventRow {
    /// `None` for the row of a case without events.
    pub(crate) fn into_event(self) -> Result<Option<CaseEvent>> {
        if self.event_id.is_none() {
            return Ok(None);
        }
        Ok(Some(CaseEvent {
            at: present("event time", self.at)?.0,
            actor: present("event actor", self.actor)?,
            from_state: self.from_state.as_deref().map(state).transpose()?,
            to_state: state(&present("event state", self.to_state)?)?,
            reason: present("event reason", self.reason)?,
        }))
    }
}

/// A NOT NULL column of a LEFT JOINed row that is there.
pub(crate) fn present<T>(what: &str, value: Option<T>) -> Result<T> {
    value.ok_or_else(|| corrupt(what, "NULL"))
}

/// The rows of a `cases LEFT JOIN <child>` read for one case number (see
/// `sql.rs`): no row at all is an unknown case; `decode` gives `None` for
/// the row of NULLs that stands for a case without children.
pub(crate) fn children<R, T>(
    number: CaseNumber,
    rows: Vec<R>,
    decode: impl FnMut(R) -> Result<Option<T>>,
) -> Result<Vec<T>> {
    if rows.is_empty() {
        return Err(StoreError::NotFound(number));
    }
    rows.into_iter().map(decode).filter_map(Result::transpose).collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: i64,
    case_number: Option<String>,
    to_address: String,
    template: String,
    payload: Json<serde_json::Value>,
    message_id: String,
    attempts: i32,
}

impl JobRow {
    pub(crate) fn into_job(self) -> Result<MailJob> {
        Ok(MailJob {
            id: self.id,
            case_number: self.case_number.as_deref().map(case_number).transpose()?,
            to: self.to_address,
            template: self.template,
            payload: self.payload.0,
            message_id: self.message_id,
            attempts: u32::try_from(self.attempts).map_err(|_| corrupt("attempts", &self.attempts.to_string()))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CountsRow {
    cases: i64,
    mail_pending: i64,
    mail_sent: i64,
    mail_dead: i64,
}

impl From<CountsRow> for crate::Counts {
    fn from(r: CountsRow) -> Self {
        // COUNT(*) is never negative.
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        crate::Counts {
            cases: n(r.cases),
            mail_pending: n(r.mail_pending),
            mail_sent: n(r.mail_sent),
            mail_dead: n(r.mail_dead),
        }
    }
}

/// After an idempotency conflict the other case must exist: nothing deletes cases.
pub(crate) fn duplicate_of(existing: Option<CaseNumber>) -> Result<InsertOutcome> {
    existing
        .map(InsertOutcome::Duplicate)
        .ok_or_else(|| StoreError::Corrupt("idempotency key conflict but no case holds it".into()))
}

/// Claimed jobs, oldest first. `RETURNING` promises no order on either engine.
pub(crate) fn jobs_by_id(rows: Vec<JobRow>) -> Result<Vec<MailJob>> {
    let mut jobs = rows.into_iter().map(JobRow::into_job).collect::<Result<Vec<_>>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Finishing a job whose lease another worker took over (or that is already
/// finished) changes nothing, by design: the job stays with its current
/// holder. Worth a line in the log, since it means a lease was too short.
pub(crate) fn note_lost_lease(rows_affected: u64, id: i64, worker: &str) {
    if rows_affected == 0 {
        tracing::warn!(job = id, worker, "mail job not updated: not leased by this worker");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_to_milliseconds() {
        let at = DateTime::from_timestamp(1_780_000_000, 123_456_789).unwrap();
        assert_eq!(Ts::new(at).0.timestamp_subsec_nanos(), 123_000_000);
        assert_eq!(Ts::new(at).0.timestamp(), 1_780_000_000);
    }
}
