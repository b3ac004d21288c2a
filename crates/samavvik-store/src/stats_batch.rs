//! The statistics of several periods in one pass over the cases.
//!
//! A report is protected together with the year's standard set (the asked
//! period, both half-years and the year), so the store is asked for three or
//! four periods at once. Running the statements once per period read the
//! year's cases four times; here each statement scans the union of the
//! periods once:
//!
//! - counts that do not depend on the status instant (cases, kind, category,
//!   months) are grouped by event month and summed per period in Rust;
//! - counts judged at a status instant (open, overdue, deadlines, closed,
//!   measures, days to answer/close) are computed for every distinct status
//!   instant of the batch in the same scan, by conditional aggregation (one
//!   column per instant, "slot");
//! - the days histograms, which would be many rows per month, are summed in
//!   SQL per "segment": the months between two period boundaries;
//! - measures (closed, planned, done) come from one scan of `case_measures`,
//!   whose rows carry what they are judged by (migration 0028);
//! - flows are grouped by their number (migration 0029) and named from
//!   `case_flows` after the scans, so a flow added meanwhile is named too.
//!
//! The text of each statement depends on the number of slots and segment
//! boundaries, so it is generated (from fixed pieces; only `$n` parameters
//! carry values). Every period gets exactly what a query of its own would
//! give (`tests/statistics.rs` compares them).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use samavvik_core::{Direction, EventMonth, MeasureCategory};

use crate::codec::Ts;
use crate::stats::{
    CaseStatistics, DaysCount, DaysTo, DimCount, DimRow, Flow, FlowKeyRow, FlowStats, MonthCount, StatsQuery,
    canonical, merge_flows,
};
use crate::{FollowUpCount, Result, StoreError};

/// Cases are grouped by their flow's number (migration 0029); the flows
/// themselves are read from `case_flows` ([`FlowKeys`]).
const FLOW: &str = "flow_id";

/// The status-dependent counts of a flow, in column order.
const FLOW_SLOT_COLUMNS: usize = 9;

/// The counts of a measure row per slot: closed, planned, done.
const MEASURE_SLOT_COLUMNS: usize = 3;

/// "No measure" is a measure category for the "measure" dimension, but not a
/// measure planned (the follow-up table leaves it out).
const NO_MEASURE: &str = "ingen-tiltak";

/// The engine-specific pieces of the statistics statements.
pub(crate) struct StatsSql {
    /// Whether `acknowledged_at` fell on or before `ack_deadline`, both as
    /// dates in Norway (deadlines are set in Norway's calendar): a case
    /// acknowledged at 00:30 in Norway the day after its deadline was late,
    /// though the UTC date is still the deadline's. Read from an index on
    /// either engine (migration 0031), not computed per case.
    pub ack_in_time: &'static str,
    /// The same for `answered_at` and `answer_deadline`.
    pub ans_in_time: &'static str,
    /// Whether each statement names the index it is written for (SQLite's
    /// `INDEXED BY`). SQLite plans by `sqlite_stat1`, which a running service
    /// does not keep current, and without it chose scans that made the
    /// report three times slower at a million cases; naming the index makes
    /// the plan the one measured, and a statement the index cannot serve an
    /// error instead of a slow scan. PostgreSQL keeps its own statistics.
    pub indexed_by: bool,
}

/// What one batch asks: the months it scans, its distinct status instants
/// and the boundaries between its periods.
pub(crate) struct Plan {
    pub from: EventMonth,
    pub to: EventMonth,
    /// Trend months start here (the earliest `trend_from`).
    pub trend_from: EventMonth,
    /// Distinct status instants, ascending.
    pub slots: Vec<DateTime<Utc>>,
    /// Segment boundaries: a month after `cut` is in a later segment.
    pub cuts: Vec<EventMonth>,
}

