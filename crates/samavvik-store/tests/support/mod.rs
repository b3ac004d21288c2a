//! Test harness for the conformance suite: a fresh database per test on each
//! engine, fixtures, and raw SQL access for checks the `Store` trait cannot
//! express (triggers, corrupt rows).

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::{
    CaseNumber, CaseState, Category, Consequence, Direction, EventMonth, Kind, OrgId, PatientGroup, UnitId,
};
use samavvik_store::{
    CaseRecord, Ciphertext, GroupCommitStats, NewCase, NewEvent, NewMailJob, PgStore, SqliteStore, Store, TokenHash,
};
use sqlx::Connection;

/// Raw SQL against the store's own database, and a look at its group writer.
#[allow(async_fn_in_trait)]
pub trait Raw {
    async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error>;

    /// Takes, on a connection of its own, the locks that writing numbers and
    /// cases needs, and holds them until the returned sender is dropped:
    /// intake writes queue up behind it as they would behind a slow commit.
    async fn block_intake(&self) -> tokio::sync::oneshot::Sender<()>;

    fn group_stats(&self) -> GroupCommitStats;

    /// Another store on the same database, as a second instance (or this
    /// one after a restart) would open it.
    async fn another_instance(&self) -> Self;
}

impl Raw for SqliteStore {
    async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query(sql).execute(self.pool()).await?.rows_affected())
    }

    async fn block_intake(&self) -> tokio::sync::oneshot::Sender<()> {
        hold(self.pool().begin_with("BEGIN IMMEDIATE").await.unwrap())
    }

    fn group_stats(&self) -> GroupCommitStats {
        self.group_commit_stats()
    }

    async fn another_instance(&self) -> Self {
        let file = self.pool().connect_options().get_filename().to_owned();
        SqliteStore::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("open sqlite again")
    }
}

impl Raw for PgStore {
    async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query(sql).execute(self.pool()).await?.rows_affected())
    }

    async fn block_intake(&self) -> tokio::sync::oneshot::Sender<()> {
        let mut tx = self.pool().begin().await.unwrap();
        sqlx::query("LOCK TABLE case_sequences, cases IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .unwrap();
        hold(tx)
    }

    fn group_stats(&self) -> GroupCommitStats {
        self.group_commit_stats()
    }

    async fn another_instance(&self) -> Self {
        let db = self
            .pool()
            .connect_options()
            .get_database()
            .expect("a database")
            .to_owned();
        PgStore::connect(&with_database(&postgres_admin_url(), &db), 4)
            .await
            .expect("connect to the test database again")
    }
}

/// Keeps `tx` open until the returned sender is used or dropped.
fn hold<DB: sqlx::Database>(tx: sqlx::Transaction<'static, DB>) -> tokio::sync::oneshot::Sender<()> {
    let (release, released) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _ = released.await;
        tx.rollback().await.unwrap();
    });
    release
}

/// Waits until `n` intake requests are queued or being written, so a test
/// knows they will meet the writer together.
pub async fn until_waiting(s: &impl Raw, n: usize) {
    let started = std::time::Instant::now();
    loop {
        let stats = s.group_stats();
        if stats.queued + stats.in_progress >= n {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {stats:?} of {n} requests reached the writer"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// What every test function asks of the engine it runs on.
pub trait TestStore: Store + Raw + Clone + 'static {}
impl<S: Store + Raw + Clone + 'static> TestStore for S {}

/// A store on a database of its own; the database goes away with it.
pub struct Fresh<S> {
    pub store: S,
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, db: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, db } = self else {
            return;
        };
        let (admin_url, db) = (admin_url.clone(), db.clone());
        // Drop runs inside the test's runtime, where blocking on a future is
        // not allowed; a thread with its own small runtime is. Best effort:
        // a leftover samavvik_t_* database is harmless.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

pub async fn sqlite() -> Fresh<SqliteStore> {
    let dir = tempfile::tempdir().expect("temp dir");
    // A subdirectory that does not exist yet: connect must create it.
    let url = format!("sqlite://{}/data/samavvik.db", dir.path().display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    Fresh {
        store,
        _cleanup: Cleanup::Sqlite(dir),
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("SAMAVVIK_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database on the test server, or `None` (with a loud note) when
/// the server is unreachable outside CI. In CI an unreachable server fails
/// the test: a green run must mean both engines passed.
pub async fn postgres() -> Option<Fresh<PgStore>> {
    let admin_url = postgres_admin_url();
    let mut admin = match tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return unreachable(&admin_url, &e.to_string()),
        Err(_) => return unreachable(&admin_url, "timed out"),
    };
    let db = format!("samavvik_t_{}", hex(&rand::random::<[u8; 8]>()));
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let cleanup = Cleanup::Postgres {
        admin_url: admin_url.clone(),
        db: db.clone(),
    };
    let store = PgStore::connect(&with_database(&admin_url, &db), 16)
        .await
        .expect("connect to test database");
    store.migrate().await.expect("migrate postgres");
    Some(Fresh {
        store,
        _cleanup: cleanup,
    })
}

fn unreachable<T>(url: &str, why: &str) -> Option<T> {
    // Never print a password that may sit in the URL.
    let url = match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}…{}", &url[..s + 3], &url[at..]),
        _ => url.to_owned(),
    };
    if std::env::var_os("CI").is_some() {
        panic!("PostgreSQL unreachable at {url} ({why}); CI requires it. Set SAMAVVIK_TEST_POSTGRES_URL.");
    }
    // Straight to the process's stderr: libtest captures `eprintln!` of
    // passing tests, and a skip nobody sees is a silent pass.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** NOTE: PostgreSQL unreachable at {url} ({why}); SKIPPING the PostgreSQL half of this test. ***"
    );
    None
}

/// `postgres://u@h:p/admin?x=y` with the database part replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the futures at the same time and returns their outputs in order.
///
/// `Store`'s futures are not known to be `Send` in generic code, so they run
/// as local tasks on one thread; the database still sees them concurrently
/// (each holds its own connection).
pub async fn concurrently<T: 'static>(futures: Vec<impl Future<Output = T> + 'static>) -> Vec<T> {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let handles: Vec<_> = futures.into_iter().map(tokio::task::spawn_local).collect();
            let mut out = Vec::with_capacity(handles.len());
            for h in handles {
                out.push(h.await.expect("task panicked"));
            }
            out
        })
        .await
}

