//! `check` catches each kind of mistake, on the right line.
//!
//! Each test breaks a small valid directory in one way and looks for the
//! problem; the base itself must have none, or every test would pass for
//! the wrong reason.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use samavvik_routing::{Directory, LoadError, Problem, check};

const BASE: &str = r#"
[[organisation]]
id = "siv"
name = "Sykehuset"
kind = "hospital"

[[organisation]]
id = "a"
name = "A kommune"
kind = "kommune"
numbers = ["1234"]

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
aliases = ["K1"]

[[unit]]
id = "a-pm"
name = "A kommune, postmottak"
organisation = "a"
kind = "postmottak"
postmottak_email = "pm@a.example.no"

[[unit]]
id = "triage"
name = "Triage"
organisation = "sek"
kind = "triage"
postmottak_email = "t@sek.example.no"
"#;

/// `BASE` with `old` replaced by `new` (which must change something).
fn edit(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "{old}");
    BASE.replacen(old, new, 1)
}

/// 1-based line of the first line containing `needle`, after `skip` earlier ones.
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
fn one(text: &str, fragment: &str, line: Option<usize>) -> Problem {
    let problems = check(text, "test.toml");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = problems.into_iter().next().unwrap();
    assert!(p.message.contains(fragment), "{p}");
    assert_eq!(p.line, line, "{p}");
    p
}

fn without_triage() -> String {
    let (head, _) = BASE.split_once("[[unit]]\nid = \"triage\"").unwrap();
    head.to_owned()
}

const UNIT_X: &str = r#"
[[unit]]
id = "x"
name = "X"
organisation = "siv"
kind = "klinikk"
postmottak_email = "pm@siv.example.no"
"#;

#[test]
fn the_base_is_valid() {
    assert_eq!(check(BASE, "test.toml"), vec![]);
    assert!(Directory::from_toml_str(BASE, "test.toml").is_ok());
}

#[test]
fn toml_syntax_error_has_its_line() {
    let text = format!("{BASE}\n[[unit]\nid = \"y\"\n");
    one(&text, "kan ikke leses", Some(line_of(&text, "[[unit]", 4)));
    let text = edit("numbers = [\"1234\"]", "numbers = [\"1234\"]\nnumbers = [\"5678\"]");
    one(&text, "kan ikke leses", Some(line_of(&text, "numbers", 1)));
}

#[test]
fn unknown_and_missing_keys_are_problems() {
    let text = edit(
        "aliases = [\"K1\"]",
        "aliases = [\"K1\"]\npostmotak_email = \"x@siv.example.no\"",
    );
    one(&text, "postmotak_email", Some(line_of(&text, "postmotak_email", 0)));
    let text = edit("name = \"Klinikk en\"\n", "");
    one(&text, "name", Some(line_of(&text, "id = \"siv-k1\"", 0) - 1));
}

#[test]
fn duplicate_ids() {
    let text = format!(
        "{BASE}{}",
        UNIT_X
            .replace("\"x\"", "\"siv-k1\"")
            .replace("name = \"X\"", "name = \"X2\"")
    );
    one(
        &text,
        "«siv-k1» er brukt før (linje",
        Some(line_of(&text, "id = \"siv-k1\"", 1)),
    );
    let text = format!("{BASE}\n[[organisation]]\nid = \"a\"\nname = \"B kommune\"\nkind = \"kommune\"\n");
    one(&text, "«a» er brukt før", Some(line_of(&text, "id = \"a\"", 1)));
}

#[test]
fn duplicate_aliases_and_aliases_pointing_two_ways() {
    let text = edit("aliases = [\"K1\"]", "aliases = [\"K1\", \"k1\"]");
    one(&text, "står to ganger", Some(line_of(&text, "aliases", 0)));
    // The same name after folding case and Norwegian letters, on two entries.
    let text = edit("numbers = [\"1234\"]", "numbers = [\"1234\"]\naliases = [\"Nøtterøy\"]")
        .replace("aliases = [\"K1\"]", "aliases = [\"NOTTEROY\"]");
    one(
        &text,
        "er også et navn på organisasjonen «a»",
        Some(line_of(&text, "NOTTEROY", 0)),
    );
    // A kommune's short name counts as a name.
    let text = edit("aliases = [\"K1\"]", "aliases = [\"A\"]");
    one(
        &text,
        "«A» er også et navn på organisasjonen «a»",
        Some(line_of(&text, "aliases = [\"A\"]", 0)),
    );
    let text = edit("aliases = [\"K1\"]", "aliases = [\" - \"]");
    one(&text, "ingen bokstaver eller sifre", Some(line_of(&text, "aliases", 0)));
}

