//! The loaded directory: organisations, units and the routing index.
//!
//! A `Directory` only exists for a file that passed every check, so the
//! accessors can promise what the checks ensure: there is exactly one
//! triage unit, each kommune and the hospital has a postmottak, successor
//! chains end. Lookups are linear scans: the Vestfold directory has a few
//! dozen entries, and a map would only add ways to fall out of step.
//!
//! The directory's [`version`](Directory::version) is a 64-bit FNV-1a hash
//! of the file's exact text, in hex. It needs no discipline from the system
//! owner (there is no version key to forget to bump) and changes with any
//! edit, comments included, so a case can record exactly which file routed it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use samavvik_core::{Categories, OrgId, UnitId};
use serde::Serialize;

use crate::check;
use crate::matching::{self, Term};
use crate::model::{Organisation, SignInPerson, Unit, UnitKind};
use crate::problem::{self, Problem};
use crate::roles::RoleMapping;
use crate::subunits::SubUnit;

#[derive(Clone, Debug, Serialize)]
pub struct Directory {
    version: String,
    organisations: Vec<Organisation>,
    units: Vec<Unit>,
    /// `[[person]]` entries: who signs in through which OpenID provider.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    people: Vec<SignInPerson>,
    /// `[[role]]` entries: leader roles granted by a provider's claim.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<RoleMapping>,
    /// `[[subunit]]` entries: wards and sections with their own leaders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subunits: Vec<SubUnit>,
    /// `[[category]]` entries, or the standard list when the file has none.
    categories: Categories,
    #[serde(skip)]
    triage: usize,
    #[serde(skip)]
    terms: Vec<Term>,
}

/// Why a directory file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("kan ikke lese katalogfilen {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("katalogfilen {} har {} feil:\n{}", path.display(), problems.len(), list(problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
}

fn list(problems: &[Problem]) -> String {
    problems.iter().fold(String::new(), |mut out, p| {
        let _ = writeln!(out, "  {p}");
        out
    })
}

