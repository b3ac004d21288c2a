//! One mail a day per person for deadline reminders and escalations,
//! instead of one per case: the sweep leaves each notice waiting for the
//! digest of every person who takes digests (the default); [`send`] queues
//! each person's digest of the day through the outbox, at most once per
//! person and day (the store's `digests` row and its mail are written
//! together; the Message-ID is derived from person and day). Content-free:
//! case numbers, units and dates only.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::deadline::format_date_nb;
use samavvik_store::{DeadlineStore, DigestItem, NewMailJob, Store};

use crate::app::App;
use crate::cases::unit_name;
use crate::error::Error;
use crate::mail::{Digest, DigestLine, Payload, TEMPLATE_DEADLINE_DIGEST};

/// How a person takes deadline notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One mail a day with every reminder and escalation (the default).
    Digest,
    /// One mail per reminder or escalation, as it happens.
    Each,
}

impl Mode {
    pub fn slug(self) -> &'static str {
        match self {
            Mode::Digest => "digest",
            Mode::Each => "each",
        }
    }

    pub fn from_slug(s: &str) -> Option<Mode> {
        match s {
            "digest" => Some(Mode::Digest),
            "each" => Some(Mode::Each),
            _ => None,
        }
    }
}

/// `principal`'s choice, the default when they never chose.
///
/// # Errors
/// When the store cannot be read.
pub async fn mode(app: &App, principal: &str) -> Result<Mode, Error> {
    Ok(app
        .store
        .notification_mode(principal)
        .await?
        .and_then(|m| Mode::from_slug(&m))
        .unwrap_or(Mode::Digest))
}

/// What a waiting notice says in the digest, e.g. «fristen for å svare
/// er i dag, onsdag 23. desember 2026».
fn what(stage: &str, deadline: NaiveDate) -> String {
    let date = format_date_nb(deadline);
    let (which, when) = stage.split_once('-').unwrap_or((stage, ""));
    let which = if which == "ack" {
        "fristen for å bekrefte mottak"
    } else {
        "fristen for å svare"
    };
    match when {
        "escalation" => format!("{which} ({date}) er passert"),
        "due" => format!("{which} er i dag, {date}"),
        _ => format!("{which} er {date}"),
    }
}

/// Queues today's digest for every person with notices waiting (one mail
/// each; someone whose digest of today went out already gets the rest
/// tomorrow). Returns how many digests were queued now.
///
/// # Errors
/// When the store cannot be read or written; digests queued before the
/// failure stay queued and are not sent twice.
pub async fn send(app: &App, today: NaiveDate, now: DateTime<Utc>) -> Result<usize, Error> {
    let catalog = app.catalog.current();
    let mut by_person: BTreeMap<String, Vec<DigestItem>> = BTreeMap::new();
    for item in app.store.pending_digest_items().await? {
        by_person.entry(item.principal.clone()).or_default().push(item);
    }
    let mut units: HashMap<samavvik_core::CaseNumber, String> = HashMap::new();
    let mut queued = 0;
    for (principal, items) in by_person {
        let mut lines = Vec::with_capacity(items.len());
        for item in &items {
            let unit = match units.get(&item.case_number) {
                Some(u) => u.clone(),
                None => {
                    let u = match app.store.case_by_number(item.case_number).await? {
                        Some(c) => unit_name(&catalog, &c.receiver_unit),
                        None => String::new(),
                    };
                    units.insert(item.case_number, u.clone());
                    u
                }
            };
            lines.push(DigestLine {
                case_number: item.case_number.to_string(),
                receiving_unit: unit,
                what: what(&item.stage, item.deadline),
            });
        }
        let escalations = items.iter().any(|i| i.stage.ends_with("-escalation"));
        let digest = Digest {
            day: format_date_nb(today),
            lines,
            link: app.link(if escalations { "saker?forfalt=1" } else { "saker" }),
            settings_link: app.link("varsler"),
        };
        let payload = serde_json::to_value(Payload::Digest(digest))
            .map_err(|e| crate::error::internal(format!("digest payload: {e}")))?;
        // The principal is an organisational id; a prefix keeps the header short.
        let short: String = principal.chars().take(16).collect();
        let mail = NewMailJob {
            to: format!("person:{principal}"),
            template: TEMPLATE_DEADLINE_DIGEST.to_owned(),
            payload,
            message_id: format!("digest.{today}.{short}@{}", app.settings.mail.message_id_domain),
            not_before: now,
        };
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        if app.store.record_digest(&principal, today, &ids, now, &mail).await? {
            tracing::info!(notices = ids.len(), day = %today, "deadline digest queued");
            queued += 1;
        }
    }
    if queued > 0 {
        app.wake_worker();
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_reads_as_a_sentence() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        assert_eq!(
            what("ack-reminder", d),
            "fristen for å bekrefte mottak er mandag 30. november 2026"
        );
        assert_eq!(
            what("answer-due", d),
            "fristen for å svare er i dag, mandag 30. november 2026"
        );
        assert_eq!(
            what("ack-escalation", d),
            "fristen for å bekrefte mottak (mandag 30. november 2026) er passert"
        );
    }
}
