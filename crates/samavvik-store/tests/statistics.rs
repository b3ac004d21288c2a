//! Statistics and synthetic cases, on both engines: the same hand-computed
//! counts on SQLite and PostgreSQL, so a report is the same on either.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
mod support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use samavvik_core::{
    CaseNumber, CaseState, Category, Consequence, Direction, EventMonth, Kind, MeasureCategory, OrgId, PatientGroup,
    UnitId,
};
use samavvik_store::{
    CaseStatistics, DaysCount, DaysTo, DimCount, DimValue, Flow, FlowStats, FollowUpCount, HandlingStore, MonthCount,
    NewEvent, PublishedReport, StatsQuery, SyntheticCase, TransitionWrite,
};
use support::TestStore;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::sqlite().await;
                    crate::$name(&db.store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::postgres().await else { return };
                    crate::$name(&db.store).await;
                }
            )*
        }
    };
}

both!(
    known_cases_give_hand_computed_statistics,
    empty_period_has_no_rows,
    synthetic_numbers_continue_the_sequence,
    handled_case_statistics_follow_transitions,
    open_means_registered_and_not_closed_or_withdrawn_by_status,
    published_reports_are_recorded_oldest_first,
    a_batch_of_periods_equals_each_period_alone,
    a_batch_over_many_cases_equals_a_recount,
    deadlines_are_judged_by_the_date_in_norway,
);

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn month(s: &str) -> EventMonth {
    s.parse().unwrap()
}

fn flow(direction: Direction, so: &str, su: &str, ro: &str, ru: &str) -> Flow {
    Flow {
        direction,
        sender_org: OrgId::new(so).unwrap(),
        sender_unit: UnitId::new(su).unwrap(),
        receiver_org: OrgId::new(ro).unwrap(),
        receiver_unit: UnitId::new(ru).unwrap(),
    }
}

fn k2s() -> Flow {
    flow(
        Direction::KommuneToSiv,
        "horten",
        "horten-hjemmetjeneste",
        "siv",
        "siv-med",
    )
}

fn s2k() -> Flow {
    flow(
        Direction::SivToKommune,
        "siv",
        "siv-kir",
        "tonsberg",
        "tonsberg-postmottak",
    )
}

fn case(f: &Flow, event: &str, created: DateTime<Utc>) -> SyntheticCase {
    SyntheticCase {
        created_at: created,
        kind: Kind::Avvik,
        event_month: month(event),
        sender_org: f.sender_org.clone(),
        sender_unit: f.sender_unit.clone(),
        receiver_org: f.receiver_org.clone(),
        receiver_unit: f.receiver_unit.clone(),
        direction: f.direction,
        categories: vec![Category::from_static("innleggelse")],
        consequence: Consequence::Lav,
        patient_group: PatientGroup::SkrobeligeEldre,
        ack_deadline: date(2026, 3, 9),
        answer_deadline: date(2026, 4, 1),
        acknowledged_at: None,
        answered_at: None,
        closed_at: None,
        measures: vec![],
    }
}

/// A: acknowledged and answered in time, closed; B: both late, open;
/// C: nothing done, overdue; D: before the period (trend months only).
fn known_cases() -> Vec<SyntheticCase> {
    let a = SyntheticCase {
        categories: vec![Category::from_static("innleggelse"), Category::from_static("epikrise")],
        acknowledged_at: Some(at(2026, 3, 4, 10)),
        answered_at: Some(at(2026, 3, 12, 8)),
        closed_at: Some(at(2026, 3, 20, 8)),
        measures: vec![MeasureCategory::Rutineendring, MeasureCategory::Opplaering],
        ..case(&k2s(), "2026-03", at(2026, 3, 2, 8))
    };
    let b = SyntheticCase {
        kind: Kind::UonsketHendelse,
        consequence: Consequence::Moderat,
        patient_group: PatientGroup::PsykiskRus,
        acknowledged_at: Some(at(2026, 3, 10, 9)),
        answered_at: Some(at(2026, 4, 5, 8)),
        ..case(&k2s(), "2026-03", at(2026, 3, 2, 8))
    };
    let c = SyntheticCase {
        patient_group: PatientGroup::BarnOgUnge,
        categories: vec![Category::from_static("annet")],
        ack_deadline: date(2026, 4, 8),
        answer_deadline: date(2026, 5, 1),
        ..case(&s2k(), "2026-04", at(2026, 4, 1, 8))
    };
    let d = case(&k2s(), "2025-12", at(2025, 12, 1, 8));
    // E: same flow as A and B in another month (rows per month are added up);
    // deadlines not passed by the status date, so not due.
    let e = SyntheticCase {
        ack_deadline: date(2026, 7, 8),
        answer_deadline: date(2026, 7, 31),
        ..case(&k2s(), "2026-06", at(2026, 6, 29, 8))
    };
    vec![a, b, c, d, e]
}

