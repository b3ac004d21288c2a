//! Mail to the reporter, who is not a person in the directory: the address
//! is the one they typed in the form, sealed with the report.
//!
//! The address is never written in a clear column: an outbox job names the
//! reporter as `reporter:<case number>`, and the worker opens the sealed
//! report with the sending unit's key to find the address when it sends.
//! What the reporter gets is content-free (the case number and what
//! happened); the follow-up link is only ever mailed on request, at once,
//! and not stored (see [`send_follow_up_link`]).

use chrono::{DateTime, Utc};
use samavvik_core::{CaseNumber, Transition};
use samavvik_store::{CaseRecord, NewMailJob, Store};

use crate::app::App;
use crate::catalog::Catalog;
use crate::error::{Error, internal};
use crate::mail::{MailError, TEMPLATE_FOLLOW_UP_LINK, TEMPLATE_REPORTER_STATUS};

/// The outbox reference for a case's reporter.
const PREFIX: &str = "reporter:";

/// Whether an outbox recipient is a reporter reference.
pub fn is_reporter_reference(to: &str) -> bool {
    to.starts_with(PREFIX)
}

/// The stage of a transition the reporter is told about, if any.
pub fn stage_for(transition: Transition) -> Option<&'static str> {
    match transition {
        Transition::ReturnToReporter => Some("returned"),
        Transition::Forward => Some("forwarded"),
        Transition::Answer => Some("answered"),
        Transition::Close => Some("closed"),
        _ => None,
    }
}

/// The address the reporter gave, opened from the sealed report with the
/// sending unit's key; `None` if they gave none. Not audited as a view:
/// nobody is shown the content, and the address goes only to the mailer.
///
/// # Errors
/// When the store fails or the report does not open.
pub async fn address(
    store: &samavvik_store::AnyStore,
    catalog: &Catalog,
    case: &CaseRecord,
) -> Result<Option<String>, Error> {
    let identity = catalog
        .keyring
        .identity(&case.sender_unit)
        .ok_or_else(|| internal(format!("no identity file for unit {}", case.sender_unit)))?;
    let doc = store.sealed_document(case.number).await?.ok_or(Error::NotFound)?;
    let report = samavvik_seal::open(&doc.0, identity, case.number)
        .map_err(|e| internal(format!("opening {}: {e}", case.number)))?;
    let email = report.report.reporter_email.trim().to_owned();
    Ok((!email.is_empty()).then_some(email))
}

/// The address behind an outbox reference `reporter:<case>`, for the worker.
///
/// # Errors
/// [`MailError::Permanent`] when the case or its address is gone (destroyed
/// by retention, say); [`MailError::Transient`] when the store fails.
pub async fn resolve(store: &samavvik_store::AnyStore, catalog: &Catalog, to: &str) -> Result<String, MailError> {
    let number: CaseNumber = to
        .strip_prefix(PREFIX)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| MailError::Permanent("malformed reporter reference".into()))?;
    let case = store
        .case_by_number(number)
        .await
        .map_err(|e| MailError::Transient(format!("store: {e}")))?
        .ok_or_else(|| MailError::Permanent("case is gone".into()))?;
    match address(store, catalog, &case).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(MailError::Permanent("the reporter gave no address".into())),
        Err(Error::NotFound) => Err(MailError::Permanent("the report is gone".into())),
        Err(e) => Err(MailError::Transient(format!("opening the report: {e}"))),
    }
}

/// The content-free status notice to the reporter for `transition`, if the
/// reporter is told about it and gave an address.
///
/// # Errors
/// When the store fails or the report does not open.
pub async fn status_jobs(
    app: &App,
    catalog: &Catalog,
    case: &CaseRecord,
    transition: Transition,
    now: DateTime<Utc>,
) -> Result<Vec<NewMailJob>, Error> {
    let Some(stage) = stage_for(transition) else {
        return Ok(Vec::new());
    };
    if address(&app.store, catalog, case).await?.is_none() {
        return Ok(Vec::new());
    }
    let mut notice = crate::cases::case_notice(
        app,
        catalog,
        case.number,
        &case.sender_unit,
        &case.receiver_unit,
        case.answer_deadline,
    );
    // The reporter has no account: the link to the case page is no use to them.
    notice.link = String::new();
    notice.stage = Some(stage.to_owned());
    let tag = format!("reporter-{stage}.{}", now.timestamp_millis());
    Ok(crate::mail::notice_jobs(
        vec![format!("{PREFIX}{}", case.number)],
        TEMPLATE_REPORTER_STATUS,
        &notice,
        &tag,
        &app.settings.mail.message_id_domain,
        now,
    ))
}

/// Why the follow-up link was not mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkNotSent {
    /// The reporter gave no e-mail address in the form.
    NoAddress,
    /// The mail server did not take it now.
    MailFailed,
    /// The link was mailed [`samavvik_core::limits::FOLLOW_UP_LINK_MAILS_PER_HOUR`]
    /// times this hour already.
    TooMany,
}

/// Mails the follow-up link to the address the reporter gave, at once and
/// not through the outbox: the link opens the case's status and shared
/// answers, so it is not stored anywhere in clear.
///
/// # Errors
/// When the store fails or the report does not open; a refusal or a failed
/// send is `Ok(Err(_))`.
pub async fn send_follow_up_link(app: &App, case: &CaseRecord, token: &str) -> Result<Result<(), LinkNotSent>, Error> {
    let catalog = app.catalog.current();
    let Some(to) = address(&app.store, &catalog, case).await? else {
        return Ok(Err(LinkNotSent::NoAddress));
    };
    let per_hour = samavvik_core::limits::FOLLOW_UP_LINK_MAILS_PER_HOUR;
    if !crate::security::within_limit(app, "follow-up-link", &case.number.to_string(), per_hour, 60).await? {
        return Ok(Err(LinkNotSent::TooMany));
    }
    let ctx = serde_json::json!({
        "case_number": case.number.to_string(),
        "follow_up_link": app.link(&format!("oppfolging/{token}")),
    });
    let (subject, body) = crate::mail::render_direct(TEMPLATE_FOLLOW_UP_LINK, ctx)
        .map_err(|e| internal(format!("mail template: {e}")))?;
    let message_id = format!(
        "{}.follow-up-link.{}@{}",
        case.number.to_string().to_lowercase(),
        app.clock.now().timestamp_millis(),
        app.settings.mail.message_id_domain
    );
    match app.mailer.send(&to, &subject, &body, &message_id).await {
        Ok(()) => {
            tracing::info!(case = %case.number, "follow-up link mailed to the reporter");
            Ok(Ok(()))
        }
        Err(e) => {
            tracing::warn!(case = %case.number, error = %e.to_string().split(' ').map(|w| if w.contains('@') { "<adresse>" } else { w }).collect::<Vec<_>>().join(" "), "follow-up link not mailed");
            Ok(Err(LinkNotSent::MailFailed))
        }
    }
}
