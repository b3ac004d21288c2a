//! Validation of a directory file: everything the system owner can get
//! wrong, each with its line.
//!
//! [`check`] is what `samavvik directory check` prints; loading a
//! [`Directory`](crate::Directory) runs the same checks and refuses a file with any problem,
//! so the server never routes with a directory that `check` would reject.

use std::collections::{HashMap, HashSet};

use samavvik_core::{Category, OrgId, UnitId};

use crate::matching::{Field, Target, org_terms, unit_terms};
use crate::model::{OrgKind, Organisation, Unit, UnitKind};
use crate::normalise::fold;
use crate::problem::{self, Problem};
use crate::raw::{self, Draft, OrgLines, UnitLines};

/// Every problem in the directory file `text`; empty when it is usable.
/// `source_name` (usually the path) is put in each problem.
pub fn check(text: &str, source_name: &str) -> Vec<Problem> {
    read_checked(text, source_name).err().unwrap_or_default()
}

/// Reads `text` and checks it across entries; the entries only when
/// nothing is wrong, else every problem, finished for the system owner.
pub(crate) fn read_checked(text: &str, source_name: &str) -> Result<Draft, Vec<Problem>> {
    let mut problems = Vec::new();
    if let Some(draft) = raw::read(text, &mut problems) {
        cross_check(&draft, &mut problems);
        if problems.is_empty() {
            return Ok(draft);
        }
    }
    Err(problem::finish(problems, source_name))
}

fn cross_check(draft: &Draft, problems: &mut Vec<Problem>) {
    let orgs: HashMap<&OrgId, &Organisation> = draft.orgs.iter().map(|(o, _)| (&o.id, o)).collect();
    let units: HashMap<&UnitId, &Unit> = draft.units.iter().map(|(u, _)| (&u.id, u)).collect();

    duplicate_ids(draft, problems);
    for (unit, lines) in &draft.units {
        unit_references(draft, &orgs, &units, unit, lines, problems);
    }
    successor_cycles(draft, &units, problems);
    deputies(draft, problems);
    terms(draft, problems);
    postmottak_and_triage(draft, problems);
    category_claims(draft, problems);
    crate::categories::cross_check(&draft.categories, draft.categories_in_file, problems);
    unit_categories(draft, problems);
    crate::subunits::cross_check(
        &draft.subunits,
        &units,
        &|u| draft.broken_units.contains(u.as_str()),
        problems,
    );
    crate::roles::cross_check(
        &draft.roles,
        &|u| units.contains_key(u) || draft.broken_units.contains(u.as_str()),
        problems,
    );
}

/// A deputy stands in for a leader, so one person is not both for the same
/// unit, nor listed twice.
fn deputies(draft: &Draft, problems: &mut Vec<Problem>) {
    for (unit, lines) in &draft.units {
        let mut seen: Vec<String> = Vec::new();
        for email in &unit.deputy_emails {
            let e = email.trim().to_lowercase();
            if unit.leader_emails.iter().any(|l| l.trim().to_lowercase() == e) {
                problems.push(Problem::at(
                    lines.id,
                    format!("Enheten «{}»: «{email}» er både leder og stedfortreder.", unit.id),
                ));
            } else if seen.contains(&e) {
                problems.push(Problem::at(
                    lines.id,
                    format!("Enheten «{}»: stedfortrederen «{email}» står to ganger.", unit.id),
                ));
            }
            seen.push(e);
        }
    }
}

