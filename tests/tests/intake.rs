//! End-to-end: the report form over real HTTP, on SQLite and PostgreSQL,
//! with a real SMTP server receiving the notifications.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_store::Store;
use samavvik_tests::{Engine, SmtpSink, TestApp, canary, db, eventually, logs, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    report_is_sealed_routed_and_notified_without_content,
    report_waits_for_the_leaders_review_where_the_directory_asks,
    mail_server_down_at_submit_delivers_exactly_once_later,
    missing_fields_come_back_with_messages_and_values_kept,
    oversize_body_gets_a_413_page,
    unknown_unit_is_refused_with_a_message,
    wrong_csrf_token_keeps_what_was_typed,
    resubmission_and_double_click_make_one_case,
    same_organisation_is_refused,
);

fn case_number_in(html: &str) -> CaseNumber {
    let start = html.find("SA-").expect("a case number on the page");
    html[start..start + 13].parse().expect("well-formed case number")
}

fn follow_up_link(html: &str) -> String {
    let html = &html.replace("&#x2f;", "/");
    let start = html
        .find("/oppfolging/")
        .unwrap_or_else(|| panic!("follow-up link in {html}"));
    html[start..].split('"').next().unwrap().to_owned()
}

/// Who `deploy/directory.toml` says is told of a report from Horten
/// hjemmetjeneste to SiV Medisinsk klinikk that needs no review: the
/// klinikk's postmottak and its leader, and the sending unit's leader.
const NOTIFIED_WITHOUT_REVIEW: [&str; 3] = [
    "postmottak@siv.example.no",
    "klinikkledelse.med@siv.example.no",
    "leder.hjemmetjenesten@horten.example.no",
];

/// Who is told of the same report where Horten asks for review (the
/// shipped directory): only the sending unit's leader, to review it.
const NOTIFIED_FOR_REVIEW: [&str; 1] = ["leder.hjemmetjenesten@horten.example.no"];

/// The `To:` address of a raw message.
fn recipient(mail: &str) -> String {
    let line = mail
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("to:"))
        .unwrap_or_else(|| panic!("no To: in {mail}"));
    let to = line[3..].trim();
    to.rsplit('<').next().unwrap_or(to).trim_end_matches('>').to_owned()
}

/// The recipients of `mails`, sorted.
fn recipients(mails: &[String]) -> Vec<String> {
    let mut to: Vec<String> = mails.iter().map(|m| recipient(m)).collect();
    to.sort();
    to
}

fn sorted(addresses: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    out.sort();
    out
}

async fn report_is_sealed_routed_and_notified_without_content(engine: Engine) {
    let sink = SmtpSink::start().await;
    // Straight to the receiver: this directory asks for no sender-side review.
    let tmp = tempfile::tempdir().unwrap();
    let directory = samavvik_tests::server::directory_without_review(tmp.path());
    let Some(app) = TestApp::builder(engine)
        .smtp(&sink)
        .settings(|s| s.directory.path = directory)
        .spawn()
        .await
    else {
        return;
    };
    let secret = canary("A");
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &secret)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Meldingen er sendt"));
    assert!(html.contains("Medisinsk klinikk"), "receipt names the receiving unit");
    assert!(html.contains("Frist for å bekrefte mottak"));
    let number = case_number_in(&html);
    let link = follow_up_link(&html);
    let token = link.trim_start_matches("/oppfolging/");
    assert!(token.len() >= 22, "follow-up token has at least 128 bits");

    // Clear columns are right.
    let case = app.store().case_by_number(number).await.unwrap().expect("case stored");
    assert_eq!(case.sender_unit.as_str(), "horten-hjemmetjeneste");
    assert_eq!(case.sender_org.as_str(), "horten");
    assert_eq!(case.receiver_org.as_str(), "siv");
    assert_eq!(case.receiver_unit.as_str(), "siv-med");
    assert_eq!(
        case.categories.iter().map(|c| c.slug()).collect::<Vec<_>>(),
        vec!["epikrise", "legemidler"]
    );
    assert_eq!(case.consequence.slug(), "moderat");
    assert_eq!(case.state.slug(), "dispatched");
    assert!(
        html.contains(&case.routing_explanation),
        "receipt shows the stored explanation"
    );

    // Mail: every job delivered once, none with content.
    let expected = NOTIFIED_WITHOUT_REVIEW.len();
    assert!(
        eventually(20, async || sink.messages().len() >= expected
            && app.outbox_empty().await)
        .await,
        "mail arrives and the outbox has nothing more to send"
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), expected, "each notification arrives once");
    assert_eq!(
        recipients(&mails),
        sorted(&NOTIFIED_WITHOUT_REVIEW),
        "receiver and sender are both notified"
    );
    let mut ids: Vec<String> = mails
        .iter()
        .map(|m| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected, "distinct Message-IDs");
    assert!(
        mails
            .iter()
            .any(|m| m.contains(&number.to_string()) && m.contains("Medisinsk klinikk"))
    );
    for m in &mails {
        assert!(!m.contains(&secret), "no content in mail");
        assert!(!m.contains("kari.nordmann"), "reporter's address is not in mail");
        assert!(!m.contains(token), "the follow-up link is private to the reporter");
    }

    // Follow-up page: state and dates, never content.
    let page = app
        .client
        .get(format!("{}{link}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sendt videre til mottakeren"));
    assert!(page.contains(&number.to_string()));
    assert!(!page.contains(&secret));
    let wrong = app
        .client
        .get(format!("{}/oppfolging/{}", app.base, "A".repeat(43)))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 404);

    // Nowhere in the database's clear data, nowhere in the logs.
    let stored = db::everything_stored(engine, &app.db_url).await;
    assert!(stored.contains(&number.to_string()), "the dump sees the case");
    assert!(!stored.contains(&secret), "no plaintext in the database");
    assert!(!stored.contains("kari.nordmann"));
    assert!(
        !stored.contains(token),
        "only the hash of the follow-up token is stored"
    );
    let logged = logs::text();
    assert!(logged.contains(&number.to_string()), "the log names the case");
    assert!(!logged.contains(&secret), "no content in logs");
    assert!(!logged.contains(token), "no follow-up token in logs");
    app.stop().await;
    sink.stop().await;
}

