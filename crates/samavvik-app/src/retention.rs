//! Retention: the sealed content of a closed case is destroyed
//! (crypto-shredded) once the retention period of both organisations it
//! concerns has run out, counted from closing. The clear row stays, so the
//! statistics, and the FSU reports of past years, do not change. Open cases
//! and cases the secretariat put on legal hold are never shredded; the
//! store checks both again inside the shredding transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, Utc};
use samavvik_core::{CaseNumber, OrgId};
use samavvik_store::{AnyStore, LifecycleStore};
use serde::{Deserialize, Serialize};

/// The `[retention]` settings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RetentionSettings {
    /// Whole years the sealed content of a closed case is kept, counted
    /// from closing, for every organisation not listed in `organisations`.
    /// Conservative by default (10): shorten it per organisation after its
    /// own archive plan, never the other way round.
    pub sealed_content_years: u32,
    /// Per organisation id, its own period. A case concerns two
    /// organisations; it is kept for the longer of their periods.
    pub organisations: BTreeMap<String, OrgRetention>,
    /// How often the worker runs the retention job, in hours; 0 turns the
    /// job off (then run `samavvik retention run` from a timer).
    pub interval_hours: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrgRetention {
    pub sealed_content_years: u32,
}

/// The default period, in years.
pub const DEFAULT_YEARS: u32 = 10;

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            sealed_content_years: DEFAULT_YEARS,
            organisations: BTreeMap::new(),
            interval_hours: 24,
        }
    }
}

impl RetentionSettings {
    /// The period of one organisation.
    pub fn years_for(&self, org: &OrgId) -> u32 {
        self.organisations
            .get(org.as_str())
            .map_or(self.sealed_content_years, |o| o.sealed_content_years)
    }

    /// Refuses a period under one year: content would be destroyed as
    /// soon as a case closes, before anyone could file it.
    ///
    /// # Errors
    /// A message naming the setting.
    pub fn check(&self) -> Result<(), String> {
        if self.sealed_content_years == 0 {
            return Err("retention.sealed_content_years must be at least 1".into());
        }
        match self.organisations.iter().find(|(_, o)| o.sealed_content_years == 0) {
            Some((org, _)) => Err(format!(
                "retention.organisations.{org}.sealed_content_years must be at least 1"
            )),
            None => Ok(()),
        }
    }

    /// The shortest period of any organisation: no case closed after
    /// `now` minus this can be due.
    fn shortest(&self) -> u32 {
        self.organisations
            .values()
            .map(|o| o.sealed_content_years)
            .chain(std::iter::once(self.sealed_content_years))
            .min()
            .unwrap_or(self.sealed_content_years)
    }
}

/// `now` minus `years`, or the beginning of time if that underflows.
fn years_before(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// What a run found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionRun {
    /// Due cases (on a dry run: what would be shredded).
    pub due: Vec<CaseNumber>,
    /// Cases whose content was destroyed in this run.
    pub shredded: Vec<CaseNumber>,
    /// Due cases left alone because they changed meanwhile (reopened, put
    /// on hold, or shredded by another run).
    pub skipped: Vec<CaseNumber>,
}

/// Shreds the content of every due case (nothing on a dry run). `actor`
/// goes into each case's audit row ("system" for the worker's job,
/// `cli:<user>` for the command).
///
/// # Errors
/// When the settings are invalid or the store fails; cases shredded before
/// the failure stay shredded.
pub async fn run(
    store: &AnyStore,
    settings: &RetentionSettings,
    now: DateTime<Utc>,
    dry_run: bool,
    actor: &str,
) -> anyhow::Result<RetentionRun> {
    settings.check().map_err(anyhow::Error::msg)?;
    let mut out = RetentionRun::default();
    for case in store
        .retention_candidates(years_before(now, settings.shortest()))
        .await?
    {
        let years = settings
            .years_for(&case.sender_org)
            .max(settings.years_for(&case.receiver_org));
        let cutoff = years_before(now, years);
        if case.closed_at >= cutoff {
            continue;
        }
        out.due.push(case.number);
        if dry_run {
            continue;
        }
        if store.shred_case(case.number, cutoff, now, actor).await? {
            tracing::info!(case = %case.number, years, "sealed content shredded after the retention period");
            out.shredded.push(case.number);
        } else {
            out.skipped.push(case.number);
        }
    }
    if !out.shredded.is_empty()
        && let Err(e) = store.reclaim_shredded().await
    {
        tracing::warn!(error = %e, "could not reclaim the space of shredded content; it is freed at the next checkpoint or vacuum");
    }
    Ok(out)
}

/// Longest legal-hold reason: a reference, not a story.
pub const MAX_HOLD_REASON: usize = 200;

/// Why a legal hold was not set.
#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    /// The reason is empty, too long or holds a fødselsnummer (it is a clear
    /// column and goes into the audit log). The text is bokmål for the user.
    #[error("{0}")]
    Reason(&'static str),
    #[error(transparent)]
    Store(#[from] samavvik_store::StoreError),
}

/// Sets (`Some(reason)`) or lifts (`None`) the legal hold of `case`, with
/// an audit row by `actor`: the one way in for the secretariat's page and
/// `samavvik retention hold/release`. The reason must be a reference (e.g.
/// the other system's case number), never personal data.
///
/// # Errors
/// [`HoldError::Reason`] for a reason not accepted; the store's errors
/// (`NotFound` for an unknown case).
pub async fn set_legal_hold(
    store: &AnyStore,
    case: CaseNumber,
    reason: Option<&str>,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<(), HoldError> {
    let reason = reason.map(check_hold_reason).transpose()?;
    store.set_legal_hold(case, reason, now, actor).await?;
    tracing::info!(case = %case, held = reason.is_some(), "legal hold changed");
    Ok(())
}

fn check_hold_reason(reason: &str) -> Result<&str, HoldError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(HoldError::Reason(
            "Skriv hvorfor saken skal holdes tilbake (en henvisning).",
        ));
    }
    if samavvik_core::identity::contains_national_id(reason) {
        return Err(HoldError::Reason(
            "Begrunnelsen skal være en henvisning, ikke et fødselsnummer: den lagres ukryptert.",
        ));
    }
    if reason.chars().count() > MAX_HOLD_REASON {
        return Err(HoldError::Reason("Begrunnelsen kan ha høyst 200 tegn."));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_case_is_kept_for_the_longer_period_of_its_two_organisations() {
        let mut s = RetentionSettings::default();
        s.organisations.insert(
            "horten".into(),
            OrgRetention {
                sealed_content_years: 3,
            },
        );
        assert_eq!(s.years_for(&OrgId::new("horten").unwrap()), 3);
        assert_eq!(s.years_for(&OrgId::new("siv").unwrap()), DEFAULT_YEARS);
        assert_eq!(s.shortest(), 3);
        s.sealed_content_years = 0;
        assert!(s.check().is_err());
    }

    #[test]
    fn a_hold_reason_is_a_short_reference_without_a_national_id() {
        assert_eq!(
            check_hold_reason("  Tilsynssak 2026/123 ").unwrap(),
            "Tilsynssak 2026/123"
        );
        assert!(check_hold_reason("  ").is_err());
        assert!(check_hold_reason("Pasient 150765 00565").is_err());
        assert!(check_hold_reason(&"x".repeat(MAX_HOLD_REASON + 1)).is_err());
        assert!(check_hold_reason(&"x".repeat(MAX_HOLD_REASON)).is_ok());
    }
}