impl Plan {
    /// `None` for an empty batch.
    pub(crate) fn new(queries: &[StatsQuery]) -> Option<Plan> {
        let from = queries.iter().map(|q| q.from).min()?;
        let to = queries.iter().map(|q| q.to).max()?;
        let trend_from = queries.iter().map(|q| q.trend_from).min()?;
        let mut slots: Vec<_> = queries.iter().map(|q| q.status_at).collect();
        slots.sort();
        slots.dedup();
        let mut cuts: Vec<_> = queries
            .iter()
            .flat_map(|q| [q.from.prev(), q.to])
            .filter(|c| *c >= from && *c < to)
            .collect();
        cuts.sort();
        cuts.dedup();
        Some(Plan {
            from,
            to,
            trend_from,
            slots,
            cuts,
        })
    }

    /// The trend's months before the batch's own, if any.
    pub(crate) fn trend_before(&self) -> Option<(EventMonth, EventMonth)> {
        (self.trend_from < self.from).then(|| (self.trend_from, self.from.prev()))
    }

    fn slot(&self, q: &StatsQuery) -> usize {
        self.slots.iter().position(|s| *s == q.status_at).unwrap_or(0)
    }

    fn segment(&self, m: EventMonth) -> i64 {
        self.cuts.iter().filter(|c| m > **c).count() as i64
    }

    /// The status instant of slot `k` is `$(3 + 2k)`, its date in Norway `$(4 + 2k)` (deadlines before it have passed).
    fn at(k: usize) -> String {
        format!("${}", 3 + 2 * k)
    }

    fn date(k: usize) -> String {
        format!("${}", 4 + 2 * k)
    }

    /// The latest status instant: rows judged after it are not needed.
    fn last(&self) -> String {
        Self::at(self.slots.len().saturating_sub(1))
    }

    /// Parameters after the slots: the cuts.
    fn cut_param(&self, i: usize) -> String {
        format!("${}", 3 + 2 * self.slots.len() + i)
    }

    /// After the cuts: the last day slot `k`'s status covers
    /// ([`crate::status_day`]), which measures' "done on" dates are compared with.
    fn done_by_param(&self, k: usize) -> String {
        format!("${}", 3 + 2 * self.slots.len() + self.cuts.len() + k)
    }

    fn segment_expr(&self) -> String {
        if self.cuts.is_empty() {
            return "CAST(0 AS BIGINT)".into();
        }
        let parts: Vec<String> = (0..self.cuts.len())
            .map(|i| format!("(CASE WHEN event_month > {} THEN 1 ELSE 0 END)", self.cut_param(i)))
            .collect();
        format!("CAST({} AS BIGINT)", parts.join(" + "))
    }
}

const IN_SPAN: &str = " WHERE event_month >= $1 AND event_month <= $2";

fn not_withdrawn(at: &str) -> String {
    format!("(withdrawn_at IS NULL OR withdrawn_at > {at})")
}

fn open_at(at: &str) -> String {
    format!(
        "created_at <= {at} AND (closed_at IS NULL OR closed_at > {at}) AND {}",
        not_withdrawn(at)
    )
}

impl StatsSql {
    /// `table`, read through `index` where the engine lets a statement say so.
    fn from(&self, table: &str, index: &str) -> String {
        if self.indexed_by {
            format!("{table} INDEXED BY {index}")
        } else {
            table.to_owned()
        }
    }

    /// The latest recorded instants per event month in `$1..=$2`.
    pub(crate) fn cutoffs(&self) -> String {
        format!(
            "SELECT event_month, MAX(created_at) AS created, MAX(acknowledged_at) AS acknowledged, \
             MAX(answered_at) AS answered, MAX(closed_at) AS closed FROM {}{IN_SPAN} GROUP BY event_month",
            self.from("cases", "cases_statistics")
        )
    }