fn query() -> StatsQuery {
    StatsQuery {
        from: month("2026-01"),
        to: month("2026-06"),
        trend_from: month("2025-07"),
        status_at: at(2026, 7, 1, 0),
    }
}

async fn known_cases_give_hand_computed_statistics<S: TestStore>(s: &S) {
    assert_eq!(s.insert_synthetic_cases(&known_cases()).await.unwrap(), 5);
    let q = query();
    assert_eq!(
        s.statistics_cutoff(q.from, q.to).await.unwrap(),
        Some(at(2026, 6, 29, 8))
    );
    let stats = s.case_statistics(&q).await.unwrap();
    let dim = |value, cases| DimCount { value, cases };
    let days = |what, days, cases| DaysCount {
        flow: k2s(),
        what,
        days,
        cases,
    };
    let expected = CaseStatistics {
        flows: vec![
            FlowStats {
                flow: k2s(),
                cases: 3,
                ack_due: 2,
                ack_in_time: 1,
                answer_due: 2,
                answer_in_time: 1,
                answered: 2,
                closed: 1,
                open: 2,
                overdue: 0,
                withdrawn: 0,
            },
            FlowStats {
                flow: s2k(),
                cases: 1,
                ack_due: 1,
                ack_in_time: 0,
                answer_due: 1,
                answer_in_time: 0,
                answered: 0,
                closed: 0,
                open: 1,
                overdue: 1,
                withdrawn: 0,
            },
        ],
        days: vec![
            days(DaysTo::Answer, 10, 1),
            days(DaysTo::Answer, 34, 1),
            days(DaysTo::Close, 18, 1),
        ],
        dims: vec![
            dim(DimValue::Kind(Kind::Avvik), 3),
            dim(DimValue::Kind(Kind::UonsketHendelse), 1),
            dim(DimValue::Consequence(Consequence::Lav), 3),
            dim(DimValue::Consequence(Consequence::Moderat), 1),
            dim(DimValue::PatientGroup(PatientGroup::BarnOgUnge), 1),
            dim(DimValue::PatientGroup(PatientGroup::PsykiskRus), 1),
            dim(DimValue::PatientGroup(PatientGroup::SkrobeligeEldre), 2),
            // Categories are slugs now (issue 20, point 8): the store gives them in
            // slug order; the report puts them in the directory list's order.
            dim(DimValue::Category(Category::from_static("annet")), 1),
            dim(DimValue::Category(Category::from_static("epikrise")), 1),
            dim(DimValue::Category(Category::from_static("innleggelse")), 3),
            dim(DimValue::Measure(MeasureCategory::Rutineendring), 1),
            dim(DimValue::Measure(MeasureCategory::Opplaering), 1),
        ],
        months: vec![
            MonthCount {
                month: month("2025-12"),
                cases: 1,
            },
            MonthCount {
                month: month("2026-03"),
                cases: 2,
            },
            MonthCount {
                month: month("2026-04"),
                cases: 1,
            },
            MonthCount {
                month: month("2026-06"),
                cases: 1,
            },
        ],
        // The two measures of the answered case, none marked done; in slug order.
        follow_ups: vec![
            FollowUpCount {
                direction: Direction::KommuneToSiv,
                measure: MeasureCategory::Opplaering,
                planned: 1,
                done: 0,
            },
            FollowUpCount {
                direction: Direction::KommuneToSiv,
                measure: MeasureCategory::Rutineendring,
                planned: 1,
                done: 0,
            },
        ],
    };
    assert_eq!(stats, expected);

    // Judged on 2 April: B's answer (5 April) has not happened yet but its
    // deadline (1 April) has passed, so it counts as due; C's has not. E,
    // registered on 29 June, is not open on 2 April: only B is.
    let early = StatsQuery {
        status_at: at(2026, 4, 2, 0),
        ..q
    };
    let stats = s.case_statistics(&early).await.unwrap();
    let f = &stats.flows[0];
    assert_eq!((f.answered, f.open, f.answer_due, f.closed), (1, 1, 2, 1));
    assert_eq!(stats.flows[1].overdue, 0, "answer deadline 1 May not passed on 2 April");
}

