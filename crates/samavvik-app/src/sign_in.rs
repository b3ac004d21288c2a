//! Sign-in by a single-use link sent to a work e-mail the directory knows,
//! and the sessions it starts.
//!
//! The answer to "send me a link" is the same, and comes as fast, whether or
//! not the address is known: the lookup and the mail happen after the
//! answer. Limits per client address and for everyone stop floods; the
//! per-address limit only decides whether another link is mailed, so
//! nobody can lock a leader out, and a link already sent always works. The
//! web layer shows a confirmation button before the link is used, because
//! mail scanners open links too.

use samavvik_core::AuditAction;
use samavvik_store::{AuditEntry, HandlingStore, NewMailJob};

use crate::app::App;
use crate::error::Error;
use crate::mail::{Payload, SignInLink, TEMPLATE_SIGN_IN};
use crate::people::Person;
use crate::security;
use crate::tokens::{self, random_key};

/// What happened to a request for a sign-in link, as far as the asker may know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRequest {
    /// Taken: a link goes out if the address is known (said the same either way).
    Accepted,
    /// Too many requests from this client or from everyone; nothing was looked up.
    TooMany,
}

/// Takes a request for a sign-in link. The limits per client address and
/// for everyone are checked first (the same work for any address); then the
/// answer is given at once and the lookup, the per-address limit and the
/// mail are done afterwards in a task of their own, so a known and an
/// unknown address take the same time to answer.
///
/// # Errors
/// When the store cannot write the limit counters.
pub async fn request_link(app: &App, email: &str, client: &str) -> Result<LinkRequest, Error> {
    use samavvik_core::limits::{SIGN_IN_GLOBAL, SIGN_IN_PER_CLIENT, SIGN_IN_WINDOW_MINUTES};
    if !security::within_limit(
        app,
        "sign-in:client",
        client,
        SIGN_IN_PER_CLIENT,
        SIGN_IN_WINDOW_MINUTES,
    )
    .await?
        || !security::within_limit(app, "sign-in:global", "global", SIGN_IN_GLOBAL, SIGN_IN_WINDOW_MINUTES).await?
    {
        return Ok(LinkRequest::TooMany);
    }
    let app = app.clone();
    let email = email.to_owned();
    tokio::spawn(async move {
        if let Err(e) = send_link(&app, &email).await {
            tracing::error!(error = %e, "sign-in link not queued");
        }
    });
    Ok(LinkRequest::Accepted)
}

/// Queues a sign-in link for `email` if it belongs to someone in the
/// directory and they have not asked too often; audits the request under
/// a keyed hash of the address either way.
///
/// # Errors
/// When the store cannot write.
pub async fn send_link(app: &App, email: &str) -> Result<(), Error> {
    use samavvik_core::limits::{SIGN_IN_LINKS, SIGN_IN_WINDOW_MINUTES};
    let catalog = app.catalog.current();
    let Some(person) = catalog.people.by_email(email) else {
        tracing::info!("sign-in link requested for an address not in the directory");
        let actor = app.secret.principal(email);
        return security::record(app, &actor, AuditAction::SignInLinkRequested, "unknown address").await;
    };
    if link_switched_off(app, person) {
        tracing::info!(principal = %person.principal, "sign-in link not sent: organisation signs in with a provider");
        return security::record(
            app,
            &person.principal,
            AuditAction::SignInLinkRequested,
            "known address; link switched off for the organisation",
        )
        .await;
    }
    security::record(
        app,
        &person.principal,
        AuditAction::SignInLinkRequested,
        "known address",
    )
    .await?;
    if !security::within_limit(
        app,
        "sign-in:address",
        &person.principal,
        SIGN_IN_LINKS,
        SIGN_IN_WINDOW_MINUTES,
    )
    .await?
    {
        tracing::warn!(principal = %person.principal, "sign-in link not sent: too many requests");
        return Ok(());
    }
    let token = tokens::long_token();
    let now = app.clock.now();
    let minutes = app.settings.security.login_link_minutes;
    let payload = Payload::SignIn(SignInLink {
        sign_in_link: app.link(&format!("logg-inn/{token}")),
        minutes,
    });
    let mail = NewMailJob {
        to: format!("person:{}", person.principal),
        template: TEMPLATE_SIGN_IN.into(),
        payload: serde_json::to_value(payload).expect("payload serialises"),
        message_id: format!("sign-in.{}@{}", random_key(), app.settings.mail.message_id_domain),
        not_before: now,
    };
    let expires = now + chrono::Duration::minutes(minutes);
    app.store
        .create_login_token(
            &app.secret.token_hash("sign-in", &token),
            &person.principal,
            now,
            expires,
            &mail,
        )
        .await?;
    app.wake_worker();
    tracing::info!(principal = %person.principal, "sign-in link queued");
    Ok(())
}

