//! `/rapporter`: previewing and downloading record nothing; publishing is
//! a CSRF-checked POST by the secretariat that audits the report against
//! the register and records it; a report that would give a suppressed cell
//! away together with what is published is refused with a bokmål
//! explanation. On both engines.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, header};
use samavvik_aggregation::Period;
use samavvik_store::{AuditFilter, HandlingStore, PublishedReport, Store};
use samavvik_tests::server::hidden;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};
use tower::ServiceExt;

samavvik_tests::on_both_engines!(
    preview_records_nothing_and_publishing_is_a_post,
    a_disclosing_release_is_refused
);

const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";

struct Session {
    cookies: String,
    csrf: String,
}

async fn secretariat(app: &TestApp) -> Session {
    let session = app.session_for(SECRETARIAT).await;
    let nonce = samavvik_app::tokens::random_key();
    Session {
        cookies: format!("samavvik_session={session}; samavvik_csrf={nonce}"),
        csrf: app.running.app.secret.csrf_token(&nonce),
    }
}

async fn send(app: &TestApp, req: Request<Body>) -> (u16, String) {
    let res = app.router().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let body = to_bytes(res.into_body(), 10 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn get(app: &TestApp, s: &Session, uri: &str) -> (u16, String) {
    let req = Request::get(uri)
        .header(header::COOKIE, &s.cookies)
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

async fn post(app: &TestApp, s: &Session, body: String) -> (u16, String) {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/rapporter/publiser")
        .header(header::COOKIE, &s.cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// (register rows, audit rows for exports).
async fn recorded(app: &TestApp) -> (usize, u64) {
    let filter = AuditFilter {
        action: Some("export".into()),
        limit: 10,
        ..Default::default()
    };
    (
        app.store().published_reports().await.unwrap().len(),
        app.store().audit_entries(&filter).await.unwrap().1,
    )
}

async fn with_cases(app: &TestApp) {
    for i in 0..3 {
        let (csrf, key) = app.open_form().await;
        let canary = samavvik_tests::canary(&format!("P{i}"));
        assert_eq!(app.post(&valid_report(&csrf, &key, &canary)).await.0, 200);
    }
}

fn year() -> String {
    samavvik_app::clock::Clock::system()
        .today_oslo()
        .format("%Y")
        .to_string()
}

async fn preview_records_nothing_and_publishing_is_a_post(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    with_cases(&app).await;
    let s = secretariat(&app).await;
    let year = year();

    let (status, page) = get(&app, &s, &format!("/rapporter?periode={year}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Publiser rapporten for"), "{page}");
    let (status, json) = get(&app, &s, &format!("/rapporter?periode={year}&format=json")).await;
    assert_eq!(status, 200);
    assert!(json.contains("\"schema_version\""));
    let after = json.split("\"status_at\"").nth(1).unwrap();
    let status_at = after.split('"').nth(1).unwrap();
    assert_eq!(status_at.len(), 10, "a date, not an instant: {status_at}");
    assert_eq!(recorded(&app).await, (0, 0), "a GET records nothing");

    let fingerprint = hidden(&page, "fingeravtrykk");
    // Without the CSRF token: refused, nothing recorded.
    let (status, _) = post(&app, &s, format!("periode={year}&fingeravtrykk={fingerprint}")).await;
    assert_eq!(status, 403);
    assert_eq!(recorded(&app).await, (0, 0));
    // A stale preview: refused with the reason in bokmål.
    let (status, page_stale) = post(
        &app,
        &s,
        format!("csrf_token={}&periode={year}&fingeravtrykk=0", s.csrf),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        page_stale.contains("ikke lenger den samme som du forhåndsviste"),
        "{page_stale}"
    );
    assert_eq!(recorded(&app).await.0, 0);

    let (status, done) = post(
        &app,
        &s,
        format!("csrf_token={}&periode={year}&fingeravtrykk={fingerprint}", s.csrf),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("er publisert og registrert (versjon 1)"), "{done}");
    let register = app.store().published_reports().await.unwrap();
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].version, 1);
    assert!(register[0].release.as_deref().is_some_and(|r| r.contains("\"facts\"")));
    assert_eq!(
        recorded(&app).await,
        (1, 2),
        "the publication (and the refused stale one) are audited"
    );

    // Downloading the published report is a GET and gives the same file.
    let (_, again) = get(&app, &s, &format!("/rapporter?periode={year}&format=json")).await;
    assert_eq!(again, json, "byte-identical for the same data and register");
    let (_, page) = get(&app, &s, &format!("/rapporter?periode={year}")).await;
    assert!(page.contains("Denne rapporten er publisert (versjon 1"), "{page}");
    assert_eq!(recorded(&app).await.0, 1);
    app.stop().await;
}

/// A register row (as if published before) whose cells pin a "<5" on
/// their own: the type "Avvik" is "<5" while the total and the other type
/// are shown.
fn disclosing(year: &str) -> PublishedReport {
    let p = Period::parse(&format!("{year}-H1")).unwrap();
    let term = |sel: &str| {
        format!(
            r#"{{"snapshot":"now","from":"{}","to":"{}","sel":{sel},"coef":1.0}}"#,
            p.from, p.to
        )
    };
    let fact = |sel: &str, lo: u32, hi: u32, check: &str, row: &str| {
        format!(
            r#"{{"expr":{{"terms":[{}]}},"lo":{lo}.0,"hi":{hi}.0,"check":"{check}","place":{{"table":"type","title":"Saker etter type","row":"","col":"{row}","pos":null}}}}"#,
            term(sel)
        )
    };
    let facts = [
        fact(r#"{"dim":"kind:avvik"}"#, 1, 4, "primary", "Avvik"),
        fact(r#"{"dim":"kind:uonsket-hendelse"}"#, 9, 9, "none", "Uønsket hendelse"),
        fact(
            r#"{"flows":{"dir":null,"row":null,"col":null,"org":null}}"#,
            12,
            12,
            "none",
            "Totalt",
        ),
    ];
    let release = format!(
        r#"{{"release":{{"from":"{}","to":"{}","label":"1. halvår {year}","threshold":5,"facts":[{}]}},"extra":{{"hide":{{}},"withhold":[],"zero_ok":{{}}}}}}"#,
        p.from,
        p.to,
        facts.join(",")
    );
    PublishedReport {
        period_from: p.from,
        period_to: p.to,
        threshold: 5,
        input_sha256: "0".repeat(64),
        published_at: chrono::Utc::now(),
        version: 1,
        published_by: "eldre-versjon".into(),
        release: Some(release),
    }
}

async fn a_disclosing_release_is_refused(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    with_cases(&app).await;
    let year = year();
    app.store().record_published_report(&disclosing(&year)).await.unwrap();
    let s = secretariat(&app).await;

    let (status, page) = get(&app, &s, &format!("/rapporter?periode={year}-H2")).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("kan ikke publiseres"), "{page}");
    assert!(page.contains("Trygt valg"), "the safe alternative: {page}");
    assert!(!page.contains("Publiser rapporten for"), "no publish button: {page}");
    let (status, _) = post(
        &app,
        &s,
        format!("csrf_token={}&periode={year}-H2&fingeravtrykk=x", s.csrf),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        app.store().published_reports().await.unwrap().len(),
        1,
        "nothing new recorded"
    );

    // The command line's path refuses the same way (the CLI exits 3).
    let names = samavvik_app::publish::names(&app.running.app.catalog.current().directory);
    let refused = samavvik_app::publish::prepare(app.store(), Period::parse(&year).unwrap(), 5, &names).await;
    match refused {
        Err(samavvik_app::publish::PublishError::Refused(r)) => {
            assert!(r.lines[0].contains("regnes ut til 3"), "{:?}", r.lines);
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a disclosing release is refused"),
    }
    app.stop().await;
}
