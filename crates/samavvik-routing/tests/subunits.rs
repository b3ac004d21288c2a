//! `[[subunit]]` entries: wards and sections with their own leaders
//! (issue 20 point 1). `check` refuses each kind of mistake on its line;
//! the reporter's text finds the sub-unit as routing finds names; the
//! nearest leaders fall back to the parent unit's.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use samavvik_core::UnitId;
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
id = "siv-k1"
name = "Klinikk en"
organisation = "siv"
kind = "klinikk"
postmottak_email = "pm@siv.example.no"
leader_emails = ["klinikkleder@siv.example.no"]

[[unit]]
id = "triage"
name = "Triage"
organisation = "sek"
kind = "triage"
postmottak_email = "t@sek.example.no"

[[subunit]]
id = "k1-post3"
name = "Sengepost 3"
parent = "siv-k1"
leader_emails = ["leder.post3@siv.example.no"]
deputy_emails = ["stedfortreder.post3@siv.example.no"]
aliases = ["Post 3", "P3"]

[[subunit]]
id = "k1-slag"
name = "Slagenheten"
parent = "siv-k1"
"#;

fn id(s: &str) -> UnitId {
    UnitId::new(s).unwrap()
}

fn line_of(text: &str, needle: &str, skip: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(skip)
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("{needle}"))
}

/// Asserts exactly one problem, containing `fragment`, on `line`.
#[track_caller]
fn one(text: &str, fragment: &str, line: usize) {
    let problems = check(text, "test.toml");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains(fragment), "{problems:#?}");
    assert_eq!(problems[0].line, Some(line), "{problems:#?}");
}

fn extra(entry: &str) -> String {
    format!("{BASE}\n[[subunit]]\n{entry}\n")
}

#[test]
fn the_base_is_valid_and_sub_units_are_loaded() {
    assert_eq!(check(BASE, "test.toml"), vec![]);
    let dir = Directory::from_toml_str(BASE, "test.toml").unwrap();
    assert_eq!(dir.subunits().len(), 2);
    assert_eq!(dir.subunits_of(&id("siv-k1")).count(), 2);
    assert_eq!(dir.subunit(&id("k1-post3")).unwrap().parent, id("siv-k1"));
}

#[test]
fn the_check_refuses_unknown_parents_duplicates_and_bad_addresses() {
    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"nowhere\"");
    one(
        &text,
        "ukjent enhet «nowhere»",
        line_of(&text, "parent = \"nowhere\"", 0),
    );

    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"siv-pm\"");
    one(&text, "ikke en klinikk", line_of(&text, "parent = \"siv-pm\"", 0));

    let text = extra("id = \"k1-post3\"\nname = \"Annen\"\nparent = \"siv-k1\"");
    one(&text, "er brukt før", line_of(&text, "id = \"k1-post3\"", 1));

    // A unit id, too: both are stored as unit ids on the case.
    let text = extra("id = \"siv-k1\"\nname = \"Annen\"\nparent = \"siv-k1\"");
    one(&text, "allerede en enhets-id", line_of(&text, "id = \"siv-k1\"", 1));

    // Folded like routing: "POST-3" is "Post 3".
    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"siv-k1\"\naliases = [\"POST-3\"]");
    one(&text, "«POST-3» er brukt under «siv-k1»", line_of(&text, "POST-3", 0));

    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"siv-k1\"\nleader_emails = [\"ikke-en-adresse\"]");
    one(
        &text,
        "ikke en gyldig e-postadresse",
        line_of(&text, "ikke-en-adresse", 0),
    );

    let text = extra(
        "id = \"x\"\nname = \"X\"\nparent = \"siv-k1\"\nleader_emails = [\"a@siv.example.no\"]\ndeputy_emails = [\"A@siv.example.no\"]",
    );
    one(&text, "både leder og stedfortreder", line_of(&text, "id = \"x\"", 0));

    let text = extra("id = \"Ikke Slug\"\nname = \"X\"\nparent = \"siv-k1\"");
    one(
        &text,
        "Underenhets-id «Ikke Slug» er ugyldig",
        line_of(&text, "Ikke Slug", 0),
    );

    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"siv-k1\"\nleder = []");
    assert!(!check(&text, "test.toml").is_empty());
}

