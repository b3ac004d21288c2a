//! Conformance of case handling (`HandlingStore`) on both engines: sign-in
//! tokens, sessions, the audit log, work lists, transitions and sealed items.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)] // shared with the conformance suite, which uses the rest
mod support;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use samavvik_core::{CaseNumber, CaseState, Category, Direction, EventMonth, MeasureCategory, UnitId};
use samavvik_store::{
    AnyStore, AuditEntry, AuditFilter, CaseFilter, CaseRecord, CaseSort, Ciphertext, DeadlineStore, HandlingStore,
    NewCase, NewEvent, NewMailJob, NewSealedItem, Reroute, SealedRef, Store, StoreError, SyntheticCase,
    TransitionWrite,
};
use support::{TestStore, expected_record, mail, new_case, random_hash, stored, t0};

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { let db = crate::support::sqlite().await; crate::$name(&db.store).await; } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { let Some(db) = crate::support::postgres().await else { return }; crate::$name(&db.store).await; } )*
        }
    };
}

on_both!(
    login_token_is_single_use_and_expires,
    session_idle_timeout_absolute_expiry_and_delete,
    audit_is_append_only_filtered_and_paged,
    list_cases_by_receiving_and_sending_units,
    list_cases_filters,
    list_cases_sorts_and_pages,
    transition_is_guarded_by_from_state,
    transition_sets_and_clears_handling_times,
    reroute_replaces_receiver_and_reseals,
    reroute_must_reseal_every_document,
    measures_are_replaced,
    transition_is_atomic,
    sealed_items_oldest_first_and_unknown_case_writes_nothing,
    case_items_only_ciphertext_changes,
    unknown_case_is_not_found,
    case_without_document_events_or_items_is_found_empty,
);

fn num(seq: u32) -> CaseNumber {
    CaseNumber::new(2026, seq).unwrap()
}