async fn mail_server_down_at_submit_delivers_exactly_once_later(engine: Engine) {
    let mut sink = SmtpSink::start_down().await;
    let Some(app) = TestApp::builder(engine).smtp(&sink).spawn().await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &canary("B"))).await;
    assert_eq!(status, 200, "the reporter gets a receipt while mail is down");
    let number = case_number_in(&html);
    assert!(app.store().case_by_number(number).await.unwrap().is_some());
    assert!(
        eventually(10, async || {
            let rows = app.store().counts().await.unwrap();
            rows.mail_pending > 0 && logs::text().contains("will retry")
        })
        .await,
        "a delivery was attempted and will be retried"
    );
    // The shipped directory asks Horten's leader to review first: one notice.
    let expected = NOTIFIED_FOR_REVIEW.len();
    assert_eq!(app.store().counts().await.unwrap().mail_sent, 0);

    sink.come_up().await;
    assert!(
        eventually(30, async || sink.messages().len() >= expected
            && app.outbox_empty().await)
        .await,
        "mail is delivered when SMTP is back, and nothing is left to send"
    );
    assert_eq!(sink.messages().len(), expected, "exactly once");
    assert_eq!(recipients(&sink.messages()), sorted(&NOTIFIED_FOR_REVIEW));
    let counts = app.store().counts().await.unwrap();
    assert_eq!(
        (counts.mail_pending, counts.mail_sent as usize, counts.mail_dead),
        (0, expected, 0)
    );
    app.stop().await;
    sink.stop().await;
}

async fn missing_fields_come_back_with_messages_and_values_kept(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let typed = "Jeg skrev dette og vil ikke skrive det igjen æøå <b>";
    let fields: Vec<(String, String)> = valid_report(&csrf, &key, "x")
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "kind" | "category" | "reporter_name"))
        .map(|(k, v)| {
            if k == "description" {
                (k, typed.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("Skjemaet er ikke sendt"), "error summary");
    assert!(html.contains("href=\"#kind-avvik\""), "summary links to the field");
    assert!(html.contains("Velg om det er et avvik eller en uønsket hendelse."));
    assert!(html.contains("Velg minst én kategori."));
    assert!(html.contains("Skriv navnet ditt"));
    assert!(
        html.contains("Jeg skrev dette og vil ikke skrive det igjen æøå &lt;b&gt;"),
        "description kept, escaped"
    );
    assert!(html.contains("value=\"33 08 50 00\""), "phone kept");
    assert!(html.contains("value=\"siv-med\" selected"), "selected unit kept");
    assert!(
        html.contains(&format!("value=\"{key}\"")),
        "same idempotency key, so a later submit is still one case"
    );
    assert_eq!(app.store().counts().await.unwrap().cases, 0);
    app.stop().await;
}

async fn oversize_body_gets_a_413_page(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let mut body = format!("csrf_token={csrf}&idempotency_key={key}&description=").into_bytes();
    body.extend(std::iter::repeat_n(b'a', 600 * 1024));
    let (status, html) = app.post_raw(body).await;
    assert_eq!(status, 413);
    assert!(html.contains("Meldingen er for stor"));
    assert!(html.contains("lang=\"nb\""));
    assert_eq!(app.store().counts().await.unwrap().cases, 0);
    app.stop().await;
}

async fn unknown_unit_is_refused_with_a_message(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let fields: Vec<(String, String)> = valid_report(&csrf, &key, "x")
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "sender_unit" => (k, "finnes-ikke".to_owned()),
            "receiver_unit" => (k, "siv-ukjent".to_owned()),
            _ => (k, v),
        })
        .collect();
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("Enheten finnes ikke i katalogen. Velg enheten din fra listen."));
    assert!(html.contains("Velg fra listen, eller velg «Vet ikke»."));
    assert_eq!(app.store().counts().await.unwrap().cases, 0);
    app.stop().await;
}

