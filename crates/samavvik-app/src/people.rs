//! The people who may sign in, their roles, and how a person relates to a case.
//!
//! Sign-in is by a single-use link sent to a work e-mail the directory
//! knows (magic link), or through an OpenID provider whose subject the
//! directory's `[[person]]` entries map to that e-mail ([`crate::oidc`]):
//! both arrive at the same [`Person`], and everything after sign-in works
//! on a principal, never on how it was proven. Roles come from the
//! directory (leader of units, secretariat) and the settings (admin).

use std::collections::HashMap;

use samavvik_core::UnitId;
use samavvik_routing::{Directory, OrgKind};
use samavvik_store::CaseRecord;

use crate::tokens::Secret;

#[derive(Clone, Debug)]
pub struct Person {
    pub principal: String,
    /// Held in memory only, to address mail and to show the admin who did what.
    pub email: String,
    /// Units this person leads.
    pub units: Vec<UnitId>,
    /// Sub-units (wards, sections) this person leads or deputises for:
    /// they review and follow the reports sent from them.
    pub subunits: Vec<UnitId>,
    pub secretariat: bool,
    pub admin: bool,
}

/// Everyone who may sign in, by principal and by e-mail.
#[derive(Default)]
pub struct People {
    by_principal: HashMap<String, Person>,
    by_email: HashMap<String, String>,
    /// `"<provider id>:<subject>"` → principal, from the directory's `[[person]]` entries.
    by_oidc: HashMap<String, String>,
}

impl People {
    pub fn build(dir: &Directory, admins: &[String], secret: &Secret) -> Self {
        let mut people = People::default();
        let mut add = |email: &str, unit: Option<(&UnitId, bool)>, admin: bool| {
            let email = email.trim().to_lowercase();
            if email.is_empty() {
                return;
            }
            let principal = secret.principal(&email);
            people.by_email.insert(email.clone(), principal.clone());
            let person = people.by_principal.entry(principal.clone()).or_insert_with(|| Person {
                principal,
                email,
                units: Vec::new(),
                subunits: Vec::new(),
                secretariat: false,
                admin: false,
            });
            if let Some((unit, secretariat)) = unit {
                if !person.units.contains(unit) {
                    person.units.push(unit.clone());
                }
                person.secretariat |= secretariat;
            }
            person.admin |= admin;
        };
        for unit in dir.units() {
            let secretariat = dir
                .organisation(&unit.organisation)
                .is_some_and(|o| o.kind == OrgKind::Secretariat);
            // A unit's leaders and, for when they are away, their deputies.
            for email in unit.acting_leaders() {
                add(email, Some((&unit.id, secretariat)), false);
            }
        }
        for email in admins {
            add(email, None, true);
        }
        // A ward's or section's leaders and deputies may sign in to review
        // the reports sent from it; they lead no unit by that.
        for sub in dir.subunits() {
            for email in sub.acting_leaders() {
                add(email, None, false);
            }
        }
        for sub in dir.subunits() {
            for email in sub.acting_leaders() {
                let email = email.trim().to_lowercase();
                if let Some(person) = people.by_email.get(&email).and_then(|p| people.by_principal.get_mut(p))
                    && !person.subunits.contains(&sub.id)
                {
                    person.subunits.push(sub.id.clone());
                }
            }
        }
        // Only someone with a role can sign in: a subject whose e-mail leads
        // no unit and is no admin maps to nobody.
        for entry in dir.sign_in_people() {
            let principal = secret.principal(&entry.email);
            if people.by_principal.contains_key(&principal) {
                for key in &entry.oidc {
                    people.by_oidc.insert(key.clone(), principal.clone());
                }
            }
        }
        people
    }

    pub fn by_email(&self, email: &str) -> Option<&Person> {
        self.by_email
            .get(&email.trim().to_lowercase())
            .and_then(|p| self.by_principal.get(p))
    }

    /// The person the directory knows by an OpenID subject key (`"<provider id>:<subject>"`).
    pub fn by_oidc(&self, key: &str) -> Option<&Person> {
        self.by_oidc.get(key).and_then(|p| self.by_principal.get(p))
    }

    pub fn get(&self, principal: &str) -> Option<&Person> {
        self.by_principal.get(principal)
    }

    /// Sub-units under `units` whose own leaders review their reports, and
    /// which `person` does not lead: the work list leaves their reports in
    /// review to them (the level above still sees the case once sent on).
    pub fn reviewed_elsewhere(dir: &Directory, person: &Person) -> Vec<UnitId> {
        dir.subunits()
            .iter()
            .filter(|s| person.units.contains(&s.parent) && !person.subunits.contains(&s.id))
            .filter(|s| s.acting_leaders().next().is_some())
            .map(|s| s.id.clone())
            .collect()
    }
}

pub use samavvik_core::permission::Side;

impl Person {
    /// How this person relates to `case`, or `None` if they may not see it
    /// (the rule is `samavvik_core::permission::side`).
    pub fn side(&self, case: &CaseRecord) -> Option<Side> {
        samavvik_core::permission::side(
            case.state,
            self.units.contains(&case.sender_unit)
                || case.sender_subunit.as_ref().is_some_and(|s| self.subunits.contains(s)),
            self.units.contains(&case.receiver_unit),
            self.secretariat,
            case.secretariat_help_at.is_some(),
        )
    }
}