fn unit(id: &str) -> UnitId {
    UnitId::new(id).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn mins(m: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(m)
}

fn job(message: &str) -> NewMailJob {
    NewMailJob {
        to: "leder@example.kommune.no".into(),
        template: "sign_in".into(),
        payload: serde_json::json!({ "link": "https://samavvik.test/inn/…" }),
        message_id: format!("<{message}@samavvik.test>"),
        not_before: t0(),
    }
}

/// A transition with nothing but the state change and its event.
fn transition(number: CaseNumber, from: CaseState, to: CaseState, at: DateTime<Utc>) -> TransitionWrite {
    TransitionWrite {
        number,
        from,
        to,
        event: NewEvent {
            at,
            actor: "u-0123abcd".into(),
            from_state: Some(from),
            to_state: to,
            reason: format!("{} → {}", from.slug(), to.slug()),
        },
        acknowledged_at: None,
        answered_at: None,
        closed_at: None,
        clear_closed_at: false,
        clear_acknowledged_and_answered: false,
        reroute: None,
        resealed: Vec::new(),
        secretariat_help: false,
        measure_dues: Vec::new(),
        deadlines: None,
        new_items: Vec::new(),
        measures: None,
        mail: Vec::new(),
    }
}

fn item(kind: &str, at: DateTime<Utc>, bytes: &[u8]) -> NewSealedItem {
    NewSealedItem {
        kind: kind.into(),
        at,
        actor: "u-0123abcd".into(),
        shareable: kind == "answer",
        ciphertext: Ciphertext(bytes.to_vec()),
    }
}

// ---- sign-in and sessions ---------------------------------------------------

async fn login_token_is_single_use_and_expires<S: TestStore + HandlingStore>(s: &S) {
    let token = random_hash();
    s.create_login_token(&token, "u-aaaa", t0(), mins(15), &job("login.1"))
        .await
        .unwrap();
    // The link's mail job was written with the token, without a case.
    assert_eq!(s.counts().await.unwrap().mail_pending, 1);
    let jobs = s.claim_mail_jobs("w", mins(1), Duration::minutes(5), 10).await.unwrap();
    assert_eq!(
        jobs.iter()
            .map(|j| (j.case_number, j.message_id.as_str()))
            .collect::<Vec<_>>(),
        vec![(None, "<login.1@samavvik.test>")]
    );

    assert_eq!(s.consume_login_token(&random_hash(), mins(1)).await.unwrap(), None);
    assert_eq!(
        s.consume_login_token(&token, mins(14)).await.unwrap().as_deref(),
        Some("u-aaaa")
    );
    assert_eq!(
        s.consume_login_token(&token, mins(14)).await.unwrap(),
        None,
        "single use"
    );

    let late = random_hash();
    s.create_login_token(&late, "u-bbbb", t0(), mins(15), &job("login.2"))
        .await
        .unwrap();
    assert_eq!(
        s.consume_login_token(&late, mins(15)).await.unwrap(),
        None,
        "expired at expires_at"
    );
    assert_eq!(s.consume_login_token(&late, mins(60)).await.unwrap(), None);

    // The same token hash cannot be issued twice, and the failed attempt
    // writes no mail job either.
    let dup = s
        .create_login_token(&token, "u-cccc", t0(), mins(15), &job("login.3"))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    assert_eq!(
        s.counts().await.unwrap().mail_pending,
        2,
        "login.1 (leased) and login.2, no login.3"
    );
}

async fn session_idle_timeout_absolute_expiry_and_delete<S: TestStore + HandlingStore>(s: &S) {
    let idle = Duration::minutes(30);
    let a = random_hash();
    s.create_session(&a, "u-aaaa", t0(), mins(8 * 60)).await.unwrap();
    assert_eq!(
        s.touch_session(&a, mins(10), mins(10) - idle).await.unwrap().as_deref(),
        Some("u-aaaa")
    );
    assert_eq!(
        s.touch_session(&random_hash(), mins(10), mins(10) - idle)
            .await
            .unwrap(),
        None
    );
    // Last seen at 10 min; at 41 min the idle cutoff (11 min) has passed it.
    assert_eq!(s.touch_session(&a, mins(41), mins(41) - idle).await.unwrap(), None);
    // A refused touch does not count as activity: still last seen at 10 min.
    assert_eq!(
        s.touch_session(&a, mins(12), mins(10)).await.unwrap().as_deref(),
        Some("u-aaaa")
    );
    assert_eq!(
        s.touch_session(&a, mins(40), mins(12)).await.unwrap().as_deref(),
        Some("u-aaaa")
    );

    // Active all along, but the absolute expiry ends it.
    let b = random_hash();
    s.create_session(&b, "u-bbbb", t0(), mins(60)).await.unwrap();
    assert_eq!(
        s.touch_session(&b, mins(30), mins(0)).await.unwrap().as_deref(),
        Some("u-bbbb")
    );
    assert_eq!(
        s.touch_session(&b, mins(59), mins(29)).await.unwrap().as_deref(),
        Some("u-bbbb")
    );
    assert_eq!(s.touch_session(&b, mins(60), mins(30)).await.unwrap(), None);

    s.delete_session(&a).await.unwrap();
    assert_eq!(
        s.touch_session(&a, mins(41), mins(12)).await.unwrap(),
        None,
        "signed out"
    );
    s.delete_session(&random_hash()).await.unwrap();
}

// ---- audit ----------------------------------------------------------------------

fn audit(minute: i64, actor: &str, action: &str, case: Option<u32>) -> AuditEntry {
    AuditEntry {
        at: stored(mins(minute)),
        actor: actor.into(),
        action: action.into(),
        case_number: case.map(num),
        unit: case.map(|_| unit("siv-medisinsk")),
        detail: format!("GET /saker/{minute}"),
    }
}

async fn audit_is_append_only_filtered_and_paged<S: TestStore + HandlingStore>(s: &S) {
    let entries = [
        audit(0, "u-aaaa", "sign-in", None),
        audit(1, "u-aaaa", "view-sealed", Some(1)),
        audit(2, "u-bbbb", "view-sealed", Some(2)),
        audit(3, "u-aaaa", "transition:acknowledge", Some(1)),
        audit(4, "u-bbbb", "denied", Some(1)),
    ];
    for e in &entries {
        s.append_audit(e).await.unwrap();
    }
    let page = |filter: AuditFilter| async move { s.audit_entries(&filter).await.unwrap() };
    let all = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    let (got, total) = page(all.clone()).await;
    assert_eq!(total, 5);
    let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();
    assert_eq!(got, newest_first, "newest first, every field round-trips");

    let actions = |v: Vec<AuditEntry>| v.into_iter().map(|e| e.action).collect::<Vec<_>>();
    let (got, total) = page(AuditFilter {
        actor: Some("u-aaaa".into()),
        ..all.clone()
    })
    .await;
    assert_eq!(
        (actions(got), total),
        (
            vec!["transition:acknowledge".into(), "view-sealed".into(), "sign-in".into()],
            3
        )
    );
    let (got, total) = page(AuditFilter {
        action: Some("view-sealed".into()),
        ..all.clone()
    })
    .await;
    assert_eq!(
        (got.iter().map(|e| e.at).collect::<Vec<_>>(), total),
        (vec![stored(mins(2)), stored(mins(1))], 2)
    );
    let (got, total) = page(AuditFilter {
        case_number: Some(num(1)),
        actor: Some("u-bbbb".into()),
        ..all.clone()
    })
    .await;
    assert_eq!((actions(got), total), (vec!["denied".into()], 1));
    // from is inclusive, to exclusive.
    let (got, total) = page(AuditFilter {
        from: Some(mins(1)),
        to: Some(stored(mins(3))),
        ..all.clone()
    })
    .await;
    assert_eq!(
        (actions(got), total),
        (vec!["view-sealed".into(), "view-sealed".into()], 2)
    );
    // Paging keeps the total of the whole match.
    let (got, total) = page(AuditFilter {
        limit: 2,
        offset: 1,
        ..all.clone()
    })
    .await;
    assert_eq!(
        (actions(got), total),
        (vec!["transition:acknowledge".into(), "view-sealed".into()], 5)
    );
    let (got, total) = page(AuditFilter {
        limit: 2,
        offset: 10,
        ..all.clone()
    })
    .await;
    assert_eq!((got.len(), total), (0, 5));

    assert!(
        s.raw("UPDATE audit_log SET actor = 'someone-else'").await.is_err(),
        "UPDATE refused"
    );
    assert!(s.raw("DELETE FROM audit_log").await.is_err(), "DELETE refused");
    assert_eq!(page(all).await.1, 5);
}

// ---- work lists -------------------------------------------------------------------

/// Five cases that differ in every field the work list filters or sorts on.
///
/// | case | receiver       | sender          | state        | created | month   | categories            | ack   | answer |
/// |------|----------------|-----------------|--------------|---------|---------|-----------------------|-------|--------|
/// | 1    | siv-medisinsk  | faerder-hjemme. | dispatched   | +0h     | 2026-02 | epikrise, legemidler  | 03-19 | 04-13  |
/// | 2    | siv-kirurgisk  | faerder-hjemme. | dispatched   | +1h     | 2026-01 | hjelpemidler          | 03-16 | 04-20  |
/// | 3    | siv-medisinsk  | tonsberg-sykeh. | closed       | +2h     | 2026-03 | epikrise, annet       | 03-10 | 03-12  |
/// | 4    | tonsberg-legev.| siv-medisinsk   | answered     | -1h     | 2025-12 | meldingsutveksling    | 03-25 | 03-30  |
/// | 5    | faerder-hjemme.| siv-kirurgisk   | dispatched   | +3h     | 2026-02 | akuttkjeden           | 03-19 | 04-01  |
fn fixtures() -> Vec<NewCase> {
    let hours = |h: i64| t0() + Duration::hours(h);
    let mut cases = Vec::new();
    let mut c = new_case(num(1));
    c.ack_deadline = day(3, 19);
    c.answer_deadline = day(4, 13);
    cases.push(c);

    let mut c = new_case(num(2));
    c.receiver_unit = unit("siv-kirurgisk");
    c.created_at = hours(1);
    c.event_month = EventMonth::new(2026, 1).unwrap();
    c.categories = vec![Category::from_static("hjelpemidler")];
    c.ack_deadline = day(3, 16);
    c.answer_deadline = day(4, 20);
    cases.push(c);

    let mut c = new_case(num(3));
    c.sender_unit = unit("tonsberg-sykehjem");
    c.state = CaseState::Closed;
    c.created_at = hours(2);
    c.event_month = EventMonth::new(2026, 3).unwrap();
    c.categories = vec![Category::from_static("annet"), Category::from_static("epikrise")];
    c.ack_deadline = day(3, 10);
    c.answer_deadline = day(3, 12);
    cases.push(c);

    let mut c = new_case(num(4));
    c.direction = Direction::SivToKommune;
    c.receiver_unit = unit("tonsberg-legevakt");
    c.sender_unit = unit("siv-medisinsk");
    c.state = CaseState::Answered;
    c.created_at = hours(-1);
    c.event_month = EventMonth::new(2025, 12).unwrap();
    c.categories = vec![Category::from_static("meldingsutveksling")];
    c.ack_deadline = day(3, 25);
    c.answer_deadline = day(3, 30);
    cases.push(c);

    let mut c = new_case(num(5));
    c.direction = Direction::SivToKommune;
    c.receiver_unit = unit("faerder-hjemmetjeneste");
    c.sender_unit = unit("siv-kirurgisk");
    c.created_at = hours(3);
    c.categories = vec![Category::from_static("akuttkjeden")];
    c.ack_deadline = day(3, 19);
    c.answer_deadline = day(4, 1);
    cases.push(c);

    for (i, c) in cases.iter_mut().enumerate() {
        c.first_event.at = c.created_at;
        c.first_event.to_state = c.state;
        c.mail = vec![mail(c.number, 1, t0())];
        assert_eq!(c.number.seq() as usize, i + 1);
    }
    cases
}

async fn insert_fixtures<S: TestStore>(s: &S) -> Vec<NewCase> {
    let cases = fixtures();
    for c in &cases {
        s.insert_case(c).await.unwrap();
    }
    cases
}

fn every_unit() -> Vec<UnitId> {
    [
        "siv-medisinsk",
        "siv-kirurgisk",
        "tonsberg-legevakt",
        "faerder-hjemmetjeneste",
    ]
    .into_iter()
    .map(unit)
    .collect()
}

fn receiving(units: &[&str]) -> CaseFilter {
    CaseFilter {
        receiving_units: units.iter().copied().map(unit).collect(),
        limit: 100,
        ..CaseFilter::default()
    }
}

/// The case sequence numbers of a page, and the total.
async fn seqs<S: HandlingStore>(s: &S, filter: &CaseFilter) -> (Vec<u32>, u64) {
    let (records, total) = s.list_cases(filter).await.unwrap();
    (records.iter().map(|r| r.number.seq()).collect(), total)
}

async fn list_cases_by_receiving_and_sending_units<S: TestStore + HandlingStore>(s: &S) {
    let cases = insert_fixtures(s).await;

    // Every field decodes, categories included, for every row of the page.
    let (records, total) = s
        .list_cases(&CaseFilter {
            receiving_units: every_unit(),
            limit: 100,
            ..CaseFilter::default()
        })
        .await
        .unwrap();
    let mut expected: Vec<CaseRecord> = cases.iter().map(expected_record).collect();
    expected.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    assert_eq!((records, total), (expected, 5));

    assert_eq!(seqs(s, &receiving(&["siv-medisinsk"])).await, (vec![3, 1], 2));
    assert_eq!(
        seqs(s, &receiving(&["siv-medisinsk", "siv-kirurgisk"])).await,
        (vec![3, 2, 1], 3)
    );
    let sending = |units: &[&str]| CaseFilter {
        sending_units: units.iter().copied().map(unit).collect(),
        limit: 100,
        ..CaseFilter::default()
    };
    assert_eq!(seqs(s, &sending(&["siv-medisinsk"])).await, (vec![4], 1));
    assert_eq!(seqs(s, &sending(&["faerder-hjemmetjeneste"])).await, (vec![2, 1], 2));
    // Receiving OR sending.
    let both = CaseFilter {
        sending_units: vec![unit("siv-medisinsk")],
        ..receiving(&["siv-medisinsk"])
    };
    assert_eq!(seqs(s, &both).await, (vec![3, 1, 4], 3));
    // No unit: nothing, not everything.
    assert_eq!(seqs(s, &receiving(&[])).await, (vec![], 0));
    assert_eq!(seqs(s, &receiving(&["finnes-ikke"])).await, (vec![], 0));
}

async fn list_cases_filters<S: TestStore + HandlingStore>(s: &S) {
    insert_fixtures(s).await;
    let all = CaseFilter {
        receiving_units: every_unit(),
        limit: 100,
        ..CaseFilter::default()
    };

    let states = |states: &[CaseState]| CaseFilter {
        states: states.to_vec(),
        ..all.clone()
    };
    assert_eq!(seqs(s, &states(&[CaseState::Dispatched])).await, (vec![5, 2, 1], 3));
    assert_eq!(
        seqs(s, &states(&[CaseState::Closed, CaseState::Answered])).await,
        (vec![3, 4], 2)
    );
    assert_eq!(seqs(s, &states(&[CaseState::Withdrawn])).await, (vec![], 0));

    let overdue = |m, d| CaseFilter {
        overdue_on: Some(day(m, d)),
        ..all.clone()
    };
    // Deadline 03-19 is not overdue on 03-19; case 3 is closed, never overdue.
    assert_eq!(seqs(s, &overdue(3, 19)).await, (vec![2], 1));
    assert_eq!(seqs(s, &overdue(3, 20)).await, (vec![5, 2, 1], 3));
    // Acknowledging case 2 meets its acknowledge deadline (answer is due 04-20).
    let mut ack = transition(num(2), CaseState::Dispatched, CaseState::Acknowledged, mins(5));
    ack.acknowledged_at = Some(mins(5));
    assert!(s.apply_transition(&ack).await.unwrap());
    assert_eq!(seqs(s, &overdue(3, 20)).await, (vec![5, 1], 2));
    // ...until the answer deadline passes without an answer.
    assert!(seqs(s, &overdue(4, 21)).await.0.contains(&2));
    let mut answer = transition(num(2), CaseState::Acknowledged, CaseState::Answered, mins(6));
    answer.answered_at = Some(mins(6));
    assert!(s.apply_transition(&answer).await.unwrap());
    assert!(!seqs(s, &overdue(4, 21)).await.0.contains(&2));

    let category = |k| CaseFilter {
        category: Some(k),
        ..all.clone()
    };
    assert_eq!(
        seqs(s, &category(Category::from_static("epikrise"))).await,
        (vec![3, 1], 2)
    );
    assert_eq!(
        seqs(s, &category(Category::from_static("hjelpemidler"))).await,
        (vec![2], 1)
    );
    assert_eq!(
        seqs(s, &category(Category::from_static("innleggelse"))).await,
        (vec![], 0)
    );

    let months = |from: Option<(i32, u32)>, to: Option<(i32, u32)>| CaseFilter {
        month_from: from.map(|(y, m)| EventMonth::new(y, m).unwrap()),
        month_to: to.map(|(y, m)| EventMonth::new(y, m).unwrap()),
        ..all.clone()
    };
    assert_eq!(
        seqs(s, &months(Some((2026, 1)), Some((2026, 2)))).await,
        (vec![5, 2, 1], 3)
    );
    assert_eq!(seqs(s, &months(Some((2026, 2)), None)).await, (vec![5, 3, 1], 3));
    assert_eq!(seqs(s, &months(None, Some((2025, 12)))).await, (vec![4], 1));
    assert_eq!(seqs(s, &months(Some((2026, 4)), None)).await, (vec![], 0));

    // Everything at once.
    let combined = CaseFilter {
        receiving_units: vec![unit("siv-medisinsk"), unit("faerder-hjemmetjeneste")],
        states: vec![CaseState::Dispatched],
        overdue_on: Some(day(3, 20)),
        month_from: Some(EventMonth::new(2026, 2).unwrap()),
        month_to: Some(EventMonth::new(2026, 2).unwrap()),
        category: Some(Category::from_static("legemidler")),
        ..all.clone()
    };
    assert_eq!(seqs(s, &combined).await, (vec![1], 1));
}

async fn list_cases_sorts_and_pages<S: TestStore + HandlingStore>(s: &S) {
    insert_fixtures(s).await;
    let sorted = |sort| CaseFilter {
        receiving_units: every_unit(),
        sort,
        limit: 100,
        ..CaseFilter::default()
    };
    assert_eq!(seqs(s, &sorted(CaseSort::Newest)).await, (vec![5, 3, 2, 1, 4], 5));
    assert_eq!(seqs(s, &sorted(CaseSort::Oldest)).await, (vec![4, 1, 2, 3, 5], 5));
    // Cases 1 and 5 share a deadline: the older case (lower id) first.
    assert_eq!(seqs(s, &sorted(CaseSort::AckDeadline)).await, (vec![3, 2, 1, 5, 4], 5));
    assert_eq!(
        seqs(s, &sorted(CaseSort::AnswerDeadline)).await,
        (vec![3, 4, 5, 1, 2], 5)
    );

    let page = |limit, offset| CaseFilter {
        limit,
        offset,
        ..sorted(CaseSort::Newest)
    };
    assert_eq!(seqs(s, &page(2, 0)).await, (vec![5, 3], 5));
    assert_eq!(seqs(s, &page(2, 2)).await, (vec![2, 1], 5));
    assert_eq!(seqs(s, &page(2, 4)).await, (vec![4], 5));
    assert_eq!(seqs(s, &page(2, 10)).await, (vec![], 5));
    // The total counts the filtered set, not the table.
    let filtered = CaseFilter {
        states: vec![CaseState::Dispatched],
        ..page(1, 1)
    };
    assert_eq!(seqs(s, &filtered).await, (vec![2], 3));
}

// ---- transitions ---------------------------------------------------------------------

async fn transition_is_guarded_by_from_state<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let mut ack = transition(case.number, CaseState::Dispatched, CaseState::Acknowledged, mins(5));
    ack.acknowledged_at = Some(mins(5));
    ack.mail = vec![mail(case.number, 2, mins(5))];
    ack.new_items = vec![item("message", mins(5), b"sealed message")];
    assert!(s.apply_transition(&ack).await.unwrap());
    let record = s.case_by_number(case.number).await.unwrap().unwrap();
    assert_eq!(record.state, CaseState::Acknowledged);
    let events = s.case_events(case.number).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (
            events[1].at,
            events[1].from_state,
            events[1].to_state,
            events[1].actor.as_str()
        ),
        (
            stored(mins(5)),
            Some(CaseState::Dispatched),
            CaseState::Acknowledged,
            "u-0123abcd"
        )
    );
    let counts = s.counts().await.unwrap();
    assert_eq!(counts.mail_pending, 2, "the transition's mail job was written");

    // Someone else got there first: nothing is written.
    let mut again = ack.clone();
    again.mail = vec![mail(case.number, 3, mins(6))];
    again.acknowledged_at = Some(mins(6));
    assert!(!s.apply_transition(&again).await.unwrap());
    assert_eq!(s.case_events(case.number).await.unwrap().len(), 2);
    assert_eq!(s.counts().await.unwrap(), counts);
    assert_eq!(s.sealed_items(case.number).await.unwrap().len(), 1);
    assert_eq!(
        s.handling_times(case.number).await.unwrap(),
        Some((Some(stored(mins(5))), None, None))
    );

    // An unknown case is not found, and nothing is written.
    let unknown = transition(num(9), CaseState::Dispatched, CaseState::Acknowledged, mins(7));
    let err = s.apply_transition(&unknown).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(s.counts().await.unwrap(), counts);
    assert_eq!(s.handling_times(num(9)).await.unwrap(), None);
}

