//! Content-free notifications: rendering, the three backends, and the
//! outbox worker that sends them.

mod backend;
mod templates;
mod worker;

pub use backend::{MailError, Mailer, SentMail};
pub use worker::{WorkerHandle, lease_for, run_once, spawn_worker};

use serde::{Deserialize, Serialize};

/// What a notification may contain: clear data only. The payload stored in
/// the outbox is exactly one of these structs, so nothing else can reach a mail.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Payload {
    Case(Notice),
    SignIn(SignInLink),
    Digest(Digest),
}

/// A person's deadline digest of one day: a line per reminder or
/// escalation, with case numbers, units and dates only.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Digest {
    /// The day, in bokmål.
    pub day: String,
    pub lines: Vec<DigestLine>,
    pub link: String,
    /// Where the person changes how they are notified.
    pub settings_link: String,
}

/// One reminder or escalation in a digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestLine {
    pub case_number: String,
    pub receiving_unit: String,
    /// E.g. «fristen for å svare er i dag, onsdag 23. desember 2026».
    pub what: String,
}

/// A sign-in link: the link and how long it works. Nothing about cases.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignInLink {
    pub sign_in_link: String,
    pub minutes: i64,
}

/// A notice about a case: number, units, a deadline, a link.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Notice {
    pub case_number: String,
    pub receiving_unit: String,
    pub sending_unit: String,
    /// Formatted in bokmål, e.g. "mandag 30. november 2026".
    pub deadline: String,
    pub link: String,
    /// For deadline notices: which deadline and stage, e.g. "ack-reminder".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// Mail templates: `mail/<name>.subject.txt` and `mail/<name>.body.txt`.
pub const TEMPLATE_NEW_CASE_RECEIVER: &str = "new_case_receiver";
pub const TEMPLATE_NEW_CASE_SENDER: &str = "new_case_sender";
pub const TEMPLATE_SIGN_IN: &str = "sign_in";
pub const TEMPLATE_REVIEW_REQUESTED: &str = "review_requested";
pub const TEMPLATE_NEW_MESSAGE: &str = "new_message";
pub const TEMPLATE_CASE_ANSWERED: &str = "case_answered";
pub const TEMPLATE_CASE_REROUTED: &str = "case_rerouted";
pub const TEMPLATE_DEADLINE_REMINDER: &str = "deadline_reminder";
pub const TEMPLATE_DEADLINE_ESCALATION: &str = "deadline_escalation";
/// A person's reminders and escalations of the day, in one mail.
pub const TEMPLATE_DEADLINE_DIGEST: &str = "deadline_digest";
/// To the secretariat: a party asked for its help with a case.
pub const TEMPLATE_SECRETARIAT_HELP: &str = "secretariat_help";
/// To the reporter (if they gave an address): the report was returned,
/// sent on, answered or closed (`Notice::stage`), without content.
pub const TEMPLATE_REPORTER_STATUS: &str = "reporter_status";
/// To the sender's leaders: the reporter added information; review again.
pub const TEMPLATE_REVIEW_RESUBMITTED: &str = "review_resubmitted";
/// To the reporter who asked for it: the follow-up link (sent at once, never stored).
pub const TEMPLATE_FOLLOW_UP_LINK: &str = "follow_up_link";

/// One outbox job per recipient (sorted, without repeats) for a case
/// notice. Message-IDs are `<case>.<tag>.<n>@<domain>`: deterministic, so a
/// resend after a crash is recognisably the same message.
pub fn notice_jobs(
    mut to: Vec<String>,
    template: &str,
    notice: &Notice,
    tag: &str,
    domain: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<samavvik_store::NewMailJob> {
    to.sort();
    to.dedup();
    let payload = serde_json::to_value(notice).expect("notice serialises");
    let case = notice.case_number.to_lowercase();
    to.into_iter()
        .enumerate()
        .map(|(i, to)| samavvik_store::NewMailJob {
            to,
            template: template.to_owned(),
            payload: payload.clone(),
            message_id: format!("{case}.{tag}.{i}@{domain}"),
            not_before: now,
        })
        .collect()
}

/// Renders subject and body of a mail that is sent at once rather than
/// through the outbox (so what it carries is never stored).
///
/// # Errors
/// When the template is unknown or does not render (a bug).
pub fn render_direct(template: &str, ctx: impl Serialize) -> Result<(String, String), minijinja::Error> {
    templates::render(template, ctx)
}

/// Renders subject and body of a notice.
///
/// # Errors
/// When the template is unknown or does not render (a bug).
pub fn render(template: &str, notice: &Payload) -> Result<(String, String), minijinja::Error> {
    templates::render(template, notice)
}
