//! `[[subunit]]` entries: the wards, sections and kommune teams a reporter
//! works in, under a klinikk or a kommune service area, each with its own
//! leaders (procedure D12402: "Nærmeste leder sikrer at nødvendig
//! informasjon er påført meldingen").
//!
//! ```toml
//! [[subunit]]
//! id = "siv-med-med3"
//! name = "Medisinsk sengepost 3"
//! parent = "siv-med"                     # a klinikk or service-area unit
//! leader_emails = ["leder.med3@siv.example.no"]
//! deputy_emails = ["stedfortreder.med3@siv.example.no"]
//! aliases = ["Med 3", "M3"]
//! valid_from = 2026-01-01                # optional, like a unit's
//! valid_to = 2027-06-30                  # optional: closed after this day
//! ```
//!
//! A sub-unit only changes who reviews a report as the reporter's nearest
//! leader: the case's sending unit stays the parent (so statistics and
//! receiving are unchanged), and a sub-unit without leaders or deputies
//! leaves the review to the parent's. A sub-unit has no age identity of its
//! own; its leaders read the report through the parent unit's key (see
//! docs/ARCHITECTURE.md, "Sub-units").

use std::collections::HashMap;

use chrono::NaiveDate;
use samavvik_core::UnitId;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::model::{Unit, UnitKind};
use crate::normalise::fold;
use crate::problem::Problem;
use crate::shape::{plausible_email, toml_date};

type Text = Spanned<String>;

/// An entry as the file has it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubUnit {
    id: Text,
    name: Text,
    parent: Text,
    #[serde(default)]
    leader_emails: Vec<Text>,
    #[serde(default)]
    deputy_emails: Vec<Text>,
    #[serde(default)]
    aliases: Vec<Text>,
    valid_from: Option<Spanned<toml::Value>>,
    valid_to: Option<Spanned<toml::Value>>,
}

/// A ward, section or team under a klinikk or service area.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct SubUnit {
    /// An organisational id (a slug, like a unit's), stored clear on cases.
    pub id: UnitId,
    /// "Medisinsk sengepost 3".
    pub name: String,
    /// The klinikk or service area it belongs to: the case's sending unit.
    pub parent: UnitId,
    pub leader_emails: Vec<String>,
    /// Stand-ins for when the leaders are away.
    pub deputy_emails: Vec<String>,
    /// Other names and abbreviations staff type ("Med 3").
    pub aliases: Vec<String>,
    /// The first day reporters may name it (none: always).
    pub valid_from: Option<NaiveDate>,
    /// The last day reporters may name it (none: no end).
    pub valid_to: Option<NaiveDate>,
}

impl SubUnit {
    /// Whether reporters may name it on `day`.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day <= to)
    }

    /// Its leaders and deputies: the reporter's nearest leaders.
    pub fn acting_leaders(&self) -> impl Iterator<Item = &str> {
        self.leader_emails.iter().chain(&self.deputy_emails).map(String::as_str)
    }

    /// Whether `text` names this sub-unit: its id, name or an alias,
    /// folded the way routing folds names ("med 3" = "Med 3" = "MED-3").
    pub fn is_named(&self, text: &str) -> bool {
        let wanted = fold(text);
        !wanted.is_empty()
            && (self.id.as_str() == text.trim()
                || fold(&self.name) == wanted
                || self.aliases.iter().any(|a| fold(a) == wanted))
    }
}

/// Where an entry's parts are in the file, for the cross-checks.
pub(crate) struct SubUnitLines {
    pub id: usize,
    pub parent: usize,
    pub names: Vec<usize>,
}

