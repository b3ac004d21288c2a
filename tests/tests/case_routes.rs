//! Every route that takes a case number, called through the router itself
//! (`tower::ServiceExt::oneshot`, no socket): an unknown or malformed number
//! is a 404 for a signed-in leader, and each refusal is in the audit log.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Method, Request, header};
use samavvik_core::CaseNumber;
use samavvik_store::{AuditFilter, HandlingStore};
use samavvik_tests::{Engine, TestApp, spawn_app};
use tower::ServiceExt;

samavvik_tests::on_both_engines!(unknown_and_malformed_case_numbers_are_404_and_audited);

const LEADER: &str = "klinikkledelse.med@siv.example.no";

/// The three ways to reach a case: read it, act on it, export it.
fn requests(app: &TestApp, session: &str, number: &str) -> Vec<Request<Body>> {
    // A valid CSRF pair, so the POST is refused for its case number and not
    // for its token.
    let nonce = samavvik_app::tokens::random_key();
    let csrf = app.running.app.secret.csrf_token(&nonce);
    let cookies = format!("samavvik_session={session}; samavvik_csrf={nonce}");
    let get = |uri: String| {
        Request::get(uri)
            .header(header::COOKIE, &cookies)
            .body(Body::empty())
            .unwrap()
    };
    vec![
        get(format!("/saker/{number}")),
        Request::builder()
            .method(Method::POST)
            .uri(format!("/saker/{number}"))
            .header(header::COOKIE, &cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf_token={csrf}&action=acknowledge")))
            .unwrap(),
        get(format!("/saker/{number}/pdf")),
    ]
}

async fn unknown_and_malformed_case_numbers_are_404_and_audited(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let session = app.session_for(LEADER).await;
    let unknown: CaseNumber = "SA-2026-99999".parse().unwrap();
    for number in [unknown.to_string(), "ikke-en-sak".to_owned()] {
        for request in requests(&app, &session, &number) {
            let what = format!("{} {}", request.method(), request.uri());
            let res = app.router().oneshot(request).await.unwrap();
            assert_eq!(res.status().as_u16(), 404, "{what}");
        }
    }
    // The session works: the same leader reads the work list.
    let inbox = Request::get("/saker")
        .header(header::COOKIE, format!("samavvik_session={session}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.router().oneshot(inbox).await.unwrap().status().as_u16(), 200);

    let principal = app
        .running
        .app
        .catalog
        .current()
        .people
        .by_email(LEADER)
        .unwrap()
        .principal
        .clone();
    let filter = AuditFilter {
        actor: Some(principal.clone()),
        action: Some("denied".into()),
        limit: 100,
        ..Default::default()
    };
    let (rows, total) = app.store().audit_entries(&filter).await.unwrap();
    assert_eq!(total, 6, "one denied row per request: {rows:?}");
    for number in [Some(unknown), None] {
        let mut routes: Vec<&str> = rows
            .iter()
            .filter(|r| r.case_number == number)
            .map(|r| r.detail.as_str())
            .collect();
        routes.sort_unstable();
        routes.dedup();
        assert_eq!(routes.len(), 3, "each route is audited for {number:?}: {routes:?}");
    }
    app.stop().await;
}
