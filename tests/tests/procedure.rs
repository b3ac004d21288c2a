//! End-to-end: Samavvik follows the procedure "Samhandlingsavvik" (D12402)
//! where it names a receiver or a scope — a report from a kommune naming
//! the hospital but no klinikk goes to SiV's postmottak, which forwards it;
//! a report between two kommuner is outside the procedure's scope unless the
//! setting allows it.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_store::Store;
use samavvik_tests::{Engine, TestApp, canary, valid_report};

samavvik_tests::on_both_engines!(
    kommune_to_siv_without_klinikk_goes_to_sivs_postmottak_which_forwards_it,
    kommune_to_kommune_is_off_by_default_and_the_form_says_where_to_go,
);

const SIV_POSTMOTTAK: &str = "leder.postmottak@siv.example.no";

fn with(fields: Vec<(String, String)>, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .collect();
    out.extend(
        changes
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    out
}

fn case_number_in(html: &str) -> CaseNumber {
    let start = html.find("SA-").expect("a case number on the page");
    html[start..start + 13].parse().expect("well-formed case number")
}

/// A server whose directory asks no organisation for the sender-side
/// review, so a report goes straight to its receiver.
async fn without_review(engine: Engine) -> Option<(TestApp, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let path = samavvik_tests::server::directory_without_review(dir.path());
    let app = TestApp::builder(engine)
        .settings(move |s| s.directory.path = path)
        .spawn()
        .await?;
    Some((app, dir))
}

/// GETs `path` with the session cookie; (status, body).
async fn get(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("samavvik_session={session}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// POSTs an action on the case page, with a CSRF cookie and its token.
async fn act(app: &TestApp, session: &str, n: CaseNumber, fields: &[(&str, &str)]) -> u16 {
    let nonce = samavvik_app::tokens::random_key();
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), app.running.app.secret.csrf_token(&nonce))];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let res = app
        .client
        .post(format!("{}/saker/{n}", app.base))
        .header("cookie", format!("samavvik_session={session}; samavvik_csrf={nonce}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

async fn kommune_to_siv_without_klinikk_goes_to_sivs_postmottak_which_forwards_it(engine: Engine) {
    let Some((app, _dir)) = without_review(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let secret = canary("PM");
    let fields = with(
        valid_report(&csrf, &key, &secret),
        &[("receiver_org", "siv"), ("receiver_unit", ""), ("receiver_hint", "")],
    );
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Sykehuset i Vestfold HF, postmottak"),
        "the receipt names SiV's postmottak"
    );
    let n = case_number_in(&html);
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.receiver_unit.as_str(), "siv-postmottak");
    assert_eq!(case.routing_rule, "hospital-postmottak");
    assert_eq!(case.direction.slug(), "kommune-til-siv");

    // SiV's postmottak reads the report and forwards it to the klinikk.
    let session = app.session_for(SIV_POSTMOTTAK).await;
    let (status, page) = get(&app, &session, &format!("/saker/{n}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("{secret}-beskrivelse")),
        "the postmottak reads the report"
    );
    let status = act(
        &app,
        &session,
        n,
        &[
            ("action", "reroute"),
            ("target_unit", "siv-med"),
            ("reroute_reason", "Gjelder medisinsk klinikk"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(
        (case.state.slug(), case.receiver_unit.as_str()),
        ("dispatched", "siv-med")
    );
    let med = app.session_for("klinikkledelse.med@siv.example.no").await;
    let (status, page) = get(&app, &med, &format!("/saker/{n}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("{secret}-beskrivelse")),
        "the klinikk reads it after the reroute"
    );
    app.stop().await;
}

async fn kommune_to_kommune_is_off_by_default_and_the_form_says_where_to_go(engine: Engine) {
    let Some((app, _dir)) = without_review(engine).await else {
        return;
    };
    let explanation = "Et avvik mellom to kommuner meldes ikke her, men i din egen kommunes avvikssystem";
    let form = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains(explanation), "the form says where such incidents go");

    let (csrf, key) = app.open_form().await;
    let secret = canary("KK");
    let fields = with(
        valid_report(&csrf, &key, &secret),
        &[("receiver_org", "larvik"), ("receiver_unit", ""), ("receiver_hint", "")],
    );
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 422, "refused with a field message, not stored");
    assert!(html.contains("ikke mellom to kommuner"), "{html}");
    assert!(html.contains(&format!("{secret}-beskrivelse")), "the input is kept");
    assert!(
        html.contains("href=\"#receiver_org\""),
        "the error summary points at the receiver"
    );
    app.stop().await;

    // Turned on, the same report goes to the other kommune's postmottak.
    let dir = tempfile::tempdir().unwrap();
    let path = samavvik_tests::server::directory_without_review(dir.path());
    let Some(app) = TestApp::builder(engine)
        .settings(move |s| {
            s.directory.path = path;
            s.scope.kommune_to_kommune = true;
        })
        .spawn()
        .await
    else {
        return;
    };
    let form = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!form.contains(explanation), "no such note when they are accepted");
    let (csrf, key) = app.open_form().await;
    let fields = with(
        valid_report(&csrf, &key, &secret),
        &[("receiver_org", "larvik"), ("receiver_unit", ""), ("receiver_hint", "")],
    );
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    let case = app
        .store()
        .case_by_number(case_number_in(&html))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.receiver_unit.as_str(), "larvik-postmottak");
    assert_eq!(case.direction.slug(), "kommune-til-kommune");
    app.stop().await;
}
