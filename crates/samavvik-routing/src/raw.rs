//! The directory file's shape, and its conversion into entries.
//!
//! The file is read into these mirror structs with every value's position
//! kept (`toml::Spanned`), so each problem can name its line. Conversion
//! checks what one entry can check on its own; [`crate::check`] then looks
//! across entries. An entry whose id or kind is unusable is left out, and
//! its id remembered so that other entries referring to it do not raise a
//! second, misleading problem.

use std::collections::HashSet;
use std::ops::Range;

use chrono::NaiveDate;
use samavvik_core::{Category, OrgId, UnitId};
use serde::Deserialize;
use toml::Spanned;

use crate::model::{OrgKind, Organisation, SignInPerson, Unit, UnitKind};
use crate::problem::Problem;
use crate::shape::{plausible_age_recipient, plausible_email, toml_date};

type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    organisation: Vec<RawOrg>,
    #[serde(default)]
    unit: Vec<RawUnit>,
    #[serde(default)]
    person: Vec<RawPerson>,
    #[serde(default)]
    role: Vec<crate::roles::RawRole>,
    #[serde(default)]
    subunit: Vec<crate::subunits::RawSubUnit>,
    #[serde(default)]
    category: Vec<crate::categories::RawCategory>,
}

/// A person who signs in through an OpenID provider: `oidc` holds
/// `"<provider id>:<subject>"` keys (see `SignInPerson`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    email: Text,
    #[serde(default)]
    oidc: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrg {
    id: Text,
    name: Text,
    kind: Text,
    #[serde(default)]
    sender_review_required: bool,
    #[serde(default)]
    aliases: Vec<Text>,
    #[serde(default)]
    former_names: Vec<Text>,
    #[serde(default)]
    numbers: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    id: Text,
    name: Text,
    organisation: Text,
    kind: Text,
    postmottak_email: Option<Text>,
    #[serde(default)]
    leader_emails: Vec<Text>,
    #[serde(default)]
    deputy_emails: Vec<Text>,
    #[serde(default)]
    age_recipients: Vec<Text>,
    // A TOML date (`2023-12-31`) or a string with the same form.
    valid_from: Option<Spanned<toml::Value>>,
    valid_to: Option<Spanned<toml::Value>>,
    successor: Option<Text>,
    #[serde(default)]
    aliases: Vec<Text>,
    #[serde(default)]
    categories: Vec<Text>,
}

/// Where in the file an organisation's values are, for later problems.
pub(crate) struct OrgLines {
    pub id: usize,
    pub name: usize,
    pub aliases: Vec<usize>,
    pub former_names: Vec<usize>,
    pub numbers: Vec<usize>,
}

/// Where in the file a unit's values are, for later problems.
pub(crate) struct UnitLines {
    pub id: usize,
    pub name: usize,
    pub organisation: usize,
    pub successor: Option<usize>,
    pub valid_to: Option<usize>,
    pub aliases: Vec<usize>,
    pub categories: Vec<usize>,
}

/// The file's entries as far as each could be read on its own.
pub(crate) struct Draft {
    pub orgs: Vec<(Organisation, OrgLines)>,
    pub units: Vec<(Unit, UnitLines)>,
    pub people: Vec<SignInPerson>,
    /// `[[role]]` entries, with their lines for the cross-checks.
    pub roles: Vec<(crate::roles::RoleMapping, crate::roles::RoleLines)>,
    /// `[[subunit]]` entries, with their lines for the cross-checks.
    pub subunits: Vec<(crate::subunits::SubUnit, crate::subunits::SubUnitLines)>,
    /// `[[category]]` entries, with their lines for the cross-checks.
    pub categories: Vec<(samavvik_core::CategoryDef, crate::categories::CategoryLines)>,
    /// Whether the file has `[[category]]` entries (else the standard list).
    pub categories_in_file: bool,
    /// Ids of entries left out for a problem already reported.
    pub broken_orgs: HashSet<String>,
    pub broken_units: HashSet<String>,
}

/// The 1-based line of a byte offset.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

