//! Sign-in by a single-use link sent to a work e-mail the directory knows,
//! and the sessions it starts.
//!
//! The answer to "send me a link" is the same whether or not the address is
//! known; the web layer shows a confirmation button before the link is
//! used, because mail scanners open links too.

use samavvik_core::AuditAction;
use samavvik_store::{AuditEntry, HandlingStore, NewMailJob};

use crate::app::App;
use crate::error::Error;
use crate::mail::{Payload, SignInLink, TEMPLATE_SIGN_IN};
use crate::people::Person;
use crate::tokens::{self, random_key};

/// Queues a sign-in link for `email` if it belongs to someone in the
/// directory and they have not asked too often. Says nothing about which.
///
/// # Errors
/// When the store cannot write.
pub async fn request_link(app: &App, email: &str) -> Result<(), Error> {
    let catalog = app.catalog.current();
    let Some(person) = catalog.people.by_email(email) else {
        tracing::info!("sign-in link requested for an address not in the directory");
        return Ok(());
    };
    if !app.allow_sign_in_link(&person.principal) {
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
        .create_login_token(&tokens::hash("sign-in", &token), &person.principal, now, expires, &mail)
        .await?;
    app.wake_worker();
    tracing::info!(principal = %person.principal, "sign-in link queued");
    Ok(())
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
            .consume_login_token(&tokens::hash("sign-in", token), now)
            .await?
    } else {
        None
    };
    let Some(principal) = principal.filter(|p| app.catalog.current().people.get(p).is_some()) else {
        return Ok(None);
    };
    let session = tokens::long_token();
    let expires = now + chrono::Duration::hours(app.settings.security.session_max_hours);
    app.store
        .create_session(&tokens::hash("session", &session), &principal, now, expires)
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
    let Some(principal) = app
        .store
        .touch_session(&tokens::hash("session", token), now, now - idle)
        .await?
    else {
        return Ok(None);
    };
    Ok(app.catalog.current().people.get(&principal).cloned())
}

/// Ends a session on the server.
///
/// # Errors
/// When the store cannot write.
pub async fn sign_out(app: &App, token: &str) -> Result<(), Error> {
    app.store.delete_session(&tokens::hash("session", token)).await?;
    Ok(())
}
