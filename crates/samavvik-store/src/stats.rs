//! Statistics over clear columns, for the anonymised reports, and synthetic
//! cases for demos and benchmarks.
//!
//! Nothing here reads or writes `case_documents`: the report code gets grouped
//! counts of clear columns and nothing else (see `sql::STATS_QUERIES` and the
//! test that checks their text). The grouping happens in SQL, so a report over
//! a million cases moves a few thousand rows, not a million.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::{
    CaseState, Category, Consequence, Direction, EventMonth, Kind, MeasureCategory, OrgId, PatientGroup, UnitId,
};

use crate::codec::Ts;
use crate::{Result, StoreError};

/// A generated case: clear columns only. It gets no sealed document, no
/// events and no mail: it has no content, and nobody is to be notified.
#[derive(Clone, Debug)]
pub struct SyntheticCase {
    pub created_at: DateTime<Utc>,
    pub kind: Kind,
    pub event_month: EventMonth,
    pub sender_org: OrgId,
    pub sender_unit: UnitId,
    pub receiver_org: OrgId,
    pub receiver_unit: UnitId,
    pub direction: Direction,
    pub categories: Vec<Category>,
    pub consequence: Consequence,
    pub patient_group: PatientGroup,
    pub ack_deadline: NaiveDate,
    pub answer_deadline: NaiveDate,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Measure categories chosen on closing; empty unless `closed_at` is set.
    pub measures: Vec<MeasureCategory>,
}

impl SyntheticCase {
    /// The state the handling timestamps imply.
    pub fn state(&self) -> CaseState {
        if self.closed_at.is_some() {
            CaseState::Closed
        } else if self.answered_at.is_some() {
            CaseState::Answered
        } else if self.acknowledged_at.is_some() {
            CaseState::Acknowledged
        } else {
            CaseState::Dispatched
        }
    }
}

/// Which cases a report covers: event months `from..=to`, with handling
/// status judged at `status_at`. Month counts go back to `trend_from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsQuery {
    pub from: EventMonth,
    pub to: EventMonth,
    pub trend_from: EventMonth,
    pub status_at: DateTime<Utc>,
}

/// The last day a status judged at `at` covers: the day before an instant
/// at midnight UTC (a period's end), else the instant's own date in Norway
/// ([`samavvik_core::deadline::norwegian_date`]), the calendar a measure's "done on" date is written in.
pub fn status_day(at: DateTime<Utc>) -> NaiveDate {
    if at.time() == chrono::NaiveTime::MIN {
        let day = at.date_naive();
        day.pred_opt().unwrap_or(day)
    } else {
        samavvik_core::deadline::norwegian_date(at)
    }
}

/// The sender and receiver of a group of cases, as routed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    pub direction: Direction,
    pub sender_org: OrgId,
    pub sender_unit: UnitId,
    pub receiver_org: OrgId,
    pub receiver_unit: UnitId,
}

impl Flow {
    /// A total order that does not depend on the database's collation.
    pub fn sort_key(&self) -> [&str; 5] {
        [
            self.direction.slug(),
            self.sender_org.as_str(),
            self.sender_unit.as_str(),
            self.receiver_org.as_str(),
            self.receiver_unit.as_str(),
        ]
    }
}

/// Counts of one flow in the period; "by status" means at `StatsQuery::status_at`.
/// A case withdrawn by status counts in `cases` and `withdrawn` only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowStats {
    pub flow: Flow,
    pub cases: u64,
    /// Not withdrawn, and acknowledged by status or its acknowledgement
    /// deadline has passed.
    pub ack_due: u64,
    pub ack_in_time: u64,
    /// Not withdrawn, and answered by status or its answer deadline has passed.
    pub answer_due: u64,
    pub answer_in_time: u64,
    pub answered: u64,
    pub closed: u64,
    /// Registered by status, neither closed nor withdrawn by then.
    pub open: u64,
    /// Open, not answered, and the answer deadline has passed.
    pub overdue: u64,
    /// Withdrawn by status (never open, overdue or due for a deadline).
    pub withdrawn: u64,
}

/// What a count of days measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DaysTo {
    Answer,
    Close,
}

impl DaysTo {
    pub fn slug(self) -> &'static str {
        match self {
            DaysTo::Answer => "answer",
            DaysTo::Close => "close",
        }
    }
}

/// How many cases of a flow took `days` whole days from creation to answer or close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaysCount {
    pub flow: Flow,
    pub what: DaysTo,
    pub days: i64,
    pub cases: u64,
}