#[test]
fn invalid_emails() {
    let text = edit(
        "postmottak_email = \"t@sek.example.no\"",
        "postmottak_email = \"sekretariatet at sek\"",
    );
    one(
        &text,
        "«sekretariatet at sek» er ikke en gyldig e-postadresse",
        Some(line_of(&text, "sekretariatet at sek", 0)),
    );
    let text = edit(
        "aliases = [\"K1\"]",
        "aliases = [\"K1\"]\nleader_emails = [\"ok@siv.example.no\", \"Leder <leder@siv.example.no>\"]",
    );
    one(
        &text,
        "«Leder <leder@siv.example.no>»",
        Some(line_of(&text, "leader_emails", 0)),
    );
    let text = edit("postmottak_email = \"t@sek.example.no\"\n", "");
    one(
        &text,
        "mangler postmottak_email",
        Some(line_of(&text, "id = \"triage\"", 0)),
    );
}

#[test]
fn age_recipients_are_checked_by_shape() {
    let good = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    let text = edit(
        "aliases = [\"K1\"]",
        &format!("aliases = [\"K1\"]\nage_recipients = [\"{good}\"]"),
    );
    assert_eq!(check(&text, "t"), vec![]);
    let bad = good.replace("ql3z", "ql3x");
    let text = edit(
        "aliases = [\"K1\"]",
        &format!("aliases = [\"K1\"]\nage_recipients = [\n  \"{good}\",\n  \"{bad}\",\n]"),
    );
    one(&text, "ikke en gyldig age-mottaker", Some(line_of(&text, &bad, 0)));
}

#[test]
fn successors_must_exist_end_and_not_loop() {
    let text = edit(
        "aliases = [\"K1\"]",
        "aliases = [\"K1\"]\nvalid_to = 2023-12-31\nsuccessor = \"finnes-ikke\"",
    );
    one(
        &text,
        "etterfølger «finnes-ikke» som ikke finnes",
        Some(line_of(&text, "successor", 0)),
    );
    let text = edit("aliases = [\"K1\"]", "aliases = [\"K1\"]\nsuccessor = \"triage\"");
    one(
        &text,
        "har etterfølger, men ingen valid_to",
        Some(line_of(&text, "successor", 0)),
    );
    let text = edit(
        "aliases = [\"K1\"]",
        "aliases = [\"K1\"]\nvalid_to = 2023-12-31\nsuccessor = \"siv-k1\"",
    );
    one(&text, "sin egen etterfølger", Some(line_of(&text, "successor", 0)));
}

#[test]
fn a_successor_cycle_is_refused() {
    let x = UNIT_X.replace(
        "kind = \"klinikk\"",
        "kind = \"klinikk\"\nvalid_to = 2023-12-31\nsuccessor = \"y\"",
    );
    let y = UNIT_X
        .replace("\"x\"", "\"y\"")
        .replace("name = \"X\"", "name = \"Y\"")
        .replace(
            "kind = \"klinikk\"",
            "kind = \"klinikk\"\nvalid_to = 2024-12-31\nsuccessor = \"z\"",
        );
    let z = UNIT_X
        .replace("\"x\"", "\"z\"")
        .replace("name = \"X\"", "name = \"Z\"")
        .replace(
            "kind = \"klinikk\"",
            "kind = \"klinikk\"\nvalid_to = 2025-12-31\nsuccessor = \"x\"",
        );
    let text = format!("{BASE}{x}{y}{z}");
    let p = one(
        &text,
        "Etterfølgerne danner en ring: x → y → z → x.",
        Some(line_of(&text, "successor = \"y\"", 0)),
    );
    assert_eq!(
        p.to_string(),
        format!(
            "test.toml:{}: Etterfølgerne danner en ring: x → y → z → x.",
            p.line.unwrap()
        )
    );
    assert!(Directory::from_toml_str(&text, "t").is_err());
}

