//! `/varsler`, a leader's notification settings, end to end on both
//! databases: the choice is changed by POST with CSRF, the page shows it,
//! a bad choice is refused in bokmål, and the deadline notices follow it
//! (one digest a day, or one mail per reminder), on a clock the test moves.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use samavvik_app::clock::Clock;
use samavvik_core::CaseNumber;
use samavvik_tests::lifecycle::{MED, Person};
use samavvik_tests::{Engine, SmtpSink, TestApp, eventually, valid_report};

samavvik_tests::on_both_engines!(the_varsler_page_sets_how_deadline_notices_come);

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn sweep_on(app: &TestApp, when: &str) -> usize {
    app.running.app.clock.set(at(when));
    samavvik_app::deadlines::sweep(&app.running.app).await.unwrap()
}

/// Which radio the page has checked.
#[track_caller]
fn checked(page: &str) -> &'static str {
    let digest = page.contains(r#"value="digest" checked"#);
    let each = page.contains(r#"value="each" checked"#);
    match (digest, each) {
        (true, false) => "digest",
        (false, true) => "each",
        _ => panic!("exactly one choice is checked: {page}"),
    }
}

async fn the_varsler_page_sets_how_deadline_notices_come(engine: Engine) {
    let sink = SmtpSink::start().await;
    // Monday 23 November 2026; the periodic sweep is slowed down so only
    // the test's own sweeps count.
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
    let leader = Person::new(&app, MED).await;

    // The default is the digest.
    let (status, page) = leader.get(&app, "/varsler").await;
    assert_eq!(status, 200);
    assert_eq!(checked(&page), "digest");

    // A choice that is not offered is refused in bokmål, and nothing changes.
    let (status, page) = leader.post(&app, "/varsler", &[("varsling", "sms")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Velg hvordan du vil få påminnelser om frister."));
    assert_eq!(checked(&leader.get(&app, "/varsler").await.1), "digest");

    // One mail per reminder: saved, confirmed, shown.
    let (status, _) = leader.post(&app, "/varsler", &[("varsling", "each")]).await;
    assert_eq!(status, 303, "saved and sent back to the page");
    let (status, page) = leader.get(&app, "/varsler?lagret=1").await;
    assert_eq!(status, 200);
    assert!(page.contains("Valget ditt er lagret."));
    assert_eq!(checked(&page), "each");

    // A report straight to Medisinsk klinikk: acknowledge by Monday 30 November.
    let (csrf, key) = app.open_form().await;
    let mut fields = valid_report(&csrf, &key, "VARSLER");
    for (k, v) in fields.iter_mut() {
        if k == "event_month" {
            *v = "2026-11".into();
        }
    }
    let (status, receipt) = app.post(&fields).await;
    assert_eq!(status, 200, "{receipt}");
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();

    let to_leader = |needle: &str| {
        sink.messages()
            .into_iter()
            .filter(|m| m.contains(needle) && m.contains(MED))
            .count()
    };
    // Friday 27 November, the reminder: its own mail, no digest.
    assert_eq!(sweep_on(&app, "2026-11-27T09:00:00Z").await, 1);
    assert!(
        eventually(20, async || to_leader(".ack-reminder.") == 1
            && app.outbox_empty().await)
        .await,
        "one mail for the reminder"
    );
    assert_eq!(
        to_leader("digest.2026-11-27."),
        0,
        "no digest for someone who chose each"
    );
    let reminder = sink
        .messages()
        .into_iter()
        .find(|m| m.contains(".ack-reminder.") && m.contains(MED))
        .unwrap();
    assert!(
        reminder.contains(&n.to_string()) && !reminder.contains("VARSLER"),
        "content-free"
    );

    // Back to the digest through the page (signed in again: the clock has
    // moved past the first session): the deadline's notice comes in it.
    let leader = Person::new(&app, MED).await;
    assert_eq!(
        checked(&leader.get(&app, "/varsler").await.1),
        "each",
        "the choice is kept"
    );
    let (status, _) = leader.post(&app, "/varsler", &[("varsling", "digest")]).await;
    assert_eq!(status, 303);
    assert_eq!(checked(&leader.get(&app, "/varsler").await.1), "digest");
    assert_eq!(sweep_on(&app, "2026-11-30T09:00:00Z").await, 1, "on the deadline");
    assert!(
        eventually(20, async || to_leader("digest.2026-11-30.") == 1
            && app.outbox_empty().await)
        .await,
        "the day's digest"
    );
    assert_eq!(to_leader(".ack-due."), 0, "no mail of its own for the deadline");
    app.stop().await;
    sink.stop().await;
}