/// A one-dimensional count. Categories and measures are multi-valued, so
/// their counts can add up to more than the number of cases.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DimValue {
    Kind(Kind),
    Consequence(Consequence),
    PatientGroup(PatientGroup),
    Category(Category),
    Measure(MeasureCategory),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DimCount {
    pub value: DimValue,
    pub cases: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthCount {
    pub month: EventMonth,
    pub cases: u64,
}

/// Everything a report is computed from: grouped counts of clear columns,
/// sorted in a fixed order independent of the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseStatistics {
    pub flows: Vec<FlowStats>,
    pub days: Vec<DaysCount>,
    pub dims: Vec<DimCount>,
    /// `trend_from..=to`, months without cases left out.
    pub months: Vec<MonthCount>,
    /// Measures planned and done per direction and category (issue 20,
    /// point 10), sorted by direction and measure.
    pub follow_ups: Vec<crate::FollowUpCount>,
}

/// A report that was published: by `samavvik report` or the secretariat's
/// "Publiser" on `/rapporter`. Kept so every later report is audited
/// against what was released (a suppressed cell must not be found by
/// combining reports).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedReport {
    pub period_from: EventMonth,
    pub period_to: EventMonth,
    pub threshold: u64,
    /// The report's SHA-256 of its canonical input rows (hex).
    pub input_sha256: String,
    pub published_at: DateTime<Utc>,
    /// 1 for the first publication of the period, 2 for a re-issue, …
    pub version: u32,
    /// Who published it (a principal; empty for rows from before the register).
    pub published_by: String,
    /// The released cells (JSON); `None` for rows from before the register.
    pub release: Option<String>,
}

/// Whole days from `from` to `to` at the stored millisecond precision, as
/// the engines' `SET_DAYS` compute them (equal for `to >= from`).
pub(crate) fn whole_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to.timestamp_millis() - from.timestamp_millis()).div_euclid(86_400_000)
}

// ---- decoding -------------------------------------------------------------

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