    /// Per event month and flow: cases, then [`FLOW_SLOT_COLUMNS`] counts per slot.
    /// Grouped by month first, the order of the index `cases_statistics`,
    /// so SQLite aggregates while it scans instead of sorting.
    pub(crate) fn flows(&self, plan: &Plan) -> String {
        let mut s = format!("SELECT event_month, {FLOW}, COUNT(*) AS cases");
        for k in 0..plan.slots.len() {
            let (at, day) = (Plan::at(k), Plan::date(k));
            let nw = not_withdrawn(&at);
            let open = open_at(&at);
            let (ack, ans) = (self.ack_in_time, self.ans_in_time);
            let _ = write!(
                s,
                ", COUNT(*) FILTER (WHERE {nw} AND (acknowledged_at <= {at} OR ack_deadline < {day})) AS ack_due_{k}\
                 , COUNT(*) FILTER (WHERE acknowledged_at <= {at} AND {ack}) AS ack_in_time_{k}\
                 , COUNT(*) FILTER (WHERE {nw} AND (answered_at <= {at} OR answer_deadline < {day})) AS answer_due_{k}\
                 , COUNT(*) FILTER (WHERE answered_at <= {at} AND {ans}) AS answer_in_time_{k}\
                 , COUNT(*) FILTER (WHERE answered_at <= {at}) AS answered_{k}\
                 , COUNT(*) FILTER (WHERE closed_at <= {at}) AS closed_{k}\
                 , COUNT(*) FILTER (WHERE {open}) AS open_{k}\
                 , COUNT(*) FILTER (WHERE {open} AND (answered_at IS NULL OR answered_at > {at}) \
                 AND answer_deadline < {day}) AS overdue_{k}\
                 , COUNT(*) FILTER (WHERE withdrawn_at <= {at}) AS withdrawn_{k}"
            );
        }
        let _ = write!(
            s,
            " FROM {}{IN_SPAN} GROUP BY event_month, {FLOW}",
            self.from("cases", "cases_statistics")
        );
        s
    }

    /// Per segment, flow, measure and whole days: one count per slot.
    /// Grouped by month first, in the order of the partial indexes
    /// `cases_days_answer`/`_close` (migration 0006), so SQLite aggregates
    /// while it scans; the outer GROUP BY then sorts far fewer rows.
    pub(crate) fn days(&self, plan: &Plan) -> String {
        let seg = plan.segment_expr();
        let last = plan.last();
        let part = |what: &str, days: &str, at_col: &str, index: &str| {
            let cases = self.from("cases", index);
            let inner: String = (0..plan.slots.len())
                .map(|k| format!(", COUNT(*) FILTER (WHERE {at_col} <= {}) AS n_{k}", Plan::at(k)))
                .collect();
            let outer: String = (0..plan.slots.len())
                .map(|k| format!(", CAST(SUM(n_{k}) AS BIGINT) AS n_{k}"))
                .collect();
            format!(
                "SELECT seg, {FLOW}, '{what}' AS what, days{outer} FROM (SELECT {seg} AS seg, {FLOW}, {days} AS days\
                 {inner} FROM {cases}{IN_SPAN} AND {at_col} <= {last} GROUP BY event_month, {FLOW}, {days}) AS x \
                 GROUP BY seg, {FLOW}, days"
            )
        };
        format!(
            "{} UNION ALL {}",
            part("answer", "days_to_answer", "answered_at", "cases_days_answer"),
            part("close", "days_to_close", "closed_at", "cases_days_close")
        )
    }

    /// Per event month, dimension and value: one count per slot. Each part
    /// is grouped by month first, the order of its index (`cases_dims`,
    /// `case_categories_month`). Categories carry the case's event month,
    /// so no join. (Measures: [`StatsSql::measures`].)
    pub(crate) fn dims(&self, plan: &Plan) -> String {
        let all: String = (0..plan.slots.len()).map(|k| format!(", COUNT(*) AS n_{k}")).collect();
        let (cases, categories) = (
            self.from("cases", "cases_dims"),
            self.from("case_categories", "case_categories_month"),
        );
        format!(
            // Kind, consequence and patient group in one scan; split in Rust.
            "SELECT event_month, 'kind|consequence|patient_group' AS dimension, \
             kind || '|' || consequence || '|' || patient_group AS value{all} FROM {cases}{IN_SPAN} \
             GROUP BY event_month, kind, consequence, patient_group UNION ALL \
             SELECT event_month, 'category' AS dimension, category AS value{all} FROM {categories}{IN_SPAN} \
             GROUP BY event_month, category"
        )
    }

