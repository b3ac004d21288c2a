//! `[[category]]` entries: the report categories, as data the secretariat
//! keeps in the directory file (issue 20, point 8).
//!
//! ```toml
//! [[category]]
//! slug = "henvisning"                    # stored on cases; never reuse it
//! label = "Henvisning"
//! description = "Henvisning fra fastlege eller kommune til sykehuset."
//! valid_from = 2027-01-01                # optional: first day in the form
//! valid_to = 2027-12-31                  # optional: last day in the form
//! replaced_by = "henvisning-og-svar"     # optional: offered instead after valid_to
//! ```
//!
//! A category that ends keeps its entry (with `valid_to`): old cases show
//! its label and reports of their periods still count it. A file without
//! any `[[category]]` uses the list that shipped in code
//! ([`Categories::standard`]).

use std::collections::HashMap;

use samavvik_core::{Categories, Category, CategoryDef};
use serde::Deserialize;
use toml::Spanned;

use crate::problem::Problem;
use crate::shape::toml_date;

type Text = Spanned<String>;

/// An entry as the file has it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCategory {
    slug: Text,
    label: Text,
    description: Text,
    valid_from: Option<Spanned<toml::Value>>,
    valid_to: Option<Spanned<toml::Value>>,
    replaced_by: Option<Text>,
}

/// Where an entry's parts are in the file, for the cross-checks.
pub(crate) struct CategoryLines {
    pub slug: usize,
    pub valid_to: Option<usize>,
    pub replaced_by: Option<usize>,
}

/// Reads one entry; `line` turns a span into a line number. `None` (with
/// a problem) when its slug cannot be used.
pub(crate) fn read(
    raw: RawCategory,
    line: &dyn Fn(std::ops::Range<usize>) -> usize,
    problems: &mut Vec<Problem>,
) -> Option<(CategoryDef, CategoryLines)> {
    let at = line(raw.slug.span());
    let Ok(slug) = Category::new(raw.slug.get_ref()) else {
        problems.push(Problem::at(
            at,
            format!(
                "Kategori: slug «{}» er ugyldig: bruk a–z, 0–9 og «-».",
                raw.slug.get_ref()
            ),
        ));
        return None;
    };
    let owner = format!("Kategorien «{slug}»");
    for (t, key) in [(&raw.label, "label"), (&raw.description, "description")] {
        if t.get_ref().trim().is_empty() {
            problems.push(Problem::at(
                line(t.span()),
                format!("{owner}: {key} kan ikke være tom."),
            ));
        }
    }
    let mut day = |v: &Option<Spanned<toml::Value>>, key: &str| {
        let v = v.as_ref()?;
        let parsed = toml_date(v.get_ref());
        if parsed.is_none() {
            problems.push(Problem::at(
                line(v.span()),
                format!("{owner}: {key} må være en dato på formen 2024-01-31."),
            ));
        }
        parsed
    };
    let valid_from = day(&raw.valid_from, "valid_from");
    let valid_to = day(&raw.valid_to, "valid_to");
    let replaced_by = raw.replaced_by.as_ref().and_then(|r| match Category::new(r.get_ref()) {
        Ok(r) => Some(r),
        Err(_) => {
            problems.push(Problem::at(
                line(r.span()),
                format!("{owner}: replaced_by «{}» er ikke en gyldig slug.", r.get_ref()),
            ));
            None
        }
    });
    let lines = CategoryLines {
        slug: at,
        valid_to: raw.valid_to.as_ref().map(|v| line(v.span())),
        replaced_by: raw.replaced_by.as_ref().map(|r| line(r.span())),
    };
    let def = CategoryDef {
        slug,
        label: raw.label.into_inner().trim().to_owned(),
        description: raw.description.into_inner().trim().to_owned(),
        valid_from,
        valid_to,
        replaced_by,
    };
    Some((def, lines))
}

/// Checks across entries: slugs once each (a retired slug is never given
/// a new meaning), sound dates, `replaced_by` names a category that is in
/// use after this one ends, «annet» always in use. `any_read` is whether
/// the file had `[[category]]` entries at all (an empty list means the
/// standard one).
pub(crate) fn cross_check(entries: &[(CategoryDef, CategoryLines)], any_read: bool, problems: &mut Vec<Problem>) {
    if !any_read {
        return;
    }
    let mut seen: HashMap<&Category, (usize, bool)> = HashMap::new();
    for (def, lines) in entries {
        let retired = def.valid_to.is_some();
        if let Some(&(first, first_retired)) = seen.get(&def.slug) {
            let why = if first_retired || retired {
                " En kategori som er avsluttet, beholder sin slug for gamle saker: gi den nye kategorien en ny slug."
            } else {
                ""
            };
            problems.push(Problem::at(
                lines.slug,
                format!("Kategori-slug «{}» er brukt før (linje {first}).{why}", def.slug),
            ));
        } else {
            seen.insert(&def.slug, (lines.slug, retired));
        }
        if let (Some(from), Some(to)) = (def.valid_from, def.valid_to)
            && to < from
        {
            problems.push(Problem::at(
                lines.valid_to.unwrap_or(lines.slug),
                format!("Kategorien «{}»: valid_to ({to}) er før valid_from ({from}).", def.slug),
            ));
        }
        if let Some(r) = &def.replaced_by {
            let at = lines.replaced_by.unwrap_or(lines.slug);
            match entries.iter().find(|(d, _)| &d.slug == r) {
                None => problems.push(Problem::at(
                    at,
                    format!(
                        "Kategorien «{}»: replaced_by viser til en ukjent kategori «{r}».",
                        def.slug
                    ),
                )),
                Some(_) if r == &def.slug => problems.push(Problem::at(
                    at,
                    format!("Kategorien «{}» kan ikke erstattes av seg selv.", def.slug),
                )),
                Some((other, _)) => {
                    let after = def.valid_to.and_then(|t| t.succ_opt());
                    if def.valid_to.is_none() {
                        problems.push(Problem::at(
                            at,
                            format!(
                                "Kategorien «{}» har replaced_by, men ingen valid_to: sett siste dag den kan velges.",
                                def.slug
                            ),
                        ));
                    } else if after.is_some_and(|d| !other.valid_on(d)) {
                        problems.push(Problem::at(
                            at,
                            format!(
                                "Kategorien «{}»: «{r}» er ikke i bruk dagen etter valid_to, så skjemaet har ingenting å tilby i stedet.",
                                def.slug
                            ),
                        ));
                    }
                }
            }
        }
    }
    match entries.iter().find(|(d, _)| d.slug.slug() == Category::OTHER) {
        None => problems.push(Problem::whole_file(
            "Kategorilisten mangler «annet»: den må alltid finnes og være i bruk.".into(),
        )),
        Some((d, lines)) if d.valid_from.is_some() || d.valid_to.is_some() => problems.push(Problem::at(
            lines.slug,
            "Kategorien «annet» må alltid være i bruk: fjern valid_from og valid_to.".into(),
        )),
        Some(_) => {}
    }
}

/// The list a checked file gives: its entries, or the standard list when
/// it has none.
pub(crate) fn list(entries: Vec<(CategoryDef, CategoryLines)>) -> Categories {
    if entries.is_empty() {
        Categories::standard()
    } else {
        Categories::new(entries.into_iter().map(|(d, _)| d).collect())
    }
}