/// Whether the person leads a unit of an organisation whose leaders must
/// sign in through an OpenID provider (`oidc.email_link_off_for`).
fn link_switched_off(app: &App, person: &Person) -> bool {
    let off = &app.settings.oidc.email_link_off_for;
    if off.is_empty() {
        return false;
    }
    let catalog = app.catalog.current();
    person
        .units
        .iter()
        .filter_map(|u| catalog.directory.unit(u))
        .any(|u| off.iter().any(|o| o == u.organisation.as_str()))
}

/// Uses a sign-in link: returns a new session token, or `None` if the link
/// is unknown, used, expired, or its person has left the directory.
///
/// # Errors
/// When the store cannot write.
pub async fn confirm(app: &App, token: &str) -> Result<Option<String>, Error> {
    let now = app.clock.now();
    let principal = if tokens::is_long_token(token) {
        app.store
            .consume_login_token(&app.secret.token_hash("sign-in", token), now)
            .await?
    } else {
        None
    };
    let Some(principal) = principal.filter(|p| app.catalog.current().people.get(p).is_some()) else {
        security::record(
            app,
            security::ANONYMOUS,
            AuditAction::SignInFailed,
            "link unknown, used or expired",
        )
        .await?;
        return Ok(None);
    };
    let session = tokens::long_token();
    let expires = now + chrono::Duration::hours(app.settings.security.session_max_hours);
    app.store
        .create_session(&app.secret.token_hash("session", &session), &principal, now, expires)
        .await?;
    app.audit(AuditEntry {
        at: now,
        actor: principal.clone(),
        action: AuditAction::SignIn.as_str().into(),
        case_number: None,
        unit: None,
        detail: "magic-link".into(),
    })
    .await?;
    tracing::info!(principal = %principal, "signed in");
    Ok(Some(session))
}

/// The person a session token belongs to, if the session is valid and its
/// person is still in the directory. Touching the session keeps it alive.
///
/// # Errors
/// When the store cannot be read.
pub async fn session_person(app: &App, token: &str) -> Result<Option<Person>, Error> {
    let now = app.clock.now();
    let idle = chrono::Duration::minutes(app.settings.security.session_idle_minutes);
    let hash = app.secret.token_hash("session", token);
    let Some(principal) = app.store.touch_session(&hash, now, now - idle).await? else {
        return Ok(None);
    };
    let catalog = app.catalog.current();
    if catalog.directory.role_mappings().is_empty() {
        return Ok(catalog.people.get(&principal).cloned());
    }
    // Roles from a provider's claims are worked out again on every request,
    // from the ID token kept with the session, against today's directory.
    use samavvik_store::SignInStore;
    Ok(match app.store.session_origin(&hash).await? {
        Some(origin) => crate::oidc::roles::for_session(app, &catalog, &principal, &origin),
        None => catalog.people.get(&principal).cloned(),
    })
}

/// Ends a session on the server. Returns where to send the browser to
/// sign out at the OpenID provider too, if one started the session and
/// offers that.
///
/// # Errors
/// When the store cannot write.
pub async fn sign_out(app: &App, token: &str) -> Result<Option<String>, Error> {
    use samavvik_store::SignInStore;
    let hash = app.secret.token_hash("session", token);
    let origin = app.store.session_origin(&hash).await?;
    if let Some(person) = session_person(app, token).await? {
        security::record(app, &person.principal, AuditAction::SignOut, "session ended").await?;
    }
    app.store.delete_session(&hash).await?;
    Ok(match origin {
        Some(origin) => crate::oidc::logout_url(app, &origin).await,
        None => None,
    })
}

/// A person's sessions for the secretariat: the person's principal and
/// their sessions that have not expired, or `None` if the directory does
/// not know the address.
///
/// # Errors
/// When the store cannot be read.
pub async fn sessions_of(app: &App, email: &str) -> Result<Option<(String, Vec<samavvik_store::SessionInfo>)>, Error> {
    use samavvik_store::SignInStore;
    let Some(principal) = app
        .catalog
        .current()
        .people
        .by_email(email)
        .map(|p| p.principal.clone())
    else {
        return Ok(None);
    };
    let sessions = app.store.list_sessions(&principal, app.clock.now()).await?;
    Ok(Some((principal, sessions)))
}

/// Ends one session of `principal` (by its stored id, hex) or all of them
/// (`id` `None`), on behalf of `by` (the secretariat); audited under `by`.
/// Returns how many sessions ended.
///
/// # Errors
/// When the store cannot write.
pub async fn revoke(app: &App, by: &str, principal: &str, id: Option<&str>) -> Result<u64, Error> {
    use samavvik_store::{SignInStore, TokenHash};
    let ended = match id {
        Some(hex_id) => {
            let Some(bytes) = hex::decode(hex_id).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
                return Ok(0);
            };
            u64::from(app.store.revoke_session(principal, &TokenHash(bytes)).await?)
        }
        None => app.store.revoke_sessions(principal).await?,
    };
    security::record(
        app,
        by,
        AuditAction::SignOut,
        &format!("revoked {ended} session(s) of {principal}"),
    )
    .await?;
    tracing::info!(by = %by, principal = %principal, ended, "sessions revoked");
    Ok(ended)
}
