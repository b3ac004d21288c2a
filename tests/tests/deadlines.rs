//! Deadline reminders and escalation, on a clock the test moves (no sleeps):
//! each stage fires once, on both databases.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use samavvik_app::clock::Clock;
use samavvik_core::{CaseNumber, CaseState};
use samavvik_store::{HandlingStore, NewEvent, Store, TransitionWrite};
use samavvik_tests::{Engine, SmtpSink, TestApp, eventually, valid_report};

samavvik_tests::on_both_engines!(reminders_and_escalation_fire_once_each, a_leader_gets_one_digest_a_day);

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn sweep_on(app: &TestApp, when: &str) -> usize {
    app.running.app.clock.set(at(when));
    let n = samavvik_app::deadlines::sweep(&app.running.app).await.unwrap();
    let again = samavvik_app::deadlines::sweep(&app.running.app).await.unwrap();
    assert_eq!(again, 0, "a second sweep on {when} sends nothing new");
    n
}

async fn reminders_and_escalation_fire_once_each(engine: Engine) {
    let sink = SmtpSink::start().await;
    // Monday 23 November 2026, 10:00 in Oslo. The periodic sweep is slowed
    // down so only the test's own sweeps count.
    let clock = Clock::fixed(at("2026-11-23T09:00:00Z"));
    // Straight to the receiver (no sender-side review), so its deadlines run from today.
    let tmp = tempfile::tempdir().unwrap();
    let directory = samavvik_tests::server::directory_without_review(tmp.path());
    let Some(app) = TestApp::builder(engine)
        .smtp(&sink)
        .clock(clock)
        .settings(|s| {
            s.deadlines.sweep_interval_secs = 86_400;
            s.directory.path = directory;
        })
        .spawn()
        .await
    else {
        return;
    };
    // This test follows each notice's own mail: the klinikk's and the
    // secretariat's leaders chose one mail per event (digests below).
    each_event_for(&app, &["siv-med", "sekretariat-triage"]).await;
    let (csrf, key) = app.open_form().await;
    let mut fields = valid_report(&csrf, &key, "x");
    for (k, v) in fields.iter_mut() {
        if k == "event_month" {
            *v = "2026-11".into();
        }
    }
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    let start = html.find("SA-").unwrap();
    let n: CaseNumber = html[start..start + 13].parse().unwrap();
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.ack_deadline.to_string(), "2026-11-30", "5 working days");
    assert_eq!(case.answer_deadline.to_string(), "2026-12-23", "30 days");

    assert_eq!(
        sweep_on(&app, "2026-11-26T09:00:00Z").await,
        0,
        "nothing before the reminder window"
    );
    assert_eq!(
        sweep_on(&app, "2026-11-27T09:00:00Z").await,
        1,
        "acknowledge reminder one working day before"
    );
    assert_eq!(
        sweep_on(&app, "2026-11-28T09:00:00Z").await,
        0,
        "the weekend sends nothing more"
    );
    assert_eq!(sweep_on(&app, "2026-11-30T09:00:00Z").await, 1, "on the deadline");
    assert_eq!(
        sweep_on(&app, "2026-12-01T09:00:00Z").await,
        1,
        "escalation the day after"
    );
    assert_eq!(sweep_on(&app, "2026-12-02T09:00:00Z").await, 0, "escalated once");

    // Acknowledged late; the answer deadline still runs.
    let now = at("2026-12-02T10:00:00Z");
    let ack = TransitionWrite {
        number: n,
        from: CaseState::Dispatched,
        to: CaseState::Acknowledged,
        event: NewEvent {
            at: now,
            actor: "test".into(),
            from_state: Some(CaseState::Dispatched),
            to_state: CaseState::Acknowledged,
            reason: "Mottak bekreftet".into(),
        },
        acknowledged_at: Some(now),
        answered_at: None,
        closed_at: None,
        clear_closed_at: false,
        clear_acknowledged_and_answered: false,
        reroute: None,
        resealed: vec![],
        secretariat_help: false,
        measure_dues: vec![],
        deadlines: None,
        new_items: vec![],
        measures: None,
        mail: vec![],
    };
    assert!(app.store().apply_transition(&ack).await.unwrap());
    assert_eq!(sweep_on(&app, "2026-12-19T09:00:00Z").await, 0);
    assert_eq!(
        sweep_on(&app, "2026-12-20T09:00:00Z").await,
        1,
        "answer reminder three days before"
    );
    assert_eq!(sweep_on(&app, "2026-12-23T09:00:00Z").await, 1, "answer deadline");
    assert_eq!(sweep_on(&app, "2026-12-24T09:00:00Z").await, 1, "answer escalation");
    assert_eq!(sweep_on(&app, "2027-01-05T09:00:00Z").await, 0);

    // The escalations went to the secretariat; the reminders to the klinikk.
    // (Subjects are RFC 2047-encoded; the Message-ID names the stage.)
    let count = |stage: &str, to: &str| {
        sink.messages()
            .iter()
            .filter(|m| m.contains(&format!(".{stage}.")) && m.contains(to))
            .count()
    };
    let secretariat = "samhandlingssjef@helsefellesskapet.example.no";
    let klinikk = "klinikkledelse.med@siv.example.no";
    let stages = [
        ("ack-escalation", secretariat),
        ("answer-escalation", secretariat),
        ("ack-reminder", klinikk),
        ("ack-due", klinikk),
        ("answer-reminder", klinikk),
        ("answer-due", klinikk),
    ];
    // Wait until every notice has arrived and the outbox has nothing left,
    // so the counts below are final.
    assert!(
        eventually(20, async || {
            stages.iter().all(|(stage, to)| count(stage, to) >= 1) && app.outbox_empty().await
        })
        .await,
        "escalations to the secretariat and reminders to the klinikk arrive"
    );
    for (stage, to) in stages {
        assert_eq!(count(stage, to), 1, "{stage} to {to} once");
    }
    assert_eq!(
        count("escalation", klinikk),
        0,
        "the klinikk is not sent the escalation"
    );
    app.stop().await;
    sink.stop().await;
}

