//! The routing decision.
//!
//! The order of the rules, from most to least certain:
//!
//! 1. A unit chosen in the form. If it has ended, its successor; if it is a
//!    kommune service area, the kommune's postmottak; if it contradicts the
//!    chosen organisation, triage.
//! 2. An organisation chosen in the form. The free text may narrow it down
//!    (to a klinikk of SiV); text that only points elsewhere contradicts
//!    the choice and goes to triage.
//! 3. Free text alone. Names of the sender's own organisation are set
//!    aside: one cannot report to oneself, so in "psykiatrien i Tønsberg"
//!    from Tønsberg kommune, "Tønsberg" is a place and "psykiatrien" the
//!    receiver. Exactly one receiver left → there; more → triage.
//!
//! A kommune always receives in its postmottak. SiV receives in a klinikk;
//! SiV without one goes to the klinikk owning the report's category, if
//! exactly one does, else to SiV's postmottak, which forwards it to the
//! klinikk concerned (procedure D12402, section 5); to triage only when no
//! postmottak is in use. Anything unclear goes to triage, so a
//! report is never dropped; only a sender unknown to the directory or a
//! receiver in the sender's own organisation is refused, and so is a
//! report from one kommune to another unless the request allows it (the
//! procedure's scope is SiV ↔ kommune).

use std::collections::HashSet;

use samavvik_core::{Direction, OrgId, UnitId};

use crate::decision::{Decision, Refusal, RouteRequest, Rule};
use crate::directory::Directory;
use crate::explain;
use crate::matching::{self, Field, Match, Target, Term};
use crate::model::{OrgKind, Organisation, Unit, UnitKind};
use crate::normalise::words;

/// A receiver hint is a few words (the form allows 200 characters). Only
/// this many are read, so that text pasted from elsewhere cannot make
/// matching slow.
const MAX_HINT_WORDS: usize = 100;

/// Decides where the report described by `req` goes. Pure and
/// deterministic: the same directory and request give the same answer.
/// A report that cannot be routed with confidence is not an error: it goes
/// to triage, with a [`Rule`] that says why.
///
/// # Errors
///
/// [`Refusal::UnknownSender`] when the sending unit or its organisation is
/// not in the directory; [`Refusal::SameOrganisation`] when the receiver
/// the reporter named belongs to the sender's own organisation (internal
/// deviations go to the organisation's own system);
/// [`Refusal::KommuneToKommune`] when a kommune's report would go to
/// another kommune and [`RouteRequest::kommune_to_kommune`] is false.
pub fn route(dir: &Directory, req: &RouteRequest) -> Result<Decision, Refusal> {
    let sender = dir.unit(&req.sender).ok_or(Refusal::UnknownSender)?;
    let sender_org = dir.organisation(&sender.organisation).ok_or(Refusal::UnknownSender)?;
    let router = Router { dir, req, sender_org };
    let decision = router.decide()?;
    // Backstop: whatever path led here, a report never goes back into its
    // own organisation (a successor could in principle cross over).
    if !decision.rule.is_triage() && decision.rule != Rule::Secretariat && decision.organisation == sender_org.id {
        return Err(router.same_organisation());
    }
    // The procedure's scope is SiV ↔ kommune: a report from one kommune to
    // another is refused unless the setting allows it. A report that went
    // to triage is not: the secretariat may still place it at SiV.
    if !req.kommune_to_kommune
        && !decision.rule.is_triage()
        && direction(dir, &sender_org.id, &decision.organisation) == Some(Direction::KommuneToKommune)
    {
        return Err(Refusal::KommuneToKommune {
            organisation_name: sender_org.name.clone(),
        });
    }
    Ok(decision)
}

/// Which way a report travels; `None` for the secretariat, unknown
/// organisations, or sender and receiver being the same.
pub fn direction(dir: &Directory, sender_org: &OrgId, receiver_org: &OrgId) -> Option<Direction> {
    let from = dir.organisation(sender_org)?.kind;
    let to = dir.organisation(receiver_org)?.kind;
    match (from, to) {
        (OrgKind::Kommune, OrgKind::Hospital) => Some(Direction::KommuneToSiv),
        (OrgKind::Hospital, OrgKind::Kommune) => Some(Direction::SivToKommune),
        (OrgKind::Kommune, OrgKind::Kommune) if sender_org != receiver_org => Some(Direction::KommuneToKommune),
        _ => None,
    }
}