async fn empty_period_has_no_rows<S: TestStore>(s: &S) {
    s.insert_synthetic_cases(&known_cases()).await.unwrap();
    let q = StatsQuery {
        from: month("2024-01"),
        to: month("2024-06"),
        trend_from: month("2023-07"),
        status_at: at(2024, 7, 1, 0),
    };
    assert_eq!(s.statistics_cutoff(q.from, q.to).await.unwrap(), None);
    assert_eq!(s.case_statistics(&q).await.unwrap(), CaseStatistics::default());
}

async fn synthetic_numbers_continue_the_sequence<S: TestStore>(s: &S) {
    assert_eq!(
        s.allocate_case_number(2026).await.unwrap(),
        CaseNumber::new(2026, 1).unwrap()
    );
    s.insert_synthetic_cases(&known_cases()).await.unwrap();
    // Four synthetic cases were made in 2026 (numbers 2–5), one in 2025.
    assert_eq!(
        s.allocate_case_number(2026).await.unwrap(),
        CaseNumber::new(2026, 6).unwrap()
    );
    assert_eq!(
        s.allocate_case_number(2025).await.unwrap(),
        CaseNumber::new(2025, 2).unwrap()
    );
    assert_eq!(s.counts().await.unwrap().cases, 5);
    // No sealed document for synthetic cases.
    let n = CaseNumber::new(2026, 2).unwrap();
    assert!(s.case_by_number(n).await.unwrap().is_some());
    assert_eq!(s.sealed_document(n).await.unwrap(), None);
}

/// A transition that changes the state and the given handling timestamps.
fn step(number: CaseNumber, from: CaseState, to: CaseState, at: DateTime<Utc>) -> TransitionWrite {
    TransitionWrite::new(
        number,
        from,
        to,
        NewEvent {
            at,
            actor: "u-0123abcd".into(),
            from_state: Some(from),
            to_state: to,
            reason: "test".into(),
        },
    )
}

