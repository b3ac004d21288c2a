//! What routing answers: a [`Decision`] with its [`Rule`], or a [`Refusal`].

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use samavvik_core::{Category, OrgId, UnitId};
use serde::Serialize;

/// What the reporter told us about the receiver.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RouteRequest {
    /// The unit the reporter reports from.
    pub sender: UnitId,
    /// The receiving organisation, when chosen in the form.
    pub receiver_org: Option<OrgId>,
    /// The receiving unit, when chosen in the form.
    pub receiver_unit: Option<UnitId>,
    /// Free text naming the receiver ("Nøtterøy hjemmetjeneste"). It may
    /// hold anything the reporter typed, so it is read, never stored or quoted.
    pub receiver_hint: Option<String>,
    pub categories: Vec<Category>,
    /// The day of routing (normally today, not the event month): decides
    /// which units are in use.
    pub date: NaiveDate,
    /// Whether a report from one kommune to another is accepted. The
    /// procedure covers SiV ↔ kommune only, so it is off unless the
    /// Helsefellesskap decides otherwise (setting `scope.kommune_to_kommune`).
    pub kommune_to_kommune: bool,
}

impl RouteRequest {
    /// A request with only the sender and date; fill in the rest as known.
    pub fn new(sender: UnitId, date: NaiveDate) -> Self {
        RouteRequest {
            sender,
            receiver_org: None,
            receiver_unit: None,
            receiver_hint: None,
            categories: Vec::new(),
            date,
            kommune_to_kommune: false,
        }
    }
}

/// Where a report goes and why. Serialises with the keys `unit_id`,
/// `unit_name`, `organisation`, `organisation_name`, `rule`, `explanation`.
///
/// Names are copied in as they were when routed, so a stored decision still
/// reads right after the directory changes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Decision {
    #[serde(rename = "unit_id")]
    pub unit: UnitId,
    pub unit_name: String,
    pub organisation: OrgId,
    pub organisation_name: String,
    pub rule: Rule,
    /// One or two bokmål sentences quoting only directory data, never the
    /// reporter's text; safe to store in a clear column and show on a receipt.
    pub explanation: String,
}

impl Decision {
    /// Whether the report went to triage because it could not be routed
    /// with confidence.
    pub fn is_triage(&self) -> bool {
        self.rule.is_triage()
    }
}

/// Why routing refuses a report. The messages are for the reporter.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum Refusal {
    #[error("Enheten du melder fra, finnes ikke i katalogen. Velg enheten på nytt.")]
    UnknownSender,
    #[error(
        "Mottakeren hører til samme organisasjon som du melder fra ({organisation_name}). Samhandlingsavvik gjelder samarbeidet mellom organisasjoner; avvik internt meldes i organisasjonens eget avvikssystem."
    )]
    SameOrganisation { organisation_name: String },
    #[error(
        "Samhandlingsavvik gjelder samarbeidet mellom Sykehuset i Vestfold og kommunene, ikke mellom to kommuner. Et avvik mellom {organisation_name} og en annen kommune meldes i kommunens eget avvikssystem; lederen din tar det opp med den andre kommunen."
    )]
    KommuneToKommune { organisation_name: String },
}

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident => $slug:literal),+ $(,)?) => {
        /// The rule that decided, with a stable name stored with the case
        /// and counted in statistics. Never change a name.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Rule { $($(#[$doc])* $variant),+ }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Rule::$variant => $slug),+ }
            }
        }
    };
}

rules! {
    /// A currently valid unit chosen in the form.
    ExplicitUnit => "explicit-unit",
    /// A kommune service area chosen in the form: to the kommune's postmottak.
    ServiceAreaPostmottak => "service-area-postmottak",
    /// A kommune chosen in the form, nothing more specific: its postmottak.
    KommuneOrganisation => "kommune-organisation",
    KommuneName => "kommune-name",
    KommuneAlias => "kommune-alias",
    /// A former kommune merged into the current one.
    KommuneFormerName => "kommune-former-name",
    KommuneNumber => "kommune-number",
    KlinikkName => "klinikk-name",
    KlinikkAlias => "klinikk-alias",
    /// The hospital without a klinikk, but the category belongs to one.
    KlinikkCategory => "klinikk-category",
    /// The hospital without a klinikk and no category owner: its postmottak,
    /// which forwards the case to the klinikk concerned.
    HospitalPostmottak => "hospital-postmottak",
    /// The unit found has ended; its successor took over.
    Successor => "successor",
    /// The secretariat itself is the receiver.
    Secretariat => "secretariat",
    /// The hospital without a klinikk and without a postmottak in use.
    /// Before SiV's postmottak received such reports this was the rule for
    /// every report naming only the hospital; old cases keep it.
    TriageHospitalWithoutKlinikk => "triage-hospital-without-klinikk",
    /// The text points to more than one receiver.
    TriageAmbiguous => "triage-ambiguous",
    /// The choices in the form contradict each other.
    TriageConflict => "triage-conflict",
    /// Nothing in the directory matches.
    TriageUnknown => "triage-unknown",
    TriageNoReceiver => "triage-no-receiver",
    /// The unit found is not in use on the date and has no successor in use.
    TriageUnitNotValid => "triage-unit-not-valid",
}

impl Rule {
    /// The report went to triage for want of a confident decision.
    pub fn is_triage(self) -> bool {
        self.as_str().starts_with("triage-")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown routing rule «{0}»")]
pub struct UnknownRule(pub String);

impl FromStr for Rule {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, UnknownRule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_names_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.as_str()), "{r}");
            assert_eq!(r.as_str().parse::<Rule>(), Ok(*r));
        }
        assert!("Successor".parse::<Rule>().is_err());
        assert!(Rule::TriageAmbiguous.is_triage());
        assert!(!Rule::Secretariat.is_triage());
    }
}