struct Reader<'a> {
    text: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl Reader<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        line_at(self.text, span.start)
    }

    fn problem(&mut self, span: Range<usize>, message: String) {
        let line = self.line(span);
        self.problems.push(Problem::at(line, message));
    }

    fn nonempty(&mut self, t: &Text, what: &str) -> String {
        if t.get_ref().trim().is_empty() {
            self.problem(t.span(), format!("{what} kan ikke være tomt."));
        }
        t.get_ref().clone()
    }

    fn emails(&mut self, list: &[Text], owner: &str) -> Vec<String> {
        list.iter().map(|e| self.email(e, owner)).collect()
    }

    fn email(&mut self, e: &Text, owner: &str) -> String {
        if !plausible_email(e.get_ref()) {
            self.problem(
                e.span(),
                format!("{owner}: «{}» er ikke en gyldig e-postadresse.", e.get_ref()),
            );
        }
        e.get_ref().clone()
    }

    fn date(&mut self, v: &Option<Spanned<toml::Value>>, owner: &str, key: &str) -> Option<NaiveDate> {
        let v = v.as_ref()?;
        let parsed = toml_date(v.get_ref());
        if parsed.is_none() {
            self.problem(
                v.span(),
                format!("{owner}: {key} må være en dato på formen 2024-01-31."),
            );
        }
        parsed
    }

    fn org(&mut self, raw: RawOrg, broken: &mut HashSet<String>) -> Option<(Organisation, OrgLines)> {
        let id = OrgId::new(raw.id.get_ref().as_str());
        let kind = OrgKind::from_slug(raw.kind.get_ref());
        if id.is_err() {
            self.problem(
                raw.id.span(),
                format!(
                    "Organisasjons-id «{}» er ugyldig: bruk a–z, 0–9 og «-».",
                    raw.id.get_ref()
                ),
            );
        }
        if kind.is_none() {
            let allowed = OrgKind::ALL.iter().map(|k| k.slug()).collect::<Vec<_>>().join(", ");
            self.problem(
                raw.kind.span(),
                format!(
                    "Organisasjonen «{}» har ukjent kind «{}» (tillatt: {allowed}).",
                    raw.id.get_ref(),
                    raw.kind.get_ref()
                ),
            );
        }
        let (Ok(id), Some(kind)) = (id, kind) else {
            broken.insert(raw.id.into_inner());
            return None;
        };
        let name = self.nonempty(&raw.name, &format!("Navnet til organisasjonen «{id}»"));
        for n in &raw.numbers {
            if !(n.get_ref().len() == 4 && n.get_ref().bytes().all(|b| b.is_ascii_digit())) {
                self.problem(
                    n.span(),
                    format!(
                        "Organisasjonen «{id}»: kommunenummer «{}» må ha fire sifre.",
                        n.get_ref()
                    ),
                );
            }
        }
        let lines = |list: &[Text]| list.iter().map(|t| self.line(t.span())).collect::<Vec<_>>();
        let org_lines = OrgLines {
            id: self.line(raw.id.span()),
            name: self.line(raw.name.span()),
            aliases: lines(&raw.aliases),
            former_names: lines(&raw.former_names),
            numbers: lines(&raw.numbers),
        };
        let strings = |list: Vec<Text>| list.into_iter().map(Spanned::into_inner).collect();
        let org = Organisation {
            id,
            name,
            kind,
            sender_review_required: raw.sender_review_required,
            aliases: strings(raw.aliases),
            former_names: strings(raw.former_names),
            numbers: strings(raw.numbers),
        };
        Some((org, org_lines))
    }

    fn unit(&mut self, raw: RawUnit, broken: &mut HashSet<String>) -> Option<(Unit, UnitLines)> {
        let id = UnitId::new(raw.id.get_ref().as_str());
        let kind = UnitKind::from_slug(raw.kind.get_ref());
        if id.is_err() {
            self.problem(
                raw.id.span(),
                format!("Enhets-id «{}» er ugyldig: bruk a–z, 0–9 og «-».", raw.id.get_ref()),
            );
        }
        if kind.is_none() {
            let allowed = UnitKind::ALL.iter().map(|k| k.slug()).collect::<Vec<_>>().join(", ");
            self.problem(
                raw.kind.span(),
                format!(
                    "Enheten «{}» har ukjent kind «{}» (tillatt: {allowed}).",
                    raw.id.get_ref(),
                    raw.kind.get_ref()
                ),
            );
        }
        let organisation = OrgId::new(raw.organisation.get_ref().as_str());
        if organisation.is_err() {
            self.problem(
                raw.organisation.span(),
                format!(
                    "Enheten «{}» viser til en ugyldig organisasjons-id «{}».",
                    raw.id.get_ref(),
                    raw.organisation.get_ref()
                ),
            );
        }
        let (Ok(id), Some(kind), Ok(organisation)) = (id, kind, organisation) else {
            broken.insert(raw.id.into_inner());
            return None;
        };
        let owner = format!("Enheten «{id}»");
        let name = self.nonempty(&raw.name, &format!("Navnet til enheten «{id}»"));
        let postmottak_email = raw.postmottak_email.as_ref().map(|e| self.email(e, &owner));
        if postmottak_email.is_none() && kind.needs_postmottak_email() {
            self.problem(
                raw.id.span(),
                format!("{owner} ({}) mangler postmottak_email.", kind.slug()),
            );
        }
        let leader_emails = self.emails(&raw.leader_emails, &owner);
        let deputy_emails = self.emails(&raw.deputy_emails, &owner);
        for r in &raw.age_recipients {
            if !plausible_age_recipient(r.get_ref()) {
                self.problem(
                    r.span(),
                    format!(
                        "{owner}: «{}» er ikke en gyldig age-mottaker (age1…, 62 tegn, gyldig sjekksum).",
                        r.get_ref()
                    ),
                );
            }
        }
        let successor = raw
            .successor
            .as_ref()
            .and_then(|s| match UnitId::new(s.get_ref().as_str()) {
                Ok(s) => Some(s),
                Err(_) => {
                    self.problem(
                        s.span(),
                        format!("{owner}: etterfølger «{}» er ikke en gyldig enhets-id.", s.get_ref()),
                    );
                    None
                }
            });
        let mut categories = Vec::new();
        let mut category_lines = Vec::new();
        for c in &raw.categories {
            match Category::from_slug(c.get_ref()) {
                Some(cat) => {
                    categories.push(cat);
                    category_lines.push(self.line(c.span()));
                }
                None => self.problem(
                    c.span(),
                    format!("{owner}: «{}» er ikke en gyldig kategori-slug.", c.get_ref()),
                ),
            }
        }
        let valid_from = self.date(&raw.valid_from, &owner, "valid_from");
        let valid_to = self.date(&raw.valid_to, &owner, "valid_to");
        let unit_lines = UnitLines {
            id: self.line(raw.id.span()),
            name: self.line(raw.name.span()),
            organisation: self.line(raw.organisation.span()),
            successor: raw.successor.as_ref().map(|s| self.line(s.span())),
            valid_to: raw.valid_to.as_ref().map(|v| self.line(v.span())),
            aliases: raw.aliases.iter().map(|t| self.line(t.span())).collect(),
            categories: category_lines,
        };
        let unit = Unit {
            id,
            name,
            organisation,
            kind,
            postmottak_email,
            leader_emails,
            deputy_emails,
            age_recipients: raw.age_recipients.into_iter().map(Spanned::into_inner).collect(),
            valid_from,
            valid_to,
            successor,
            aliases: raw.aliases.into_iter().map(Spanned::into_inner).collect(),
            categories,
        };
        Some((unit, unit_lines))
    }
}