async fn transition_sets_and_clears_handling_times<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let n = case.number;
    assert_eq!(s.handling_times(n).await.unwrap(), Some((None, None, None)));
    let (t1, t2, t3) = (mins(10), mins(20), mins(30));

    let mut w = transition(n, CaseState::Dispatched, CaseState::Acknowledged, t1);
    w.acknowledged_at = Some(t1);
    assert!(s.apply_transition(&w).await.unwrap());
    let mut w = transition(n, CaseState::Acknowledged, CaseState::Answered, t2);
    w.answered_at = Some(t2);
    assert!(s.apply_transition(&w).await.unwrap());
    let mut w = transition(n, CaseState::Answered, CaseState::Closed, t3);
    w.closed_at = Some(t3);
    assert!(s.apply_transition(&w).await.unwrap());
    assert_eq!(
        s.handling_times(n).await.unwrap(),
        Some((Some(stored(t1)), Some(stored(t2)), Some(stored(t3))))
    );

    // Reopening clears closed_at only.
    let mut w = transition(n, CaseState::Closed, CaseState::Acknowledged, mins(40));
    w.clear_closed_at = true;
    assert!(s.apply_transition(&w).await.unwrap());
    assert_eq!(
        s.handling_times(n).await.unwrap(),
        Some((Some(stored(t1)), Some(stored(t2)), None))
    );

    // A transition that sets nothing keeps what is there.
    let w = transition(n, CaseState::Acknowledged, CaseState::Acknowledged, mins(45));
    assert!(s.apply_transition(&w).await.unwrap());
    assert_eq!(
        s.handling_times(n).await.unwrap(),
        Some((Some(stored(t1)), Some(stored(t2)), None))
    );

    // Rerouting clears acknowledged and answered.
    let mut w = transition(n, CaseState::Acknowledged, CaseState::Dispatched, mins(50));
    w.clear_acknowledged_and_answered = true;
    assert!(s.apply_transition(&w).await.unwrap());
    assert_eq!(s.handling_times(n).await.unwrap(), Some((None, None, None)));
    assert_eq!(s.case_by_number(n).await.unwrap().unwrap().state, CaseState::Dispatched);
    assert_eq!(s.case_events(n).await.unwrap().len(), 7);
}