async fn wrong_csrf_token_keeps_what_was_typed(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (_csrf, key) = app.open_form().await;
    let secret = canary("C");
    let (status, html) = app.post(&valid_report("00ff", &key, &secret)).await;
    assert_eq!(status, 403);
    assert!(html.contains("Av sikkerhetshensyn må skjemaet sendes på nytt"));
    assert!(html.contains(&format!("{secret}-beskrivelse")), "typed text is kept");
    assert_eq!(app.store().counts().await.unwrap().cases, 0);
    // The page carries a fresh valid token: sending it again works.
    let csrf = samavvik_tests::server::hidden(&html, "csrf_token");
    let (status, _) = app.post(&valid_report(&csrf, &key, &secret)).await;
    assert_eq!(status, 200);
    // A request from a client without the cookie is refused too.
    let stranger = reqwest::Client::new();
    let res = stranger
        .post(format!("{}/meld", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf_token={csrf}&idempotency_key={}",
            samavvik_app::tokens::random_key()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(app.store().counts().await.unwrap().cases, 1);
    app.stop().await;
}

async fn resubmission_and_double_click_make_one_case(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let fields = valid_report(&csrf, &key, &canary("D"));
    let (a, b) = tokio::join!(app.post(&fields), app.post(&fields));
    assert_eq!((a.0, b.0), (200, 200));
    let n = case_number_in(&a.1);
    assert_eq!(case_number_in(&b.1), n, "double click: one case");
    assert_eq!(follow_up_link(&a.1), follow_up_link(&b.1), "and the same private link");
    let (status, again) = app.post(&fields).await;
    assert_eq!(status, 200);
    assert_eq!(case_number_in(&again), n);
    assert!(
        again.contains("allerede sendt inn"),
        "the reporter is told it was already sent"
    );
    assert_eq!(app.store().counts().await.unwrap().cases, 1);
    // A new form is a new case with a later number. (The losing half of a
    // double click may have used up a number: numbers are never reused, so
    // the sequence can have gaps.)
    let (csrf2, key2) = app.open_form().await;
    // The blank form is rendered once and cached; each visit still gets
    // a key of its own (and a token for its own cookie).
    assert_ne!(key2, key, "every form has a fresh idempotency key");
    assert!(
        key2.len() == 32 && key2.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key2}"
    );
    assert_eq!(csrf2, csrf, "same visitor, same cookie, same CSRF token");
    let (_, html) = app.post(&valid_report(&csrf2, &key2, "y")).await;
    let m = case_number_in(&html);
    assert!(m.year() == n.year() && m.seq() > n.seq(), "{m} after {n}");
    assert_eq!(app.store().counts().await.unwrap().cases, 2);
    app.stop().await;
}

async fn same_organisation_is_refused(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let fields: Vec<(String, String)> = valid_report(&csrf, &key, "x")
        .into_iter()
        .map(|(k, v)| {
            if k == "sender_unit" {
                (k, "siv-kir".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("eget avvikssystem"), "{html}");
    assert_eq!(app.store().counts().await.unwrap().cases, 0);
    app.stop().await;
}

async fn report_waits_for_the_leaders_review_where_the_directory_asks(engine: Engine) {
    let sink = SmtpSink::start().await;
    let Some(app) = TestApp::builder(engine).smtp(&sink).spawn().await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &canary("E"))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Meldingen går først til din leder for vurdering, deretter til"),
        "the receipt says what happens next"
    );
    let number = case_number_in(&html);
    let case = app.store().case_by_number(number).await.unwrap().unwrap();
    assert_eq!(case.state.slug(), "sender_review");
    assert!(
        eventually(20, async || !sink.messages().is_empty() && app.outbox_empty().await).await,
        "the review notice arrives and nothing else is queued"
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "only the sending unit's leader is told, to review");
    assert_eq!(recipients(&mails), sorted(&NOTIFIED_FOR_REVIEW));
    assert!(mails[0].contains("leder.hjemmetjenesten@horten.example.no"));
    assert!(
        !mails.iter().any(|m| m.contains("postmottak@siv.example.no")),
        "the receiver hears nothing yet"
    );
    let page = app
        .client
        .get(format!("{}{}", app.base, follow_up_link(&html)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Hos lederen din for vurdering"));
    app.stop().await;
    sink.stop().await;
}