impl Directory {
    /// Parses and checks a directory file. `source_name` names the file in
    /// problems. Any problem at all refuses the whole file.
    ///
    /// # Errors
    ///
    /// Every [`Problem`] that [`check`](crate::check()) finds, in line
    /// order: the text is not TOML of the directory's shape, a value is
    /// empty or malformed, ids repeat, references or successor chains
    /// break, a name leads to two places, or the triage unit or a
    /// postmottak is missing.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Directory, Vec<Problem>> {
        let draft = check::read_checked(text, source_name)?;
        let organisations = draft.orgs.into_iter().map(|(o, _)| o).collect();
        let units = draft.units.into_iter().map(|(u, _)| u).collect();
        let people = draft.people;
        let roles = draft.roles.into_iter().map(|(r, _)| r).collect();
        let subunits = draft.subunits.into_iter().map(|(s, _)| s).collect();
        let categories = crate::categories::list(draft.categories);
        Self::build(organisations, units, text)
            .map(|d| Directory {
                people,
                roles,
                subunits,
                categories,
                ..d
            })
            .ok_or_else(|| {
                // read_checked demands a triage unit; this is a safety net.
                let missing = Problem::whole_file("Katalogen har ingen triage-enhet.".into());
                problem::finish(vec![missing], source_name)
            })
    }

    /// Reads and checks the directory file at `path`.
    ///
    /// # Errors
    ///
    /// [`LoadError::Io`] when the file cannot be read (missing, not
    /// permitted, not UTF-8); [`LoadError::Invalid`] with every problem, as
    /// [`Directory::from_toml_str`], when it can be read but not used.
    pub fn load(path: &Path) -> Result<Directory, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string()).map_err(|problems| LoadError::Invalid {
            path: path.to_owned(),
            problems,
        })
    }

    /// Assembles checked entries; `None` without a triage unit.
    fn build(organisations: Vec<Organisation>, units: Vec<Unit>, text: &str) -> Option<Directory> {
        let triage = units.iter().position(|u| u.kind == UnitKind::Triage)?;
        let terms = matching::index(&organisations, &units);
        Some(Directory {
            version: fnv1a_hex(text),
            organisations,
            units,
            people: Vec::new(),
            roles: Vec::new(),
            subunits: Vec::new(),
            categories: Categories::standard(),
            triage,
            terms,
        })
    }

    /// A short stable fingerprint of the file text (see module docs).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The `[[person]]` entries: OpenID subjects per work e-mail.
    pub fn sign_in_people(&self) -> &[SignInPerson] {
        &self.people
    }

    /// The `[[role]]` entries: units whose leader role a provider's claim grants.
    pub fn role_mappings(&self) -> &[RoleMapping] {
        &self.roles
    }

    /// The report categories of this version, retired ones included
    /// (see [`Categories::valid_on`] for the form's list).
    pub fn categories(&self) -> &Categories {
        &self.categories
    }

    /// Every sub-unit (ward, section, team) in the file.
    pub fn subunits(&self) -> &[SubUnit] {
        &self.subunits
    }

    pub fn subunit(&self, id: &UnitId) -> Option<&SubUnit> {
        self.subunits.iter().find(|s| &s.id == id)
    }

    /// The sub-units under one klinikk or service area, in file order.
    pub fn subunits_of<'a>(&'a self, parent: &UnitId) -> impl Iterator<Item = &'a SubUnit> + use<'a> {
        let parent = parent.clone();
        self.subunits.iter().filter(move |s| s.parent == parent)
    }

    /// The sub-unit of `parent` that `text` names (id, name or alias,
    /// folded as routing folds names); `None` when none does.
    pub fn find_subunit(&self, parent: &UnitId, text: &str) -> Option<&SubUnit> {
        self.subunits_of(parent).find(|s| s.is_named(text))
    }

    /// Who reviews a report from `subunit` of `parent` as the reporter's
    /// nearest leader: the sub-unit's leaders and deputies, or, when it has
    /// none, the parent's (the level above).
    pub fn nearest_leaders<'a>(&'a self, parent: &UnitId, subunit: Option<&UnitId>) -> Vec<&'a str> {
        let own: Vec<&str> = subunit
            .and_then(|s| self.subunit(s))
            .filter(|s| &s.parent == parent)
            .map(|s| s.acting_leaders().collect())
            .unwrap_or_default();
        if !own.is_empty() {
            return own;
        }
        self.unit(parent)
            .map(|u| u.acting_leaders().collect())
            .unwrap_or_default()
    }

    pub fn organisations(&self) -> &[Organisation] {
        &self.organisations
    }

    pub fn organisation(&self, id: &OrgId) -> Option<&Organisation> {
        self.organisations.iter().find(|o| &o.id == id)
    }

    /// Every unit in the file, including those no longer in use.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn unit(&self, id: &UnitId) -> Option<&Unit> {
        self.units.iter().find(|u| &u.id == id)
    }

    /// The units that receive reports on `date`, in file order.
    pub fn units_valid_on(&self, date: NaiveDate) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.valid_on(date))
    }

    /// All units of one organisation, in file order, ended ones included.
    pub fn units_of<'a>(&'a self, org: &OrgId) -> impl Iterator<Item = &'a Unit> + use<'a> {
        let org = org.clone();
        self.units.iter().filter(move |u| u.organisation == org)
    }

    /// The secretariat's inbox for reports that cannot be routed.
    pub fn triage_unit(&self) -> &Unit {
        &self.units[self.triage]
    }

    /// The organisation's current postmottak: the one without an end date,
    /// or failing that the first in the file.
    pub fn postmottak_of(&self, org: &OrgId) -> Option<&Unit> {
        let all: Vec<&Unit> = self.units_of(org).filter(|u| u.kind == UnitKind::Postmottak).collect();
        all.iter().find(|u| u.valid_to.is_none()).or(all.first()).copied()
    }

    /// The organisation's postmottak in use on `date`, if one is.
    pub fn postmottak_on(&self, org: &OrgId, date: NaiveDate) -> Option<&Unit> {
        self.units_of(org)
            .find(|u| u.kind == UnitKind::Postmottak && u.valid_on(date))
    }

    /// Follows `unit`'s successors until one is in use on `date`.
    ///
    /// `Ok` holds the chain from `unit` to the unit in use (just `[unit]`
    /// when it is in use itself); `Err` the chain up to the unit that is
    /// not in use and has no successor to go to.
    ///
    /// # Errors
    ///
    /// The chain so far, ending at a unit that is not in use on `date` and
    /// cannot be followed further: it has not started yet, has no
    /// successor, or names one that is not in the directory.
    pub fn resolve<'a>(&'a self, unit: &'a Unit, date: NaiveDate) -> Result<Vec<&'a Unit>, Vec<&'a Unit>> {
        let mut chain = vec![unit];
        let mut current = unit;
        loop {
            if current.valid_on(date) {
                return Ok(chain);
            }
            let ended = current.valid_to.is_some_and(|to| date > to);
            let next = current.successor.as_ref().and_then(|s| self.unit(s));
            // The length bound keeps a malformed chain from looping; the
            // checks already refuse cycles.
            match next {
                Some(next) if ended && chain.len() <= self.units.len() => {
                    chain.push(next);
                    current = next;
                }
                _ => return Err(chain),
            }
        }
    }

    pub(crate) fn terms(&self) -> &[Term] {
        &self.terms
    }
}

/// 64-bit FNV-1a, enough to tell file versions apart (not a security hash).
fn fnv1a_hex(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a_hex(""), "cbf29ce484222325");
        assert_eq!(fnv1a_hex("a"), "af63dc4c8601ec8c");
    }
}