/// A real case (not synthetic) through answer, close, reopen and reroute: the
/// statistics columns of migration 0006 (days to answer/close, the event
/// month on categories, the closing on measures) follow every transition.
async fn handled_case_statistics_follow_transitions<S: TestStore + HandlingStore>(s: &S) {
    let case = support::new_case(CaseNumber::new(2026, 1).unwrap());
    s.insert_case(&case).await.unwrap();
    let n = case.number;
    let t0 = case.created_at;
    let q = StatsQuery {
        from: month("2026-01"),
        to: month("2026-06"),
        trend_from: month("2025-07"),
        status_at: at(2026, 7, 1, 0),
    };
    let days_of = |stats: &CaseStatistics, what: DaysTo| -> Vec<(i64, u64)> {
        stats
            .days
            .iter()
            .filter(|d| d.what == what)
            .map(|d| (d.days, d.cases))
            .collect()
    };
    let dim_of = |stats: &CaseStatistics, v: DimValue| stats.dims.iter().find(|d| d.value == v).map(|d| d.cases);

    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(
        dim_of(&stats, DimValue::Category(Category::from_static("epikrise"))),
        Some(1)
    );
    assert_eq!(
        dim_of(&stats, DimValue::Category(Category::from_static("legemidler"))),
        Some(1)
    );
    assert!(stats.days.is_empty(), "{:?}", stats.days);

    let mut w = step(
        n,
        CaseState::Dispatched,
        CaseState::Acknowledged,
        t0 + chrono::Duration::hours(5),
    );
    w.acknowledged_at = Some(w.event.at);
    assert!(s.apply_transition(&w).await.unwrap());
    // 3 days and 23 hours: 3 whole days.
    let mut w = step(
        n,
        CaseState::Acknowledged,
        CaseState::Answered,
        t0 + chrono::Duration::hours(95),
    );
    w.answered_at = Some(w.event.at);
    assert!(s.apply_transition(&w).await.unwrap());
    let mut w = step(
        n,
        CaseState::Answered,
        CaseState::Closed,
        t0 + chrono::Duration::days(10),
    );
    w.closed_at = Some(w.event.at);
    w.measures = Some(vec![MeasureCategory::Rutineendring]);
    assert!(s.apply_transition(&w).await.unwrap());
    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(days_of(&stats, DaysTo::Answer), vec![(3, 1)]);
    assert_eq!(days_of(&stats, DaysTo::Close), vec![(10, 1)]);
    assert_eq!(
        dim_of(&stats, DimValue::Measure(MeasureCategory::Rutineendring)),
        Some(1)
    );
    // The measure is planned (the case is answered), not yet done.
    let planned = |planned| FollowUpCount {
        direction: stats.flows[0].flow.direction,
        measure: MeasureCategory::Rutineendring,
        planned,
        done: 0,
    };
    assert_eq!(stats.follow_ups, vec![planned(1)]);

    // Reopened: no longer closed, so no days to close and no measures counted.
    let mut w = step(
        n,
        CaseState::Closed,
        CaseState::Answered,
        t0 + chrono::Duration::days(11),
    );
    w.clear_closed_at = true;
    assert!(s.apply_transition(&w).await.unwrap());
    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(days_of(&stats, DaysTo::Answer), vec![(3, 1)]);
    assert_eq!(days_of(&stats, DaysTo::Close), vec![]);
    assert_eq!(dim_of(&stats, DimValue::Measure(MeasureCategory::Rutineendring)), None);

    // Closed again later: the new closing counts.
    let mut w = step(
        n,
        CaseState::Answered,
        CaseState::Closed,
        t0 + chrono::Duration::days(20),
    );
    w.closed_at = Some(w.event.at);
    assert!(s.apply_transition(&w).await.unwrap());
    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(days_of(&stats, DaysTo::Close), vec![(20, 1)]);
    assert_eq!(
        dim_of(&stats, DimValue::Measure(MeasureCategory::Rutineendring)),
        Some(1)
    );
    assert_eq!(stats.flows[0].closed, 1);
    assert_eq!(stats.follow_ups, vec![planned(1)]);

    // Sent back to the receiver (answer and acknowledgement cleared): the
    // measure's copy of the answering follows, so it is no longer planned.
    let mut w = step(
        n,
        CaseState::Closed,
        CaseState::Dispatched,
        t0 + chrono::Duration::days(21),
    );
    w.clear_closed_at = true;
    w.clear_acknowledged_and_answered = true;
    assert!(s.apply_transition(&w).await.unwrap());
    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(stats.follow_ups, vec![]);
    assert_eq!(dim_of(&stats, DimValue::Measure(MeasureCategory::Rutineendring)), None);
    let before = stats.flows[0].flow.clone();

    // Rerouted to a unit no case has gone to before: the case is counted
    // under its new flow (migration 0029's flow number follows the reroute),
    // and the old flow has no case left.
    let mut w = step(
        n,
        CaseState::Dispatched,
        CaseState::Dispatched,
        t0 + chrono::Duration::days(22),
    );
    w.reroute = Some(samavvik_store::Reroute {
        receiver_unit: UnitId::new("horten-legevakt").unwrap(),
        receiver_org: OrgId::new("kommune-horten").unwrap(),
        direction: Direction::KommuneToKommune,
        routing_rule: "videresendt".into(),
        routing_explanation: "Videresendt".into(),
        ack_deadline: date(2026, 3, 24),
        answer_deadline: date(2026, 4, 20),
        resealed: vec![(
            samavvik_store::SealedRef::Report,
            samavvik_store::Ciphertext(b"resealed".to_vec()),
        )],
    });
    assert!(s.apply_transition(&w).await.unwrap());
    let stats = s.case_statistics(&q).await.unwrap();
    let rerouted = flow(
        Direction::KommuneToKommune,
        before.sender_org.as_str(),
        before.sender_unit.as_str(),
        "kommune-horten",
        "horten-legevakt",
    );
    let flows: Vec<(&Flow, u64)> = stats.flows.iter().map(|f| (&f.flow, f.cases)).collect();
    assert_eq!(flows, vec![(&rerouted, 1)], "only the new flow, once");
    assert_eq!(stats.days, vec![], "the reroute cleared the answer and closing");
}