    /// Per event month, measure and direction: [`MEASURE_SLOT_COLUMNS`]
    /// counts per slot — measures of cases closed by the status instant (the
    /// "measure" dimension), and of cases answered by it, planned and done by
    /// its last day (the follow-up table). Each measure row carries its case's
    /// event month, direction, answering and closing (migrations 0006, 0028),
    /// so this is one scan of `case_measures_month` in its order, no join.
    pub(crate) fn measures(&self, plan: &Plan) -> String {
        let mut s = String::from("SELECT event_month, category, direction");
        for k in 0..plan.slots.len() {
            let (at, done_by) = (Plan::at(k), plan.done_by_param(k));
            let _ = write!(
                s,
                ", COUNT(*) FILTER (WHERE closed_at <= {at}) AS closed_{k}\
                 , COUNT(*) FILTER (WHERE answered_at <= {at}) AS planned_{k}\
                 , COUNT(*) FILTER (WHERE answered_at <= {at} AND done_on <= {done_by}) AS done_{k}"
            );
        }
        let last = plan.last();
        let _ = write!(
            s,
            " FROM {}{IN_SPAN} AND (closed_at <= {last} OR answered_at <= {last}) \
             GROUP BY event_month, category, direction",
            self.from("case_measures", "case_measures_month")
        );
        s
    }

    /// Cases per event month in `$1..=$2`: the trend's months before the
    /// batch's (`Plan::trend_before`); its own months' come with the flows.
    pub(crate) fn months(&self) -> String {
        format!(
            "SELECT event_month, COUNT(*) AS cases FROM {}{IN_SPAN} GROUP BY event_month",
            self.from("cases", "cases_dims")
        )
    }
}

/// The parameters of the batch's statements after `$1`/`$2`: each slot's
/// instant and date, then the cuts, then each slot's last day.
pub(crate) enum Param {
    At(DateTime<Utc>),
    Date(chrono::NaiveDate),
    Month(String),
}

impl Plan {
    pub(crate) fn params(&self) -> Vec<Param> {
        let mut out = Vec::new();
        for s in &self.slots {
            out.push(Param::At(*s));
            out.push(Param::Date(samavvik_core::deadline::norwegian_date(*s)));
        }
        out.extend(self.cuts.iter().map(|c| Param::Month(c.to_string())));
        out.extend(self.slots.iter().map(|s| Param::Date(crate::stats::status_day(*s))));
        out
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("statistics row: {what}"))
}

fn month(s: &str) -> Result<EventMonth> {
    s.parse().map_err(|_| corrupt(s))
}

fn count(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| corrupt(&v.to_string()))
}

/// A row of `case_flows` (`flows::ALL_FLOWS`).
#[derive(sqlx::FromRow)]
pub(crate) struct CaseFlowRow {
    id: i64,
    #[sqlx(flatten)]
    key: FlowKeyRow,
}

/// The flows the statements' flow numbers stand for, each decoded and
/// checked once; equal flows get one key however they were spelled.
#[derive(Default)]
pub(crate) struct FlowKeys {
    /// A flow number in the database, and its key here.
    by_number: HashMap<i64, u32>,
    ids: HashMap<Flow, u32>,
    flows: Vec<Flow>,
}

impl FlowKeys {
    pub(crate) fn read(rows: Vec<CaseFlowRow>) -> Result<FlowKeys> {
        let mut keys = FlowKeys::default();
        for row in rows {
            let flow = row.key.to_flow()?;
            let next = u32::try_from(keys.flows.len()).map_err(|_| corrupt("too many flows"))?;
            let id = *keys.ids.entry(flow.clone()).or_insert(next);
            if id == next {
                keys.flows.push(flow);
            }
            keys.by_number.insert(row.id, id);
        }
        Ok(keys)
    }

