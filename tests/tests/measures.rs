//! Following up measures (issue 20, point 10), on both engines: the
//! answer's due dates are kept as clear dates, the case page shows what is
//! overdue, and the receiving leader (nobody else) marks a measure done
//! with a date, which both sides see in the history.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::{CaseNumber, MeasureCategory};
use samavvik_store::{HandlingStore, MeasureFollowUp};
use samavvik_tests::lifecycle::Person as Client;
use samavvik_tests::{Engine, spawn_app, valid_report};

samavvik_tests::on_both_engines!(a_measure_is_followed_up_until_it_is_done);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";

async fn a_measure_is_followed_up_until_it_is_done(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let (csrf, key) = app.open_form().await;
    let (status, receipt) = app.post(&valid_report(&csrf, &key, "tiltak")).await;
    assert_eq!(status, 200);
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    for (who, fields) in [
        (&sender, vec![("action", "forward")]),
        (&receiver, vec![("action", "acknowledge")]),
    ] {
        let (status, page) = who.act(&app, n, &fields).await;
        assert_eq!(status, 303, "{page}");
    }
    // Marking done before there is an answer is the wrong state.
    let (status, _) = receiver
        .act(&app, n, &[("action", "measure-done"), ("measure", "rutineendring")])
        .await;
    assert_eq!(status, 409);
    let today = app.running.app.clock.today_oslo();
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "answer"),
                ("answer_text", "Vi endrer rutinen."),
                ("measure_category_1", "rutineendring"),
                ("measure_responsible_1", "Avdelingsleder"),
                ("measure_due_1", "2020-01-31"),
                ("measure_category_2", "opplaering"),
                ("measure_responsible_2", "Fagutvikler"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let stored = app.store().measure_follow_ups(n).await.unwrap();
    let mut expected = vec![
        MeasureFollowUp {
            category: MeasureCategory::from_slug("rutineendring").unwrap(),
            due_on: Some(chrono::NaiveDate::from_ymd_opt(2020, 1, 31).unwrap()),
            done_on: None,
        },
        MeasureFollowUp {
            category: MeasureCategory::from_slug("opplaering").unwrap(),
            due_on: None,
            done_on: None,
        },
    ];
    expected.sort_by_key(|m| m.category);
    assert_eq!(stored, expected);
    let page = receiver.case_page(&app, n).await;
    assert!(page.contains("1 tiltak har passert fristen"), "{page}");
    assert!(page.contains("value=\"measure-done\""));

    // Only the receiving side marks done; a date in the future is refused.
    let (status, _) = sender
        .act(&app, n, &[("action", "measure-done"), ("measure", "rutineendring")])
        .await;
    assert_eq!(status, 403);
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "measure-done"),
                ("measure", "rutineendring"),
                ("done_on", &tomorrow),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Datoen kan ikke være fram i tid."));
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "measure-done"),
                ("measure", "rutineendring"),
                ("done_on", "2020-02-03"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    // Done once: a second time is a form error, not a second event.
    let (status, _) = receiver
        .act(&app, n, &[("action", "measure-done"), ("measure", "rutineendring")])
        .await;
    assert_eq!(status, 422);
    let rutine = app
        .store()
        .measure_follow_ups(n)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.category.slug() == "rutineendring")
        .unwrap();
    assert_eq!(rutine.done_on, chrono::NaiveDate::from_ymd_opt(2020, 2, 3));
    let page = sender.case_page(&app, n).await;
    assert!(!page.contains("passert fristen"), "{page}");
    assert!(
        page.contains("gjennomført 3. februar 2020") || page.contains("gjennomført"),
        "{page}"
    );
    assert!(!page.contains("value=\"measure-done\""), "the sender has no button");
    app.stop().await;
}
