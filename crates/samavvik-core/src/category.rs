//! Report categories: what an avvik concerns.
//!
//! The list is data, not code (issue 20, point 8): the directory file's
//! `[[category]]` entries, versioned with the file, so the secretariat can
//! add, rename and retire categories without a release. A [`Category`] is
//! only its stable slug (stored on cases, counted in statistics, never
//! reused with another meaning); its bokmål label and one-line description
//! come from a [`Categories`] list. A directory without `[[category]]`
//! entries uses [`Categories::standard`], the list that shipped in code
//! before it became data.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::InvalidId;

/// A category's slug: 1–64 characters a–z, 0–9 and `-`, as unit ids.
/// Whether it is in the list, and in use on a date, is the list's business
/// ([`Categories`]); a stored slug stays readable after it is retired.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Category(Arc<str>);

impl Category {
    /// The slug that is always in the list and always in use.
    pub const OTHER: &'static str = "annet";

    /// The category `slug`, if it is a well-formed slug.
    ///
    /// # Errors
    /// [`InvalidId`] as for unit ids.
    pub fn new(slug: &str) -> Result<Category, InvalidId> {
        crate::ids::check_slug(slug)?;
        Ok(Category(Arc::from(slug)))
    }

    /// `Some` for a well-formed slug (not whether any list has it).
    pub fn from_slug(slug: &str) -> Option<Category> {
        Self::new(slug).ok()
    }

    /// A slug written in the code (tests, the standard list).
    ///
    /// # Panics
    /// When `slug` is not well formed: a bug in the literal.
    pub fn from_static(slug: &'static str) -> Category {
        Self::new(slug).unwrap_or_else(|e| panic!("{e}"))
    }

    /// «Annet»: the category every list has.
    pub fn other() -> Category {
        Self::from_static(Self::OTHER)
    }

    pub fn slug(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Category({:?})", &*self.0)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.slug())
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// One entry of the list, as the directory file has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryDef {
    pub slug: Category,
    /// Shown in the form, on case pages and in reports.
    pub label: String,
    /// One line under the label in the form, so reporters pick the same
    /// category for the same kind of incident.
    pub description: String,
    /// First day a report may use it (inclusive).
    pub valid_from: Option<NaiveDate>,
    /// Last day a report may use it (inclusive); old cases keep it.
    pub valid_to: Option<NaiveDate>,
    /// What the form offers instead once it has ended.
    pub replaced_by: Option<Category>,
}

impl CategoryDef {
    /// Whether a report made on `date` may choose it.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

/// The category list of one directory version, in the file's order (the
/// order of the form and of the report's table), retired entries included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Categories(Vec<CategoryDef>);

impl Categories {
    /// A list as given (the directory check has made sure it is sound).
    pub fn new(list: Vec<CategoryDef>) -> Categories {
        Categories(list)
    }

    /// The 17 categories Samavvik shipped with before the list became data;
    /// the list of a directory file without `[[category]]` entries.
    pub fn standard() -> Categories {
        Categories(
            STANDARD
                .iter()
                .map(|&(slug, label, description)| CategoryDef {
                    slug: Category::from_static(slug),
                    label: label.to_owned(),
                    description: description.to_owned(),
                    valid_from: None,
                    valid_to: None,
                    replaced_by: None,
                })
                .collect(),
        )
    }

    /// Every entry, in file order, retired ones included.
    pub fn all(&self) -> &[CategoryDef] {
        &self.0
    }

    pub fn get(&self, category: &Category) -> Option<&CategoryDef> {
        self.0.iter().find(|d| &d.slug == category)
    }

    /// The label of `category`; its slug when the list does not have it
    /// (a category an older directory version had and this one dropped).
    pub fn label<'a>(&'a self, category: &'a Category) -> &'a str {
        self.get(category).map_or(category.slug(), |d| d.label.as_str())
    }

    /// The entries a report made on `date` may choose, in file order.
    pub fn valid_on(&self, date: NaiveDate) -> impl Iterator<Item = &CategoryDef> {
        self.0.iter().filter(move |d| d.valid_on(date))
    }

