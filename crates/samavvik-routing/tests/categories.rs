//! `[[category]]` entries: the category list as directory data (issue 20,
//! point 8). `check` refuses each kind of mistake on its line and field;
//! the shipped file lists the 17 categories; a file without entries uses
//! the standard list.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use samavvik_core::Category;
use samavvik_routing::{Directory, check};

mod common;
use common::DIR;

const BASE: &str = r#"
[[organisation]]
id = "siv"
name = "Sykehuset"
kind = "hospital"

[[organisation]]
id = "sek"
name = "Sekretariatet"
kind = "secretariat"

[[unit]]
id = "siv-pm"
name = "Sykehuset, postmottak"
organisation = "siv"
kind = "postmottak"
postmottak_email = "pm@siv.example.no"

[[unit]]
id = "triage"
name = "Triage"
organisation = "sek"
kind = "triage"
postmottak_email = "t@sek.example.no"
"#;

const LIST: &str = r#"
[[category]]
slug = "epikrise"
label = "Epikrise"
description = "Epikrisen som skulle følge pasienten."
valid_to = 2026-06-30
replaced_by = "utskrivning"

[[category]]
slug = "utskrivning"
label = "Utskrivning og epikrise"
description = "Utskrivningen og papirene som følger pasienten."
valid_from = 2026-07-01

[[category]]
slug = "annet"
label = "Annet"
description = "Noe annet."
"#;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// The problems of BASE + LIST with `from` replaced by `to`, as (line, message).
fn problems(from: &str, to: &str) -> (String, Vec<(Option<usize>, String)>) {
    let text = format!("{BASE}{}", LIST.replacen(from, to, 1));
    let found = check(&text, "k.toml")
        .into_iter()
        .map(|p| (p.line, p.message))
        .collect();
    (text, found)
}

#[test]
fn a_sound_list_loads_in_file_order_with_dates() {
    let text = format!("{BASE}{LIST}");
    assert_eq!(check(&text, "k.toml"), vec![]);
    let dir = Directory::from_toml_str(&text, "k.toml").unwrap();
    let list = dir.categories();
    let slugs: Vec<&str> = list.all().iter().map(|d| d.slug.slug()).collect();
    assert_eq!(slugs, ["epikrise", "utskrivning", "annet"]);
    let on = |d: &str| {
        list.valid_on(day(d))
            .map(|c| c.slug.slug().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(on("2026-06-30"), ["epikrise", "annet"]);
    assert_eq!(on("2026-07-01"), ["utskrivning", "annet"]);
    let refused = list
        .choose(&Category::from_static("epikrise"), day("2026-07-01"))
        .unwrap_err();
    assert!(refused.contains("«Utskrivning og epikrise»"), "{refused}");
    // The retired one keeps its label for old cases and reports.
    assert_eq!(list.label(&Category::from_static("epikrise")), "Epikrise");
}

#[test]
fn without_entries_the_standard_list_applies() {
    let dir = Directory::from_toml_str(BASE, "k.toml").unwrap();
    assert_eq!(dir.categories().all().len(), 17);
}

#[test]
fn the_shipped_directory_lists_todays_17_categories_with_descriptions() {
    let list = DIR.categories();
    assert_eq!(list.all(), samavvik_core::Categories::standard().all());
    for slug in [
        "henvisning",
        "ohd",
        "tud",
        "diagnostisk-sloyfe",
        "utskrivningsklar",
        "epikrise",
        "annet",
    ] {
        let c = list.get(&Category::from_static(slug)).unwrap();
        assert!(!c.description.is_empty(), "{slug}");
    }
}

#[test]
fn a_repeated_slug_is_refused_on_its_line_even_when_retired() {
    let (text, found) = problems("slug = \"utskrivning\"", "slug = \"epikrise\"");
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("slug = \"epikrise\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert!(
        found.iter().any(|(l, m)| *l == Some(second)
            && m.contains("«epikrise» er brukt før")
            && m.contains("gi den nye kategorien en ny slug")),
        "{found:?}"
    );
}

#[test]
fn bad_dates_and_replacements_are_refused_with_their_field() {
    let (text, found) = problems("valid_to = 2026-06-30", "valid_to = \"30.06.2026\"");
    let at = line_of(&text, "valid_to = \"30.06.2026\"");
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == Some(at) && m.contains("valid_to må være en dato")),
        "{found:?}"
    );

    let (text, found) = problems(
        "valid_from = 2026-07-01",
        "valid_from = 2026-07-01\nvalid_to = 2026-01-01",
    );
    let at = line_of(&text, "valid_to = 2026-01-01");
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == Some(at) && m.contains("er før valid_from")),
        "{found:?}"
    );

    let (text, found) = problems("replaced_by = \"utskrivning\"", "replaced_by = \"finnes-ikke\"");
    let at = line_of(&text, "replaced_by = \"finnes-ikke\"");
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == Some(at) && m.contains("ukjent kategori «finnes-ikke»")),
        "{found:?}"
    );

    // The replacement must be offered the day after the end.
    let (_, found) = problems("valid_from = 2026-07-01", "valid_from = 2026-08-01");
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("ikke i bruk dagen etter valid_to")),
        "{found:?}"
    );

    let (_, found) = problems("valid_to = 2026-06-30\n", "");
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("har replaced_by, men ingen valid_to")),
        "{found:?}"
    );
}

#[test]
fn slugs_labels_and_annet_are_checked() {
    let (text, found) = problems("slug = \"utskrivning\"", "slug = \"Utskrivning 2\"");
    let at = line_of(&text, "slug = \"Utskrivning 2\"");
    assert!(
        found.iter().any(|(l, m)| *l == Some(at) && m.contains("er ugyldig")),
        "{found:?}"
    );

    let (text, found) = problems("label = \"Annet\"", "label = \" \"");
    let at = line_of(&text, "label = \" \"");
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == Some(at) && m.contains("label kan ikke være tom")),
        "{found:?}"
    );

    let (_, found) = problems("slug = \"annet\"", "slug = \"annet-nytt\"");
    assert!(
        found.iter().any(|(l, m)| l.is_none() && m.contains("mangler «annet»")),
        "{found:?}"
    );

    let (text, found) = problems(
        "description = \"Noe annet.\"",
        "description = \"Noe annet.\"\nvalid_to = 2027-12-31",
    );
    let at = line_of(&text, "slug = \"annet\"");
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == Some(at) && m.contains("«annet» må alltid være i bruk")),
        "{found:?}"
    );
}

#[test]
fn a_klinikk_may_only_claim_a_category_in_the_list() {
    let text = format!(
        "{BASE}{LIST}\n[[unit]]\nid = \"siv-akutt\"\nname = \"Akuttklinikken\"\norganisation = \"siv\"\nkind = \"klinikk\"\npostmottak_email = \"pm@siv.example.no\"\ncategories = [\"akuttkjeden\"]\n"
    );
    let found = check(&text, "k.toml");
    let at = line_of(&text, "categories = [\"akuttkjeden\"]");
    assert!(
        found
            .iter()
            .any(|p| p.line == Some(at) && p.message.contains("ukjent kategori «akuttkjeden»")),
        "{found:?}"
    );
}
