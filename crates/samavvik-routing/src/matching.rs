//! Finding the directory's names in a free-text receiver hint.
//!
//! Every name, alias, former name and kommune number becomes a [`Term`]: a
//! folded word sequence pointing at an organisation or a klinikk. A hint
//! matches a term where the term's words occur in it as whole, consecutive
//! words ("Nøtterøy hjemmetjeneste" contains "Nøtterøy"). When one match
//! lies inside a longer one, the longer wins: in "Klinikk for psykisk
//! helsevern og rusbehandling" the words "psykisk helsevern" belong to the
//! klinikk's full name, not to a second candidate.
//!
//! Only klinikker are found by text. A kommune's units are never a text
//! target: reports to a kommune go to its postmottak, which the kommune's
//! own names lead to.

use samavvik_core::{OrgId, UnitId};

use crate::model::{OrgKind, Organisation, Unit, UnitKind};
use crate::normalise::words;

/// Which value of an entry a term comes from (with its index in the list).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Field {
    Name,
    Alias(usize),
    FormerName(usize),
    Number(usize),
}

impl Field {
    pub fn index(self) -> Option<usize> {
        match self {
            Field::Name => None,
            Field::Alias(i) | Field::FormerName(i) | Field::Number(i) => Some(i),
        }
    }
}

/// Where a term points.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Target {
    Org(OrgId),
    Unit(UnitId),
}

impl Target {
    pub fn describe(&self) -> String {
        match self {
            Target::Org(id) => format!("organisasjonen «{id}»"),
            Target::Unit(id) => format!("enheten «{id}»"),
        }
    }
}

/// One directory name, folded, with where it points and where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Term {
    pub words: Vec<String>,
    pub target: Target,
    pub field: Field,
    /// As written in the directory: the only form an explanation may quote.
    pub text: String,
}

/// An organisation's names: the name, for a kommune also the name without
/// "kommune", then aliases, former names and numbers.
pub(crate) fn org_terms(org: &Organisation) -> Vec<(Field, &str)> {
    let mut out = vec![(Field::Name, org.name.as_str())];
    if org.kind == OrgKind::Kommune && org.short_name() != org.name {
        out.push((Field::Name, org.short_name()));
    }
    out.extend(
        org.aliases
            .iter()
            .enumerate()
            .map(|(i, a)| (Field::Alias(i), a.as_str())),
    );
    out.extend(
        org.former_names
            .iter()
            .enumerate()
            .map(|(i, a)| (Field::FormerName(i), a.as_str())),
    );
    out.extend(
        org.numbers
            .iter()
            .enumerate()
            .map(|(i, a)| (Field::Number(i), a.as_str())),
    );
    out
}

/// A unit's names: its name and aliases.
pub(crate) fn unit_terms(unit: &Unit) -> Vec<(Field, &str)> {
    let mut out = vec![(Field::Name, unit.name.as_str())];
    out.extend(
        unit.aliases
            .iter()
            .enumerate()
            .map(|(i, a)| (Field::Alias(i), a.as_str())),
    );
    out
}

/// The routing index: every organisation's names and every klinikk's.
pub(crate) fn index(orgs: &[Organisation], units: &[Unit]) -> Vec<Term> {
    let mut terms = Vec::new();
    for org in orgs {
        for (field, text) in org_terms(org) {
            terms.push(Term {
                words: words(text),
                target: Target::Org(org.id.clone()),
                field,
                text: text.to_owned(),
            });
        }
    }
    for unit in units.iter().filter(|u| u.kind == UnitKind::Klinikk) {
        for (field, text) in unit_terms(unit) {
            terms.push(Term {
                words: words(text),
                target: Target::Unit(unit.id.clone()),
                field,
                text: text.to_owned(),
            });
        }
    }
    terms.retain(|t| !t.words.is_empty());
    terms
}

/// A term found in the hint, at word positions `start..end`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Match<'d> {
    pub start: usize,
    pub end: usize,
    pub term: &'d Term,
}

impl Match<'_> {
    fn inside(&self, other: &Match<'_>) -> bool {
        other.start <= self.start && self.end <= other.end && (other.end - other.start) > (self.end - self.start)
    }
}

/// Every term occurring in `hint` (already split into folded words), minus
/// those inside a longer match; ordered by position, longest first.
pub(crate) fn find<'d>(terms: &'d [Term], hint: &[String]) -> Vec<Match<'d>> {
    let mut found = Vec::new();
    for term in terms {
        let n = term.words.len();
        if n > hint.len() {
            continue;
        }
        for start in 0..=hint.len() - n {
            if hint[start..start + n] == term.words[..] {
                found.push(Match {
                    start,
                    end: start + n,
                    term,
                });
            }
        }
    }
    let mut kept: Vec<Match<'d>> = found
        .iter()
        .filter(|m| !found.iter().any(|o| m.inside(o)))
        .copied()
        .collect();
    kept.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, target: &str) -> Term {
        Term {
            words: words(text),
            target: Target::Org(OrgId::new(target).unwrap()),
            field: Field::Name,
            text: text.into(),
        }
    }

    fn targets(terms: &[Term], hint: &str) -> Vec<String> {
        find(terms, &words(hint)).iter().map(|m| m.term.text.clone()).collect()
    }

    #[test]
    fn matches_whole_words_only() {
        let terms = [term("Re", "tonsberg"), term("Hof", "holmestrand")];
        assert_eq!(targets(&terms, "Re kommune"), ["Re"]);
        assert!(targets(&terms, "Reinlegging, Hoff").is_empty());
        assert_eq!(targets(&terms, "fra re til HOF"), ["Re", "Hof"]);
    }

    #[test]
    fn longer_match_swallows_the_shorter_inside_it() {
        let terms = [
            term("psykisk helsevern", "a"),
            term("Klinikk for psykisk helsevern og rusbehandling", "b"),
        ];
        assert_eq!(
            targets(&terms, "klinikk for psykisk helsevern og rusbehandling"),
            ["Klinikk for psykisk helsevern og rusbehandling"]
        );
        assert_eq!(targets(&terms, "psykisk helsevern"), ["psykisk helsevern"]);
    }

    #[test]
    fn repeated_and_overlapping_occurrences_are_all_found() {
        let terms = [term("Larvik", "larvik")];
        assert_eq!(find(&terms, &words("Larvik, larvik")).len(), 2);
        assert!(find(&terms, &[]).is_empty());
    }
}
