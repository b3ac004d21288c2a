//! Helpers for the tests of a case's life after it closes (retention, key
//! rotation, recovery, backup): a signed-in person talking to the router,
//! and a case driven to `closed` the way leaders do it.

use axum::body::Body;
use axum::http::{Method, Request, header};
use samavvik_core::{CaseNumber, CaseState};
use samavvik_store::Store;
use tower::ServiceExt;

use crate::{TestApp, valid_report};

pub const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
pub const MED: &str = "klinikkledelse.med@siv.example.no";

/// A signed-in person with a session and a CSRF pair.
pub struct Person {
    cookies: String,
    csrf: String,
}

impl Person {
    pub async fn new(app: &TestApp, email: &str) -> Person {
        let session = app.session_for(email).await;
        let nonce = samavvik_app::tokens::random_key();
        let csrf = app.running.app.secret.csrf_token(&nonce);
        Person {
            cookies: format!("samavvik_session={session}; samavvik_csrf={nonce}"),
            csrf,
        }
    }

    pub async fn get(&self, app: &TestApp, uri: impl AsRef<str>) -> (u16, String) {
        let req = Request::get(uri.as_ref())
            .header(header::COOKIE, &self.cookies)
            .body(Body::empty())
            .unwrap();
        send(app, req).await
    }

    /// A GET answered with bytes (a download such as the case PDF).
    pub async fn get_bytes(&self, app: &TestApp, uri: impl AsRef<str>) -> (u16, Vec<u8>) {
        let req = Request::get(uri.as_ref())
            .header(header::COOKIE, &self.cookies)
            .body(Body::empty())
            .unwrap();
        let res = app.router().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20).await.unwrap();
        (status, bytes.to_vec())
    }

    /// The case page, which must answer 200.
    pub async fn case_page(&self, app: &TestApp, n: CaseNumber) -> String {
        let (status, page) = self.get(app, format!("/saker/{n}")).await;
        assert_eq!(status, 200);
        page
    }

    /// An action on case `n` (the case page's forms).
    pub async fn act(&self, app: &TestApp, n: CaseNumber, fields: &[(&str, &str)]) -> (u16, String) {
        self.post(app, &format!("/saker/{n}"), fields).await
    }

    /// A form POST with this person's session and CSRF token.
    pub async fn post(&self, app: &TestApp, uri: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let body: String = std::iter::once(("csrf_token", self.csrf.as_str()))
            .chain(fields.iter().copied())
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::COOKIE, &self.cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        send(app, req).await
    }
}

impl Person {
    /// A form POST answered with bytes (a download), and its content type.
    pub async fn post_bytes(&self, app: &TestApp, uri: &str, fields: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
        let body: String = std::iter::once(("csrf_token", self.csrf.as_str()))
            .chain(fields.iter().copied())
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::COOKIE, &self.cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let res = app.router().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20).await.unwrap();
        (status, kind, bytes.to_vec())
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

/// A new report from Horten hjemmetjeneste to SiV's medical klinikk, with
/// `text` in its sealed description.
pub async fn submit(app: &TestApp, text: &str) -> CaseNumber {
    let (csrf, key) = app.open_form().await;
    let (status, receipt) = app.post(&valid_report(&csrf, &key, text)).await;
    assert_eq!(status, 200, "{receipt}");
    let start = receipt.find("SA-").expect("receipt names the case");
    receipt[start..start + 13].parse().unwrap()
}

/// A report forwarded, acknowledged, answered (a sealed item) and closed
/// (another sealed item) by the two leaders.
pub async fn closed_case(app: &TestApp, text: &str) -> CaseNumber {
    let sender = Person::new(app, HORTEN).await;
    let receiver = Person::new(app, MED).await;
    let n = submit(app, text).await;
    let steps: [(&Person, &[(&str, &str)]); 4] = [
        (&sender, &[("action", "forward")]),
        (&receiver, &[("action", "acknowledge")]),
        (
            &receiver,
            &[
                ("action", "answer"),
                ("answer_text", "Vi har sett på det."),
                ("measure_category_1", "ingen-tiltak"),
                ("no_measure_reason", "Enkeltstående hendelse."),
            ],
        ),
        (&receiver, &[("action", "close"), ("lesson", "Ring før utskriving.")]),
    ];
    for (who, fields) in steps {
        let (status, page) = who.act(app, n, fields).await;
        assert_eq!(status, 303, "{fields:?}: {page}");
    }
    let state = app.store().case_by_number(n).await.unwrap().unwrap().state;
    assert_eq!(state, CaseState::Closed);
    n
}