/// 2026-03-14T09:26:53.589793238Z: sub-millisecond digits on purpose.
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_773_480_413, 589_793_238).unwrap()
}

/// `at` as the store returns it: truncated to the millisecond.
pub fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap()
}

pub fn random_hash() -> TokenHash {
    TokenHash(rand::random())
}

pub fn mail(number: CaseNumber, n: u32, not_before: DateTime<Utc>) -> NewMailJob {
    NewMailJob {
        to: format!("postmottak{n}@example.kommune.no"),
        template: "new_case_receiver".into(),
        payload: serde_json::json!({ "case": number.to_string(), "unit": "Kommune Færder", "n": n }),
        message_id: format!("<{number}.{n}@samavvik.test>"),
        not_before,
    }
}

/// A complete case with distinct values in every field, one mail job due at t0.
pub fn new_case(number: CaseNumber) -> NewCase {
    NewCase {
        number,
        created_at: t0(),
        kind: Kind::UonsketHendelse,
        event_month: EventMonth::new(2026, 2).unwrap(),
        sender_org: OrgId::new("kommune-faerder").unwrap(),
        sender_unit: UnitId::new("faerder-hjemmetjeneste").unwrap(),
        receiver_org: OrgId::new("siv").unwrap(),
        receiver_unit: UnitId::new("siv-medisinsk").unwrap(),
        direction: Direction::KommuneToSiv,
        categories: vec![Category::from_static("epikrise"), Category::from_static("legemidler")],
        consequence: Consequence::Moderat,
        patient_group: PatientGroup::SkrobeligeEldre,
        state: CaseState::Dispatched,
        routing_rule: "kommune-til-klinikk".into(),
        routing_explanation: "Sendt til klinikken som skrev ut pasienten (Ø/å/æ)".into(),
        ack_deadline: NaiveDate::from_ymd_opt(2026, 3, 19).unwrap(),
        answer_deadline: NaiveDate::from_ymd_opt(2026, 4, 13).unwrap(),
        follow_up_hash: random_hash(),
        idempotency_hash: random_hash(),
        sealed: Ciphertext((0..=255u8).chain([0, 0, 255]).collect()),
        first_event: NewEvent {
            at: t0(),
            actor: "melder".into(),
            from_state: None,
            to_state: CaseState::Dispatched,
            reason: "Meldt og sendt til mottaker".into(),
        },
        mail: vec![mail(number, 1, t0())],
        sender_subunit: None,
        agreement_clause: None,
        items: Vec::new(),
    }
}

/// What `case_by_number` must return for `case`.
pub fn expected_record(case: &NewCase) -> CaseRecord {
    let mut categories = case.categories.clone();
    categories.sort();
    CaseRecord {
        number: case.number,
        created_at: stored(case.created_at),
        kind: case.kind,
        event_month: case.event_month,
        sender_org: case.sender_org.clone(),
        sender_unit: case.sender_unit.clone(),
        receiver_org: case.receiver_org.clone(),
        receiver_unit: case.receiver_unit.clone(),
        direction: case.direction,
        categories,
        consequence: case.consequence,
        patient_group: case.patient_group,
        state: case.state,
        routing_rule: case.routing_rule.clone(),
        routing_explanation: case.routing_explanation.clone(),
        ack_deadline: case.ack_deadline,
        answer_deadline: case.answer_deadline,
        secretariat_help_at: None,
        sender_subunit: case.sender_subunit.clone(),
        agreement_clause: case.agreement_clause,
    }
}
