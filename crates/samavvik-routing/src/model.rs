//! The directory's entries: organisations and their units.
//!
//! These are plain data. They only come out of [`crate::Directory`] after
//! [`crate::check`] found nothing wrong, so code that holds one may rely on
//! the ids being slugs, the e-mails being plausible and the successor chain
//! ending.

use chrono::NaiveDate;
use samavvik_core::{Category, OrgId, UnitId};
use serde::Serialize;

/// What an organisation is; decides how reports to it are routed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgKind {
    /// Sykehuset i Vestfold: reports go to one of its klinikker.
    Hospital,
    /// A kommune: reports go to its postmottak for helse og omsorg.
    Kommune,
    /// Helsefellesskapet's secretariat: owns the triage inbox.
    Secretariat,
}

impl OrgKind {
    pub const ALL: &'static [OrgKind] = &[OrgKind::Hospital, OrgKind::Kommune, OrgKind::Secretariat];

    /// The value used in the directory file.
    pub fn slug(self) -> &'static str {
        match self {
            OrgKind::Hospital => "hospital",
            OrgKind::Kommune => "kommune",
            OrgKind::Secretariat => "secretariat",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.slug() == s)
    }
}

/// What a unit is; decides whether reports can be sent to it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    /// An organisation's postmottak (for a kommune: helse og omsorg).
    Postmottak,
    /// A SiV klinikk; the receiver of reports from the kommuner.
    Klinikk,
    /// A kommune service area (hjemmetjeneste, sykehjem, …). Staff report
    /// *from* it; reports *to* the kommune go to its postmottak.
    ServiceArea,
    /// The secretariat's inbox for reports that could not be routed.
    Triage,
}

impl UnitKind {
    pub const ALL: &'static [UnitKind] = &[
        UnitKind::Postmottak,
        UnitKind::Klinikk,
        UnitKind::ServiceArea,
        UnitKind::Triage,
    ];

    /// The value used in the directory file.
    pub fn slug(self) -> &'static str {
        match self {
            UnitKind::Postmottak => "postmottak",
            UnitKind::Klinikk => "klinikk",
            UnitKind::ServiceArea => "service-area",
            UnitKind::Triage => "triage",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.slug() == s)
    }

    /// Units that receive reports need an address for the notification.
    pub fn needs_postmottak_email(self) -> bool {
        !matches!(self, UnitKind::ServiceArea)
    }
}

/// SiV, one kommune, or the secretariat.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Organisation {
    pub id: OrgId,
    /// Display name: "Færder kommune", "Sykehuset i Vestfold HF".
    pub name: String,
    pub kind: OrgKind,
    /// Whether a report from this organisation waits for the reporter's
    /// nearest leader before it is dispatched.
    pub sender_review_required: bool,
    /// Other names staff type ("SiV", "sykehuset").
    pub aliases: Vec<String>,
    /// Former kommuner merged into this one ("Nøtterøy", "Tjøme").
    pub former_names: Vec<String>,
    /// Kommune numbers, current and former ("3911", "3811").
    pub numbers: Vec<String>,
}

impl Organisation {
    /// "Færder" for "Færder kommune"; the whole name for anything else.
    ///
    /// Staff write the kommune's name without the word "kommune", so for a
    /// kommune this short form counts as its name when routing.
    pub fn short_name(&self) -> &str {
        match self.kind {
            OrgKind::Kommune => self.name.strip_suffix(" kommune").unwrap_or(&self.name),
            _ => &self.name,
        }
    }
}

/// A place that sends or receives reports.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Unit {
    pub id: UnitId,
    /// Display name, shown on receipts and stored in explanations.
    pub name: String,
    pub organisation: OrgId,
    pub kind: UnitKind,
    /// Where the dispatch notification goes (never any report content).
    pub postmottak_email: Option<String>,
    /// Leaders who receive the notification and may handle the case.
    pub leader_emails: Vec<String>,
    /// Stand-ins who act for the leaders when they are away (review a
    /// report as nearest leader, handle a case); notified with them.
    pub deputy_emails: Vec<String>,
    /// Extra age recipients (`age1…`); the server adds the public key of the
    /// unit's identity file in its key directory.
    pub age_recipients: Vec<String>,
    /// First day the unit receives reports; `None` means always.
    pub valid_from: Option<NaiveDate>,
    /// Last day the unit receives reports (inclusive); `None` means still in use.
    pub valid_to: Option<NaiveDate>,
    /// Where reports go after `valid_to`.
    pub successor: Option<UnitId>,
    /// Other names, abbreviations and former names staff type.
    pub aliases: Vec<String>,
    /// Report categories this klinikk takes when the reporter names the
    /// hospital but no klinikk ("akuttkjeden" → Prehospital klinikk).
    pub categories: Vec<Category>,
}

/// How a person proves who they are with an OpenID provider: each key
/// in `oidc` is `"<provider id>:<subject>"` (the subject as the provider's
/// profile names it: HelseID's pid pseudonym, Entra ID's `tid/oid`). The
/// person's roles still come from the units that list their `email`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct SignInPerson {
    pub email: String,
    pub oidc: Vec<String>,
}

impl Unit {
    /// Who acts for the unit as its leader: its leaders and, for when they
    /// are away, their deputies. For a sending unit these are the
    /// reporter's nearest leaders (procedure D12402: "Nærmeste leder sikrer
    /// at nødvendig informasjon er påført meldingen").
    pub fn acting_leaders(&self) -> impl Iterator<Item = &str> {
        self.leader_emails.iter().chain(&self.deputy_emails).map(String::as_str)
    }

    /// Whether the unit receives reports on `date` (both ends inclusive).
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| date <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Unit {
        Unit {
            id: UnitId::new("u").unwrap(),
            name: "U".into(),
            organisation: OrgId::new("o").unwrap(),
            kind: UnitKind::Klinikk,
            postmottak_email: None,
            leader_emails: vec![],
            deputy_emails: vec![],
            age_recipients: vec![],
            valid_from: from,
            valid_to: to,
            successor: None,
            aliases: vec![],
            categories: vec![],
        }
    }

    #[test]
    fn validity_is_inclusive_at_both_ends() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let u = unit(Some(d("2024-01-01")), Some(d("2024-12-31")));
        assert!(!u.valid_on(d("2023-12-31")));
        assert!(u.valid_on(d("2024-01-01")));
        assert!(u.valid_on(d("2024-12-31")));
        assert!(!u.valid_on(d("2025-01-01")));
        assert!(unit(None, None).valid_on(d("1900-01-01")));
    }

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::from_slug(k.slug()), Some(*k));
        }
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::from_slug(k.slug()), Some(*k));
        }
        assert_eq!(UnitKind::from_slug("Klinikk"), None);
    }
}