fn reroute_to(resealed: Vec<(SealedRef, Ciphertext)>) -> Reroute {
    Reroute {
        receiver_unit: unit("siv-kirurgisk"),
        receiver_org: samavvik_core::OrgId::new("kommune-horten").unwrap(),
        direction: samavvik_core::Direction::KommuneToKommune,
        routing_rule: "videresendt".into(),
        routing_explanation: "Videresendt til riktig klinikk".into(),
        ack_deadline: day(3, 24),
        answer_deadline: day(4, 20),
        resealed,
    }
}

async fn reroute_replaces_receiver_and_reseals<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let other = new_case(num(2));
    s.insert_case(&other).await.unwrap();
    let n = case.number;
    let mut ack = transition(n, CaseState::Dispatched, CaseState::Acknowledged, mins(5));
    ack.acknowledged_at = Some(mins(5));
    assert!(s.apply_transition(&ack).await.unwrap());
    let first = s
        .add_sealed_item(n, &item("message", mins(6), b"old item"), &[])
        .await
        .unwrap();
    let other_item = s
        .add_sealed_item(other.number, &item("message", mins(6), b"other"), &[])
        .await
        .unwrap();

    let mut w = transition(n, CaseState::Acknowledged, CaseState::Dispatched, mins(10));
    w.clear_acknowledged_and_answered = true;
    w.reroute = Some(reroute_to(vec![
        (SealedRef::Report, Ciphertext(b"report for kirurgisk".to_vec())),
        (SealedRef::Item(first), Ciphertext(b"item for kirurgisk".to_vec())),
    ]));
    w.mail = vec![mail(n, 2, mins(10))];
    assert!(s.apply_transition(&w).await.unwrap());

    let record = s.case_by_number(n).await.unwrap().unwrap();
    let mut expected = expected_record(&case);
    expected.state = CaseState::Dispatched;
    expected.receiver_unit = unit("siv-kirurgisk");
    expected.receiver_org = samavvik_core::OrgId::new("kommune-horten").unwrap();
    expected.direction = samavvik_core::Direction::KommuneToKommune;
    expected.routing_rule = "videresendt".into();
    expected.routing_explanation = "Videresendt til riktig klinikk".into();
    expected.ack_deadline = day(3, 24);
    expected.answer_deadline = day(4, 20);
    assert_eq!(record, expected, "receiver fields replaced, the rest kept");
    assert_eq!(s.handling_times(n).await.unwrap(), Some((None, None, None)));
    assert_eq!(
        s.sealed_document(n).await.unwrap(),
        Some(Ciphertext(b"report for kirurgisk".to_vec()))
    );
    let items = s.sealed_items(n).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0].id,
            items[0].kind.as_str(),
            items[0].at,
            items[0].ciphertext.clone()
        ),
        (
            first,
            "message",
            stored(mins(6)),
            Ciphertext(b"item for kirurgisk".to_vec())
        )
    );
    // The other case's item and document are untouched.
    let other_items = s.sealed_items(other.number).await.unwrap();
    assert_eq!(
        (other_items[0].id, other_items[0].ciphertext.clone()),
        (other_item, Ciphertext(b"other".to_vec()))
    );
    assert_eq!(
        s.sealed_document(other.number).await.unwrap(),
        Some(other.sealed.clone())
    );
    assert_eq!(s.counts().await.unwrap().mail_pending, 3);
    // The new unit's work list has the case; the old unit's no longer does.
    let (got, _) = s.list_cases(&receiving(&["siv-kirurgisk"])).await.unwrap();
    assert_eq!(got.iter().map(|r| r.number).collect::<Vec<_>>(), vec![n]);
    let (got, _) = s.list_cases(&receiving(&["siv-medisinsk"])).await.unwrap();
    assert_eq!(got.iter().map(|r| r.number).collect::<Vec<_>>(), vec![other.number]);
}

