//! The real Samavvik server over a fresh database, listening on a port the
//! system picks, and a client that behaves like a browser (cookies, form
//! fields).
//!
//! [`spawn_app`] is the one way to start it; [`TestApp::builder`] changes
//! the settings, the clock or the mail server first. Without an SMTP sink
//! the app keeps its mail in memory.

use samavvik_app::clock::Clock;
use samavvik_app::settings::{MailBackend, Settings, SmtpTls};
use samavvik_app::{App, tokens};
use samavvik_store::HandlingStore;
use samavvik_web::Running;

use crate::db::{Engine, ScratchDb, fresh_postgres};
use crate::smtp::SmtpSink;

pub struct TestApp {
    pub engine: Engine,
    pub base: String,
    pub db_url: String,
    pub running: Running,
    pub client: reqwest::Client,
    /// The PostgreSQL database, dropped by [`TestApp::stop`] or, if the
    /// test never calls it, when the app is dropped.
    scratch: Option<ScratchDb>,
    _dir: tempfile::TempDir,
}

/// Starts the server on `engine` over a fresh database. Returns `None`
/// only when PostgreSQL is unreachable outside CI.
pub async fn spawn_app(engine: Engine) -> Option<TestApp> {
    TestApp::builder(engine).spawn().await
}

type Tweak = Box<dyn FnOnce(&mut Settings) + Send>;

/// What to change before [`Builder::spawn`] starts the app.
pub struct Builder {
    engine: Engine,
    clock: Clock,
    smtp_port: Option<u16>,
    tweaks: Vec<Tweak>,
}

impl Builder {
    /// Sends mail by SMTP to `sink` (otherwise mail stays in memory).
    pub fn smtp(self, sink: &SmtpSink) -> Self {
        Self {
            smtp_port: Some(sink.port),
            ..self
        }
    }

    /// Runs on a clock the test controls.
    pub fn clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// Changes the settings after the harness has set its own.
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings) + Send + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Binds port 0, loads the app with its real address as base URL, and
    /// serves. Returns `None` only when PostgreSQL is unreachable outside CI.
    pub async fn spawn(self) -> Option<TestApp> {
        crate::logs::install();
        let dir = tempfile::tempdir().expect("tempdir");
        let db_url = match self.engine {
            Engine::Sqlite => format!("sqlite://{}/samavvik.db", dir.path().display()),
            Engine::Postgres => fresh_postgres().await?,
        };
        let scratch = (self.engine == Engine::Postgres).then(|| ScratchDb::new(db_url.clone()));
        // Bound first, so the links in mail carry the address the server has.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut s = Settings::default();
        s.server.bind = addr.to_string();
        s.server.base_url = format!("http://{addr}");
        s.database.url = db_url.clone();
        s.directory.path = crate::workspace_root().join("deploy/directory.toml");
        s.keys.dir = dir.path().join("keys");
        s.security.secret_file = dir.path().join("secret.key");
        match self.smtp_port {
            Some(port) => {
                s.mail.backend = MailBackend::Smtp;
                s.mail.smtp_host = "127.0.0.1".into();
                s.mail.smtp_port = port;
                s.mail.smtp_tls = SmtpTls::None;
                s.mail.smtp_timeout_secs = 5;
            }
            None => s.mail.backend = MailBackend::Memory,
        }
        s.outbox.poll_interval_ms = 100;
        s.outbox.backoff_base_secs = 1;
        s.outbox.backoff_max_secs = 1;
        for tweak in self.tweaks {
            tweak(&mut s);
        }
        samavvik_app::keyring::generate_missing(&s, &s.keys.dir.clone()).expect("demo keys");
        let app = App::load(s, self.clock, None).await.expect("app loads");
        let running = samavvik_web::serve(app, listener).expect("server starts");
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Some(TestApp {
            engine: self.engine,
            base: format!("http://{addr}"),
            db_url,
            running,
            client,
            scratch,
            _dir: dir,
        })
    }
}

impl TestApp {
    /// A server with the harness's settings until the builder changes them.
    pub fn builder(engine: Engine) -> Builder {
        Builder {
            engine,
            clock: Clock::system(),
            smtp_port: None,
            tweaks: Vec::new(),
        }
    }

    /// The same router the server runs, over the same app, for requests
    /// sent with `tower::ServiceExt::oneshot` (no socket).
    pub fn router(&self) -> axum::Router {
        samavvik_web::router(samavvik_web::AppState::new(self.running.app.clone()))
    }

    /// A session for the person the directory knows by `email`, made in the
    /// store as signing in by mail would; the token is the session cookie's value.
    pub async fn session_for(&self, email: &str) -> String {
        let app = &self.running.app;
        let principal = app
            .catalog
            .current()
            .people
            .by_email(email)
            .unwrap_or_else(|| panic!("{email} is not in the directory"))
            .principal
            .clone();
        let token = tokens::long_token();
        let now = app.clock.now();
        app.store
            .create_session(
                &app.secret.token_hash("session", &token),
                &principal,
                now,
                now + chrono::Duration::hours(1),
            )
            .await
            .expect("create session");
        token
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

    /// True once the outbox has sent (or given up on) every job. Jobs are
    /// written with the change that causes them, so from then on nothing
    /// the test did so far can still send mail: a test that asserts "no
    /// more mail" waits for this first.
    pub async fn outbox_empty(&self) -> bool {
        use samavvik_store::Store;
        self.store().counts().await.expect("counts").mail_pending == 0
    }

    /// Stops the server and, on PostgreSQL, drops the test's database so
    /// repeated runs do not fill the server.
    pub async fn stop(self) {
        self.running.shutdown().await;
        if let Some(db) = self.scratch {
            db.drop_now().await;
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

#[cfg(test)]
mod tests {
    use sqlx::{Connection, PgConnection};

    use crate::db::{Engine, postgres_admin_url};

    async fn database_exists(url: &str) -> bool {
        let name = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
        let mut admin = PgConnection::connect(&postgres_admin_url()).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        n == 1
    }

    /// A test that returns, or fails, without stopping its app leaves no
    /// PostgreSQL database behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_app_dropped_without_stop_drops_its_database() {
        let Some(app) = crate::spawn_app(Engine::Postgres).await else {
            return;
        };
        let url = app.db_url.clone();
        assert!(database_exists(&url).await, "the test's database was made");
        drop(app);
        assert!(!database_exists(&url).await, "dropped with the app");
    }
}