/// The report's definitions (issue 19), judged at the end of 2026-H1: a
/// case is open only if registered by then and neither closed nor
/// withdrawn by then; a withdrawn case is counted on its own line and left
/// out of open, overdue and the deadline counts. The withdrawal's time is
/// its event's.
async fn open_means_registered_and_not_closed_or_withdrawn_by_status<S: TestStore + HandlingStore>(s: &S) {
    let number = |seq| CaseNumber::new(2026, seq).unwrap();
    let t = |m, d, h| at(2026, m, d, h);
    // A: dispatched in March and never handled: open and overdue.
    let a = support::new_case(number(1));
    // B: an event in June registered after the period ended (10 July).
    let mut b = support::new_case(number(2));
    b.created_at = t(7, 10, 9);
    b.first_event.at = b.created_at;
    b.event_month = month("2026-06");
    b.ack_deadline = date(2026, 7, 15);
    b.answer_deadline = date(2026, 8, 10);
    // C: acknowledged in time, answered and closed after the period ended.
    let c = support::new_case(number(3));
    // D: withdrawn by the sender within the period; E: after it ended.
    let mut d = support::new_case(number(4));
    d.state = CaseState::Submitted;
    let mut e = support::new_case(number(5));
    e.state = CaseState::Submitted;
    for case in [&a, &b, &c, &d, &e] {
        s.insert_case(case).await.unwrap();
    }
    let mut w = step(c.number, CaseState::Dispatched, CaseState::Acknowledged, t(3, 15, 9));
    w.acknowledged_at = Some(w.event.at);
    assert!(s.apply_transition(&w).await.unwrap());
    let mut w = step(c.number, CaseState::Acknowledged, CaseState::Answered, t(7, 3, 9));
    w.answered_at = Some(w.event.at);
    assert!(s.apply_transition(&w).await.unwrap());
    let mut w = step(c.number, CaseState::Answered, CaseState::Closed, t(7, 5, 9));
    w.closed_at = Some(w.event.at);
    assert!(s.apply_transition(&w).await.unwrap());
    let w = step(d.number, CaseState::Submitted, CaseState::Withdrawn, t(3, 20, 9));
    assert!(s.apply_transition(&w).await.unwrap());
    let w = step(e.number, CaseState::Submitted, CaseState::Withdrawn, t(7, 2, 9));
    assert!(s.apply_transition(&w).await.unwrap());

    let q = StatsQuery {
        from: month("2026-01"),
        to: month("2026-06"),
        trend_from: month("2025-07"),
        status_at: at(2026, 7, 1, 0),
    };
    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(stats.flows.len(), 1, "{:?}", stats.flows);
    let f = &stats.flows[0];
    assert_eq!(f.cases, 5, "every case registered for the period's months counts");
    assert_eq!(f.withdrawn, 1, "D only: E was withdrawn after the period");
    assert_eq!(f.open, 3, "A, C (closed after) and E (withdrawn after); not B, not D");
    assert_eq!(f.overdue, 3, "A, C (answered after) and E");
    assert_eq!((f.ack_due, f.ack_in_time), (3, 1), "A, C, E due; C in time; D left out");
    assert_eq!(
        (f.answer_due, f.answer_in_time),
        (3, 0),
        "A, C, E; B's deadline not passed"
    );
    assert_eq!((f.answered, f.closed), (0, 0));

    // Judged on 1 August: B is registered and open; C closed; E withdrawn.
    let later = StatsQuery {
        status_at: at(2026, 8, 1, 0),
        ..q
    };
    let f = &s.case_statistics(&later).await.unwrap().flows[0];
    assert_eq!((f.open, f.withdrawn, f.closed, f.answered), (2, 2, 1, 1));
}