    /// The key of flow number `n`; a number with no flow (0, which a case
    /// written without one would carry) is an error, never another flow.
    fn id(&self, n: i64) -> Result<u32> {
        self.by_number
            .get(&n)
            .copied()
            .ok_or_else(|| corrupt(&format!("flow number {n}")))
    }

    fn flow(&self, id: u32) -> Result<&Flow> {
        self.flows.get(id as usize).ok_or_else(|| corrupt("flow number"))
    }
}

/// A flow row: its month, flow, cases and the slots' counts.
struct FlowRow {
    month: EventMonth,
    /// The flow's number in the database.
    flow: i64,
    cases: i64,
    slots: Vec<i64>,
}

/// The rows of [`StatsSql::flows`], kept as they are read.
#[derive(Default)]
pub(crate) struct FlowRows {
    rows: Vec<FlowRow>,
}

impl FlowRows {
    pub(crate) fn push(&mut self, r: &impl Cols, slots: usize) -> Result<()> {
        let row = FlowRow {
            month: month(r.str(0)?)?,
            flow: r.int(1)?,
            cases: r.int(2)?,
            slots: r.ints(3, slots * FLOW_SLOT_COLUMNS)?,
        };
        self.rows.push(row);
        Ok(())
    }
}

/// The rows of [`StatsSql::days`], added up by segment, flow number,
/// measure and days as they are read (one count per slot), so no statement
/// row is kept.
#[derive(Default)]
pub(crate) struct DaysRows {
    counts: HashMap<(i64, i64, DaysTo, i64), Vec<i64>>,
}

impl DaysRows {
    pub(crate) fn push(&mut self, r: &impl Cols, slots: usize) -> Result<()> {
        let what = match r.str(2)? {
            "answer" => DaysTo::Answer,
            "close" => DaysTo::Close,
            other => return Err(corrupt(other)),
        };
        let key = (r.int(0)?, r.int(1)?, what, r.int(3)?);
        let sums = self.counts.entry(key).or_insert_with(|| vec![0; slots]);
        for (k, sum) in sums.iter_mut().enumerate() {
            *sum += r.int(4 + k)?;
        }
        Ok(())
    }
}

/// A dimension row: its month, dimension, value and one count per slot.
pub(crate) struct DimSlotRow {
    month: EventMonth,
    dimension: String,
    value: String,
    slots: Vec<i64>,
}

/// A row of [`StatsSql::measures`].
pub(crate) struct MeasureRow {
    month: EventMonth,
    measure: MeasureCategory,
    direction: Direction,
    /// [`MEASURE_SLOT_COLUMNS`] per slot.
    slots: Vec<i64>,
}

impl MeasureRow {
    pub(crate) fn read(r: &impl Cols, slots: usize) -> Result<MeasureRow> {
        let measure = r.str(1)?;
        let direction = r.str(2)?;
        Ok(MeasureRow {
            month: month(r.str(0)?)?,
            measure: MeasureCategory::from_slug(measure).ok_or_else(|| corrupt(measure))?,
            direction: Direction::from_slug(direction).ok_or_else(|| corrupt(direction))?,
            slots: r.ints(3, slots * MEASURE_SLOT_COLUMNS)?,
        })
    }
}

/// The rows of one batch, as read.
pub(crate) struct Rows {
    /// Read after the statements: every number they return is in it.
    pub keys: FlowKeys,
    pub flows: FlowRows,
    pub days: DaysRows,
    pub dims: Vec<DimSlotRow>,
    pub measures: Vec<MeasureRow>,
    /// Event month and cases.
    pub months: Vec<(String, i64)>,
}

