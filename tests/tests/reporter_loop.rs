//! The reporter's side of the loop (issue 17): the receipt and the
//! follow-up page say what really happens (the leader first, then the
//! receiver; only the clocks that run), the reporter gets a content-free
//! mail when the report is returned, sent on, answered and closed, a
//! resubmission is called one in the leader's mail (memory mail backend:
//! the decoded text is what is checked), notes say which side
//! wrote them, and the follow-up link can be mailed to the reporter.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_store::Store;
use samavvik_tests::db::everything_stored;
use samavvik_tests::server::hidden;
use samavvik_tests::{Engine, TestApp, eventually, valid_report};

samavvik_tests::on_both_engines!(
    the_reporter_hears_of_each_step_without_content,
    the_follow_up_link_is_mailed_on_request_and_never_stored,
    the_preview_says_the_leader_reviews_first
);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";
const REPORTER: &str = "kari.nordmann@horten.example.no";

async fn leader_post(app: &TestApp, session: &str, n: CaseNumber, fields: &[(&str, &str)]) {
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
    let status = res.status().as_u16();
    assert_eq!(status, 303, "{fields:?}: {}", res.text().await.unwrap());
}

async fn get(app: &TestApp, url: &str) -> String {
    app.client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Submits a report; returns the case number, the follow-up URL and the receipt.
async fn submit(app: &TestApp, canary: &str, email: &str) -> (CaseNumber, String, String) {
    let (csrf, key) = app.open_form().await;
    let mut form = valid_report(&csrf, &key, canary);
    for (k, v) in &mut form {
        if k == "reporter_email" {
            v.clone_from(&email.to_owned());
        }
    }
    let (status, receipt) = app.post(&form).await;
    assert_eq!(status, 200, "{receipt}");
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    let r = receipt.replace("&#x2f;", "/");
    let i = r.find("/oppfolging/").unwrap();
    let follow_up = format!("{}{}", app.base, r[i..].split('"').next().unwrap());
    (n, follow_up, receipt)
}

/// Every mail sent so far (the memory backend), as "To / Subject / Message-ID / body".
fn sent(app: &TestApp) -> Vec<String> {
    app.running
        .app
        .mailer
        .sent()
        .into_iter()
        .map(|m| format!("{}\n{}\n{}\n{}", m.to, m.subject, m.message_id, m.body))
        .collect()
}

/// The mails to the reporter whose Message-ID names `stage`.
fn reporter_mails(app: &TestApp, stage: &str) -> Vec<String> {
    sent(app)
        .into_iter()
        .filter(|m| m.starts_with(REPORTER) && m.contains(&format!(".reporter-{stage}.")))
        .collect()
}

async fn wait_for_reporter_mail(app: &TestApp, stage: &str) {
    assert!(
        eventually(20, async || !reporter_mails(app, stage).is_empty()).await,
        "the reporter is told the report was {stage}"
    );
}

async fn the_reporter_hears_of_each_step_without_content(engine: Engine) {
    let Some(app) = TestApp::builder(engine).spawn().await else {
        return;
    };
    let canary = "LOOP7Q";
    let (n, follow_up, receipt) = submit(&app, canary, REPORTER).await;

    // The receipt says the report goes to the leader first, and shows no
    // receiver deadline (that clock has not started).
    assert!(receipt.contains("Meldingen er sendt til lederen din"), "{receipt}");
    assert!(receipt.contains("Meldingen går først til din leder for vurdering, deretter til"));
    assert!(!receipt.contains("Frist for å bekrefte mottak"));
    assert!(receipt.contains("den eneste veien tilbake"));
    assert!(receipt.contains("Send lenken til meg selv"));
    let page = get(&app, &follow_up).await;
    assert!(page.contains("Hos lederen din for vurdering"), "{page}");
    assert!(!page.contains("Frist for svar"));

    // Returned: the reporter is told, the page says so.
    let horten = app.session_for(HORTEN).await;
    leader_post(
        &app,
        &horten,
        n,
        &[
            ("action", "return"),
            ("return_message", "Skriv hvilken dag det skjedde."),
        ],
    )
    .await;
    wait_for_reporter_mail(&app, "returned").await;
    let page = get(&app, &follow_up).await;
    assert!(page.contains("Sendt tilbake til deg for endringer"), "{page}");
    assert!(
        page.contains("Skrevet av avsenderenheten"),
        "the request names its side: {page}"
    );

    // The reporter adds; the leader's mail says it is a resubmission.
    let nonce_page = get(&app, &follow_up).await;
    let res = app
        .client
        .post(&follow_up)
        .form(&[
            ("csrf_token", hidden(&nonce_page, "csrf_token").as_str()),
            ("addition", "Det var tirsdag."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert!(
        eventually(20, async || sent(&app)
            .iter()
            .any(|m| m.starts_with(HORTEN) && m.contains("Til ny gjennomgang")))
        .await,
        "the leader is told it is a resubmission"
    );

    // Forwarded, acknowledged, answered, closed.
    leader_post(&app, &horten, n, &[("action", "forward")]).await;
    wait_for_reporter_mail(&app, "forwarded").await;
    let page = get(&app, &follow_up).await;
    assert!(page.contains("Sendt videre til mottakeren"));
    assert!(page.contains("Frist for å bekrefte mottak") && page.contains("Frist for svar"));
    let med = app.session_for(MED).await;
    leader_post(&app, &med, n, &[("action", "acknowledge")]).await;
    let page = get(&app, &follow_up).await;
    assert!(
        !page.contains("Frist for å bekrefte mottak"),
        "a met deadline is not shown"
    );
    assert!(page.contains("Frist for svar"));
    leader_post(
        &app,
        &med,
        n,
        &[
            ("action", "answer"),
            ("answer_text", "Vi har endret rutinen."),
            ("shareable", "1"),
            ("measure_category_1", "ingen-tiltak"),
            ("no_measure_reason", "Enkeltstående hendelse."),
        ],
    )
    .await;
    wait_for_reporter_mail(&app, "answered").await;
    let page = get(&app, &follow_up).await;
    assert!(page.contains("Besvart av mottakeren"));
    assert!(!page.contains("Frist for svar"), "no clock runs once answered");
    leader_post(
        &app,
        &med,
        n,
        &[("action", "close"), ("lesson", "Ring før utskriving.")],
    )
    .await;
    wait_for_reporter_mail(&app, "closed").await;

    // Exactly one notice per step, none with content or the link.
    for stage in ["returned", "forwarded", "answered", "closed"] {
        let mails = reporter_mails(&app, stage);
        assert_eq!(mails.len(), 1, "{stage}");
        assert!(mails[0].contains(&n.to_string()));
        assert!(!mails[0].contains(canary), "no content in the {stage} notice");
        assert!(!mails[0].contains("/oppfolging/"), "no link in the {stage} notice");
    }
    // The reporter's address is in no clear column: the outbox names the
    // reporter by case number only.
    assert!(eventually(20, async || app.outbox_empty().await).await);
    let stored = everything_stored(engine, &app.db_url).await;
    assert!(stored.contains(&format!("reporter:{n}")));
    assert!(!stored.contains(REPORTER), "the reporter's address is stored in clear");
    let state = app.store().case_by_number(n).await.unwrap().unwrap().state;
    assert_eq!(state.slug(), "closed");
    app.stop().await;
}

async fn the_follow_up_link_is_mailed_on_request_and_never_stored(engine: Engine) {
    let Some(app) = TestApp::builder(engine).spawn().await else {
        return;
    };
    let (_, follow_up, receipt) = submit(&app, "LINK4Z", REPORTER).await;
    let token = follow_up.rsplit('/').next().unwrap().to_owned();
    let res = app
        .client
        .post(format!("{follow_up}/send-lenke"))
        .form(&[("csrf_token", hidden(&receipt, "csrf_token"))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let page = get(&app, &format!("{follow_up}?lenke-sendt=1")).await;
    assert!(page.contains("Lenken er sendt til e-postadressen du oppga"));
    assert!(
        sent(&app).iter().any(|m| m.starts_with(REPORTER) && m.contains(&token)),
        "the link is mailed at once"
    );
    let stored = everything_stored(engine, &app.db_url).await;
    assert!(!stored.contains(&token), "the follow-up link is stored in clear");

    // Whoever holds the link can ask for it, so it is mailed a few times an
    // hour at most; the next ask is told so in words.
    let limit = samavvik_core::limits::FOLLOW_UP_LINK_MAILS_PER_HOUR;
    for _ in 1..limit {
        let res = app
            .client
            .post(format!("{follow_up}/send-lenke"))
            .form(&[("csrf_token", hidden(&receipt, "csrf_token"))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303);
    }
    let res = app
        .client
        .post(format!("{follow_up}/send-lenke"))
        .form(&[("csrf_token", hidden(&receipt, "csrf_token"))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.text().await.unwrap().contains("allerede sendt flere ganger"));
    let mailed = sent(&app)
        .iter()
        .filter(|m| m.starts_with(REPORTER) && m.contains(&token))
        .count();
    assert_eq!(mailed as u64, limit, "no mail past the limit");

    // Without an address the reporter is told to keep the link themselves.
    let (_, follow_up, receipt) = submit(&app, "LINK5Z", "").await;
    let res = app
        .client
        .post(format!("{follow_up}/send-lenke"))
        .form(&[("csrf_token", hidden(&receipt, "csrf_token"))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Du oppga ingen e-postadresse"));
    app.stop().await;
}

async fn the_preview_says_the_leader_reviews_first(engine: Engine) {
    let Some(app) = TestApp::builder(engine).spawn().await else {
        return;
    };
    let (csrf, _) = app.open_form().await;
    let answer = app
        .client
        .post(format!("{}/api/ruting", app.base))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("sender_unit", "horten-hjemmetjeneste"),
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
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.starts_with("Meldingen går først til din leder for vurdering, deretter til Medisinsk klinikk"),
        "{message}"
    );
    assert!(!message.contains("Sendt til"), "{message}");
    app.stop().await;
}