fn duplicate_ids(draft: &Draft, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (org, lines) in &draft.orgs {
        if let Some(first) = seen.insert(org.id.as_str(), lines.id) {
            problems.push(Problem::at(
                lines.id,
                format!("Organisasjons-id «{}» er brukt før (linje {first}).", org.id),
            ));
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (unit, lines) in &draft.units {
        if let Some(first) = seen.insert(unit.id.as_str(), lines.id) {
            problems.push(Problem::at(
                lines.id,
                format!("Enhets-id «{}» er brukt før (linje {first}).", unit.id),
            ));
        }
    }
}

fn unit_references(
    draft: &Draft,
    orgs: &HashMap<&OrgId, &Organisation>,
    units: &HashMap<&UnitId, &Unit>,
    unit: &Unit,
    lines: &UnitLines,
    problems: &mut Vec<Problem>,
) {
    match orgs.get(&unit.organisation) {
        None if !draft.broken_orgs.contains(unit.organisation.as_str()) => problems.push(Problem::at(
            lines.organisation,
            format!(
                "Enheten «{}» hører til en ukjent organisasjon «{}».",
                unit.id, unit.organisation
            ),
        )),
        Some(org) => {
            let fits = match unit.kind {
                UnitKind::Klinikk => org.kind == OrgKind::Hospital,
                UnitKind::Triage => org.kind == OrgKind::Secretariat,
                UnitKind::Postmottak | UnitKind::ServiceArea => org.kind != OrgKind::Secretariat,
            };
            if !fits {
                problems.push(Problem::at(
                    lines.id,
                    format!(
                        "Enheten «{}» er av typen {}, som ikke passer i en organisasjon av typen {}.",
                        unit.id,
                        unit.kind.slug(),
                        org.kind.slug()
                    ),
                ));
            }
        }
        None => {}
    }
    if let (Some(from), Some(to)) = (unit.valid_from, unit.valid_to)
        && to < from
    {
        problems.push(Problem::at(
            lines.valid_to.unwrap_or(lines.id),
            format!("Enheten «{}»: valid_to ({to}) er før valid_from ({from}).", unit.id),
        ));
    }
    if let Some(successor) = &unit.successor {
        let line = lines.successor.unwrap_or(lines.id);
        if successor == &unit.id {
            problems.push(Problem::at(
                line,
                format!("Enheten «{}» er sin egen etterfølger.", unit.id),
            ));
        } else if !units.contains_key(successor) && !draft.broken_units.contains(successor.as_str()) {
            problems.push(Problem::at(
                line,
                format!(
                    "Enheten «{}» har en etterfølger «{successor}» som ikke finnes.",
                    unit.id
                ),
            ));
        }
        if unit.valid_to.is_none() {
            // Without an end date the successor would never be used.
            problems.push(Problem::at(
                line,
                format!("Enheten «{}» har etterfølger, men ingen valid_to.", unit.id),
            ));
        }
    }
}

/// A successor chain must end; a cycle would leave reports with nowhere to go.
fn successor_cycles(draft: &Draft, units: &HashMap<&UnitId, &Unit>, problems: &mut Vec<Problem>) {
    let mut reported: HashSet<&UnitId> = HashSet::new();
    for (start, lines) in &draft.units {
        let mut path: Vec<&UnitId> = vec![&start.id];
        let mut current: &Unit = start;
        while let Some(&next) = current.successor.as_ref().and_then(|s| units.get(s)) {
            if next.id == start.id {
                // Report each cycle once, at its first unit in the file.
                if path.iter().all(|id| !reported.contains(id)) && path.len() > 1 {
                    let names: Vec<&str> = path.iter().map(|id| id.as_str()).chain([start.id.as_str()]).collect();
                    problems.push(Problem::at(
                        lines.successor.unwrap_or(lines.id),
                        format!("Etterfølgerne danner en ring: {}.", names.join(" → ")),
                    ));
                }
                reported.extend(path.iter().copied());
                break;
            }
            if path.contains(&&next.id) {
                break; // a cycle further on; reported from one of its own units
            }
            path.push(&next.id);
            current = next;
        }
    }
}

/// Names, aliases, former names and numbers must each lead to one place,
/// or the routing could not say where a text points.
fn terms(draft: &Draft, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, (Target, usize)> = HashMap::new();
    let mut add = |text: &str, target: Target, line: usize, owner: &str, problems: &mut Vec<Problem>| {
        let key = fold(text);
        if key.is_empty() {
            problems.push(Problem::at(
                line,
                format!("{owner}: navnet «{text}» har ingen bokstaver eller sifre."),
            ));
            return;
        }
        match seen.get(&key) {
            Some((t, first)) if *t == target => {
                problems.push(Problem::at(
                    line,
                    format!("{owner}: «{text}» står to ganger (første gang linje {first})."),
                ));
            }
            Some((t, first)) => {
                problems.push(Problem::at(
                    line,
                    format!(
                        "{owner}: «{text}» er også et navn på {} (linje {first}); et navn kan bare peke ett sted.",
                        t.describe()
                    ),
                ));
            }
            None => {
                seen.insert(key, (target, line));
            }
        }
    };
    for (org, lines) in &draft.orgs {
        let owner = format!("Organisasjonen «{}»", org.id);
        for (field, text) in org_terms(org) {
            add(
                text,
                Target::Org(org.id.clone()),
                org_line(lines, field),
                &owner,
                problems,
            );
        }
    }
    for (unit, lines) in &draft.units {
        let owner = format!("Enheten «{}»", unit.id);
        for (field, text) in unit_terms(unit) {
            let line = field
                .index()
                .and_then(|i| lines.aliases.get(i).copied())
                .unwrap_or(lines.name);
            add(text, Target::Unit(unit.id.clone()), line, &owner, problems);
        }
    }
}

fn org_line(lines: &OrgLines, field: Field) -> usize {
    let pick = |list: &[usize], i: usize| list.get(i).copied().unwrap_or(lines.id);
    match field {
        Field::Name => lines.name,
        Field::Alias(i) => pick(&lines.aliases, i),
        Field::FormerName(i) => pick(&lines.former_names, i),
        Field::Number(i) => pick(&lines.numbers, i),
    }
}

fn postmottak_and_triage(draft: &Draft, problems: &mut Vec<Problem>) {
    for (org, lines) in &draft.orgs {
        if org.kind == OrgKind::Secretariat {
            continue;
        }
        let postmottak: Vec<&Unit> = draft
            .units
            .iter()
            .map(|(u, _)| u)
            .filter(|u| u.organisation == org.id && u.kind == UnitKind::Postmottak)
            .collect();
        if postmottak.is_empty() {
            problems.push(Problem::at(
                lines.id,
                format!("Organisasjonen «{}» har ingen enhet av typen postmottak.", org.id),
            ));
        }
        if postmottak.iter().filter(|u| u.valid_to.is_none()).count() > 1 {
            problems.push(Problem::at(
                lines.id,
                format!("Organisasjonen «{}» har mer enn ett postmottak uten sluttdato.", org.id),
            ));
        }
    }
    let triage: Vec<&(Unit, UnitLines)> = draft.units.iter().filter(|(u, _)| u.kind == UnitKind::Triage).collect();
    match triage.as_slice() {
        [] => problems.push(Problem::whole_file(
            "Katalogen har ingen enhet av typen triage; avvik som ikke kan rutes, ville ikke hatt noe sted å gå."
                .into(),
        )),
        [(unit, lines)] => {
            if unit.valid_from.is_some() || unit.valid_to.is_some() {
                problems.push(Problem::at(
                    lines.id,
                    format!(
                        "Triage-enheten «{}» må alltid være gyldig (uten valid_from/valid_to).",
                        unit.id
                    ),
                ));
            }
        }
        [_, rest @ ..] => {
            for (unit, lines) in rest {
                problems.push(Problem::at(
                    lines.id,
                    format!(
                        "Enheten «{}» er en triage-enhet nummer to; katalogen kan bare ha én.",
                        unit.id
                    ),
                ));
            }
        }
    }
}

/// Two klinikker of one organisation claiming a category would make the
/// category rule ambiguous.
fn category_claims(draft: &Draft, problems: &mut Vec<Problem>) {
    let mut claimed: HashMap<(&OrgId, &Category), &UnitId> = HashMap::new();
    for (unit, lines) in &draft.units {
        for (i, category) in unit.categories.iter().enumerate() {
            // An ended unit keeps its claim only for history; its successor takes over.
            if unit.valid_to.is_some() {
                continue;
            }
            if let Some(other) = claimed.insert((&unit.organisation, category), &unit.id) {
                let line = lines.categories.get(i).copied().unwrap_or(lines.id);
                problems.push(Problem::at(
                    line,
                    format!(
                        "Enheten «{}»: kategorien «{}» er allerede knyttet til «{other}».",
                        unit.id,
                        category.slug()
                    ),
                ));
            }
        }
    }
}

/// A klinikk's `categories` name entries of the category list (the file's,
/// or the standard one when it has none).
fn unit_categories(draft: &Draft, problems: &mut Vec<Problem>) {
    let standard = samavvik_core::Categories::standard();
    let known = |c: &Category| {
        if draft.categories_in_file {
            draft.categories.iter().any(|(d, _)| &d.slug == c)
        } else {
            standard.get(c).is_some()
        }
    };
    for (unit, lines) in &draft.units {
        for (i, category) in unit.categories.iter().enumerate() {
            if !known(category) {
                let line = lines.categories.get(i).copied().unwrap_or(lines.id);
                problems.push(Problem::at(
                    line,
                    format!("Enheten «{}»: ukjent kategori «{category}».", unit.id),
                ));
            }
        }
    }
}
