//! Security hardening (issue 14), tried as an attacker would, on both
//! engines: what a database writer cannot do without the secret file, what
//! the server refuses and audits, the headers and limits on every response,
//! and the checks that stop `serve` before it starts unsafely.

// A failed unwrap in a test is a failed test, with its line.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Method, Request, header};
use samavvik_app::App;
use samavvik_app::clock::Clock;
use samavvik_store::{AuditFilter, HandlingStore, TokenHash};
use samavvik_tests::{Engine, TestApp, canary, spawn_app, valid_report};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

samavvik_tests::on_both_engines!(
    a_session_row_written_into_the_database_signs_nobody_in,
    old_follow_up_links_keep_working_after_the_rewrap,
    sign_in_events_are_audited_without_addresses,
    every_route_answers_with_the_security_headers_and_bokmal_errors,
    unreadable_text_is_a_bokmal_400_never_a_503,
    slow_clients_cannot_hold_the_service,
    too_many_reports_from_one_client_get_a_429_that_keeps_the_text,
);

const LEADER: &str = "klinikkledelse.med@siv.example.no";

/// What the store held for a token before migration 0009: plain SHA-256.
fn unkeyed(purpose: &str, token: &str) -> TokenHash {
    let mut h = Sha256::new();
    h.update(purpose.as_bytes());
    h.update(b"|");
    h.update(token.as_bytes());
    TokenHash(h.finalize().into())
}

/// Runs one statement with binds on the test's database (outside the app).
async fn execute(app: &TestApp, sql: &str, blob: &[u8], flag: bool) {
    match app.engine {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
            sqlx::query(sql).bind(blob).bind(flag).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db_url).await.unwrap();
            sqlx::query(sql).bind(blob).bind(flag).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

async fn get_status(app: &TestApp, uri: &str, cookie: &str) -> u16 {
    let req = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    app.router().oneshot(req).await.unwrap().status().as_u16()
}

async fn a_session_row_written_into_the_database_signs_nobody_in(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let person = app
        .running
        .app
        .catalog
        .current()
        .people
        .by_email(LEADER)
        .unwrap()
        .principal
        .clone();
    // A database writer knows how tokens used to be stored and mints one.
    let token = samavvik_app::tokens::long_token();
    let now = app.running.app.clock.now();
    app.store()
        .create_session(
            &unkeyed("session", &token),
            &person,
            now,
            now + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let status = get_status(&app, "/saker", &format!("samavvik_session={token}")).await;
    assert_eq!(
        status, 303,
        "a session the server did not key with its secret is refused"
    );
    // A real session (keyed with the secret) works.
    let real = app.session_for(LEADER).await;
    assert_eq!(
        get_status(&app, "/saker", &format!("samavvik_session={real}")).await,
        200
    );
    app.stop().await;
}

fn follow_up_token(html: &str) -> String {
    let html = html.replace("&#x2f;", "/");
    let start = html.find("/oppfolging/").expect("follow-up link") + "/oppfolging/".len();
    html[start..start + 43].to_owned()
}

async fn old_follow_up_links_keep_working_after_the_rewrap(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &canary("F"))).await;
    assert_eq!(status, 200, "{html}");
    let token = follow_up_token(&html);
    let page = format!("/oppfolging/{token}");
    assert_eq!(get_status(&app, &page, "").await, 200);
    // The row as a database from before migration 0009 holds it.
    let sql = "UPDATE cases SET follow_up_hash = $1, follow_up_legacy = $2";
    execute(&app, sql, &unkeyed("follow-up", &token).0, true).await;
    assert_eq!(
        get_status(&app, &page, "").await,
        404,
        "a plain SHA-256 matches nothing"
    );
    samavvik_app::app::rewrap_legacy_tokens(app.store(), &app.running.app.secret)
        .await
        .unwrap();
    assert_eq!(
        get_status(&app, &page, "").await,
        200,
        "the old link works again after the rewrap"
    );
    // A second rewrap changes nothing (the mark is cleared).
    samavvik_app::app::rewrap_legacy_tokens(app.store(), &app.running.app.secret)
        .await
        .unwrap();
    assert_eq!(get_status(&app, &page, "").await, 200);
    app.stop().await;
}

async fn audit_actions(app: &TestApp, action: &str) -> Vec<samavvik_store::AuditEntry> {
    let filter = AuditFilter {
        action: Some(action.into()),
        limit: 100,
        ..AuditFilter::default()
    };
    app.store().audit_entries(&filter).await.unwrap().0
}