async fn reroute_must_reseal_every_document<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let other = new_case(num(2));
    s.insert_case(&other).await.unwrap();
    let n = case.number;
    let mine = s
        .add_sealed_item(n, &item("message", mins(6), b"mine"), &[])
        .await
        .unwrap();
    let theirs = s
        .add_sealed_item(other.number, &item("message", mins(6), b"theirs"), &[])
        .await
        .unwrap();
    let report = || (SealedRef::Report, Ciphertext(b"new report".to_vec()));
    let attempts = [
        // The item is left out: the old unit would keep reading it.
        vec![report()],
        // Another case's item.
        vec![
            report(),
            (SealedRef::Item(mine), Ciphertext(b"x".to_vec())),
            (SealedRef::Item(theirs), Ciphertext(b"x".to_vec())),
        ],
    ];
    for resealed in attempts {
        let mut w = transition(n, CaseState::Dispatched, CaseState::Dispatched, mins(10));
        w.reroute = Some(reroute_to(resealed));
        let err = s.apply_transition(&w).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt(m) if m.contains("reseal")), "{err}");
        assert_eq!(s.case_by_number(n).await.unwrap().unwrap(), expected_record(&case));
        assert_eq!(s.sealed_document(n).await.unwrap(), Some(case.sealed.clone()));
        assert_eq!(
            s.sealed_items(other.number).await.unwrap()[0].ciphertext,
            Ciphertext(b"theirs".to_vec())
        );
        assert_eq!(s.case_events(n).await.unwrap().len(), 1);
    }
}