#[test]
fn every_organisation_needs_a_postmottak_and_the_file_a_triage_unit() {
    let text = edit(
        "kind = \"postmottak\"\npostmottak_email = \"pm@a.example.no\"",
        "kind = \"service-area\"",
    );
    one(
        &text,
        "«a» har ingen enhet av typen postmottak",
        Some(line_of(&text, "id = \"a\"", 0)),
    );
    one(&without_triage(), "ingen enhet av typen triage", None);
    let text = format!(
        "{BASE}{}",
        UNIT_X
            .replace("organisation = \"siv\"", "organisation = \"sek\"")
            .replace("\"klinikk\"", "\"triage\"")
    );
    one(&text, "triage-enhet nummer to", Some(line_of(&text, "id = \"x\"", 0)));
    let text = format!(
        "{BASE}{}",
        UNIT_X
            .replace("\"x\"", "\"a-pm2\"")
            .replace("\"siv\"", "\"a\"")
            .replace("\"klinikk\"", "\"postmottak\"")
    );
    one(
        &text,
        "mer enn ett postmottak uten sluttdato",
        Some(line_of(&text, "id = \"a\"", 0)),
    );
}

#[test]
fn units_must_belong_to_a_known_organisation_of_a_fitting_kind() {
    let text = format!(
        "{BASE}{}",
        UNIT_X.replace("organisation = \"siv\"", "organisation = \"b\"")
    );
    one(
        &text,
        "ukjent organisasjon «b»",
        Some(line_of(&text, "organisation = \"b\"", 0)),
    );
    let text = format!(
        "{BASE}{}",
        UNIT_X.replace("organisation = \"siv\"", "organisation = \"a\"")
    );
    one(
        &text,
        "typen klinikk, som ikke passer i en organisasjon av typen kommune",
        Some(line_of(&text, "id = \"x\"", 0)),
    );
}

#[test]
fn dates_must_be_dates_in_order() {
    let text = edit(
        "aliases = [\"K1\"]",
        "aliases = [\"K1\"]\nvalid_from = 2024-01-01\nvalid_to = 2023-12-31",
    );
    one(
        &text,
        "valid_to (2023-12-31) er før valid_from (2024-01-01)",
        Some(line_of(&text, "valid_to", 0)),
    );
    let text = edit("aliases = [\"K1\"]", "aliases = [\"K1\"]\nvalid_to = \"31.12.2023\"");
    one(&text, "valid_to må være en dato", Some(line_of(&text, "valid_to", 0)));
    let text = edit("aliases = [\"K1\"]", "aliases = [\"K1\"]\nvalid_to = \"2023-12-31\"");
    assert_eq!(check(&text, "t"), vec![], "a date as a string is accepted");
}

#[test]
fn ids_kinds_numbers_and_categories_are_checked() {
    let text = edit("id = \"siv-k1\"", "id = \"SiV K1\"");
    one(&text, "«SiV K1» er ugyldig", Some(line_of(&text, "SiV K1", 0)));
    let text = edit("kind = \"klinikk\"", "kind = \"avdeling\"");
    one(&text, "ukjent kind «avdeling»", Some(line_of(&text, "avdeling", 0)));
    let text = edit("numbers = [\"1234\"]", "numbers = [\"1234\", \"123\"]");
    one(&text, "«123» må ha fire sifre", Some(line_of(&text, "numbers", 0)));
    let text = edit("aliases = [\"K1\"]", "aliases = [\"K1\"]\ncategories = [\"akutt\"]");
    one(&text, "ukjent kategori «akutt»", Some(line_of(&text, "categories", 0)));
    let claims = edit(
        "aliases = [\"K1\"]",
        "aliases = [\"K1\"]\ncategories = [\"akuttkjeden\"]",
    );
    let text = format!(
        "{claims}{}",
        UNIT_X.replace(
            "kind = \"klinikk\"",
            "kind = \"klinikk\"\ncategories = [\"akuttkjeden\"]"
        )
    );
    one(
        &text,
        "«akuttkjeden» er allerede knyttet til «siv-k1»",
        Some(line_of(&text, "categories", 1)),
    );
}

#[test]
fn a_broken_entry_does_not_cause_follow_on_problems() {
    // The organisation's kind is wrong; its units must not also report an
    // unknown organisation.
    let text = edit("kind = \"kommune\"", "kind = \"kommmune\"");
    one(&text, "ukjent kind «kommmune»", Some(line_of(&text, "kommmune", 0)));
}

#[test]
fn problems_are_sorted_by_line_and_named_by_source() {
    let text = edit("postmottak_email = \"t@sek.example.no\"", "postmottak_email = \"nei\"")
        .replace("aliases = [\"K1\"]", "aliases = [\"K1\", \"K1\"]");
    let problems = check(&text, "deploy/directory.toml");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].line < problems[1].line);
    assert!(problems.iter().all(|p| p.source == "deploy/directory.toml"));
    assert_eq!(
        Directory::from_toml_str(&text, "deploy/directory.toml").unwrap_err(),
        problems
    );
}