#[test]
fn the_reporter_s_text_finds_the_sub_unit_under_its_parent_only() {
    let dir = Directory::from_toml_str(BASE, "test.toml").unwrap();
    let k1 = id("siv-k1");
    for typed in ["Sengepost 3", "sengepost 3", "POST 3", "post-3", "p3", "k1-post3"] {
        assert_eq!(
            dir.find_subunit(&k1, typed).map(|s| s.id.as_str()),
            Some("k1-post3"),
            "{typed}"
        );
    }
    assert!(dir.find_subunit(&k1, "post").is_none());
    assert!(dir.find_subunit(&k1, "").is_none());
    assert!(dir.find_subunit(&id("siv-pm"), "Post 3").is_none());
}

#[test]
fn the_nearest_leaders_are_the_sub_unit_s_and_else_the_parent_s() {
    let dir = Directory::from_toml_str(BASE, "test.toml").unwrap();
    let k1 = id("siv-k1");
    assert_eq!(
        dir.nearest_leaders(&k1, Some(&id("k1-post3"))),
        vec!["leder.post3@siv.example.no", "stedfortreder.post3@siv.example.no"]
    );
    // No leader in the sub-unit: the level above reviews.
    assert_eq!(
        dir.nearest_leaders(&k1, Some(&id("k1-slag"))),
        vec!["klinikkleder@siv.example.no"]
    );
    assert_eq!(dir.nearest_leaders(&k1, None), vec!["klinikkleder@siv.example.no"]);
    // A sub-unit of another parent never takes the review.
    assert_eq!(
        dir.nearest_leaders(&id("siv-pm"), Some(&id("k1-post3"))),
        Vec::<&str>::new()
    );
}

#[test]
fn the_shipped_directory_has_wards_and_kommune_teams_with_role_addresses() {
    let wards = DIR.subunits_of(&id("siv-med")).count();
    assert!(wards >= 3, "{wards}");
    assert!(DIR.subunits().iter().any(|s| s.parent.as_str().starts_with("horten-")));
    for s in DIR.subunits() {
        for e in s.acting_leaders() {
            assert!(e.ends_with(".example.no"), "{}: {e}", s.id);
        }
    }
    let med3 = DIR.find_subunit(&id("siv-med"), "med 3").unwrap();
    assert_eq!(med3.id.as_str(), "siv-med-med3");
    // Slagenheten has no leader yet: review goes to the klinikk's leaders.
    let slag = DIR.find_subunit(&id("siv-med"), "Slagenheten").unwrap();
    assert_eq!(
        DIR.nearest_leaders(&id("siv-med"), Some(&slag.id)),
        DIR.unit(&id("siv-med")).unwrap().acting_leaders().collect::<Vec<_>>()
    );
}

#[test]
fn sub_units_have_optional_validity_dates_checked_and_honoured() {
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let text = extra(
        "id = \"k1-gammel\"\nname = \"Gammel post\"\nparent = \"siv-k1\"\nvalid_from = 2024-01-01\nvalid_to = \"2025-12-31\"",
    );
    assert_eq!(check(&text, "test.toml"), vec![]);
    let dir = Directory::from_toml_str(&text, "test.toml").unwrap();
    let sub = dir.subunit(&id("k1-gammel")).unwrap();
    assert_eq!(sub.valid_to, Some(day("2025-12-31")));
    assert!(sub.valid_on(day("2025-12-31")) && !sub.valid_on(day("2026-01-01")));
    assert!(!sub.valid_on(day("2023-12-31")));
    let k1 = id("siv-k1");
    assert!(dir.find_subunit_on(&k1, "Gammel post", day("2025-06-01")).is_some());
    assert!(
        dir.find_subunit_on(&k1, "Gammel post", day("2026-01-01")).is_none(),
        "closed: no longer offered or accepted"
    );
    assert!(
        dir.find_subunit(&k1, "Gammel post").is_some(),
        "old cases keep their name"
    );

    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"siv-k1\"\nvalid_from = 2026-02-01\nvalid_to = 2026-01-31");
    one(
        &text,
        "valid_to (2026-01-31) er før valid_from (2026-02-01)",
        line_of(&text, "valid_to = 2026-01-31", 0),
    );
    let text = extra("id = \"x\"\nname = \"X\"\nparent = \"siv-k1\"\nvalid_from = \"i fjor\"");
    one(&text, "valid_from må være en dato", line_of(&text, "i fjor", 0));
}
