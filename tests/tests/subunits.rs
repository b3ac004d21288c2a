//! The reporter's nearest leader is the ward's or section's (issue 20
//! point 1, procedure D12402): a report from a sub-unit with leaders waits
//! on their review list, not the level above's; from a sub-unit without a
//! leader it falls back to the unit's leaders; text naming no sub-unit of
//! the chosen unit is refused in the form. The form's route preview names
//! the ward whose leader reviews first, and the case page names the ward.
//! Uses the shipped directory.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::{CaseNumber, CaseState};
use samavvik_store::Store;
use samavvik_tests::lifecycle::{HORTEN, MED, Person};
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    a_ward_report_is_reviewed_by_the_ward_leader_not_the_level_above,
    a_ward_without_leader_falls_back_and_unknown_wards_are_refused,
    the_preview_names_the_ward_whose_leader_reviews_first
);

/// Hjemmesykepleien sentrum under Horten's hjemmetjeneste.
const SENTRUM: &str = "leder.hjemmesykepleien.sentrum@horten.example.no";

/// Sends the standard report with `changes` to fields (added when new).
async fn report(app: &TestApp, canary: &str, changes: &[(&str, &str)]) -> (u16, String) {
    let (csrf, key) = app.open_form().await;
    let mut fields = valid_report(&csrf, &key, canary);
    for (k, v) in changes {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(f) => f.1 = (*v).to_owned(),
            None => fields.push(((*k).to_owned(), (*v).to_owned())),
        }
    }
    app.post(&fields).await
}

fn number_in(receipt: &str) -> CaseNumber {
    let start = receipt.find("SA-").unwrap();
    receipt[start..start + 13].parse().unwrap()
}

/// Whether `n` is on `who`'s list of reports waiting for review.
async fn in_review_list(app: &TestApp, who: &Person, n: CaseNumber) -> bool {
    let (status, csv) = who.get(app, "/saker.csv?status=sender_review").await;
    assert_eq!(status, 200);
    csv.contains(&n.to_string())
}

async fn a_ward_report_is_reviewed_by_the_ward_leader_not_the_level_above(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    // Typed as staff say it; an alias, folded like routing's names.
    let (status, receipt) = report(&app, "WARD1", &[("sender_subunit", "SENTRUM")]).await;
    assert_eq!(status, 200, "{receipt}");
    let n = number_in(&receipt);
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.state, CaseState::SenderReview);
    assert_eq!(
        case.sender_unit.as_str(),
        "horten-hjemmetjeneste",
        "statistics stay by service area"
    );
    assert_eq!(
        case.sender_subunit.as_ref().map(|s| s.as_str()),
        Some("horten-hjemmesykepleie-sentrum")
    );

    let ward = Person::new(&app, SENTRUM).await;
    let above = Person::new(&app, HORTEN).await;
    assert!(in_review_list(&app, &ward, n).await, "the ward leader reviews");
    assert!(!in_review_list(&app, &above, n).await, "not the level above");

    // The ward leader reads the report (through the unit's key) and sends it on;
    // the page names the ward under the sending unit.
    let page = ward.case_page(&app, n).await;
    assert!(page.contains("WARD1-beskrivelse"), "{page}");
    assert!(
        page.contains("<dt>Underenhet</dt><dd>Hjemmesykepleien sentrum</dd>"),
        "{page}"
    );
    let (status, _) = ward.act(&app, n, &[("action", "forward")]).await;
    assert_eq!(status, 303);
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.state, CaseState::Dispatched);

    // Once sent on, the service area's leader follows it as before.
    let (status, csv) = above.get(&app, "/saker.csv").await;
    assert_eq!(status, 200);
    assert!(csv.contains(&n.to_string()), "{csv}");
    // Another ward's leader sees nothing of it.
    let other = Person::new(&app, "leder.korttid@horten.example.no").await;
    let (status, _) = other.get(&app, format!("/saker/{n}")).await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// The form's route preview for a report from `subunit` of Horten's hjemmetjeneste.
async fn preview(app: &TestApp, sender_unit: &str, subunit: &str) -> String {
    let (csrf, _) = app.open_form().await;
    let answer = app
        .client
        .post(format!("{}/api/ruting", app.base))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("sender_unit", sender_unit),
            ("sender_subunit", subunit),
            ("receiver_org", "siv"),
            ("receiver_unit", "siv-med"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    answer["message"].as_str().unwrap().to_owned()
}

async fn the_preview_names_the_ward_whose_leader_reviews_first(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let message = preview(&app, "horten-hjemmetjeneste", "sentrum").await;
    assert!(
        message.starts_with("Meldingen går først til lederen for Hjemmesykepleien sentrum for vurdering"),
        "{message}"
    );
    // No ward named, or one unknown: the reporter's leader, unnamed.
    for text in ["", "ingen slik post"] {
        let message = preview(&app, "horten-hjemmetjeneste", text).await;
        assert!(message.starts_with("Meldingen går først til din leder"), "{message}");
    }
    app.stop().await;
}

async fn a_ward_without_leader_falls_back_and_unknown_wards_are_refused(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    // Slagenheten has no leader in the directory: Medisinsk klinikk's reviews.
    let from_slag = [
        ("sender_unit", "siv-med"),
        ("sender_subunit", "Slagenheten"),
        ("receiver_org", "horten"),
        ("receiver_unit", ""),
    ];
    let (status, receipt) = report(&app, "WARD2", &from_slag).await;
    assert_eq!(status, 200, "{receipt}");
    let n = number_in(&receipt);
    let med = Person::new(&app, MED).await;
    assert!(in_review_list(&app, &med, n).await, "the klinikk's leaders review");

    // Med 3 has its own leader: the klinikk's leaders do not get the review.
    let from_med3 = [from_slag[0], ("sender_subunit", "med 3"), from_slag[2], from_slag[3]];
    let (status, receipt) = report(&app, "WARD3", &from_med3).await;
    assert_eq!(status, 200, "{receipt}");
    let m = number_in(&receipt);
    assert!(!in_review_list(&app, &med, m).await);
    let med3 = Person::new(&app, "leder.med3@siv.example.no").await;
    assert!(in_review_list(&app, &med3, m).await);
    assert!(
        !in_review_list(&app, &med3, n).await,
        "one ward's leader, not another's"
    );

    // A ward of another unit, or none at all, is refused in the form with nothing stored.
    let (status, page) = report(&app, "WARD4", &[("sender_subunit", "Med 3")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Finner ikke «Med 3» under Horten kommune, hjemmetjenesten"),
        "{page}"
    );
    assert!(page.contains("id=\"sender_subunit\""), "the field is in the form");
    app.stop().await;
}
