//! End-to-end: Samavvik follows the procedure "Samhandlingsavvik" (D12402)
//! where it names a receiver or a scope — a report from a kommune naming
//! the hospital but no klinikk goes to SiV's postmottak, which forwards it;
//! a report between two kommuner is outside the procedure's scope unless the
//! setting allows it.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_store::Store;
use samavvik_tests::{Engine, TestApp, canary, eventually, valid_report};

samavvik_tests::on_both_engines!(
    kommune_to_siv_without_klinikk_goes_to_sivs_postmottak_which_forwards_it,
    kommune_to_kommune_is_off_by_default_and_the_form_says_where_to_go,
    receipt_and_mail_say_the_deadlines_are_local_agreement,
    case_page_cites_the_procedure_and_the_law,
    a_deputy_reviews_when_the_leader_is_away,
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
            ("reroute_confirm", "ja"),
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

async fn receipt_and_mail_say_the_deadlines_are_local_agreement(engine: Engine) {
    // Memory mail backend: the decoded text of each mail is checked.
    let Some((app, _dir)) = without_review(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &canary("F"))).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("avtalte behandlingstider") && html.contains("setter ingen antall dager"),
        "the receipt says whose deadlines they are"
    );
    let receiver = "klinikkledelse.med@siv.example.no";
    let to_receiver = || {
        app.running
            .app
            .mailer
            .sent()
            .into_iter()
            .find(|m| m.to.contains(receiver))
            .map(|m| m.body)
    };
    assert!(
        eventually(20, async || to_receiver().is_some()).await,
        "the receiver's notice arrives"
    );
    let body = to_receiver().unwrap();
    assert!(
        body.contains("avtalte behandlingstider") && body.contains("ikke frister fra prosedyren"),
        "the mail says the deadlines are the Helsefellesskap's agreement: {body}"
    );
    app.stop().await;
}

async fn case_page_cites_the_procedure_and_the_law(engine: Engine) {
    let Some((app, _dir)) = without_review(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &canary("L"))).await;
    assert_eq!(status, 200, "{html}");
    let n = case_number_in(&html);
    let session = app.session_for("klinikkledelse.med@siv.example.no").await;
    let (status, page) = get(&app, &session, &format!("/saker/{n}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("D12402") && page.contains("SSU"),
        "the procedure is cited"
    );
    for law in samavvik_core::procedure::LEGAL_BASIS {
        assert!(
            page.contains(&format!(
                "<a href=\"{}\">{}</a>",
                law.url.replace('/', "&#x2f;"),
                law.name
            )) || page.contains(&format!("<a href=\"{}\">{}</a>", law.url, law.name)),
            "{} is linked",
            law.name
        );
    }
    app.stop().await;
}

async fn a_deputy_reviews_when_the_leader_is_away(engine: Engine) {
    // The shipped directory: Tønsberg asks for the nearest leader's review,
    // and its home care lists a deputy beside the leader.
    let Some(app) = samavvik_tests::spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let secret = canary("D");
    let fields = with(
        valid_report(&csrf, &key, &secret),
        &[("sender_unit", "tonsberg-hjemmetjeneste")],
    );
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    let n = case_number_in(&html);
    assert_eq!(
        app.store().case_by_number(n).await.unwrap().unwrap().state.slug(),
        "sender_review"
    );
    let deputy = "stedfortreder.hjemmetjenesten@tonsberg.example.no";
    let told = |who: &'static str| {
        let app = &app;
        async move { app.running.app.mailer.sent().iter().any(|m| m.to.contains(who)) }
    };
    assert!(
        eventually(20, async || told(deputy).await).await,
        "the deputy is asked to review"
    );
    // Each notice is a job of its own: the leader's may be sent a moment later.
    assert!(
        eventually(20, async || told("leder.hjemmetjenesten@tonsberg.example.no").await).await,
        "and the leader"
    );

    let session = app.session_for(deputy).await;
    let (status, page) = get(&app, &session, &format!("/saker/{n}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("{secret}-beskrivelse")),
        "the deputy reads the report"
    );
    let status = act(
        &app,
        &session,
        n,
        &[("action", "forward"), ("supplement", "Lagt til av stedfortreder.")],
    )
    .await;
    assert_eq!(status, 303);
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.state.slug(), "dispatched", "the deputy sent it on");
    app.stop().await;
}