fn published(from: &str, to: &str, sha: char, at: DateTime<Utc>) -> PublishedReport {
    PublishedReport {
        period_from: month(from),
        period_to: month(to),
        threshold: 5,
        input_sha256: sha.to_string().repeat(64),
        published_at: at,
        version: 1,
        published_by: "sekretariat@example.no".into(),
        release: Some(format!("{{\"from\":\"{from}\"}}")),
    }
}

async fn published_reports_are_recorded_oldest_first<S: TestStore>(s: &S) {
    assert_eq!(s.published_reports().await.unwrap(), vec![]);
    let year = published("2026-01", "2026-12", 'b', at(2027, 1, 20, 9));
    let half = published("2026-01", "2026-06", 'a', at(2026, 7, 15, 9));
    s.record_published_report(&year).await.unwrap();
    s.record_published_report(&half).await.unwrap();
    // The same report twice is two publications; the second a re-issue.
    let again = PublishedReport {
        version: 2,
        release: None,
        ..half.clone()
    };
    s.record_published_report(&again).await.unwrap();
    assert_eq!(s.published_reports().await.unwrap(), vec![half.clone(), again, year]);
    // A checksum that is not SHA-256 hex length is refused.
    let bad = PublishedReport {
        input_sha256: "abc".into(),
        ..half
    };
    assert!(s.record_published_report(&bad).await.is_err());
    assert_eq!(s.published_reports().await.unwrap().len(), 3);
}

/// The year's standard set is read in one pass (`case_statistics_many`):
/// each period's statistics, judged at its own status instant, equal the
/// period's own query, also for a custom period that cuts the half-years.
async fn a_batch_of_periods_equals_each_period_alone<S: TestStore>(s: &S) {
    let mut cases = known_cases();
    // Second half-year: answered and closed in the autumn, one still open
    // at the end of the year, one answered after the year.
    let f = SyntheticCase {
        event_month: month("2026-09"),
        ack_deadline: date(2026, 9, 10),
        answer_deadline: date(2026, 10, 1),
        acknowledged_at: Some(at(2026, 9, 4, 10)),
        answered_at: Some(at(2026, 9, 20, 8)),
        closed_at: Some(at(2026, 10, 2, 8)),
        measures: vec![MeasureCategory::Rutineendring],
        ..case(&s2k(), "2026-09", at(2026, 9, 1, 8))
    };
    let g = SyntheticCase {
        ack_deadline: date(2026, 12, 8),
        answer_deadline: date(2026, 12, 20),
        answered_at: Some(at(2027, 1, 5, 8)),
        ..case(&k2s(), "2026-12", at(2026, 12, 1, 8))
    };
    cases.extend([f, g]);
    s.insert_synthetic_cases(&cases).await.unwrap();
    let q = |from: &str, to: &str, trend: &str, status| StatsQuery {
        from: month(from),
        to: month(to),
        trend_from: month(trend),
        status_at: status,
    };
    let queries = [
        q("2026-01", "2026-12", "2024-01", at(2027, 1, 1, 0)),
        q("2026-01", "2026-06", "2025-01", at(2026, 7, 1, 0)),
        q("2026-07", "2026-12", "2025-07", at(2027, 1, 1, 0)),
        q("2026-03", "2026-09", "2025-05", at(2026, 4, 15, 0)),
    ];
    let batch = s.case_statistics_many(&queries).await.unwrap();
    assert_eq!(batch.len(), queries.len());
    for (query, stats) in queries.iter().zip(&batch) {
        assert_eq!(stats, &s.case_statistics(query).await.unwrap(), "{query:?}");
    }
    // The periods differ, so the comparison above could fail.
    assert_ne!(batch[0].flows, batch[1].flows);
    assert_ne!(batch[1].flows, batch[3].flows);
    assert!(batch[0].days.iter().any(|d| d.what == DaysTo::Close));
    assert_eq!(batch[2].months.first().map(|m| m.month), Some(month("2025-12")));
    let year: u64 = batch[0].flows.iter().map(|f| f.open).sum();
    let h2: u64 = batch[2].flows.iter().map(|f| f.open).sum();
    assert_eq!((year, h2), (4, 1), "B, C, E and G open at the year's end; G of H2");

    let periods: Vec<_> = queries.iter().map(|q| (q.from, q.to)).collect();
    let cutoffs = s.statistics_cutoffs(&periods).await.unwrap();
    for (&(from, to), cutoff) in periods.iter().zip(&cutoffs) {
        assert_eq!(*cutoff, s.statistics_cutoff(from, to).await.unwrap());
    }
    assert_eq!(cutoffs[1], Some(at(2026, 6, 29, 8)));
    assert_eq!(cutoffs[0], Some(at(2027, 1, 5, 8)));
}

