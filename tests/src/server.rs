//! The real Samavvik server, started in this process on a free port, and a
//! client that behaves like a browser (cookies, form fields).

use samavvik_app::clock::Clock;
use samavvik_app::settings::{MailBackend, Settings, SmtpTls};
use samavvik_web::Running;

use crate::db::{Engine, fresh_postgres};

pub struct TestApp {
    pub engine: Engine,
    pub base: String,
    pub db_url: String,
    pub running: Running,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Starts the server on `engine`, sending mail by SMTP to `smtp_port`.
    /// Returns `None` only when PostgreSQL is unreachable outside CI.
    pub async fn start(engine: Engine, smtp_port: u16) -> Option<TestApp> {
        Self::start_with(engine, smtp_port, |_| {}).await
    }

    pub async fn start_with(engine: Engine, smtp_port: u16, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        Self::start_at(engine, smtp_port, Clock::system(), tweak).await
    }

    /// Like [`TestApp::start_with`], on a clock the test controls.
    pub async fn start_at(
        engine: Engine,
        smtp_port: u16,
        clock: Clock,
        tweak: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        crate::logs::install();
        let dir = tempfile::tempdir().expect("tempdir");
        let db_url = match engine {
            Engine::Sqlite => format!("sqlite://{}/samavvik.db", dir.path().display()),
            Engine::Postgres => fresh_postgres().await?,
        };
        let port = crate::free_port();
        let mut s = Settings::default();
        s.server.bind = format!("127.0.0.1:{port}");
        s.server.base_url = format!("http://127.0.0.1:{port}");
        s.database.url = db_url.clone();
        s.directory.path = crate::workspace_root().join("deploy/directory.toml");
        s.keys.dir = dir.path().join("keys");
        s.security.secret_file = dir.path().join("secret.key");
        s.mail.backend = MailBackend::Smtp;
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = smtp_port;
        s.mail.smtp_tls = SmtpTls::None;
        s.mail.smtp_timeout_secs = 5;
        s.outbox.poll_interval_ms = 100;
        s.outbox.backoff_base_secs = 1;
        s.outbox.backoff_max_secs = 1;
        tweak(&mut s);
        samavvik_app::keyring::generate_missing(&s, &s.keys.dir.clone()).expect("demo keys");
        let running = samavvik_web::start(s, clock, None).await.expect("server starts");
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Some(TestApp {
            engine,
            base: format!("http://{}", running.addr),
            db_url,
            running,
            client,
            _dir: dir,
        })
    }

    /// GETs the form and returns its hidden (csrf_token, idempotency_key).
    pub async fn open_form(&self) -> (String, String) {
        let html = self
            .client
            .get(format!("{}/", self.base))
            .send()
            .await
            .expect("GET /")
            .text()
            .await
            .expect("body");
        (hidden(&html, "csrf_token"), hidden(&html, "idempotency_key"))
    }

    /// POSTs the form fields (already including the hidden ones).
    pub async fn post(&self, fields: &[(String, String)]) -> (u16, String) {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.post_raw(body.into_bytes()).await
    }

    pub async fn post_raw(&self, body: Vec<u8>) -> (u16, String) {
        let res = self
            .client
            .post(format!("{}/meld", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST /meld");
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    pub fn store(&self) -> &samavvik_store::AnyStore {
        &self.running.app.store
    }

    /// Stops the server and, on PostgreSQL, drops the test's database so
    /// repeated runs do not fill the server.
    pub async fn stop(self) {
        self.running.shutdown().await;
        if self.engine == Engine::Postgres {
            crate::db::drop_postgres(&self.db_url).await;
        }
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden field {name} in page"))
        + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

/// A complete, valid report from Horten's home care to SiV's Medisinsk
/// klinikk, with `canary` in every sealed free-text field.
pub fn valid_report(csrf: &str, key: &str, canary: &str) -> Vec<(String, String)> {
    let month = chrono_month();
    [
        ("csrf_token", csrf.to_owned()),
        ("idempotency_key", key.to_owned()),
        ("kind", "avvik".into()),
        ("event_month", month),
        ("sender_unit", "horten-hjemmetjeneste".into()),
        ("receiver_org", "siv".into()),
        ("receiver_unit", "siv-med".into()),
        ("category", "epikrise".into()),
        ("category", "legemidler".into()),
        ("consequence", "moderat".into()),
        ("patient_group", "skrobelige-eldre".into()),
        (
            "description",
            format!("Epikrisen kom ikke med pasienten. {canary}-beskrivelse"),
        ),
        ("event_place", format!("{canary}-sted")),
        ("patient_identification", format!("{canary}-pasient 01.02.1934")),
        ("immediate_measures", format!("{canary}-strakstiltak")),
        ("improvement_suggestion", format!("{canary}-forslag")),
        ("reporter_name", format!("{canary}-navn")),
        ("reporter_email", "kari.nordmann@horten.example.no".into()),
        ("reporter_phone", "33 08 50 00".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// This month in Oslo as YYYY-MM (what the form offers first).
fn chrono_month() -> String {
    let today = Clock::system().today_oslo();
    samavvik_core::EventMonth::of(today).to_string()
}

/// A copy of the shipped directory in `dir` where no organisation asks for
/// the sender-side review, so reports go straight to the receiver.
pub fn directory_without_review(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(crate::workspace_root().join("deploy/directory.toml")).expect("directory");
    let changed = text.replace("sender_review_required = true", "sender_review_required = false");
    assert_ne!(changed, text, "the shipped directory asks for review somewhere");
    let path = dir.join("directory-without-review.toml");
    std::fs::write(&path, changed).expect("write directory");
    path
}