async fn measures_are_replaced<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let n = case.number;
    assert_eq!(s.case_measures(n).await.unwrap(), vec![]);
    let mut close = transition(n, CaseState::Dispatched, CaseState::Closed, mins(10));
    close.measures = Some(vec![MeasureCategory::Samarbeidsmote, MeasureCategory::Rutineendring]);
    assert!(s.apply_transition(&close).await.unwrap());
    assert_eq!(
        s.case_measures(n).await.unwrap(),
        vec![MeasureCategory::Rutineendring, MeasureCategory::Samarbeidsmote],
        "in vocabulary order"
    );
    // None keeps them.
    let reopen = transition(n, CaseState::Closed, CaseState::Acknowledged, mins(20));
    assert!(s.apply_transition(&reopen).await.unwrap());
    assert_eq!(s.case_measures(n).await.unwrap().len(), 2);
    // Some replaces them.
    let mut close = transition(n, CaseState::Acknowledged, CaseState::Closed, mins(30));
    close.measures = Some(vec![MeasureCategory::Opplaering]);
    assert!(s.apply_transition(&close).await.unwrap());
    assert_eq!(s.case_measures(n).await.unwrap(), vec![MeasureCategory::Opplaering]);
    assert!(s.case_measures(num(9)).await.unwrap_err().is_not_found());
}

