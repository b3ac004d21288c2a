//! The permission table walked over HTTP: for one case in every state, each
//! of the sending leader, the receiving leader, the secretariat and a leader
//! of an unrelated unit tries every form action on `/saker/{nr}` and reads
//! the page. The answer must be what `samavvik_core::permission::check`
//! says: allowed is a redirect (done) or a 422 form error, never a 500;
//! refused is 403 for a side that sees the case, 404 for someone who cannot
//! see it, 409 for the wrong state, each with a bokmål message.
//!
//! Also: rerouting accepts exactly the units the case page offers, and a
//! reroute to the triage inbox or a kommune service area is a bokmål 422,
//! not a 500.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Method, Request, header};
use samavvik_app::cases::reroute_targets;
use samavvik_core::permission::{self, Action, Refusal};
use samavvik_core::{CaseNumber, CaseState};
use samavvik_store::Store;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};
use tower::ServiceExt;

samavvik_tests::on_both_engines!(
    every_role_state_and_action_is_answered_as_the_table_says,
    reroute_accepts_exactly_the_offered_units
);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";
const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";
const KPA: &str = "klinikkledelse.kpa@siv.example.no";

/// A signed-in person with a session and a CSRF pair.
struct Client {
    email: &'static str,
    cookies: String,
    csrf: String,
}

impl Client {
    async fn new(app: &TestApp, email: &'static str) -> Client {
        let session = app.session_for(email).await;
        let nonce = samavvik_app::tokens::random_key();
        let csrf = app.running.app.secret.csrf_token(&nonce);
        Client {
            email,
            cookies: format!("samavvik_session={session}; samavvik_csrf={nonce}"),
            csrf,
        }
    }

    async fn get(&self, app: &TestApp, uri: String) -> (u16, String) {
        let req = Request::get(uri)
            .header(header::COOKIE, &self.cookies)
            .body(Body::empty())
            .unwrap();
        send(app, req).await
    }