/// POSTs a urlencoded body with a valid CSRF pair through the router.
async fn post_form(app: &TestApp, uri: &str, cookie: &str, body: &str, csrf_ok: bool) -> (u16, String) {
    let nonce = samavvik_app::tokens::random_key();
    let csrf = if csrf_ok {
        app.running.app.secret.csrf_token(&nonce)
    } else {
        "00".repeat(32)
    };
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::COOKIE, format!("samavvik_csrf={nonce}; {cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf_token={csrf}&{body}")))
        .unwrap();
    let res = app.router().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn sign_in_events_are_audited_without_addresses(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    let unknown = "ukjent.person@example.no";
    for email in [LEADER, unknown] {
        let (status, _) = post_form(&app, "/logg-inn", "", &format!("email={email}"), true).await;
        assert_eq!(status, 200);
    }
    assert!(
        samavvik_tests::eventually(10, async || audit_actions(&app, "sign-in-link").await.len() == 2).await,
        "both requests are audited, known and unknown"
    );
    // A link that does not exist.
    let bogus = samavvik_app::tokens::long_token();
    let (status, _) = post_form(&app, "/logg-inn/bekreft", "", &format!("token={bogus}"), true).await;
    assert_eq!(status, 410);
    assert_eq!(audit_actions(&app, "sign-in-failed").await.len(), 1);
    // A form with a bad CSRF token.
    let (status, _) = post_form(&app, "/logg-inn", "", &format!("email={LEADER}"), false).await;
    assert_eq!(status, 403);
    assert_eq!(audit_actions(&app, "csrf-failed").await.len(), 1);
    // Signing out ends the session on the server and is audited.
    let session = app.session_for(LEADER).await;
    let cookie = format!("samavvik_session={session}");
    let (status, _) = post_form(&app, "/logg-ut", &cookie, "", true).await;
    assert_eq!(status, 303);
    assert_eq!(
        get_status(&app, "/saker", &cookie).await,
        303,
        "the old cookie no longer works"
    );
    assert_eq!(audit_actions(&app, "sign-out").await.len(), 1);
    // An admin page for someone without the role: 404, audited.
    let session = app.session_for(LEADER).await;
    let cookie = format!("samavvik_session={session}");
    assert_eq!(get_status(&app, "/admin/logg", &cookie).await, 404);
    let denied = audit_actions(&app, "denied").await;
    assert!(denied.iter().any(|e| e.detail.contains("/admin/logg")), "{denied:?}");
    // No address anywhere in the log.
    let all = app
        .store()
        .audit_entries(&AuditFilter {
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .0;
    for e in &all {
        let row = format!("{} {} {}", e.actor, e.action, e.detail);
        assert!(!row.contains('@'), "no e-mail address in the audit log: {row}");
    }
    app.stop().await;
}

/// Settings as the harness makes them, for the start-up checks.
fn startup_settings(dir: &std::path::Path) -> samavvik_app::Settings {
    let mut s = samavvik_app::Settings::default();
    s.database.url = format!("sqlite://{}/samavvik.db", dir.display());
    s.directory.path = samavvik_tests::workspace_root().join("deploy/directory.toml");
    s.keys.dir = dir.join("keys");
    s.security.secret_file = dir.join("secret.key");
    s.mail.backend = samavvik_app::settings::MailBackend::Memory;
    samavvik_app::keyring::generate_missing(&s, &s.keys.dir.clone()).unwrap();
    s
}

#[tokio::test]
async fn a_secret_file_others_can_read_stops_the_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let s = startup_settings(dir.path());
    std::fs::write(&s.security.secret_file, [7u8; 32]).unwrap();
    std::fs::set_permissions(&s.security.secret_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let e = App::load(s, Clock::system(), None).await.err().expect("refused");
    assert!(format!("{e:#}").contains("group or others"), "{e:#}");
}

#[tokio::test]
async fn a_unit_that_gets_mail_without_a_key_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = startup_settings(dir.path());
    // The unit can be sealed to (an extra recipient in the directory), but
    // the server has no identity to open its cases for its leaders.
    let recipient = samavvik_seal::UnitIdentity::generate().recipient().to_string();
    let text = std::fs::read_to_string(&s.directory.path).unwrap();
    let changed = text.replacen(
        "id = \"siv-med\"\n",
        &format!("id = \"siv-med\"\nage_recipients = [\"{recipient}\"]\n"),
        1,
    );
    assert_ne!(changed, text);
    s.directory.path = dir.path().join("directory.toml");
    std::fs::write(&s.directory.path, changed).unwrap();
    std::fs::remove_file(s.keys.dir.join("siv-med.key")).unwrap();
    let e = App::load(s, Clock::system(), None).await.err().expect("refused");
    let message = format!("{e:#}");
    assert!(
        message.contains("siv-med") && message.contains("keys generate"),
        "{message}"
    );
}

/// Every route with each method it has, plus the refusals axum makes itself.
fn every_route() -> Vec<(Method, &'static str)> {
    vec![
        (Method::GET, "/"),
        (Method::GET, "/meld"),
        (Method::POST, "/meld"),
        (Method::GET, "/oppfolging/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        (Method::POST, "/oppfolging/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        (Method::POST, "/api/ruting"),
        (Method::GET, "/logg-inn"),
        (Method::POST, "/logg-inn"),
        (Method::POST, "/logg-inn/bekreft"),
        (Method::GET, "/logg-inn/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        (Method::POST, "/logg-ut"),
        (Method::GET, "/saker"),
        (Method::GET, "/saker/SA-2026-00001"),
        (Method::POST, "/saker/SA-2026-00001"),
        (Method::GET, "/saker/SA-2026-00001/pdf"),
        (Method::GET, "/admin/logg"),
        (Method::GET, "/rapporter"),
        (Method::GET, "/static/samavvik.css"),
        (Method::GET, "/static/samavvik.js"),
        (Method::GET, "/helse/klar"),
        (Method::GET, "/helse/lever"),
        (Method::GET, "/finnes-ikke"),
        (Method::DELETE, "/saker"),
        (Method::PUT, "/meld"),
    ]
}

async fn send(app: &TestApp, method: Method, uri: &str, content_type: &str, body: Vec<u8>) -> axum::response::Response {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.router().oneshot(req).await.unwrap()
}

fn assert_security_headers(res: &axum::response::Response, what: &str, https: bool) {
    let h = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_owned()
    };
    let csp = h("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{what}: {csp}"
    );
    assert_eq!(h("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert!(h("permissions-policy").contains("camera=()"), "{what}");
    assert_eq!(h("cross-origin-opener-policy"), "same-origin", "{what}");
    if https {
        let hsts = h("strict-transport-security");
        let age: u64 = hsts
            .split(';')
            .find_map(|p| p.trim().strip_prefix("max-age="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!(age >= 365 * 24 * 3600, "{what}: {hsts}");
    } else {
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{what}: no HSTS over http"
        );
    }
}

async fn bokmal_page(res: axum::response::Response, what: &str) -> String {
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(ct.starts_with("text/html"), "{what}: {ct}: {text}");
    assert!(text.contains("lang=\"nb\""), "{what}: a bokmål page: {text}");
    text
}

async fn every_route_answers_with_the_security_headers_and_bokmal_errors(engine: Engine) {
    let Some(app) = spawn_app(engine).await else { return };
    for (method, uri) in every_route() {
        let what = format!("{method} {uri}");
        let res = send(&app, method, uri, "application/x-www-form-urlencoded", Vec::new()).await;
        assert_security_headers(&res, &what, false);
        if res.status().is_client_error() && uri != "/api/ruting" {
            bokmal_page(res, &what).await;
        }
    }
    // axum's own refusals, in bokmål with the headers.
    let res = send(&app, Method::DELETE, "/saker", "text/plain", Vec::new()).await;
    assert_eq!(res.status().as_u16(), 405);
    assert!(res.headers().get(header::ALLOW).is_some());
    assert_security_headers(&res, "405", false);
    assert!(bokmal_page(res, "405").await.contains("kan ikke brukes slik"));
    let big = vec![b'a'; 300 * 1024];
    for uri in ["/logg-inn", "/logg-inn/bekreft", "/logg-ut", "/api/ruting"] {
        let res = send(
            &app,
            Method::POST,
            uri,
            "application/x-www-form-urlencoded",
            big.clone(),
        )
        .await;
        assert_eq!(res.status().as_u16(), 413, "POST {uri} with 300 KiB");
        assert_security_headers(&res, uri, false);
    }
    let res = send(
        &app,
        Method::POST,
        "/logg-inn",
        "application/x-www-form-urlencoded",
        big,
    )
    .await;
    assert!(bokmal_page(res, "413").await.contains("for stor"));
    // A client's request id is kept only if it is plain and short.
    for (sent, kept) in [("abc-123", true), ("a b", false), ("<script>", false)] {
        let req = Request::get("/helse/lever")
            .header("x-request-id", sent)
            .body(Body::empty())
            .unwrap();
        let res = app.router().oneshot(req).await.unwrap();
        let got = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
        assert_eq!(got == sent, kept, "{sent} -> {got}");
    }
    let long = "a".repeat(65);
    let req = Request::get("/helse/lever")
        .header("x-request-id", &long)
        .body(Body::empty())
        .unwrap();
    let res = app.router().oneshot(req).await.unwrap();
    assert_ne!(res.headers().get("x-request-id").unwrap().to_str().unwrap(), long);
    app.stop().await;
    // Over https, HSTS for a year or more on every response.
    let Some(app) = TestApp::builder(engine)
        .settings(|s| s.server.base_url = "https://samavvik.example.no".into())
        .spawn()
        .await
    else {
        return;
    };
    for (method, uri) in every_route() {
        let res = send(
            &app,
            method.clone(),
            uri,
            "application/x-www-form-urlencoded",
            Vec::new(),
        )
        .await;
        assert_security_headers(&res, &format!("https {method} {uri}"), true);
    }
    app.stop().await;
}

async fn unreadable_text_is_a_bokmal_400_never_a_503(engine: Engine) {
    const ADMIN: &str = "systemeier@example.no";
    let Some(app) = TestApp::builder(engine)
        .settings(|s| s.security.admin_emails = vec![ADMIN.into()])
        .spawn()
        .await
    else {
        return;
    };
    let admin = app.session_for(ADMIN).await;
    let cookie = format!("samavvik_session={admin}");
    // NUL in the audit log's filter: PostgreSQL cannot take it.
    for query in ["bruker=a%00b", "handling=%00", "sak=%FF"] {
        let uri = format!("/admin/logg?{query}");
        let req = Request::get(&uri)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let res = app.router().oneshot(req).await.unwrap();
        assert_eq!(res.status().as_u16(), 400, "{uri}");
        assert!(bokmal_page(res, &uri).await.contains("kunne ikke leses"));
    }
    // Invalid UTF-8 or NUL in a form: refused, not silently replaced.
    for body in ["email=a%FFb%40example.no", "email=a%00b%40example.no"] {
        let (status, page) = post_form(&app, "/logg-inn", "", body, true).await;
        assert_eq!(status, 400, "{body}");
        assert!(page.contains("kunne ikke leses"), "{page}");
    }
    let (csrf, key) = app.open_form().await;
    let mut fields = valid_report(&csrf, &key, &canary("U"));
    fields.retain(|(k, _)| k != "description");
    let mut body: Vec<u8> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes();
    body.extend_from_slice(b"&description=Epikrisen+kom+ikke+%FF+med");
    let (status, page) = app.post_raw(body).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("kunne ikke leses"));
    app.stop().await;
}

async fn slow_clients_cannot_hold_the_service(engine: Engine) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = TestApp::builder(engine)
        .settings(|s| {
            s.server.header_read_timeout_secs = 1;
            s.server.max_connections = 4;
        })
        .spawn()
        .await
    else {
        return;
    };
    let addr = app.running.addr;
    // Twice as many slow clients as the cap, each sending half a request head.
    let mut slow = Vec::new();
    for _ in 0..8 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        slow.push(s);
    }
    // A normal request still gets its answer (the bound is generous: the
    // slow ones are closed after the header timeout and the cap frees up).
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.client.get(format!("{}/helse/lever", app.base)).send(),
    )
    .await
    .expect("answered while slow clients hold connections")
    .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // The server closes a slow client's connection (configured: after 1 s;
    // the bound only keeps a broken server from hanging the test).
    let mut buf = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), slow[0].read_to_end(&mut buf))
        .await
        .expect("the slow connection is closed by the server");
    assert!(read.is_ok() || buf.is_empty());
    app.stop().await;
}

async fn too_many_reports_from_one_client_get_a_429_that_keeps_the_text(engine: Engine) {
    let Some(app) = TestApp::builder(engine)
        .settings(|s| s.security.reports_per_client = 1)
        .spawn()
        .await
    else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &canary("R"))).await;
    assert_eq!(status, 200, "{html}");
    let typed = canary("S");
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, &typed)).await;
    assert_eq!(status, 429);
    assert!(html.contains("Vent noen minutter"), "a bokmål explanation");
    assert!(html.contains(&format!("{typed}-beskrivelse")), "what was typed is kept");
    let limited = audit_actions(&app, "rate-limited").await;
    assert_eq!(limited.len(), 1);
    assert!(limited[0].actor.starts_with("client:") && !limited[0].actor.contains("127.0.0.1"));
    app.stop().await;
}