async fn transition_is_atomic<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let n = case.number;
    let before = s.counts().await.unwrap();
    let mut w = transition(n, CaseState::Dispatched, CaseState::Closed, mins(10));
    w.closed_at = Some(mins(10));
    w.new_items = vec![item("answer", mins(10), b"answer")];
    w.measures = Some(vec![MeasureCategory::Annet]);
    w.reroute = Some(reroute_to(vec![(SealedRef::Report, Ciphertext(b"resealed".to_vec()))]));
    // The second job repeats the message id of the case's first mail: the
    // last statement of the transaction fails.
    w.mail = vec![mail(n, 2, mins(10)), mail(n, 1, mins(10))];
    assert!(s.apply_transition(&w).await.is_err());

    assert_eq!(s.case_by_number(n).await.unwrap().unwrap(), expected_record(&case));
    assert_eq!(s.handling_times(n).await.unwrap(), Some((None, None, None)));
    assert_eq!(s.case_events(n).await.unwrap().len(), 1);
    assert_eq!(s.sealed_items(n).await.unwrap().len(), 0);
    assert_eq!(s.case_measures(n).await.unwrap(), vec![]);
    assert_eq!(s.sealed_document(n).await.unwrap(), Some(case.sealed.clone()));
    assert_eq!(s.counts().await.unwrap(), before);

    // The same transition with valid mail goes through.
    w.mail.pop();
    assert!(s.apply_transition(&w).await.unwrap());
    assert_eq!(s.case_by_number(n).await.unwrap().unwrap().state, CaseState::Closed);
    assert_eq!(s.counts().await.unwrap().mail_pending, before.mail_pending + 1);
}

// ---- sealed items ----------------------------------------------------------------------

async fn sealed_items_oldest_first_and_unknown_case_writes_nothing<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let n = case.number;
    let later = s
        .add_sealed_item(
            n,
            &item("reporter-addition", mins(30), b"later"),
            &[mail(n, 2, mins(30))],
        )
        .await
        .unwrap();
    let earlier = s
        .add_sealed_item(n, &item("answer", mins(20), b"earlier"), &[])
        .await
        .unwrap();
    assert_ne!(later, earlier);
    let items = s.sealed_items(n).await.unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| (
                i.id,
                i.kind.as_str(),
                i.at,
                i.actor.as_str(),
                i.shareable,
                i.ciphertext.0.as_slice()
            ))
            .collect::<Vec<_>>(),
        vec![
            (earlier, "answer", stored(mins(20)), "u-0123abcd", true, &b"earlier"[..]),
            (
                later,
                "reporter-addition",
                stored(mins(30)),
                "u-0123abcd",
                false,
                &b"later"[..]
            ),
        ]
    );
    let counts = s.counts().await.unwrap();
    assert_eq!(counts.mail_pending, 2, "the item's notification was written with it");

    let err = s
        .add_sealed_item(
            num(9),
            &item("message", mins(40), b"nowhere"),
            &[mail(num(9), 1, mins(40))],
        )
        .await;
    assert!(matches!(err, Err(StoreError::NotFound(n)) if n == num(9)), "{err:?}");
    assert_eq!(s.counts().await.unwrap(), counts);
    assert!(s.sealed_items(num(9)).await.unwrap_err().is_not_found());
    assert_eq!(s.sealed_items(n).await.unwrap().len(), 2);

    // A failing notification takes the item with it.
    let dup = s
        .add_sealed_item(n, &item("message", mins(50), b"dup"), &[mail(n, 1, mins(50))])
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    assert_eq!(s.sealed_items(n).await.unwrap().len(), 2);
}

// ---- unknown cases ---------------------------------------------------------------------