/// Many rows per statement, each added up as it arrives (`try_map`): the
/// year's standard set over 1 200 cases in three flows, answered and closed
/// up to two months after they came in (so across the half-years' status
/// instants), equals a recount of the cases themselves, flow by flow and
/// day by day.
async fn a_batch_over_many_cases_equals_a_recount<S: TestStore>(s: &S) {
    use std::collections::BTreeMap;
    let third = flow(Direction::KommuneToSiv, "larvik", "larvik-legevakt", "siv", "siv-kir");
    let flows = [k2s(), s2k(), third];
    let cases: Vec<SyntheticCase> = (0..1200u32)
        .map(|i| {
            let m = 1 + (i / 3) % 12;
            let created = at(2026, m, 1 + i % 27, 8);
            let answered = (i % 5 != 0).then(|| created + chrono::Duration::hours(i64::from((i * 37) % 1500)));
            let closed = answered
                .filter(|_| i % 4 != 0)
                .map(|t| t + chrono::Duration::hours(i64::from((i * 13) % 300)));
            SyntheticCase {
                acknowledged_at: answered.map(|_| created + chrono::Duration::hours(2)),
                answered_at: answered,
                closed_at: closed,
                ..case(&flows[(i % 3) as usize], &format!("2026-{m:02}"), created)
            }
        })
        .collect();
    s.insert_synthetic_cases(&cases).await.unwrap();
    let q = |from: &str, to: &str, trend: &str, status| StatsQuery {
        from: month(from),
        to: month(to),
        trend_from: month(trend),
        status_at: status,
    };
    let queries = [
        q("2026-01", "2026-12", "2024-01", at(2027, 1, 1, 0)),
        q("2026-01", "2026-06", "2025-01", at(2026, 7, 1, 0)),
        q("2026-07", "2026-12", "2025-07", at(2027, 1, 1, 0)),
    ];
    let batch = s.case_statistics_many(&queries).await.unwrap();
    let days = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_milliseconds().div_euclid(86_400_000);
    for (query, stats) in queries.iter().zip(&batch) {
        let mut want_flows: BTreeMap<[String; 5], (u64, u64, u64)> = BTreeMap::new();
        let mut want_days: BTreeMap<([String; 5], DaysTo, i64), u64> = BTreeMap::new();
        let mut want_months: BTreeMap<EventMonth, u64> = BTreeMap::new();
        for c in cases
            .iter()
            .filter(|c| c.event_month >= query.from && c.event_month <= query.to)
        {
            let f = &flows[flows.iter().position(|f| f.sender_unit == c.sender_unit).unwrap()];
            let key = f.sort_key().map(str::to_owned);
            let counts = want_flows.entry(key.clone()).or_default();
            counts.0 += 1;
            *want_months.entry(c.event_month).or_default() += 1;
            for (t, what) in [(c.answered_at, DaysTo::Answer), (c.closed_at, DaysTo::Close)] {
                if let Some(t) = t.filter(|t| *t <= query.status_at) {
                    match what {
                        DaysTo::Answer => counts.1 += 1,
                        DaysTo::Close => counts.2 += 1,
                    }
                    *want_days.entry((key.clone(), what, days(c.created_at, t))).or_default() += 1;
                }
            }
        }
        let got_flows: BTreeMap<[String; 5], (u64, u64, u64)> = stats
            .flows
            .iter()
            .map(|f| (f.flow.sort_key().map(str::to_owned), (f.cases, f.answered, f.closed)))
            .collect();
        let got_days: BTreeMap<([String; 5], DaysTo, i64), u64> = stats
            .days
            .iter()
            .map(|d| ((d.flow.sort_key().map(str::to_owned), d.what, d.days), d.cases))
            .collect();
        let got_months: BTreeMap<EventMonth, u64> = stats
            .months
            .iter()
            .filter(|m| m.month >= query.from)
            .map(|m| (m.month, m.cases))
            .collect();
        assert_eq!(got_flows, want_flows, "{query:?}");
        assert_eq!(
            stats.days.len(),
            got_days.len(),
            "one row per flow, measure and days: {query:?}"
        );
        assert_eq!(got_days, want_days, "{query:?}");
        assert_eq!(got_months, want_months, "{query:?}");
    }
    // June's cases answered in July count in the year but not in the first
    // half-year (judged at its end), so the slots differ and the
    // comparisons above could fail.
    let answered = |i: usize| batch[i].flows.iter().map(|f| f.answered).sum::<u64>();
    assert!(answered(0) > answered(1) + answered(2));
    assert!(batch[1].days.len() > 100 && batch[2].days.len() > 100);
}