fn count(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| corrupt("count", &v.to_string()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct FlowKeyRow {
    pub(crate) direction: String,
    pub(crate) sender_org: String,
    pub(crate) sender_unit: String,
    pub(crate) receiver_org: String,
    pub(crate) receiver_unit: String,
}

impl FlowKeyRow {
    pub(crate) fn to_flow(&self) -> Result<Flow> {
        Ok(Flow {
            direction: Direction::from_slug(&self.direction).ok_or_else(|| corrupt("direction", &self.direction))?,
            sender_org: OrgId::new(&self.sender_org).map_err(|_| corrupt("sender org", &self.sender_org))?,
            sender_unit: UnitId::new(&self.sender_unit).map_err(|_| corrupt("sender unit", &self.sender_unit))?,
            receiver_org: OrgId::new(&self.receiver_org).map_err(|_| corrupt("receiver org", &self.receiver_org))?,
            receiver_unit: UnitId::new(&self.receiver_unit)
                .map_err(|_| corrupt("receiver unit", &self.receiver_unit))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DimRow {
    dimension: String,
    value: String,
    cases: i64,
}

impl DimRow {
    pub(crate) fn new(dimension: String, value: String, cases: i64) -> DimRow {
        DimRow {
            dimension,
            value,
            cases,
        }
    }

    fn value(dimension: &str, v: &str) -> Result<DimValue> {
        match dimension {
            "kind" => Kind::from_slug(v).map(DimValue::Kind),
            "consequence" => Consequence::from_slug(v).map(DimValue::Consequence),
            "patient_group" => PatientGroup::from_slug(v).map(DimValue::PatientGroup),
            "category" => Category::from_slug(v).map(DimValue::Category),
            "measure" => MeasureCategory::from_slug(v).map(DimValue::Measure),
            _ => None,
        }
        .ok_or_else(|| corrupt(dimension, v))
    }

    /// Decodes every row, splitting combined dimensions ("a|b" with values
    /// "x|y") and adding up equal values.
    pub(crate) fn decode_all(rows: Vec<DimRow>) -> Result<Vec<DimCount>> {
        let mut sums: std::collections::BTreeMap<DimValue, u64> = std::collections::BTreeMap::new();
        for row in rows {
            let cases = count(row.cases)?;
            let dims: Vec<&str> = row.dimension.split('|').collect();
            let values: Vec<&str> = row.value.split('|').collect();
            if dims.len() != values.len() {
                return Err(corrupt(&row.dimension, &row.value));
            }
            for (d, v) in dims.into_iter().zip(values) {
                *sums.entry(Self::value(d, v)?).or_default() += cases;
            }
        }
        Ok(sums
            .into_iter()
            .map(|(value, cases)| DimCount { value, cases })
            .collect())
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PublishedRow {
    period_from: String,
    period_to: String,
    threshold: i64,
    input_sha256: String,
    published_at: Ts,
    version: i64,
    published_by: String,
    release: Option<String>,
}

impl PublishedRow {
    pub(crate) fn decode(self) -> Result<PublishedReport> {
        let month = |m: &str| m.parse().map_err(|_| corrupt("report period", m));
        Ok(PublishedReport {
            period_from: month(&self.period_from)?,
            period_to: month(&self.period_to)?,
            threshold: count(self.threshold)?,
            input_sha256: self.input_sha256,
            published_at: self.published_at.into_inner(),
            version: u32::try_from(self.version).map_err(|_| corrupt("report version", &self.version.to_string()))?,
            published_by: self.published_by,
            release: self.release,
        })
    }
}

/// Sorts every part so the result does not depend on the engine's row order
/// or collation.
/// Flow rows come per month; this adds up the months of each flow.
pub(crate) fn merge_flows(rows: Vec<FlowStats>) -> Vec<FlowStats> {
    let mut out: std::collections::HashMap<Flow, FlowStats> = std::collections::HashMap::new();
    for r in rows {
        match out.get_mut(&r.flow) {
            None => {
                out.insert(r.flow.clone(), r);
            }
            Some(f) => {
                f.cases += r.cases;
                f.ack_due += r.ack_due;
                f.ack_in_time += r.ack_in_time;
                f.answer_due += r.answer_due;
                f.answer_in_time += r.answer_in_time;
                f.answered += r.answered;
                f.closed += r.closed;
                f.open += r.open;
                f.overdue += r.overdue;
                f.withdrawn += r.withdrawn;
            }
        }
    }
    out.into_values().collect()
}

pub(crate) fn canonical(mut s: CaseStatistics) -> CaseStatistics {
    s.flows.sort_by(|a, b| a.flow.sort_key().cmp(&b.flow.sort_key()));
    s.days
        .sort_by(|a, b| (a.flow.sort_key(), a.what, a.days).cmp(&(b.flow.sort_key(), b.what, b.days)));
    s.dims.sort_by(|a, b| a.value.cmp(&b.value));
    s.months.sort_by_key(|m| m.month);
    s
}

#[cfg(test)]
mod tests {
    use crate::StatsQuery;
    use crate::engine::Engine;
    use crate::stats_batch::{Plan, StatsSql};
    use chrono::{TimeZone, Utc};

    fn texts(q: &StatsSql) -> Vec<String> {
        let at = |m| Utc.with_ymd_and_hms(2026, m, 1, 0, 0, 0).unwrap();
        let query = |from: &str, to: &str, m| StatsQuery {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            trend_from: "2025-01".parse().unwrap(),
            status_at: at(m),
        };
        let plan = Plan::new(&[query("2026-01", "2026-12", 12), query("2026-01", "2026-06", 7)]).unwrap();
        vec![
            q.cutoffs(),
            q.flows(&plan),
            q.days(&plan),
            q.dims(&plan),
            q.months(),
            q.measures(&plan),
        ]
    }

    /// SQLite reads the on-time comparisons from the statistics index
    /// (migration 0031) only while the statements write them as the index does.
    #[test]
    fn sqlite_on_time_comparisons_are_the_indexed_expressions() {
        let migration = include_str!("../../../migrations/sqlite/0031_on_time_in_norway.sql");
        let q = <crate::SqliteStore as Engine>::STATS;
        for expr in [q.ack_in_time, q.ans_in_time] {
            assert!(migration.contains(expr), "{expr} is not indexed");
            assert!(
                texts(&q).iter().any(|t| t.contains(expr)),
                "{expr} is not in a statement"
            );
        }
    }

    /// The report's queries never touch the sealed table or column, on either engine.
    #[test]
    fn statistics_queries_read_no_sealed_column() {
        for q in [<crate::SqliteStore as Engine>::STATS, <crate::PgStore as Engine>::STATS] {
            for text in texts(&q) {
                let lower = text.to_lowercase();
                for banned in [
                    "case_documents",
                    "ciphertext",
                    "sealed",
                    "follow_up_hash",
                    "idempotency_hash",
                ] {
                    assert!(!lower.contains(banned), "{banned} in {text}");
                }
                assert!(
                    lower.contains("from cases") || lower.contains("from case_measures"),
                    "{text}"
                );
            }
        }
    }

    /// A measure marked done just after midnight in Norway is dated the
    /// Norwegian day, while the UTC date is still the day before: the status
    /// day of an instant in that hour must be the Norwegian one, or the mark
    /// falls outside the report judged at that instant. A period's end
    /// (midnight UTC) covers the period's last day.
    #[test]
    fn the_status_day_is_the_norwegian_date_except_at_a_periods_end() {
        use super::status_day;
        let cases = [
            // 23:30 UTC on 3 December is 00:30 on 4 December in Norway (UTC+1).
            ((2026, 12, 3, 23, 30), (2026, 12, 4)),
            // 22:30 UTC on 3 July is 00:30 on 4 July (summer time, UTC+2).
            ((2026, 7, 3, 22, 30), (2026, 7, 4)),
            ((2026, 12, 3, 12, 0), (2026, 12, 3)),
            // The end of 2026 as a period: its last day.
            ((2027, 1, 1, 0, 0), (2026, 12, 31)),
        ];
        for ((y, m, d, h, min), (dy, dm, dd)) in cases {
            let at = Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
            assert_eq!(
                status_day(at),
                chrono::NaiveDate::from_ymd_opt(dy, dm, dd).unwrap(),
                "{at}"
            );
        }
    }
}