/// Every method that takes a case number, asked about one nobody has: the
/// lookups that may find nothing say `None`, the rest `NotFound`, and
/// nothing is written.
async fn unknown_case_is_not_found<S: TestStore + HandlingStore + DeadlineStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    let before = s.counts().await.unwrap();
    let n = num(9);
    let not_found = |what: &str, e: StoreError| assert!(matches!(e, StoreError::NotFound(m) if m == n), "{what}: {e}");

    assert_eq!(s.case_by_number(n).await.unwrap(), None);
    assert_eq!(s.handling_times(n).await.unwrap(), None);
    not_found("sealed_document", s.sealed_document(n).await.unwrap_err());
    not_found("case_events", s.case_events(n).await.unwrap_err());
    not_found("case_measures", s.case_measures(n).await.unwrap_err());
    not_found("sealed_items", s.sealed_items(n).await.unwrap_err());
    let mut w = transition(n, CaseState::Dispatched, CaseState::Acknowledged, mins(5));
    w.mail = vec![mail(n, 1, mins(5))];
    not_found("apply_transition", s.apply_transition(&w).await.unwrap_err());
    not_found(
        "add_sealed_item",
        s.add_sealed_item(n, &item("message", mins(5), b"x"), &[mail(n, 2, mins(5))])
            .await
            .unwrap_err(),
    );
    not_found(
        "record_deadline_notice",
        s.record_deadline_notice(n, "ack-reminder", day(3, 19), mins(5), &[mail(n, 3, mins(5))])
            .await
            .unwrap_err(),
    );
    assert_eq!(s.counts().await.unwrap(), before, "nothing written");

    // The known case still reads as before, and a notice recorded twice is
    // `false` the second time, not `NotFound`.
    assert_eq!(s.case_events(case.number).await.unwrap().len(), 1);
    let (k, stage, deadline) = (case.number, "ack-reminder", day(3, 19));
    assert!(
        s.record_deadline_notice(k, stage, deadline, mins(5), &[mail(k, 4, mins(5))])
            .await
            .unwrap()
    );
    assert!(
        !s.record_deadline_notice(k, stage, deadline, mins(6), &[mail(k, 5, mins(6))])
            .await
            .unwrap()
    );
}

/// A synthetic case has no sealed document, events, items or measures: it
/// is found, with nothing in it.
async fn case_without_document_events_or_items_is_found_empty<S: TestStore + HandlingStore>(s: &S) {
    let c = new_case(num(1));
    let synthetic = SyntheticCase {
        created_at: c.created_at,
        kind: c.kind,
        event_month: c.event_month,
        sender_org: c.sender_org,
        sender_unit: c.sender_unit,
        receiver_org: c.receiver_org,
        receiver_unit: c.receiver_unit,
        direction: c.direction,
        categories: c.categories,
        consequence: c.consequence,
        patient_group: c.patient_group,
        ack_deadline: c.ack_deadline,
        answer_deadline: c.answer_deadline,
        acknowledged_at: None,
        answered_at: None,
        closed_at: None,
        measures: Vec::new(),
    };
    assert_eq!(s.insert_synthetic_cases(&[synthetic]).await.unwrap(), 1);
    let n = num(1);
    assert_eq!(s.case_by_number(n).await.unwrap().unwrap().routing_rule, "synthetic");
    assert_eq!(s.sealed_document(n).await.unwrap(), None);
    assert_eq!(s.case_events(n).await.unwrap(), vec![]);
    assert_eq!(s.case_measures(n).await.unwrap(), vec![]);
    assert!(s.sealed_items(n).await.unwrap().is_empty());
}

async fn case_items_only_ciphertext_changes<S: TestStore + HandlingStore>(s: &S) {
    let case = new_case(num(1));
    s.insert_case(&case).await.unwrap();
    s.add_sealed_item(case.number, &item("answer", mins(20), b"answer"), &[])
        .await
        .unwrap();
    assert_eq!(s.raw("UPDATE case_items SET ciphertext = ciphertext").await.unwrap(), 1);
    for refused in [
        "UPDATE case_items SET kind = 'lesson'",
        "UPDATE case_items SET actor = 'someone-else'",
        "UPDATE case_items SET shareable = NOT shareable",
        "DELETE FROM case_items",
    ] {
        assert!(s.raw(refused).await.is_err(), "{refused}");
    }
    assert_eq!(s.sealed_items(case.number).await.unwrap()[0].kind, "answer");
}

/// `AnyStore` forwards the handling calls.
#[tokio::test]
async fn any_store_delegates_handling() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::connect(&format!("sqlite://{}/any.db", dir.path().display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let session = random_hash();
    store.create_session(&session, "u-aaaa", t0(), mins(60)).await.unwrap();
    assert_eq!(
        store.touch_session(&session, mins(1), t0()).await.unwrap().as_deref(),
        Some("u-aaaa")
    );
    let case = new_case(num(1));
    store.insert_case(&case).await.unwrap();
    let (got, total) = store.list_cases(&receiving(&["siv-medisinsk"])).await.unwrap();
    assert_eq!((got, total), (vec![expected_record(&case)], 1));
    let mut w = transition(case.number, CaseState::Dispatched, CaseState::Acknowledged, mins(2));
    w.acknowledged_at = Some(mins(2));
    assert!(store.apply_transition(&w).await.unwrap());
    assert_eq!(
        store.handling_times(case.number).await.unwrap(),
        Some((Some(stored(mins(2))), None, None))
    );
}
