//! A report sent back to the reporter: the follow-up page says plainly that
//! the report itself does not change (and which fields stay as sent), the
//! reporter's corrections are kept as a sealed addition the leader reads,
//! and sending the same form again with edits makes no new case and says so.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::{CaseNumber, CaseState};
use samavvik_store::Store;
use samavvik_tests::server::hidden;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};

samavvik_tests::on_both_engines!(a_returned_report_says_what_stays_and_keeps_the_corrections);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";

async fn leader_post(app: &TestApp, session: &str, n: CaseNumber, fields: &[(&str, &str)]) -> u16 {
    let nonce = samavvik_app::tokens::random_key();
    let csrf = app.running.app.secret.csrf_token(&nonce);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/saker/{n}", app.base))
        .header("cookie", format!("samavvik_session={session}; samavvik_csrf={nonce}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

async fn leader_page(app: &TestApp, session: &str, n: CaseNumber) -> String {
    reqwest::Client::new()
        .get(format!("{}/saker/{n}", app.base))
        .header("cookie", format!("samavvik_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn a_returned_report_says_what_stays_and_keeps_the_corrections(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let first = valid_report(&csrf, &key, "retur");
    let (status, receipt) = app.post(&first).await;
    assert_eq!(status, 200);
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    let follow_up = {
        let r = receipt.replace("&#x2f;", "/");
        let i = r.find("/oppfolging/").unwrap();
        format!("{}{}", app.base, r[i..].split('"').next().unwrap())
    };
    let session = app.session_for(HORTEN).await;
    let status = leader_post(
        &app,
        &session,
        n,
        &[("action", "return"), ("return_message", "Skriv klokkeslettet.")],
    )
    .await;
    assert_eq!(status, 303);

    // The page says the report stays as sent, and names what stays.
    let page = app.client.get(&follow_up).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Skriv klokkeslettet."));
    assert!(page.contains("Meldingen du sendte, kan ikke endres"), "{page}");
    for field in samavvik_app::follow_up::REPORT_FIELDS_NB {
        assert!(page.contains(field), "the page names «{field}» as unchanged");
    }

    // Sending the same form again with an edited description: no new case,
    // the receipt says so, and the stored report is the first one.
    let edited: Vec<(String, String)> = first
        .iter()
        .map(|(k, v)| {
            if k == "description" {
                (k.clone(), "retur-endret beskrivelse".to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    let (status, again) = app.post(&edited).await;
    assert_eq!(status, 200);
    assert!(
        again.contains(&n.to_string()) && again.contains("allerede sendt inn"),
        "{again}"
    );
    assert!(
        again.contains("endringene ikke tatt med") && again.contains("beskrivelsen"),
        "the receipt says which edits were not taken: {again}"
    );
    let case_page = leader_page(&app, &session, n).await;
    assert!(
        !case_page.contains("retur-endret"),
        "the report was not silently changed"
    );

    // The correction typed on the follow-up page is kept and reaches the leader.
    let res = app
        .client
        .post(&follow_up)
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token")),
            ("addition", "retur-rettelse: klokken 14".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let next = res.headers()["location"].to_str().unwrap().to_owned();
    let done = app
        .client
        .get(format!("{}{next}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("Meldingen du sendte først, er ikke endret"), "{done}");
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.state, CaseState::SenderReview);
    let case_page = leader_page(&app, &session, n).await;
    assert!(
        case_page.contains("retur-rettelse: klokken 14"),
        "the leader reads the correction"
    );
    app.stop().await;
}
