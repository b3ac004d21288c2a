//! The people who may sign in, their roles, and how a person relates to a case.
//!
//! Sign-in is by a single-use link sent to a work e-mail the directory
//! knows (magic link); OIDC (Entra ID / HelseID) can plug in later as
//! another way to arrive at the same [`Person`]: everything after sign-in
//! works on a principal, never on how it was proven. Roles come from the
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
    pub secretariat: bool,
    pub admin: bool,
}

/// Everyone who may sign in, by principal and by e-mail.
#[derive(Default)]
pub struct People {
    by_principal: HashMap<String, Person>,
    by_email: HashMap<String, String>,
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
            for email in &unit.leader_emails {
                add(email, Some((&unit.id, secretariat)), false);
            }
        }
        for email in admins {
            add(email, None, true);
        }
        people
    }

    pub fn by_email(&self, email: &str) -> Option<&Person> {
        self.by_email
            .get(&email.trim().to_lowercase())
            .and_then(|p| self.by_principal.get(p))
    }

    pub fn get(&self, principal: &str) -> Option<&Person> {
        self.by_principal.get(principal)
    }
}

pub use samavvik_core::permission::Side;

impl Person {
    /// How this person relates to `case`, or `None` if they may not see it
    /// (the rule is `samavvik_core::permission::side`).
    pub fn side(&self, case: &CaseRecord) -> Option<Side> {
        samavvik_core::permission::side(
            case.state,
            self.units.contains(&case.sender_unit),
            self.units.contains(&case.receiver_unit),
            self.secretariat,
        )
    }
}