/// Splits the batch's rows into each query's statistics, as a query of its
/// own would give them.
pub(crate) fn split(plan: &Plan, queries: &[StatsQuery], rows: &Rows) -> Result<Vec<CaseStatistics>> {
    // The trend's months before the batch were counted on their own
    // ([`StatsSql::months`]); the batch's own are its flows' cases.
    let mut per_month: BTreeMap<EventMonth, u64> = BTreeMap::new();
    for (m, n) in &rows.months {
        *per_month.entry(month(m)?).or_default() += count(*n)?;
    }
    for r in &rows.flows.rows {
        *per_month.entry(r.month).or_default() += count(r.cases)?;
    }
    let months: Vec<(EventMonth, u64)> = per_month.into_iter().collect();
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let k = plan.slot(q);
        let inside = |m: EventMonth| m >= q.from && m <= q.to;
        let segments = plan.segment(q.from)..=plan.segment(q.to);
        // Per flow: cases, then the slot's counts in column order.
        let mut per_flow: HashMap<u32, [u64; 1 + FLOW_SLOT_COLUMNS]> = HashMap::new();
        for r in rows.flows.rows.iter().filter(|r| inside(r.month)) {
            let sums = per_flow.entry(rows.keys.id(r.flow)?).or_default();
            sums[0] += count(r.cases)?;
            let slot = r
                .slots
                .get(k * FLOW_SLOT_COLUMNS..(k + 1) * FLOW_SLOT_COLUMNS)
                .ok_or_else(|| corrupt("flow slots"))?;
            for (sum, &c) in sums[1..].iter_mut().zip(slot) {
                *sum += count(c)?;
            }
        }
        let flows = per_flow
            .into_iter()
            .map(|(id, c)| {
                Ok(FlowStats {
                    flow: rows.keys.flow(id)?.clone(),
                    cases: c[0],
                    ack_due: c[1],
                    ack_in_time: c[2],
                    answer_due: c[3],
                    answer_in_time: c[4],
                    answered: c[5],
                    closed: c[6],
                    open: c[7],
                    overdue: c[8],
                    withdrawn: c[9],
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut days: HashMap<(u32, DaysTo, i64), u64> = HashMap::new();
        for (&(segment, n, what, d), slots) in &rows.days.counts {
            if !segments.contains(&segment) {
                continue;
            }
            let cases = count(*slots.get(k).ok_or_else(|| corrupt("days slots"))?)?;
            if cases > 0 {
                *days.entry((rows.keys.id(n)?, what, d)).or_default() += cases;
            }
        }
        let days = days
            .into_iter()
            .map(|((id, what, days), cases)| {
                Ok(DaysCount {
                    flow: rows.keys.flow(id)?.clone(),
                    what,
                    days,
                    cases,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut dim_rows: Vec<DimRow> = rows
            .dims
            .iter()
            .filter(|r| inside(r.month) && r.slots.get(k).is_some_and(|&n| n > 0))
            .map(|r| DimRow::new(r.dimension.clone(), r.value.clone(), r.slots[k]))
            .collect();
        let mut follow_ups: BTreeMap<(&str, &str), (Direction, MeasureCategory, u64, u64)> = BTreeMap::new();
        for r in rows.measures.iter().filter(|r| inside(r.month)) {
            let slot = r
                .slots
                .get(k * MEASURE_SLOT_COLUMNS..(k + 1) * MEASURE_SLOT_COLUMNS)
                .ok_or_else(|| corrupt("measure slots"))?;
            let (closed, planned, done) = (slot[0], count(slot[1])?, count(slot[2])?);
            if closed > 0 {
                dim_rows.push(DimRow::new("measure".into(), r.measure.slug().into(), closed));
            }
            if planned > 0 && r.measure.slug() != NO_MEASURE {
                let sums =
                    follow_ups
                        .entry((r.direction.slug(), r.measure.slug()))
                        .or_insert((r.direction, r.measure, 0, 0));
                sums.2 += planned;
                sums.3 += done;
            }
        }
        let dims: Vec<DimCount> = DimRow::decode_all(dim_rows)?;
        out.push(canonical(CaseStatistics {
            // Equal flows have one key, so this only sorts.
            flows: merge_flows(flows),
            days,
            dims,
            months: months
                .iter()
                .filter(|(m, _)| *m >= q.trend_from && *m <= q.to)
                .map(|&(month, cases)| MonthCount { month, cases })
                .collect(),
            // In slug order, as the engines' collations would not agree on.
            follow_ups: follow_ups
                .into_values()
                .map(|(direction, measure, planned, done)| FollowUpCount {
                    direction,
                    measure,
                    planned,
                    done,
                })
                .collect(),
        }));
    }
    Ok(out)
}

/// The latest recorded instant of each period, from the per-month maxima.
pub(crate) fn cutoffs(
    periods: &[(EventMonth, EventMonth)],
    rows: Vec<(String, Option<DateTime<Utc>>)>,
) -> Result<Vec<Option<DateTime<Utc>>>> {
    let rows: Vec<(EventMonth, Option<DateTime<Utc>>)> = rows
        .into_iter()
        .map(|(m, t)| Ok((month(&m)?, t)))
        .collect::<Result<_>>()?;
    Ok(periods
        .iter()
        .map(|(from, to)| {
            rows.iter()
                .filter(|(m, _)| m >= from && m <= to)
                .filter_map(|(_, t)| *t)
                .max()
        })
        .collect())
}

/// The per-month maxima [`StatsSql::cutoffs`] reads.
#[derive(sqlx::FromRow)]
pub(crate) struct CutoffMonthRow {
    event_month: String,
    created: Option<Ts>,
    acknowledged: Option<Ts>,
    answered: Option<Ts>,
    closed: Option<Ts>,
}

impl CutoffMonthRow {
    pub(crate) fn latest(self) -> (String, Option<DateTime<Utc>>) {
        let at = [self.created, self.acknowledged, self.answered, self.closed]
            .into_iter()
            .flatten()
            .map(Ts::into_inner)
            .max();
        (self.event_month, at)
    }
}

/// Reads rows of the generated statements by column position: their
/// number of columns depends on the batch.
pub(crate) trait Cols {
    fn int(&self, i: usize) -> Result<i64>;
    fn text(&self, i: usize) -> Result<String>;
    /// A text column, borrowed from the row (no allocation per row).
    fn str(&self, i: usize) -> Result<&str>;

    fn ints(&self, from: usize, n: usize) -> Result<Vec<i64>> {
        (from..from + n).map(|i| self.int(i)).collect()
    }
}

impl<R: sqlx::Row> Cols for R
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.try_get::<i64, _>(i)?)
    }

    fn text(&self, i: usize) -> Result<String> {
        Ok(self.try_get::<String, _>(i)?)
    }

    fn str(&self, i: usize) -> Result<&str> {
        Ok(self.try_get::<&str, _>(i)?)
    }
}

impl DimSlotRow {
    pub(crate) fn read(r: &impl Cols, slots: usize) -> Result<DimSlotRow> {
        Ok(DimSlotRow {
            month: month(r.str(0)?)?,
            dimension: r.text(1)?,
            value: r.text(2)?,
            slots: r.ints(3, slots)?,
        })
    }
}

/// For a statement read with `try_map`: each row is handed to an
/// accumulator as it arrives and none is kept (the mapped values are `()`),
/// so the memory a report takes does not grow with the rows a statement
/// returns. A row the accumulator refuses stops the statement; this carries
/// its error through sqlx and [`row_error`] takes it back out.
pub(crate) fn refuse_row(e: StoreError) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// The error of a statement read with [`refuse_row`]: the accumulator's own,
/// or the database's.
pub(crate) fn row_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Decode(inner) => match inner.downcast::<StoreError>() {
            Ok(own) => *own,
            Err(other) => sqlx::Error::Decode(other).into(),
        },
        e => e.into(),
    }
}