/// Deadlines are dates in Norway. An acknowledgement or answer at 00:30 in
/// Norway on the day after its deadline is late, though its UTC date is the
/// deadline's; one an hour earlier is in time. A status judged at 00:30 in
/// Norway finds the previous day's deadlines passed. Winter (UTC+1) and
/// summer (UTC+2) both.
async fn deadlines_are_judged_by_the_date_in_norway<S: TestStore>(s: &S) {
    let utc = |m, d, h, min| Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap();
    let summer = |answered| SyntheticCase {
        acknowledged_at: Some(at(2026, 6, 22, 8)),
        ack_deadline: date(2026, 6, 26),
        answered_at: Some(answered),
        answer_deadline: date(2026, 6, 30),
        ..case(&k2s(), "2026-06", at(2026, 6, 20, 8))
    };
    let winter = |acknowledged, ack_deadline, answer_deadline| SyntheticCase {
        acknowledged_at: acknowledged,
        ack_deadline,
        answer_deadline,
        ..case(&k2s(), "2026-11", at(2026, 11, 30, 8))
    };
    let cases = vec![
        // A: answered 23:30 on 30 June in Norway, in time; B: 00:30 on 1 July, late.
        summer(utc(6, 30, 21, 30)),
        summer(utc(6, 30, 22, 30)),
        // C: acknowledged 23:30 on 3 December in Norway, in time; D: 00:30 on 4 December, late.
        winter(Some(utc(12, 3, 22, 30)), date(2026, 12, 3), date(2026, 12, 20)),
        winter(Some(utc(12, 3, 23, 30)), date(2026, 12, 3), date(2026, 12, 20)),
        // E: nothing done; both deadlines 4 December, passed at 00:30 on 5 December.
        winter(None, date(2026, 12, 4), date(2026, 12, 4)),
    ];
    assert_eq!(s.insert_synthetic_cases(&cases).await.unwrap(), 5);
    let q = StatsQuery {
        from: month("2026-01"),
        to: month("2026-12"),
        trend_from: month("2026-01"),
        status_at: utc(12, 4, 23, 30),
    };
    let stats = s.case_statistics(&q).await.unwrap();
    assert_eq!(stats.flows.len(), 1, "{:?}", stats.flows);
    let f = &stats.flows[0];
    assert_eq!(
        (f.ack_due, f.ack_in_time),
        (5, 3),
        "all due (E since 5 December); A, B, C in time"
    );
    assert_eq!(
        (f.answer_due, f.answer_in_time),
        (3, 1),
        "A, B answered and E passed; A in time"
    );
    assert_eq!((f.open, f.overdue), (5, 1), "E only is overdue");
}
