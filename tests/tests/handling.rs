//! End-to-end case handling: leaders sign in with a link from a real
//! mail, see only their units' cases, acknowledge, reroute (re-encrypting),
//! answer with measures and close — on SQLite and PostgreSQL.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_store::{AuditFilter, HandlingStore, Store};
use samavvik_tests::{Engine, SmtpSink, TestApp, canary, eventually, logs, valid_report};

samavvik_tests::on_both_engines!(full_flow_with_sign_in_by_mail, sign_in_sign_out_and_the_audit_log);

const MED: &str = "klinikkledelse.med@siv.example.no";
const KIR: &str = "klinikkledelse.kir@siv.example.no";
const KPA: &str = "klinikkledelse.kpa@siv.example.no";
const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";

fn hidden(html: &str, name: &str) -> String {
    samavvik_tests::server::hidden(html, name)
}

/// A browser of its own, signed in through the link in the mail.
async fn sign_in(app: &TestApp, sink: &SmtpSink, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/logg-inn", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let before = sink.messages().len();
    let res = client
        .post(format!("{}/logg-inn", app.base))
        .form(&[("csrf_token", hidden(&page, "csrf_token").as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("Sjekk e-posten din"));
    let mut link = None;
    assert!(
        eventually(20, async || {
            link = sink.messages()[before.min(sink.messages().len())..]
                .iter()
                .filter(|m| m.contains(email) && m.contains("Logg inn i Samavvik"))
                .find_map(|m| {
                    m.split_whitespace()
                        .find(|w| w.contains("/logg-inn/"))
                        .map(str::to_owned)
                });
            link.is_some()
        })
        .await,
        "a sign-in link arrives for {email}"
    );
    let link = link.unwrap();
    let confirm = client.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(
        confirm.contains("Bekreft innlogging"),
        "opening the link does not sign in by itself"
    );
    let form = [
        ("csrf_token", hidden(&confirm, "csrf_token")),
        ("token", hidden(&confirm, "token")),
    ];
    let res = client
        .post(format!("{}/logg-inn/bekreft", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "signed in");
    assert_eq!(res.headers()["location"], "/saker");
    // The link is single-use.
    let again = client
        .post(format!("{}/logg-inn/bekreft", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 410);
    client
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// POSTs an action form on the case page, with the page's CSRF token.
async fn act(client: &reqwest::Client, app: &TestApp, n: CaseNumber, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, page) = get(client, format!("{}/saker/{n}", app.base)).await;
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), hidden(&page, "csrf_token"))];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let res = client
        .post(format!("{}/saker/{n}", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn state_of(app: &TestApp, n: CaseNumber) -> String {
    app.store()
        .case_by_number(n)
        .await
        .unwrap()
        .unwrap()
        .state
        .slug()
        .to_owned()
}

async fn audit_count(app: &TestApp, action: &str, n: CaseNumber) -> u64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        case_number: Some(n),
        limit: 100,
        ..Default::default()
    };
    app.store().audit_entries(&filter).await.unwrap().1
}

async fn full_flow_with_sign_in_by_mail(engine: Engine) {
    let sink = SmtpSink::start().await;
    let Some(app) = TestApp::builder(engine).smtp(&sink).spawn().await else {
        return;
    };
    let secret = canary("H");
    let (csrf, key) = app.open_form().await;
    let (_, receipt) = app.post(&valid_report(&csrf, &key, &secret)).await;
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    let follow_up = {
        let r = receipt.replace("&#x2f;", "/");
        let i = r.find("/oppfolging/").unwrap();
        format!("{}{}", app.base, r[i..].split('"').next().unwrap())
    };
    assert_eq!(state_of(&app, n).await, "sender_review");

    // Before the sending leader has reviewed it, the receiver cannot see it.
    let med = sign_in(&app, &sink, MED).await;
    assert_eq!(get(&med, format!("{}/saker/{n}", app.base)).await.0, 404);
    assert_eq!(audit_count(&app, "denied", n).await, 1);

    // The reporter's leader sends it back to the reporter for more detail.
    let horten = sign_in(&app, &sink, HORTEN).await;
    let (status, page) = get(&horten, format!("{}/saker/{n}", app.base)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("{secret}-beskrivelse")),
        "the leader reviews the decrypted report"
    );
    let (status, _) = act(
        &horten,
        &app,
        n,
        &[
            ("action", "return"),
            ("return_message", "Skriv hvilket klokkeslett det var."),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state_of(&app, n).await, "submitted");

    // The reporter reads the request on the private page and adds information.
    let page = app.client.get(&follow_up).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Skriv hvilket klokkeslett det var."),
        "the leader's request is shown to the reporter"
    );
    assert!(!page.contains(&secret), "the follow-up page never shows the report");
    let res = app
        .client
        .post(&follow_up)
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token")),
            ("addition", format!("Klokken 14. {secret}-tillegg")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(state_of(&app, n).await, "sender_review", "back to the leader's review");

    // The leader forwards it with a supplement; now the klinikk gets it.
    let (_, page) = get(&horten, format!("{}/saker/{n}", app.base)).await;
    assert!(
        page.contains(&format!("{secret}-tillegg")),
        "the reporter's addition is in the case"
    );
    let (status, _) = act(
        &horten,
        &app,
        n,
        &[("action", "forward"), ("supplement", "Pasienten var 89 år.")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state_of(&app, n).await, "dispatched");

    // The receiving klinikk's leader sees and opens the case.
    let (status, inbox) = get(&med, format!("{}/saker", app.base)).await;
    assert_eq!(status, 200);
    assert!(inbox.contains(&n.to_string()), "the case is in the klinikk's work list");
    let (status, page) = get(&med, format!("{}/saker/{n}", app.base)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("{secret}-beskrivelse")),
        "the leader reads the decrypted report"
    );
    assert!(page.contains("Pasienten var 89 år."), "and the supplement");
    assert!(audit_count(&app, "view-sealed", n).await >= 2, "views are audited");

    // Someone from another unit gets 404, and it is audited.
    let kpa = sign_in(&app, &sink, KPA).await;
    let (status, page) = get(&kpa, format!("{}/saker/{n}", app.base)).await;
    assert_eq!(status, 404);
    assert!(!page.contains(&secret));
    assert_eq!(audit_count(&app, "denied", n).await, 2);
    let (_, own) = get(&kpa, format!("{}/saker", app.base)).await;
    let res = kpa
        .post(format!("{}/saker/{n}", app.base))
        .form(&[
            ("csrf_token", hidden(&own, "csrf_token").as_str()),
            ("action", "acknowledge"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404, "and cannot act on it either");
    assert_eq!(audit_count(&app, "denied", n).await, 3);
    assert!(!own.contains(&n.to_string()), "not in other units' lists");

    // Acknowledge.
    let (status, _) = act(&med, &app, n, &[("action", "acknowledge")]).await;
    assert_eq!(status, 303);
    assert_eq!(state_of(&app, n).await, "acknowledged");
    assert!(app.store().handling_times(n).await.unwrap().unwrap().0.is_some());
    // An invalid transition now is refused.
    let (status, _) = act(&med, &app, n, &[("action", "close"), ("lesson", "x")]).await;
    assert_eq!(status, 409);

    // Reroute to Kirurgisk klinikk: the document is sealed again; MED loses access.
    let (status, html) = act(
        &med,
        &app,
        n,
        &[
            ("action", "reroute"),
            ("target_unit", "siv-kir"),
            ("reroute_reason", ""),
        ],
    )
    .await;
    assert_eq!(status, 422, "a reason and the confirmation are required");
    assert!(html.contains("Skriv hvorfor saken sendes videre."));
    assert!(
        html.contains("Kryss av for at du vil sende saken videre."),
        "the server asks for the confirmation, not only the page"
    );
    let (status, html) = act(
        &med,
        &app,
        n,
        &[
            ("action", "reroute"),
            ("target_unit", "siv-kir"),
            ("reroute_reason", "Gjelder operasjonen"),
        ],
    )
    .await;
    assert_eq!(status, 422, "not without the box ticked: {html}");
    assert!(html.contains("Gjelder operasjonen"), "what was typed is kept");
    assert_eq!(
        app.store()
            .case_by_number(n)
            .await
            .unwrap()
            .unwrap()
            .receiver_unit
            .as_str(),
        "siv-med",
        "an unconfirmed reroute moves nothing"
    );
    let (status, _) = act(
        &med,
        &app,
        n,
        &[
            ("action", "reroute"),
            ("target_unit", "siv-kir"),
            ("reroute_reason", "Gjelder operasjonen"),
            ("reroute_confirm", "ja"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(
        (case.state.slug(), case.receiver_unit.as_str()),
        ("dispatched", "siv-kir")
    );
    let (status, _) = get(&med, format!("{}/saker/{n}", app.base)).await;
    assert_eq!(status, 404, "the previous unit no longer sees the case");
    let keys = &app.running.app.settings.keys.dir;
    let doc = app.store().sealed_document(n).await.unwrap().unwrap();
    let med_key = samavvik_seal::load_identity_file(&keys.join("siv-med.key")).unwrap();
    let kir_key = samavvik_seal::load_identity_file(&keys.join("siv-kir.key")).unwrap();
    assert!(
        samavvik_seal::open(&doc.0, &med_key, n).is_err(),
        "the old unit's key cannot open it"
    );
    assert!(
        samavvik_seal::open(&doc.0, &kir_key, n).is_ok(),
        "the new unit's key can"
    );
    for item in app.store().sealed_items(n).await.unwrap() {
        assert!(
            samavvik_seal::open_bytes(&item.ciphertext.0, &med_key).is_err(),
            "nor any note ({})",
            item.kind
        );
        assert!(samavvik_seal::open_bytes(&item.ciphertext.0, &kir_key).is_ok());
    }

    // The new klinikk asks the sender something, acknowledges, answers with a measure and closes.
    let kir = sign_in(&app, &sink, KIR).await;
    assert_eq!(
        act(
            &kir,
            &app,
            n,
            &[("action", "message"), ("message_text", "Hvilken post var det?")]
        )
        .await
        .0,
        303
    );
    let (_, page) = get(&horten, format!("{}/saker/{n}", app.base)).await;
    assert!(
        page.contains("Hvilken post var det?"),
        "the sending side reads the message"
    );
    assert_eq!(act(&kir, &app, n, &[("action", "acknowledge")]).await.0, 303);
    let (status, html) = act(
        &kir,
        &app,
        n,
        &[("action", "answer"), ("answer_text", "Vi har endret rutinen.")],
    )
    .await;
    assert_eq!(status, 422, "an answer needs a measure");
    assert!(html.contains("Vi har endret rutinen."), "typed text is kept");
    let (status, _) = act(
        &kir,
        &app,
        n,
        &[
            ("action", "answer"),
            ("answer_text", "Vi har endret rutinen."),
            ("measure_category_1", "rutineendring"),
            ("measure_responsible_1", "Avdelingsleder"),
            ("measure_due_1", "2027-01-31"),
            ("shareable", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state_of(&app, n).await, "answered");
    assert_eq!(
        app.store()
            .case_measures(n)
            .await
            .unwrap()
            .iter()
            .map(|m| m.slug())
            .collect::<Vec<_>>(),
        vec!["rutineendring"]
    );
    let page = app.client.get(&follow_up).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Vi har endret rutinen."),
        "the shared answer reaches the reporter"
    );
    assert!(!page.contains("Avdelingsleder"), "but not who is responsible");
    let (status, _) = act(
        &kir,
        &app,
        n,
        &[("action", "close"), ("lesson", "Sjekk epikrisen før overføring.")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state_of(&app, n).await, "closed");
    let (_, page) = get(&kir, format!("{}/saker/{n}", app.base)).await;
    assert!(page.contains("Sjekk epikrisen før overføring."));
    assert!(page.contains("Unntatt offentlighet"));
    let pdf = kir.get(format!("{}/saker/{n}/pdf", app.base)).send().await.unwrap();
    assert_eq!(pdf.status().as_u16(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF for the records system");
    assert!(bytes.windows(3).any(|w| w == b"/F2"), "with text");
    assert_eq!(audit_count(&app, "export", n).await, 1, "the export is audited");
    assert_eq!(
        kpa.get(format!("{}/saker/{n}/pdf", app.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // The sending unit's leader is told it is answered, without content.
    assert!(
        eventually(20, async || sink
            .messages()
            .iter()
            .any(|m| m.contains(HORTEN) && m.contains("besvart")))
        .await
    );
    let (status, page) = get(&horten, format!("{}/saker/{n}", app.base)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Vi har endret rutinen."));

    let events = app.store().case_events(n).await.unwrap();
    let states: Vec<&str> = events.iter().map(|e| e.to_state.slug()).collect();
    assert_eq!(
        states,
        vec![
            "sender_review",
            "submitted",
            "sender_review",
            "dispatched",
            "acknowledged",
            "dispatched",
            "acknowledged",
            "answered",
            "closed"
        ]
    );
    // The secretariat reopens the closed case; a reason is required.
    let sec = sign_in(&app, &sink, "samhandlingssjef@helsefellesskapet.example.no").await;
    let (status, html) = act(&sec, &app, n, &[("action", "reopen"), ("reason", "")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Skriv hvorfor saken gjenåpnes."));
    assert_eq!(
        act(
            &sec,
            &app,
            n,
            &[("action", "reopen"), ("reason", "Tiltaket ble ikke gjennomført.")]
        )
        .await
        .0,
        303
    );
    assert_eq!(state_of(&app, n).await, "acknowledged");
    assert!(
        app.store().handling_times(n).await.unwrap().unwrap().2.is_none(),
        "closed_at is cleared"
    );
    let (_, page) = get(&kir, format!("{}/saker/{n}", app.base)).await;
    assert!(
        page.contains("Tiltaket ble ikke gjennomført."),
        "the receiver reads why"
    );

    // Every notice the flow queued has been sent before the mail is read.
    assert!(eventually(20, async || app.outbox_empty().await).await);
    for m in sink.messages() {
        assert!(
            !m.contains(&secret) && !m.contains("Vi har endret rutinen"),
            "no content in any mail"
        );
    }
    assert!(!logs::text().contains(&secret), "no content in logs");
    app.stop().await;
    sink.stop().await;
}

async fn sign_in_sign_out_and_the_audit_log(engine: Engine) {
    let sink = SmtpSink::start().await;
    let admin = "systemeier@samavvik.example.no";
    let Some(app) = TestApp::builder(engine)
        .smtp(&sink)
        .settings(|s| s.security.admin_emails = vec![admin.into()])
        .spawn()
        .await
    else {
        return;
    };
    // An unknown address gets the same answer, and no mail.
    let stranger = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = stranger
        .get(format!("{}/logg-inn", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = stranger
        .post(format!("{}/logg-inn", app.base))
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
            ("email", "ukjent@example.no"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.text().await.unwrap().contains("Hvis adressen er registrert"),
        "the answer does not tell"
    );

    // Asking again and again does not flood a leader's mailbox.
    for _ in 0..5 {
        let page = stranger
            .get(format!("{}/logg-inn", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let res = stranger
            .post(format!("{}/logg-inn", app.base))
            .form(&[("csrf_token", hidden(&page, "csrf_token").as_str()), ("email", KIR)])
            .send()
            .await
            .unwrap();
        assert!(
            res.text().await.unwrap().contains("Hvis adressen er registrert"),
            "the same answer every time"
        );
    }
    let links_to_kir = || {
        sink.messages()
            .iter()
            .filter(|m| m.contains(KIR) && m.contains("/logg-inn/"))
            .count()
    };
    // Every link asked for is written to the outbox before the answer; once
    // the outbox is empty, no further link can still be on its way.
    assert!(eventually(20, async || links_to_kir() >= 3 && app.outbox_empty().await).await);
    assert_eq!(links_to_kir(), 3, "at most three links in a quarter of an hour");
    let unsigned = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = unsigned.get(format!("{}/saker", app.base)).send().await.unwrap();
    assert_eq!(
        (res.status().as_u16(), res.headers()["location"].to_str().unwrap()),
        (303, "/logg-inn")
    );

    // A leader is refused a case that is not theirs; the admin sees it in the log, by address.
    let kpa = sign_in(&app, &sink, KPA).await;
    assert_eq!(get(&kpa, format!("{}/saker/SA-2026-99999", app.base)).await.0, 404);
    assert_eq!(
        get(&kpa, format!("{}/admin/logg", app.base)).await.0,
        404,
        "only admins read the log"
    );
    let boss = sign_in(&app, &sink, admin).await;
    let (status, log) = get(&boss, format!("{}/admin/logg?handling=denied", app.base)).await;
    assert_eq!(status, 200);
    assert!(
        log.contains(KPA) && log.contains("SA-2026-99999"),
        "the refusal is in the log with who did it"
    );
    let stored = samavvik_tests::db::everything_stored(engine, &app.db_url).await;
    assert!(
        !stored.contains(KPA),
        "the database holds an opaque principal, not the address"
    );

    // Signing out ends the session.
    let (_, inbox) = get(&kpa, format!("{}/saker", app.base)).await;
    let res = kpa
        .post(format!("{}/logg-ut", app.base))
        .form(&[("csrf_token", hidden(&inbox, "csrf_token"))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let res = kpa.get(format!("{}/saker", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "signed out");
    app.stop().await;
    sink.stop().await;
}
