//! Sign-in with OpenID Connect against a real provider (panva's
//! `oidc-provider` under Node on 127.0.0.1, `tests/support/oidc-provider`),
//! on both engines: the HelseID-style client (private_key_jwt, PKCE, PAR,
//! DPoP, security level) and the client_secret_basic client sign a leader
//! in; every way a sign-in can go wrong is refused with a bokmål page and
//! an audit row.
//!
//! The faults a real provider never produces (a wrong nonce, another
//! audience, an expired token, a token signed by a key it does not
//! publish) come from the provider script's test-only tamper switch: it
//! re-signs the ID token of its real token response so exactly one check
//! fails, and the whole flow runs as usual around it.

#![allow(clippy::unwrap_used)]

use samavvik_store::{AuditEntry, AuditFilter, HandlingStore};
use samavvik_tests::oidc_provider::{OidcProvider, sign_in_via, to_callback};
use samavvik_tests::{Engine, TestApp, db, logs};

samavvik_tests::on_both_engines!(
    helseid_sign_in_with_private_key_jwt_par_and_dpop_lands_in_the_inbox_and_logs_out_at_the_provider,
    client_secret_basic_sign_in_lands_in_the_inbox,
    forged_or_stale_id_tokens_are_refused_with_a_bokmal_page_and_audited,
    a_replayed_callback_a_replayed_code_and_another_browser_are_refused,
    a_low_security_level_and_an_unknown_subject_are_refused,
    a_person_removed_from_the_directory_loses_access_on_the_next_request,
    the_secretariat_sees_and_ends_a_leaders_sessions,
    the_email_link_can_be_switched_off_for_an_organisation,
    an_app_role_or_a_group_makes_a_leader_and_the_directory_decides_at_every_request,
    the_national_identity_number_is_only_ever_its_keyed_digest,
    the_providers_back_channel_logout_ends_the_session,
);

const LEADER: &str = "klinikkledelse.med@siv.example.no";
const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";

/// The shipped directory plus a `[[person]]` entry mapping both test
/// clients' subjects for `kari` to a leader of Medisinsk klinikk.
fn directory(dir: &std::path::Path, leader_listed: bool) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(samavvik_tests::workspace_root().join("deploy/directory.toml")).unwrap();
    if !leader_listed {
        let listed = format!("leader_emails = [\"{LEADER}\"]");
        assert!(text.contains(&listed));
        text = text.replace(&listed, "leader_emails = []");
    }
    text.push_str(&format!(
        "\n[[person]]\nemail = \"{LEADER}\"\noidc = [\"helseid:pseudo-kari\", \"basic:kari\"]\n"
    ));
    let path = dir.join("directory-oidc.toml");
    std::fs::write(&path, text).unwrap();
    path
}

struct Setup {
    app: TestApp,
    provider: OidcProvider,
    dir: tempfile::TempDir,
}

async fn setup(engine: Engine) -> Option<Setup> {
    let provider = OidcProvider::start().await?;
    let dir = tempfile::tempdir().unwrap();
    let directory = directory(dir.path(), true);
    let providers = vec![provider.helseid(), provider.basic()];
    let app = TestApp::builder(engine)
        .settings(move |s| {
            s.directory.path = directory;
            s.oidc.provider = providers;
        })
        .spawn()
        .await?;
    Some(Setup { app, provider, dir })
}