    /// The list's entry for `slug` when a report made on `date` may choose
    /// it; else a bokmål reason for the form.
    ///
    /// # Errors
    /// The message to show at the category field: not in the list, not yet
    /// in use, or ended (naming what replaced it).
    pub fn choose(&self, category: &Category, date: NaiveDate) -> Result<&CategoryDef, String> {
        let Some(def) = self.get(category) else {
            return Err("En av de valgte kategoriene finnes ikke. Velg fra listen.".into());
        };
        if def.valid_on(date) {
            return Ok(def);
        }
        if def.valid_from.is_some_and(|f| date < f) {
            return Err(format!(
                "Kategorien «{}» er ikke tatt i bruk ennå. Velg en annen kategori.",
                def.label
            ));
        }
        let instead = def
            .replaced_by
            .as_ref()
            .and_then(|r| self.get(r))
            .map(|r| format!(" Bruk «{}» i stedet.", r.label))
            .unwrap_or_default();
        Err(format!(
            "Kategorien «{}» er ikke lenger i bruk.{instead} Velg fra listen.",
            def.label
        ))
    }
}

impl Default for Categories {
    /// The standard list, as for a directory without `[[category]]`.
    fn default() -> Categories {
        Categories::standard()
    }
}

/// (slug, label, description) of [`Categories::standard`]. The last four
/// before «annet» are topics the Helsefellesskap's meeting papers work on.
const STANDARD: &[(&str, &str, &str)] = &[
    (
        "innleggelse",
        "Innleggelse",
        "Innleggelse i sykehus: henvendelse, opplysninger som fulgte pasienten, mottak.",
    ),
    (
        "varsel-kommunale-tjenester",
        "Varsel om behov for kommunale tjenester / innleggelsesrapport",
        "Sykehusets varsel til kommunen om at pasienten trenger kommunale tjenester, og innleggelsesrapporten.",
    ),
    (
        "utskrivningsklar",
        "Utskrivningsklar pasient og varsling",
        "Melding om at pasienten er utskrivningsklar, og varsling mellom sykehus og kommune.",
    ),
    (
        "utskrivning-overforing",
        "Utskrivning og overføring",
        "Selve utskrivningen eller overføringen mellom sykehus og kommune.",
    ),
    (
        "epikrise",
        "Epikrise og sykepleieopplysninger",
        "Epikrise, sykepleiesammenfatning eller andre opplysninger som skulle følge pasienten.",
    ),
    (
        "legemidler",
        "Legemidler (legemiddelliste, resepter, utlevering)",
        "Legemiddelliste, resepter, utlevering eller medisiner som ikke fulgte pasienten.",
    ),
    (
        "pasientinformasjon",
        "Pasientinformasjon og medvirkning",
        "Informasjon til pasient og pårørende, og pasientens medvirkning.",
    ),
    (
        "kontakt-dialog",
        "Kontakt og dialog under oppholdet",
        "Kontakt og dialog mellom tjenestene mens pasienten er innlagt.",
    ),
    (
        "meldingsutveksling",
        "Elektronisk meldingsutveksling (PLO-meldinger)",
        "Elektroniske meldinger (PLO-meldinger) som mangler, kom for sent eller var feil.",
    ),
    (
        "hjelpemidler",
        "Hjelpemidler og utstyr",
        "Hjelpemidler og utstyr pasienten trenger, ved utskrivning eller overføring.",
    ),
    (
        "akuttkjeden",
        "Akuttkjeden (AMK, legevakt, ambulanse)",
        "AMK, legevakt og ambulanse: samarbeidet i akuttkjeden.",
    ),
    (
        "brudd-avtale",
        "Brudd på samarbeidsavtale eller delavtale",
        "Brudd på samarbeidsavtalen eller en av delavtalene mellom sykehuset og kommunene.",
    ),
    (
        "henvisning",
        "Henvisning",
        "Henvisning fra fastlege eller kommune til sykehuset: innhold, mottak eller svar.",
    ),
    (
        "ohd",
        "Øyeblikkelig hjelp døgntilbud (ØHD)",
        "Kommunalt øyeblikkelig hjelp døgntilbud (KAD/ØHD): innleggelse, overføring eller samarbeid.",
    ),
    (
        "tud",
        "Tverrfaglig utvidet døgntilbud (TUD)",
        "Tverrfaglig utvidet døgntilbud (TUD) innen psykisk helse og rus.",
    ),
    (
        "diagnostisk-sloyfe",
        "Diagnostisk sløyfe",
        "Diagnostisk sløyfe: undersøkelse på sykehuset uten innleggelse, og svar tilbake til kommunen.",
    ),
    (
        "annet",
        "Annet",
        "Noe annet i samarbeidet mellom sykehuset og kommunen.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn standard_list_has_unique_slugs_labels_and_descriptions() {
        let list = Categories::standard();
        assert_eq!(list.all().len(), 17);
        let mut seen = std::collections::HashSet::new();
        for d in list.all() {
            assert!(seen.insert(d.slug.clone()), "{:?} twice", d.slug);
            assert!(!d.label.is_empty() && !d.description.is_empty(), "{:?}", d.slug);
        }
        assert!(list.get(&Category::other()).is_some());
    }

    #[test]
    fn slugs_are_checked_and_serialise_as_text() {
        assert_eq!(Category::from_slug("Innleggelse"), None);
        assert_eq!(Category::from_slug(""), None);
        let c = Category::from_static("epikrise");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"epikrise\"");
        assert_eq!(serde_json::from_str::<Category>("\"epikrise\"").unwrap(), c);
        assert!(serde_json::from_str::<Category>("\"Epikrise!\"").is_err());
    }

    #[test]
    fn choosing_follows_the_dates_and_names_the_replacement() {
        let mut list = Categories::standard().0;
        list[0].valid_to = Some(day("2026-06-30"));
        list[0].replaced_by = Some(Category::from_static("henvisning"));
        list[1].valid_from = Some(day("2026-07-01"));
        let list = Categories::new(list);
        let ended = Category::from_static("innleggelse");
        let new = Category::from_static("varsel-kommunale-tjenester");
        assert!(list.choose(&ended, day("2026-06-30")).is_ok());
        let refused = list.choose(&ended, day("2026-07-01")).unwrap_err();
        assert!(
            refused.contains("ikke lenger i bruk") && refused.contains("«Henvisning»"),
            "{refused}"
        );
        assert!(
            list.choose(&new, day("2026-06-30"))
                .unwrap_err()
                .contains("ikke tatt i bruk")
        );
        assert!(list.choose(&new, day("2026-07-01")).is_ok());
        assert!(
            list.choose(&Category::from_static("finnes-ikke"), day("2026-07-01"))
                .is_err()
        );
        assert_eq!(list.valid_on(day("2026-07-01")).count(), 16);
        // A retired category keeps its label for old cases and reports.
        assert_eq!(list.label(&ended), "Innleggelse");
        assert_eq!(list.label(&Category::from_static("borte")), "borte");
    }
}