/// Reads `text` into a [`Draft`], adding what is wrong to `problems`.
/// `None` when the file is not valid TOML of the expected shape at all.
pub(crate) fn read(text: &str, problems: &mut Vec<Problem>) -> Option<Draft> {
    let file: RawFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let line = e.span().map(|s| line_at(text, s.start));
            problems.push(Problem {
                source: String::new(),
                line,
                message: format!("Filen kan ikke leses som katalog: {}", e.message()),
            });
            return None;
        }
    };
    let mut reader = Reader { text, problems };
    let mut draft = Draft {
        orgs: Vec::new(),
        units: Vec::new(),
        people: Vec::new(),
        roles: Vec::new(),
        subunits: Vec::new(),
        categories: Vec::new(),
        categories_in_file: !file.category.is_empty(),
        broken_orgs: HashSet::new(),
        broken_units: HashSet::new(),
    };
    for raw in file.organisation {
        if let Some(entry) = reader.org(raw, &mut draft.broken_orgs) {
            draft.orgs.push(entry);
        }
    }
    for raw in file.unit {
        if let Some(entry) = reader.unit(raw, &mut draft.broken_units) {
            draft.units.push(entry);
        }
    }
    let mut subjects: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for raw in file.person {
        let email = reader.email(&raw.email, "[[person]]");
        let mut oidc = Vec::new();
        for key in &raw.oidc {
            let line = reader.line(key.span());
            let well_formed = key
                .get_ref()
                .split_once(':')
                .is_some_and(|(p, s)| !p.trim().is_empty() && !s.trim().is_empty());
            if !well_formed {
                reader.problem(
                    key.span(),
                    format!("{email}: «{}» må ha formen «leverandør:subjekt».", key.get_ref()),
                );
            } else if let Some(first) = subjects.insert(key.get_ref().clone(), line) {
                reader.problem(
                    key.span(),
                    format!("{email}: «{}» er brukt før (linje {first}).", key.get_ref()),
                );
            }
            oidc.push(key.get_ref().clone());
        }
        draft.people.push(SignInPerson { email, oidc });
    }
    let line = |span: Range<usize>| line_at(text, span.start);
    for raw in file.role {
        if let Some(entry) = crate::roles::read(raw, &line, reader.problems) {
            draft.roles.push(entry);
        }
    }
    for raw in file.subunit {
        if let Some(entry) = crate::subunits::read(raw, &line, reader.problems) {
            draft.subunits.push(entry);
        }
    }
    for raw in file.category {
        if let Some(entry) = crate::categories::read(raw, &line, reader.problems) {
            draft.categories.push(entry);
        }
    }
    Some(draft)
}