struct Router<'a> {
    dir: &'a Directory,
    req: &'a RouteRequest,
    sender_org: &'a Organisation,
}

/// How a unit was arrived at, for the rule and the explanation.
#[derive(Clone, Copy)]
enum How<'a> {
    Chosen,
    Named(&'a Term),
}

/// One possible receiver found in the text.
enum Subject<'a> {
    Unit(&'a Unit),
    Org(&'a Organisation),
}

struct Candidate<'a> {
    /// Where it leads; two matches leading to the same place are one candidate.
    key: Target,
    subject: Subject<'a>,
    term: &'a Term,
}

impl<'a> Router<'a> {
    fn decide(&self) -> Result<Decision, Refusal> {
        if let Some(id) = &self.req.receiver_unit {
            return self.chosen_unit(id);
        }
        let mut hint = self.req.receiver_hint.as_deref().map(words).unwrap_or_default();
        hint.truncate(MAX_HINT_WORDS);
        let matches = matching::find(self.dir.terms(), &hint);
        if let Some(id) = &self.req.receiver_org {
            return self.chosen_org(id, &matches);
        }
        if hint.is_empty() {
            return Ok(self.triage(Rule::TriageNoReceiver, &explain::no_receiver()));
        }
        if matches.is_empty() {
            return Ok(self.triage(Rule::TriageUnknown, &explain::unknown_text()));
        }
        let elsewhere: Vec<Match<'a>> = matches
            .iter()
            .filter(|m| self.org_of(m.term) != Some(&self.sender_org.id))
            .copied()
            .collect();
        if elsewhere.is_empty() {
            return Err(self.same_organisation());
        }
        Ok(self.choose_among(&elsewhere))
    }

    fn chosen_unit(&self, id: &UnitId) -> Result<Decision, Refusal> {
        let Some(unit) = self.dir.unit(id) else {
            return Ok(self.triage(Rule::TriageUnknown, &explain::unknown_unit()));
        };
        if unit.organisation == self.sender_org.id {
            return Err(self.same_organisation());
        }
        let unit_org = self.dir.organisation(&unit.organisation);
        if let Some(chosen) = &self.req.receiver_org
            && chosen != &unit.organisation
        {
            let unit_org_name = unit_org.map_or(unit.organisation.as_str(), |o| o.name.as_str());
            let because = explain::unit_conflict(unit, unit_org_name, self.dir.organisation(chosen));
            return Ok(self.triage(Rule::TriageConflict, &because));
        }
        match (unit.kind, unit_org) {
            (UnitKind::ServiceArea, Some(org)) => Ok(match self.postmottak(org) {
                Some(pm) => self.decision(pm, Rule::ServiceAreaPostmottak, &explain::service_area(org, unit)),
                None => self.triage(Rule::TriageUnitNotValid, &explain::no_postmottak(org, self.req.date)),
            }),
            _ => Ok(self.to_unit(unit, How::Chosen)),
        }
    }