#[test]
fn load_reports_io_and_content_problems() {
    let missing = std::env::temp_dir().join(format!("samavvik-routing-missing-{}.toml", std::process::id()));
    assert!(matches!(Directory::load(&missing), Err(LoadError::Io { .. })));
    let path = std::env::temp_dir().join(format!("samavvik-routing-broken-{}.toml", std::process::id()));
    std::fs::write(&path, without_triage()).unwrap();
    let err = Directory::load(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let shown = err.to_string();
    assert!(
        shown.contains("har 1 feil") && shown.contains("ingen enhet av typen triage"),
        "{shown}"
    );
    let path = std::env::temp_dir().join(format!("samavvik-routing-good-{}.toml", std::process::id()));
    std::fs::write(&path, BASE).unwrap();
    let loaded = Directory::load(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.unwrap().units().len(), 4);
}

/// Klinikk en with a leader and the `deputies` line given.
fn with_deputies(deputies: &str) -> String {
    edit(
        "aliases = [\"K1\"]",
        &format!("aliases = [\"K1\"]\nleader_emails = [\"lead@siv.example.no\"]\n{deputies}"),
    )
}

#[test]
fn deputies_act_with_the_leaders() {
    let ok = with_deputies("deputy_emails = [\"deputy@siv.example.no\"]");
    assert_eq!(check(&ok, "test.toml"), vec![]);
    let dir = Directory::from_toml_str(&ok, "test.toml").unwrap();
    let k1 = dir.unit(&samavvik_core::UnitId::new("siv-k1").unwrap()).unwrap();
    assert_eq!(
        k1.acting_leaders().collect::<Vec<_>>(),
        vec!["lead@siv.example.no", "deputy@siv.example.no"]
    );
}

#[test]
fn a_deputy_is_not_also_a_leader_nor_listed_twice() {
    let text = with_deputies("deputy_emails = [\"LEAD@siv.example.no\"]");
    one(
        &text,
        "både leder og stedfortreder",
        Some(line_of(&text, "id = \"siv-k1\"", 0)),
    );
    let text = with_deputies("deputy_emails = [\"d@siv.example.no\", \"D@siv.example.no\"]");
    one(&text, "står to ganger", Some(line_of(&text, "id = \"siv-k1\"", 0)));
    let text = with_deputies("deputy_emails = [\"ikke-en-adresse\"]");
    one(
        &text,
        "ikke en gyldig e-postadresse",
        Some(line_of(&text, "ikke-en-adresse", 0)),
    );
}

#[test]
fn role_mappings_name_known_units_once_per_claim_value() {
    let role = "\n[[role]]\nprovider = \"a-entra\"\napp_role = \"Samavvik.Leder\"\nunits = [\"siv-k1\"]\n";
    let group = "\n[[role]]\nprovider = \"a-entra\"\ngroup = \"9b1c-group\"\nunits = [\"a-pm\", \"siv-k1\"]\n";
    let text = format!("{BASE}{role}{group}");
    assert_eq!(check(&text, "test.toml"), vec![]);
    let dir = Directory::from_toml_str(&text, "test.toml").unwrap();
    assert_eq!(dir.role_mappings().len(), 2);
    assert_eq!(
        dir.role_mappings()[0].claim,
        samavvik_routing::RoleClaim::AppRole("Samavvik.Leder".into())
    );
    assert_eq!(dir.role_mappings()[1].units.len(), 2);

    let text = format!("{BASE}{}", role.replace("siv-k1", "nowhere"));
    one(
        &text,
        "«nowhere» finnes ikke",
        Some(line_of(&text, "units = [\"nowhere\"]", 0)),
    );

    // The same value for the same provider twice: which units would win is a guess.
    let text = format!("{BASE}{role}{}", role.replace("siv-k1", "a-pm"));
    one(
        &text,
        "er brukt før (linje",
        Some(line_of(&text, "provider = \"a-entra\"", 1)),
    );
    // Another provider may use the same value.
    let text = format!("{BASE}{role}{}", role.replace("a-entra", "b-entra"));
    assert_eq!(check(&text, "test.toml"), vec![]);

    let both = role.replace("units", "group = \"g\"\nunits");
    let text = format!("{BASE}{both}");
    one(&text, "nøyaktig én", Some(line_of(&text, "provider = \"a-entra\"", 0)));
    let text = format!("{BASE}{}", role.replace("[\"siv-k1\"]", "[]"));
    one(
        &text,
        "kan ikke være tom",
        Some(line_of(&text, "provider = \"a-entra\"", 0)),
    );
}