    async fn act(&self, app: &TestApp, n: CaseNumber, fields: &[(&str, &str)]) -> (u16, String) {
        let body: String = std::iter::once(("csrf_token", self.csrf.as_str()))
            .chain(fields.iter().copied())
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/saker/{n}"))
            .header(header::COOKIE, &self.cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        send(app, req).await
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn send(app: &TestApp, req: Request<Body>) -> (u16, String) {
    let res = app.router().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn state_of(app: &TestApp, n: CaseNumber) -> CaseState {
    app.store().case_by_number(n).await.unwrap().unwrap().state
}

/// A new report from Horten hjemmetjeneste to SiV's medical klinikk; it
/// waits for the Horten leader's review.
async fn submit(app: &TestApp) -> CaseNumber {
    let (csrf, key) = app.open_form().await;
    let (status, receipt) = app.post(&valid_report(&csrf, &key, "permission-walk")).await;
    assert_eq!(status, 200, "{receipt}");
    let start = receipt.find("SA-").expect("receipt names the case");
    receipt[start..start + 13].parse().unwrap()
}

/// A case in `state`, driven there over HTTP the way leaders do it.
async fn case_in(app: &TestApp, sender: &Client, receiver: &Client, state: CaseState) -> CaseNumber {
    let n = submit(app).await;
    let steps: &[(&Client, &[(&str, &str)])] = match state {
        CaseState::SenderReview => &[],
        CaseState::Submitted => &[(sender, &[("action", "return"), ("return_message", "Mer, takk.")])],
        CaseState::Withdrawn => &[(sender, &[("action", "withdraw"), ("withdraw_reason", "Feil.")])],
        CaseState::Dispatched => &[(sender, &[("action", "forward")])],
        CaseState::Acknowledged => &[
            (sender, &[("action", "forward")]),
            (receiver, &[("action", "acknowledge")]),
        ],
        CaseState::Answered | CaseState::Closed => &[
            (sender, &[("action", "forward")]),
            (receiver, &[("action", "acknowledge")]),
            (
                receiver,
                &[
                    ("action", "answer"),
                    ("answer_text", "Vi har sett på det."),
                    ("measure_category_1", "ingen-tiltak"),
                    ("no_measure_reason", "Enkeltstående hendelse."),
                ],
            ),
        ],
    };
    for (who, fields) in steps {
        let (status, page) = who.act(app, n, fields).await;
        assert_eq!(status, 303, "{} {fields:?}: {page}", who.email);
    }
    if state == CaseState::Closed {
        let (status, page) = receiver
            .act(app, n, &[("action", "close"), ("lesson", "Ring før utskriving.")])
            .await;
        assert_eq!(status, 303, "close: {page}");
    }
    assert_eq!(state_of(app, n).await, state);
    n
}

async fn every_role_state_and_action_is_answered_as_the_table_says(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let people = [
        Client::new(&app, HORTEN).await,
        Client::new(&app, MED).await,
        Client::new(&app, SECRETARIAT).await,
        Client::new(&app, KPA).await,
    ];
    let catalog = app.running.app.catalog.current();
    let form_actions: Vec<Action> = Action::ALL
        .iter()
        .copied()
        .filter(|a| !matches!(a, Action::View | Action::Export))
        .collect();
    let mut walked = 0;
    let mut allowed = 0;
    for &state in CaseState::ALL {
        let mut n = case_in(&app, &sender, &receiver, state).await;
        for client in &people {
            let person = catalog.people.by_email(client.email).unwrap().clone();
            for &action in &form_actions {
                let case = app.store().case_by_number(n).await.unwrap().unwrap();
                let side = person.side(&case);
                let expected = side.map(|s| permission::check(action, s, state, person.secretariat));
                let what = format!("{} {} on {}", client.email, action.slug(), state.slug());
                let (status, page) = client.act(&app, n, &[("action", action.slug())]).await;
                assert_ne!(status, 500, "{what}: {page}");
                assert!(page.is_empty() || page.contains("lang=\"nb\""), "{what}: bokmål page");
                match expected {
                    None => {
                        assert_eq!(status, 404, "{what}: someone who cannot see the case");
                        assert!(
                            page.contains("finnes ikke") || page.contains("Fant ikke"),
                            "{what}: {page}"
                        );
                    }
                    Some(Err(Refusal::NotYours)) => {
                        assert_eq!(status, 403, "{what}");
                        assert!(page.contains("Du kan ikke gjøre dette med saken."), "{what}");
                    }
                    Some(Err(Refusal::WrongState)) => {
                        assert_eq!(status, 409, "{what}");
                        let message = Refusal::WrongState.message_nb(state);
                        assert!(page.contains(&message), "{what}: {message}");
                    }
                    Some(Ok(())) => {
                        allowed += 1;
                        assert!(
                            matches!(status, 303 | 422),
                            "{what}: allowed is done or a form error, got {status}"
                        );
                        if status == 422 {
                            assert!(
                                page.contains("Rett opp") || page.contains("Skriv") || page.contains("Velg"),
                                "{what}: {page}"
                            );
                            assert_eq!(state_of(&app, n).await, state, "{what}: a form error changes nothing");
                        } else {
                            // The action went through: a fresh case for the rest of the walk.
                            assert_ne!(state_of(&app, n).await, state, "{what}: done means moved");
                            n = case_in(&app, &sender, &receiver, state).await;
                        }
                    }
                }
                walked += 1;
            }
            // Viewing is a GET: the page for whoever sees the case, 404 for anyone else.
            let case = app.store().case_by_number(n).await.unwrap().unwrap();
            let (status, _) = client.get(&app, format!("/saker/{n}")).await;
            let sees = person.side(&case).is_some();
            assert_eq!(
                status,
                if sees { 200 } else { 404 },
                "{} views {}",
                client.email,
                state.slug()
            );
        }
    }
    assert_eq!(walked, CaseState::ALL.len() * people.len() * form_actions.len());
    assert!(allowed >= 10, "the walk reached allowed actions too: {allowed}");
    app.stop().await;
}

async fn reroute_accepts_exactly_the_offered_units(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let n = case_in(&app, &sender, &receiver, CaseState::Dispatched).await;
    let catalog = app.running.app.catalog.current();
    let today = app.running.app.clock.today_oslo();
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    let offered: Vec<String> = reroute_targets(
        &catalog,
        &case,
        today,
        app.running.app.settings.scope.kommune_to_kommune,
    )
    .iter()
    .map(|u| u.id.to_string())
    .collect();
    assert!(!offered.is_empty());

    // The page offers exactly that set.
    let (status, page) = receiver.get(&app, format!("/saker/{n}")).await;
    assert_eq!(status, 200);
    for unit in catalog.directory.units() {
        let option = format!("value=\"{}\"", unit.id);
        assert_eq!(
            page.contains(&option),
            offered.contains(&unit.id.to_string()),
            "page offers {} iff the rule does",
            unit.id
        );
    }

    // Every unit not offered is refused with a bokmål field message, never a 500.
    let triage = catalog.directory.triage_unit().id.to_string();
    assert!(!offered.contains(&triage));
    for unit in catalog.directory.units() {
        if offered.contains(&unit.id.to_string()) {
            continue;
        }
        let (status, page) = receiver
            .act(
                &app,
                n,
                &[
                    ("action", "reroute"),
                    ("target_unit", unit.id.as_str()),
                    ("reroute_reason", "Feil mottaker."),
                    ("reroute_confirm", "ja"),
                ],
            )
            .await;
        assert_eq!(status, 422, "reroute to {}: {page}", unit.id);
        assert!(
            page.contains("Velg") || page.contains("kan ikke") || page.contains("allerede"),
            "{page}"
        );
        assert_eq!(state_of(&app, n).await, CaseState::Dispatched);
    }
    let (_, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "reroute"),
                ("target_unit", &triage),
                ("reroute_reason", "Feil mottaker."),
                ("reroute_confirm", "ja"),
            ],
        )
        .await;
    assert!(page.contains("sekretariatets mottak"), "the triage refusal says why");

    // An offered unit is accepted.
    let target = offered
        .iter()
        .find(|u| u.starts_with("siv-"))
        .unwrap_or(&offered[0])
        .clone();
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "reroute"),
                ("target_unit", &target),
                ("reroute_reason", "Feil mottaker."),
                ("reroute_confirm", "ja"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.receiver_unit.as_str(), target);
    app.stop().await;
}