async fn audit(app: &TestApp, action: &str) -> Vec<AuditEntry> {
    app.store()
        .audit_entries(&AuditFilter {
            action: Some(action.into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .0
}

async fn refusals(app: &TestApp) -> Vec<String> {
    audit(app, "sign-in-failed")
        .await
        .into_iter()
        .map(|e| e.detail)
        .collect()
}

async fn inbox_status(app: &TestApp) -> u16 {
    app.client
        .get(format!("{}/saker", app.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn assert_refused(trip: &samavvik_tests::oidc_provider::Trip, words: &str) {
    assert_eq!(trip.status, 403, "refused: {}", trip.body);
    assert!(trip.body.contains("Innloggingen ble avvist"), "{}", trip.body);
    assert!(trip.body.contains(words), "the page says «{words}»: {}", trip.body);
    assert!(trip.body.contains("lang=\"nb\""), "a bokmål page");
}

async fn helseid_sign_in_with_private_key_jwt_par_and_dpop_lands_in_the_inbox_and_logs_out_at_the_provider(
    engine: Engine,
) {
    let Some(s) = setup(engine).await else { return };
    let app = &s.app;
    let trip = sign_in_via(&app.client, &app.base, "helseid", "kari").await;
    assert_eq!(trip.status, 303, "{}", trip.body);
    assert_eq!(trip.location.as_deref(), Some("/saker"));
    assert_eq!(inbox_status(app).await, 200, "the leader is in the inbox");
    let signed_in = audit(app, "sign-in").await;
    assert_eq!(signed_in.len(), 1);
    assert_eq!(signed_in[0].detail, "oidc:helseid");
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
    assert_eq!(signed_in[0].actor, principal);

    // Signing out ends the session here and sends the browser to the
    // provider's end_session_endpoint with the ID token as hint.
    let page = app
        .client
        .get(format!("{}/saker", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = samavvik_tests::server::hidden(&page, "csrf_token");
    let res = app
        .client
        .post(format!("{}/logg-ut", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with(&format!("{}/session/end?", s.provider.issuer)), "{to}");
    assert!(to.contains("id_token_hint=ey"), "{to}");
    assert!(to.contains("post_logout_redirect_uri="), "{to}");
    assert_ne!(inbox_status(app).await, 200, "the local session is gone");
    s.app.stop().await;
}

async fn client_secret_basic_sign_in_lands_in_the_inbox(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    let trip = sign_in_via(&s.app.client, &s.app.base, "basic", "kari").await;
    assert_eq!(trip.status, 303, "{}", trip.body);
    assert_eq!(inbox_status(&s.app).await, 200);
    assert_eq!(audit(&s.app, "sign-in").await[0].detail, "oidc:basic");
    s.app.stop().await;
}

async fn forged_or_stale_id_tokens_are_refused_with_a_bokmal_page_and_audited(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    for (mode, detail) in [
        ("nonce", "oidc:helseid: id token nonce mismatch"),
        ("aud", "oidc:helseid: id token audience mismatch"),
        ("expired", "oidc:helseid: id token expired or stale"),
        ("unknown-key", "oidc:helseid: id token signed by an unknown key"),
    ] {
        s.provider.tamper(mode).await;
        let trip = sign_in_via(&s.app.client, &s.app.base, "helseid", "kari").await;
        assert_refused(&trip, "Svaret fra identitetsleverandøren kunne ikke bekreftes");
        assert!(
            refusals(&s.app).await.iter().any(|d| d == detail),
            "{mode}: audited as «{detail}»"
        );
        assert_ne!(inbox_status(&s.app).await, 200, "{mode}: nobody signed in");
    }
    assert!(audit(&s.app, "sign-in").await.is_empty());
    s.provider.tamper("none").await;
    let trip = sign_in_via(&s.app.client, &s.app.base, "helseid", "kari").await;
    assert_eq!(trip.status, 303, "an honest token still works: {}", trip.body);
    s.app.stop().await;
}

async fn a_replayed_callback_a_replayed_code_and_another_browser_are_refused(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    let app = &s.app;
    let first = sign_in_via(&app.client, &app.base, "basic", "kari").await;
    assert_eq!(first.status, 303);

    // The same callback again: its state is used up.
    let res = app.client.get(&first.callback).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("allerede brukt"));
    assert!(refusals(app).await.iter().any(|d| d.contains("state unknown, used")));

    // The used code with a fresh, valid state: the provider refuses it.
    let fresh = to_callback(&app.client, &app.base, "basic", "kari").await;
    let old_code = query(&first.callback, "code");
    let new_state = query(&fresh, "state");
    let replay = format!(
        "{}/logg-inn/oidc/basic/tilbake?code={old_code}&state={new_state}",
        app.base
    );
    let res = app.client.get(&replay).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("koden er allerede brukt"));
    assert!(
        refusals(app)
            .await
            .iter()
            .any(|d| d == "oidc:basic: token request refused")
    );

    // A callback opened in another browser (no state cookie): login CSRF.
    let other = to_callback(&app.client, &app.base, "basic", "kari").await;
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = stranger.get(&other).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(
        res.headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap().contains("samavvik_session="))
    );
    assert_eq!(audit(app, "sign-in").await.len(), 1, "only the first sign-in counted");
    s.app.stop().await;
}

async fn a_low_security_level_and_an_unknown_subject_are_refused(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    let trip = sign_in_via(&s.app.client, &s.app.base, "helseid", "lav-kari").await;
    assert_refused(&trip, "for lavt sikkerhetsnivå");
    assert!(
        refusals(&s.app)
            .await
            .iter()
            .any(|d| d == "oidc:helseid: security level too low")
    );

    // Another browser, so the provider asks who it is again.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let trip = sign_in_via(&browser, &s.app.base, "helseid", "ukjent").await;
    assert_refused(&trip, "ikke registrert som leder");
    let rows = audit(&s.app, "sign-in-failed").await;
    let unknown = rows
        .iter()
        .find(|e| e.detail == "oidc:helseid: unknown subject")
        .unwrap();
    assert!(unknown.actor.starts_with("oidc-"), "a keyed pseudonym, not the subject");
    assert!(!unknown.actor.contains("ukjent"));
    assert_ne!(inbox_status(&s.app).await, 200);
    assert!(audit(&s.app, "sign-in").await.is_empty(), "never provisioned");
    s.app.stop().await;
}

async fn a_person_removed_from_the_directory_loses_access_on_the_next_request(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    let trip = sign_in_via(&s.app.client, &s.app.base, "helseid", "kari").await;
    assert_eq!(trip.status, 303);
    assert_eq!(inbox_status(&s.app).await, 200);

    // The system owner takes the leader out of the directory and reloads it.
    directory(s.dir.path(), false);
    s.app.running.app.reload_catalog().await.unwrap();
    assert_eq!(
        inbox_status(&s.app).await,
        303,
        "the next request goes to the sign-in page"
    );

    let trip = sign_in_via(&s.app.client, &s.app.base, "helseid", "kari").await;
    assert_refused(&trip, "ikke registrert som leder");
    assert!(
        refusals(&s.app)
            .await
            .iter()
            .any(|d| d == "oidc:helseid: unknown subject")
    );
    s.app.stop().await;
}

async fn the_secretariat_sees_and_ends_a_leaders_sessions(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    let app = &s.app;
    assert_eq!(sign_in_via(&app.client, &app.base, "helseid", "kari").await.status, 303);
    assert_eq!(inbox_status(app).await, 200);

    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!("samavvik_session={}; Path=/", app.session_for(SECRETARIAT).await),
        &app.base.parse().unwrap(),
    );
    let secretariat = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = secretariat
        .get(format!("{}/innlogginger?bruker={LEADER}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("HelseID (test)"),
        "the session and how it started: {page}"
    );
    let csrf = samavvik_tests::server::hidden(&page, "csrf_token");
    let res = secretariat
        .post(format!("{}/innlogginger/avslutt", app.base))
        .form(&[("csrf_token", csrf.as_str()), ("bruker", LEADER)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        inbox_status(app).await,
        303,
        "the leader's next request goes to the sign-in page"
    );
    assert!(
        audit(app, "sign-out")
            .await
            .iter()
            .any(|e| e.detail.starts_with("revoked 1 session(s) of u-"))
    );

    // A leader cannot see anyone's sessions: 404 and an audit row.
    let leader = format!("samavvik_session={}", app.session_for(LEADER).await);
    let res = reqwest::Client::new()
        .get(format!("{}/innlogginger?bruker={SECRETARIAT}", app.base))
        .header("cookie", &leader)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(audit(app, "denied").await.iter().any(|e| e.detail == "/innlogginger"));
    s.app.stop().await;
}

async fn the_email_link_can_be_switched_off_for_an_organisation(engine: Engine) {
    let Some(app) = TestApp::builder(engine)
        .settings(|s| s.oidc.email_link_off_for = vec!["siv".into()])
        .spawn()
        .await
    else {
        return;
    };
    let ask = async |email: &str| {
        let page = app
            .client
            .get(format!("{}/logg-inn", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = samavvik_tests::server::hidden(&page, "csrf_token");
        let res = app
            .client
            .post(format!("{}/logg-inn", app.base))
            .form(&[("csrf_token", csrf.as_str()), ("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "the same answer either way");
    };
    ask(LEADER).await;
    ask(SECRETARIAT).await;
    let requests = async || audit(&app, "sign-in-link").await;
    assert!(samavvik_tests::eventually(10, async || requests().await.len() == 2).await);
    let rows = requests().await;
    assert!(
        rows.iter()
            .any(|e| e.detail == "known address; link switched off for the organisation")
    );
    assert!(
        rows.iter().any(|e| e.detail == "known address"),
        "other organisations still get links"
    );
    // The link is queued after the answer (the same answer either way), so
    // wait for it to be sent before checking that it was the only one.
    use samavvik_store::Store;
    let sent = async || app.store().counts().await.unwrap().mail_sent;
    assert!(samavvik_tests::eventually(10, async || sent().await >= 1).await);
    assert!(samavvik_tests::eventually(10, async || app.outbox_empty().await).await);
    assert_eq!(
        app.store().counts().await.unwrap().mail_sent,
        1,
        "one link went out, to the secretariat"
    );
    app.stop().await;
}

/// A browser of its own (cookies kept, redirects by hand).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn status_with(client: &reqwest::Client, app: &TestApp, path: &str) -> u16 {
    client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The app with the shipped directory plus `extra` and the given providers.
async fn spawn_with(
    engine: Engine,
    provider: &OidcProvider,
    dir: &std::path::Path,
    extra: &str,
    providers: Vec<samavvik_app::oidc::config::ProviderConfig>,
    pid_secret: Option<std::path::PathBuf>,
) -> Option<TestApp> {
    let _ = provider;
    let mut text = std::fs::read_to_string(samavvik_tests::workspace_root().join("deploy/directory.toml")).unwrap();
    text.push_str(extra);
    let directory = dir.join("directory-roles.toml");
    std::fs::write(&directory, text).unwrap();
    TestApp::builder(engine)
        .settings(move |s| {
            s.directory.path = directory;
            s.oidc.provider = providers;
            s.oidc.pid_secret_file = pid_secret;
        })
        .spawn()
        .await
}

const ROLES: &str = r#"
[[role]]
provider = "basic"
app_role = "Samavvik.Leder.Hjemmetjeneste"
units = ["horten-hjemmetjeneste"]

[[role]]
provider = "basic"
group = "g-horten-helse"
units = ["horten-hjemmetjeneste"]
"#;

async fn an_app_role_or_a_group_makes_a_leader_and_the_directory_decides_at_every_request(engine: Engine) {
    let Some(provider) = OidcProvider::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut basic = provider.basic();
    basic.scopes = vec!["roles".into()];
    let Some(app) = spawn_with(engine, &provider, dir.path(), ROLES, vec![basic], None).await else {
        return;
    };

    // The app role lands the person in the unit's inbox, as a principal of
    // their own (not an e-mail's).
    let trip = sign_in_via(&app.client, &app.base, "basic", "rolle-Samavvik.Leder.Hjemmetjeneste").await;
    assert_eq!(trip.status, 303, "{}", trip.body);
    let inbox = app
        .client
        .get(format!("{}/saker", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        inbox.contains("<strong>leder</strong> (via identitetsleverandør)"),
        "{inbox}"
    );
    assert!(inbox.contains("Horten kommune, hjemmetjenesten"), "{inbox}");
    let signed_in = audit(&app, "sign-in").await;
    assert_eq!(signed_in.len(), 1);
    assert!(signed_in[0].actor.starts_with("o-"), "{}", signed_in[0].actor);

    // A group works too.
    let group = browser();
    let trip = sign_in_via(&group, &app.base, "basic", "gruppe-g-horten-helse").await;
    assert_eq!(trip.status, 303, "{}", trip.body);
    assert_eq!(status_with(&group, &app, "/saker").await, 200);

    // Without a mapped role: refused and audited, never provisioned.
    let trip = sign_in_via(&browser(), &app.base, "basic", "rolle-Samavvik.Noe.Annet").await;
    assert_refused(&trip, "ikke registrert som leder");
    assert!(refusals(&app).await.iter().any(|d| d == "oidc:basic: unknown subject"));

    // Too many groups for the token and no app role: refused, not guessed.
    let trip = sign_in_via(&browser(), &app.base, "basic", "mange-grupper-ola").await;
    assert_refused(&trip, "så mange grupper");
    assert!(
        refusals(&app)
            .await
            .iter()
            .any(|d| d == "oidc:basic: groups overage and no app role matched")
    );

    // The system owner takes the app role's mapping out: the next request
    // of that session is no longer signed in; the group's still is.
    let without = ROLES.replacen(
        "[[role]]\nprovider = \"basic\"\napp_role = \"Samavvik.Leder.Hjemmetjeneste\"\nunits = [\"horten-hjemmetjeneste\"]\n",
        "",
        1,
    );
    assert_ne!(without, ROLES);
    let mut text = std::fs::read_to_string(samavvik_tests::workspace_root().join("deploy/directory.toml")).unwrap();
    text.push_str(&without);
    std::fs::write(dir.path().join("directory-roles.toml"), text).unwrap();
    app.running.app.reload_catalog().await.unwrap();
    assert_eq!(inbox_status(&app).await, 303, "the app role no longer leads anything");
    assert_eq!(status_with(&group, &app, "/saker").await, 200);
    app.stop().await;
}

async fn the_national_identity_number_is_only_ever_its_keyed_digest(engine: Engine) {
    use samavvik_app::oidc::pid::{HELSEID_PID, PidKey};
    logs::install();
    let Some(provider) = OidcProvider::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pid = "13097248022";
    let secret = dir.path().join("pid-secret");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&secret)
            .unwrap();
        f.write_all(&[42u8; 32]).unwrap();
    }
    let digest = PidKey::load(&secret).unwrap().digest(pid);
    let extra = format!("\n[[person]]\nemail = \"{LEADER}\"\noidc = [\"helseid:{digest}\"]\n");
    let mut helseid = provider.helseid();
    helseid.subject_claim = Some(HELSEID_PID.into());
    let Some(app) = spawn_with(
        engine,
        &provider,
        dir.path(),
        &extra,
        vec![helseid],
        Some(secret.clone()),
    )
    .await
    else {
        return;
    };
    let trip = sign_in_via(&app.client, &app.base, "helseid", &format!("pid-{pid}")).await;
    assert_eq!(trip.status, 303, "{}", trip.body);
    assert_eq!(inbox_status(&app).await, 200, "the leader the digest names is in");
    // Someone else's number is an unknown subject, audited under a pseudonym.
    let trip = sign_in_via(&browser(), &app.base, "helseid", "pid-01019912345").await;
    assert_refused(&trip, "ikke registrert som leder");

    let stored = db::everything_stored(engine, &app.db_url).await;
    assert!(stored.contains("oidc:helseid"), "the dump sees the sign-in");
    assert!(
        !stored.contains(pid) && !stored.contains("01019912345"),
        "no number in the database"
    );
    let logged = logs::text();
    assert!(logged.contains("signed in with oidc"), "the log has the sign-in");
    assert!(
        !logged.contains(pid) && !logged.contains("01019912345"),
        "no number in the logs"
    );
    let directory = std::fs::read_to_string(dir.path().join("directory-roles.toml")).unwrap();
    assert!(
        directory.contains(&digest) && !directory.contains(pid),
        "the directory holds the digest only"
    );
    app.stop().await;
}

async fn the_providers_back_channel_logout_ends_the_session(engine: Engine) {
    let Some(s) = setup(engine).await else { return };
    let app = &s.app;
    let endpoint = format!("{}/logg-inn/oidc/basic/utlogging", app.base);

    // Not a logout token: 400, audited, nothing ended.
    for body in ["", "logout_token=not-a-jwt"] {
        let res = reqwest::Client::new()
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{body}");
    }
    assert!(
        audit(app, "denied")
            .await
            .iter()
            .any(|e| e.detail == "oidc:basic: back-channel logout refused: not a JWT")
    );

    let trip = sign_in_via(&app.client, &app.base, "basic", "kari").await;
    assert_eq!(trip.status, 303, "{}", trip.body);
    assert_eq!(inbox_status(app).await, 200);

    // The person signs out at the provider (not in Samavvik): the provider
    // posts a logout token, signed with its key, to Samavvik.
    s.provider.backchannel_target(&endpoint).await;
    s.provider.end_session(&app.client).await;
    let status = inbox_status(app).await;
    assert_eq!(
        status,
        303,
        "the session here is gone too: {:?} {:?}",
        audit(app, "denied").await,
        audit(app, "sign-out").await
    );
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
    let ended = audit(app, "sign-out").await;
    assert!(
        ended
            .iter()
            .any(|e| e.detail == "oidc:basic: back-channel logout" && e.actor == principal),
        "{ended:?}"
    );
    s.app.stop().await;
}

fn query(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}