/// Reads one entry; `line` turns a span into a line number. `None` (with
/// a problem) when its id or parent cannot be used.
pub(crate) fn read(
    raw: RawSubUnit,
    line: &dyn Fn(std::ops::Range<usize>) -> usize,
    problems: &mut Vec<Problem>,
) -> Option<(SubUnit, SubUnitLines)> {
    let at = line(raw.id.span());
    let Ok(id) = UnitId::new(raw.id.get_ref().as_str()) else {
        problems.push(Problem::at(
            at,
            format!(
                "Underenhets-id «{}» er ugyldig: bruk a–z, 0–9 og «-».",
                raw.id.get_ref()
            ),
        ));
        return None;
    };
    let parent_at = line(raw.parent.span());
    let Ok(parent) = UnitId::new(raw.parent.get_ref().as_str()) else {
        problems.push(Problem::at(
            parent_at,
            format!(
                "Underenheten «{id}»: «{}» er ikke en gyldig enhets-id.",
                raw.parent.get_ref()
            ),
        ));
        return None;
    };
    if raw.name.get_ref().trim().is_empty() {
        problems.push(Problem::at(
            at,
            format!("Navnet til underenheten «{id}» kan ikke være tomt."),
        ));
    }
    let mut emails = |list: Vec<Text>| -> Vec<String> {
        list.into_iter()
            .map(|e| {
                if !plausible_email(e.get_ref()) {
                    problems.push(Problem::at(
                        line(e.span()),
                        format!(
                            "Underenheten «{id}»: «{}» er ikke en gyldig e-postadresse.",
                            e.get_ref()
                        ),
                    ));
                }
                e.into_inner()
            })
            .collect()
    };
    let leader_emails = emails(raw.leader_emails);
    let deputy_emails = emails(raw.deputy_emails);
    let mut date = |v: &Option<Spanned<toml::Value>>, key: &str| -> Option<NaiveDate> {
        let v = v.as_ref()?;
        let parsed = toml_date(v.get_ref());
        if parsed.is_none() {
            problems.push(Problem::at(
                line(v.span()),
                format!("Underenheten «{id}»: {key} må være en dato på formen 2024-01-31."),
            ));
        }
        parsed
    };
    let valid_from = date(&raw.valid_from, "valid_from");
    let valid_to = date(&raw.valid_to, "valid_to");
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to < from
    {
        let at_to = raw.valid_to.as_ref().map_or(at, |v| line(v.span()));
        problems.push(Problem::at(
            at_to,
            format!("Underenheten «{id}»: valid_to ({to}) er før valid_from ({from})."),
        ));
    }
    let names = std::iter::once(&raw.name)
        .chain(&raw.aliases)
        .map(|t| line(t.span()))
        .collect();
    let sub = SubUnit {
        id,
        name: raw.name.into_inner(),
        parent,
        leader_emails,
        deputy_emails,
        aliases: raw.aliases.into_iter().map(Spanned::into_inner).collect(),
        valid_from,
        valid_to,
    };
    Some((
        sub,
        SubUnitLines {
            id: at,
            parent: parent_at,
            names,
        },
    ))
}

/// Across entries: the parent is a klinikk or service area in the file; no
/// id is used twice (nor by a unit, since both are stored as unit ids); no
/// name or alias means two sub-units of one parent, so the reporter's
/// text picks one; a deputy is not also a leader.
pub(crate) fn cross_check(
    subunits: &[(SubUnit, SubUnitLines)],
    units: &HashMap<&UnitId, &Unit>,
    broken_units: &dyn Fn(&UnitId) -> bool,
    problems: &mut Vec<Problem>,
) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut names: HashMap<(&str, String), usize> = HashMap::new();
    for (sub, lines) in subunits {
        if units.contains_key(&sub.id) {
            problems.push(Problem::at(
                lines.id,
                format!("Underenhets-id «{}» er allerede en enhets-id.", sub.id),
            ));
        } else if let Some(first) = ids.insert(sub.id.as_str(), lines.id) {
            problems.push(Problem::at(
                lines.id,
                format!("Underenhets-id «{}» er brukt før (linje {first}).", sub.id),
            ));
        }
        match units.get(&sub.parent) {
            None if !broken_units(&sub.parent) => problems.push(Problem::at(
                lines.parent,
                format!("Underenheten «{}» hører til en ukjent enhet «{}».", sub.id, sub.parent),
            )),
            Some(p) if !matches!(p.kind, UnitKind::Klinikk | UnitKind::ServiceArea) => {
                problems.push(Problem::at(
                    lines.parent,
                    format!(
                        "Underenheten «{}»: «{}» er {}, ikke en klinikk eller et tjenesteområde.",
                        sub.id,
                        sub.parent,
                        p.kind.slug()
                    ),
                ));
            }
            _ => {}
        }
        for (name, at) in std::iter::once(&sub.name).chain(&sub.aliases).zip(&lines.names) {
            let key = (sub.parent.as_str(), fold(name));
            if key.1.is_empty() {
                continue;
            }
            if let Some(first) = names.insert(key, *at) {
                problems.push(Problem::at(
                    *at,
                    format!(
                        "Underenheten «{}»: navnet «{name}» er brukt under «{}» før (linje {first}).",
                        sub.id, sub.parent
                    ),
                ));
            }
        }
        let leaders: Vec<String> = sub.leader_emails.iter().map(|e| e.trim().to_lowercase()).collect();
        if let Some(both) = sub
            .deputy_emails
            .iter()
            .find(|d| leaders.contains(&d.trim().to_lowercase()))
        {
            problems.push(Problem::at(
                lines.id,
                format!("Underenheten «{}»: «{both}» er både leder og stedfortreder.", sub.id),
            ));
        }
    }
}

impl crate::Directory {
    /// As [`crate::Directory::find_subunit`], among the sub-units reporters
    /// may name on `day` (`valid_from`/`valid_to`).
    pub fn find_subunit_on(&self, parent: &UnitId, text: &str, day: NaiveDate) -> Option<&SubUnit> {
        self.subunits_of(parent).find(|s| s.valid_on(day) && s.is_named(text))
    }
}