/// Sets "one mail per event" for every leader of `units`.
async fn each_event_for(app: &TestApp, units: &[&str]) {
    use samavvik_store::DeadlineStore;
    let catalog = app.running.app.catalog.current();
    for unit in units {
        let unit = samavvik_core::UnitId::new(*unit).unwrap();
        let people = catalog.recipients(&unit, true, false);
        assert!(!people.is_empty(), "{unit} has leaders");
        for p in people {
            let principal = p.strip_prefix("person:").unwrap();
            app.store()
                .set_notification_mode(principal, "each", at("2026-11-23T09:00:00Z"))
                .await
                .unwrap();
        }
    }
}

/// Sends a report (straight to Medisinsk klinikk) with `canary` in its text.
async fn report(app: &TestApp, canary: &str) -> CaseNumber {
    let (csrf, key) = app.open_form().await;
    let mut fields = valid_report(&csrf, &key, canary);
    for (k, v) in fields.iter_mut() {
        if k == "event_month" {
            *v = "2026-11".into();
        }
    }
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    let start = html.find("SA-").unwrap();
    html[start..start + 13].parse().unwrap()
}

async fn a_leader_gets_one_digest_a_day(engine: Engine) {
    let sink = SmtpSink::start().await;
    let clock = Clock::fixed(at("2026-11-23T09:00:00Z"));
    let tmp = tempfile::tempdir().unwrap();
    let directory = samavvik_tests::server::directory_without_review(tmp.path());
    let Some(app) = TestApp::builder(engine)
        .smtp(&sink)
        .clock(clock)
        .settings(|s| {
            s.deadlines.sweep_interval_secs = 86_400;
            s.directory.path = directory;
        })
        .spawn()
        .await
    else {
        return;
    };
    let first = report(&app, "DIGEST1").await;
    let second = report(&app, "DIGEST2").await;
    let klinikk = "klinikkledelse.med@siv.example.no";
    let digests = |day: &str| {
        sink.messages()
            .into_iter()
            .filter(|m| m.contains(&format!("digest.{day}.")))
            .collect::<Vec<_>>()
    };

    // Friday 27 November: both acknowledge reminders in one mail to the klinikk's leader.
    assert_eq!(sweep_on(&app, "2026-11-27T09:00:00Z").await, 2, "two notices recorded");
    assert!(
        eventually(20, async || !digests("2026-11-27").is_empty()
            && app.outbox_empty().await)
        .await,
        "the digest arrives"
    );
    let friday = digests("2026-11-27");
    assert_eq!(friday.len(), 1, "one digest, not one mail per case: {friday:?}");
    let mail = &friday[0];
    assert!(mail.contains(klinikk), "to the klinikk's leader");
    for n in [first, second] {
        assert!(mail.contains(&n.to_string()), "{n} is listed");
    }
    assert!(!mail.contains("DIGEST1") && !mail.contains("DIGEST2"), "content-free");
    assert!(
        !sink
            .messages()
            .iter()
            .any(|m| m.contains(".ack-reminder.") && m.contains(klinikk)),
        "no mail per case for someone who takes digests"
    );
    assert_eq!(sweep_on(&app, "2026-11-27T15:00:00Z").await, 0);
    samavvik_app::digest::send(
        &app.running.app,
        "2026-11-27".parse().unwrap(),
        at("2026-11-27T15:00:00Z"),
    )
    .await
    .unwrap();
    assert!(app.outbox_empty().await);
    assert_eq!(digests("2026-11-27").len(), 1, "exactly once a day");

    // Monday 30 November, the deadline: the next day's digest; and after
    // choosing one mail per event, the escalations come one by one.
    assert_eq!(sweep_on(&app, "2026-11-30T09:00:00Z").await, 2);
    assert!(
        eventually(20, async || digests("2026-11-30").len() == 1
            && app.outbox_empty().await)
        .await
    );
    each_event_for(&app, &["sekretariat-triage"]).await;
    assert_eq!(sweep_on(&app, "2026-12-01T09:00:00Z").await, 2, "both escalated");
    assert!(
        eventually(20, async || {
            sink.messages()
                .iter()
                .filter(|m| m.contains(".ack-escalation."))
                .count()
                >= 2
                && app.outbox_empty().await
        })
        .await
    );
    assert!(
        digests("2026-12-01").is_empty(),
        "no digest for someone who chose each event"
    );
    app.stop().await;
    sink.stop().await;
}