    fn chosen_org(&self, id: &OrgId, matches: &[Match<'a>]) -> Result<Decision, Refusal> {
        let Some(org) = self.dir.organisation(id) else {
            return Ok(self.triage(Rule::TriageUnknown, &explain::unknown_org()));
        };
        if org.id == self.sender_org.id {
            return Err(self.same_organisation());
        }
        let inside: Vec<Match<'a>> = matches
            .iter()
            .filter(|m| self.org_of(m.term) == Some(&org.id))
            .copied()
            .collect();
        if !inside.is_empty() {
            return Ok(self.choose_among(&inside));
        }
        if !matches.is_empty() {
            let names: Vec<String> = self.candidates(matches).iter().map(|c| self.name_of(&c.key)).collect();
            return Ok(self.triage(Rule::TriageConflict, &explain::org_conflict(org, &names)));
        }
        Ok(self.to_org(org, None))
    }

    /// The distinct receivers the matches point to, in order of mention.
    /// A klinikk's own organisation mentioned beside it ("SiV KPA") is
    /// context, not a second receiver.
    fn candidates(&self, matches: &[Match<'a>]) -> Vec<Candidate<'a>> {
        let unit_orgs: HashSet<&OrgId> = matches
            .iter()
            .filter_map(|m| match &m.term.target {
                Target::Unit(id) => self.dir.unit(id).map(|u| &u.organisation),
                Target::Org(_) => None,
            })
            .collect();
        let mut out: Vec<Candidate<'a>> = Vec::new();
        for m in matches {
            let (key, subject) = match &m.term.target {
                Target::Unit(id) => {
                    let Some(unit) = self.dir.unit(id) else {
                        continue;
                    };
                    let end = match self.dir.resolve(unit, self.req.date) {
                        Ok(chain) | Err(chain) => chain.last().map_or(unit, |u| *u),
                    };
                    (Target::Unit(end.id.clone()), Subject::Unit(unit))
                }
                Target::Org(id) => {
                    if unit_orgs.contains(id) {
                        continue;
                    }
                    let Some(org) = self.dir.organisation(id) else {
                        continue;
                    };
                    (Target::Org(id.clone()), Subject::Org(org))
                }
            };
            let score = self.score(m.term, &subject);
            match out.iter_mut().find(|c| c.key == key) {
                Some(c) if score > self.score(c.term, &c.subject) => {
                    c.term = m.term;
                    c.subject = subject;
                }
                Some(_) => {}
                None => out.push(Candidate {
                    key,
                    subject,
                    term: m.term,
                }),
            }
        }
        out
    }

    /// Which of two names for the same receiver explains it best: the
    /// longest (most specific), then one naming a unit still in use over a
    /// former name.
    fn score(&self, term: &Term, subject: &Subject<'_>) -> (usize, bool) {
        let in_use = match subject {
            Subject::Unit(u) => u.valid_on(self.req.date),
            Subject::Org(_) => true,
        };
        (term.words.len(), in_use)
    }

    fn choose_among(&self, matches: &[Match<'a>]) -> Decision {
        let candidates = self.candidates(matches);
        match candidates.as_slice() {
            [] => self.triage(Rule::TriageUnknown, &explain::unknown_text()),
            [one] => match one.subject {
                Subject::Unit(unit) => self.to_unit(unit, How::Named(one.term)),
                Subject::Org(org) => self.to_org(org, Some(one.term)),
            },
            many => {
                let names: Vec<String> = many.iter().map(|c| self.name_of(&c.key)).collect();
                self.triage(Rule::TriageAmbiguous, &explain::ambiguous(&names))
            }
        }
    }

    fn to_unit(&self, unit: &Unit, how: How<'_>) -> Decision {
        match self.dir.resolve(unit, self.req.date) {
            Ok(chain) if chain.len() > 1 => {
                let term = match how {
                    How::Chosen => None,
                    How::Named(t) => Some(t.text.as_str()),
                };
                let last = chain[chain.len() - 1];
                self.decision(last, Rule::Successor, &explain::successor(term, &chain))
            }
            Ok(_) => match how {
                How::Chosen => self.decision(unit, Rule::ExplicitUnit, &explain::explicit()),
                How::Named(t) if t.field == Field::Name => {
                    self.decision(unit, Rule::KlinikkName, &explain::mentions(&t.text))
                }
                How::Named(t) => self.decision(unit, Rule::KlinikkAlias, &explain::klinikk_alias(&t.text)),
            },
            Err(chain) => {
                let last = chain.last().copied().unwrap_or(unit);
                self.triage(Rule::TriageUnitNotValid, &explain::not_valid(last, self.req.date))
            }
        }
    }

    fn to_org(&self, org: &Organisation, term: Option<&Term>) -> Decision {
        match org.kind {
            OrgKind::Kommune => {
                let Some(pm) = self.postmottak(org) else {
                    return self.triage(Rule::TriageUnitNotValid, &explain::no_postmottak(org, self.req.date));
                };
                let (rule, because) = match term {
                    None => (Rule::KommuneOrganisation, explain::kommune_chosen(org)),
                    Some(t) => match t.field {
                        Field::Name => (Rule::KommuneName, explain::mentions(&t.text)),
                        Field::Alias(_) => (Rule::KommuneAlias, explain::kommune_alias(&t.text, org)),
                        Field::FormerName(_) => (Rule::KommuneFormerName, explain::former_kommune(&t.text, org)),
                        Field::Number(_) => (Rule::KommuneNumber, explain::kommune_number(&t.text, org)),
                    },
                };
                self.decision(pm, rule, &because)
            }
            OrgKind::Hospital => self.by_category(org).unwrap_or_else(|| {
                // The procedure sends a report from a kommune to "Postmottak
                // Sykehuset i Vestfold HF, klinikkledelsen ved aktuell klinikk":
                // the hospital's postmottak finds the klinikk (a reroute).
                match self.postmottak(org) {
                    Some(pm) => self.decision(pm, Rule::HospitalPostmottak, &explain::hospital_postmottak(org)),
                    None => self.triage(
                        Rule::TriageHospitalWithoutKlinikk,
                        &explain::hospital_without_klinikk(org),
                    ),
                }
            }),
            OrgKind::Secretariat => {
                let because = term.map_or_else(|| explain::secretariat_chosen(org), |t| explain::mentions(&t.text));
                self.decision(self.dir.triage_unit(), Rule::Secretariat, &because)
            }
        }
    }

    /// The klinikk in use that owns one of the report's categories, if
    /// exactly one does.
    fn by_category(&self, org: &Organisation) -> Option<Decision> {
        let mut found: Vec<(&Unit, samavvik_core::Category)> = Vec::new();
        for category in &self.req.categories {
            let owners = self.dir.units_of(&org.id).filter(|u| {
                u.kind == UnitKind::Klinikk && u.valid_on(self.req.date) && u.categories.contains(category)
            });
            for unit in owners {
                if !found.iter().any(|(u, _)| u.id == unit.id) {
                    found.push((unit, category.clone()));
                }
            }
        }
        match found.as_slice() {
            [(unit, category)] => {
                let label = self.dir.categories().label(category);
                Some(self.decision(unit, Rule::KlinikkCategory, &explain::category(org, label)))
            }
            _ => None,
        }
    }

    /// The organisation's postmottak in use on the date, following a
    /// successor if the current one has ended.
    fn postmottak(&self, org: &Organisation) -> Option<&'a Unit> {
        if let Some(pm) = self.dir.postmottak_on(&org.id, self.req.date) {
            return Some(pm);
        }
        let pm = self.dir.postmottak_of(&org.id)?;
        self.dir
            .resolve(pm, self.req.date)
            .ok()
            .and_then(|chain| chain.last().copied())
    }

    fn org_of(&self, term: &Term) -> Option<&'a OrgId> {
        match &term.target {
            Target::Org(id) => self.dir.organisation(id).map(|o| &o.id),
            Target::Unit(id) => self.dir.unit(id).map(|u| &u.organisation),
        }
    }

    fn name_of(&self, target: &Target) -> String {
        match target {
            Target::Org(id) => self
                .dir
                .organisation(id)
                .map_or_else(|| id.to_string(), |o| o.name.clone()),
            Target::Unit(id) => self.dir.unit(id).map_or_else(|| id.to_string(), |u| u.name.clone()),
        }
    }

    fn decision(&self, unit: &Unit, rule: Rule, because: &str) -> Decision {
        let organisation_name = self
            .dir
            .organisation(&unit.organisation)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        Decision {
            unit: unit.id.clone(),
            unit_name: unit.name.clone(),
            organisation: unit.organisation.clone(),
            organisation_name,
            rule,
            explanation: explain::sentence(&unit.name, because, rule.is_triage()),
        }
    }

    fn triage(&self, rule: Rule, because: &str) -> Decision {
        self.decision(self.dir.triage_unit(), rule, because)
    }

    fn same_organisation(&self) -> Refusal {
        Refusal::SameOrganisation {
            organisation_name: self.sender_org.name.clone(),
        }
    }
}
