//! Table-driven tests over the directory file that ships in `deploy/`:
//! every name, former name and number the Vestfold file lists must route
//! where it should, in the spellings staff actually type.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use samavvik_core::{Category, Direction, OrgId, UnitId};
use samavvik_routing::{
    Decision, Directory, OrgKind, Refusal, RouteRequest, Rule, UnitKind, check, direction, format_table, route,
};

mod common;
use common::{DIR, SHIPPED, today};

fn uid(s: &str) -> UnitId {
    UnitId::new(s).unwrap()
}

fn oid(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

fn req(from: &str) -> RouteRequest {
    RouteRequest::new(uid(from), today())
}

/// Routes free text from `from`.
fn text(from: &str, hint: &str) -> Result<Decision, Refusal> {
    route(
        &DIR,
        &RouteRequest {
            receiver_hint: Some(hint.into()),
            ..req(from)
        },
    )
}

#[track_caller]
fn expect(result: Result<Decision, Refusal>, unit: &str, rule: Rule) -> Decision {
    let d = result.unwrap_or_else(|r| panic!("refused: {r}"));
    assert_eq!((d.unit.as_str(), d.rule), (unit, rule), "{}", d.explanation);
    d
}

const KOMMUNER: [(&str, &str); 6] = [
    ("horten", "Horten"),
    ("holmestrand", "Holmestrand"),
    ("tonsberg", "Tønsberg"),
    ("sandefjord", "Sandefjord"),
    ("larvik", "Larvik"),
    ("faerder", "Færder"),
];

/// Spellings staff type for a name: as written, shouted, lowercase, and
/// without Norwegian letters.
fn spellings(name: &str) -> Vec<String> {
    let plain = name
        .to_lowercase()
        .replace('ø', "o")
        .replace('æ', "ae")
        .replace('å', "a");
    vec![
        name.to_owned(),
        name.to_uppercase(),
        name.to_lowercase(),
        plain.clone(),
        plain.to_uppercase(),
    ]
}

#[test]
fn shipped_file_has_no_problems() {
    assert_eq!(check(SHIPPED, "deploy/directory.toml"), vec![]);
    assert_eq!(DIR.organisations().len(), 8);
    assert_eq!(DIR.triage_unit().id.as_str(), "sekretariat-triage");
    assert_eq!(
        DIR.organisations()
            .iter()
            .filter(|o| o.kind == OrgKind::Kommune)
            .count(),
        6
    );
}

#[test]
fn shipped_file_marks_its_values_as_examples_and_has_no_keys() {
    assert!(SHIPPED.contains("EXAMPLE VALUES"));
    for unit in DIR.units() {
        assert!(
            unit.age_recipients.is_empty(),
            "{}: the server derives keys from key files",
            unit.id
        );
        for email in unit.postmottak_email.iter().chain(&unit.leader_emails) {
            assert!(
                email.ends_with(".example.no"),
                "{}: {email} must be an example address",
                unit.id
            );
        }
    }
}

#[test]
fn every_kommune_name_routes_to_its_postmottak() {
    for (id, name) in KOMMUNER {
        let postmottak = format!("{id}-postmottak");
        let mut typed = spellings(name);
        typed.extend(spellings(&format!("{name} kommune")));
        for hint in typed {
            let d = expect(text("siv-med", &hint), &postmottak, Rule::KommuneName);
            assert!(
                d.explanation
                    .starts_with(&format!("Sendt til {name} kommune, postmottak helse og omsorg, fordi")),
                "{}",
                d.explanation
            );
        }
    }
}

#[test]
fn every_former_kommune_routes_to_the_kommune_it_joined() {
    let table = [
        ("faerder", "Nøtterøy"),
        ("faerder", "Tjøme"),
        ("tonsberg", "Re"),
        ("sandefjord", "Stokke"),
        ("sandefjord", "Andebu"),
        ("larvik", "Lardal"),
        ("holmestrand", "Hof"),
        ("holmestrand", "Sande"),
    ];
    for (id, former) in table {
        for hint in spellings(former) {
            let d = expect(
                text("siv-kir", &hint),
                &format!("{id}-postmottak"),
                Rule::KommuneFormerName,
            );
            // The directory's spelling is quoted, never the typed one.
            assert!(
                d.explanation.contains(&format!("«{former}» er en tidligere kommune")),
                "{}",
                d.explanation
            );
        }
    }
    let d = text("siv-kir", "NOTTEROY").unwrap();
    assert_eq!(
        d.explanation,
        "Sendt til Færder kommune, postmottak helse og omsorg, fordi «Nøtterøy» er en tidligere kommune som nå er del av Færder."
    );
}

#[test]
fn every_kommune_number_routes_in_both_series() {
    let table = [
        ("horten", "3901", "3801"),
        ("holmestrand", "3903", "3802"),
        ("tonsberg", "3905", "3803"),
        ("sandefjord", "3907", "3804"),
        ("larvik", "3909", "3805"),
        ("faerder", "3911", "3811"),
    ];
    for (id, now, before) in table {
        for number in [now, before] {
            let fullwidth: String = number
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
                .collect();
            for hint in [
                number.to_owned(),
                format!("kommunenr. {number}"),
                format!("({number})"),
                fullwidth,
            ] {
                let d = expect(
                    text("siv-prehosp", &hint),
                    &format!("{id}-postmottak"),
                    Rule::KommuneNumber,
                );
                assert!(
                    d.explanation.contains(&format!("{number} er et kommunenummer for")),
                    "{}",
                    d.explanation
                );
            }
        }
    }
    // A number inside a longer number is not a kommune number.
    expect(
        text("siv-med", "tlf 33803000"),
        "sekretariat-triage",
        Rule::TriageUnknown,
    );
}

#[test]
fn every_name_in_the_file_routes_where_it_points() {
    // Generated from the file itself, so a name added later is covered too.
    for org in DIR.organisations().iter().filter(|o| o.kind == OrgKind::Kommune) {
        let postmottak = DIR.postmottak_of(&org.id).unwrap();
        let names = [org.name.as_str(), org.short_name()]
            .into_iter()
            .chain(org.aliases.iter().map(String::as_str));
        for name in names
            .chain(org.former_names.iter().map(String::as_str))
            .chain(org.numbers.iter().map(String::as_str))
        {
            let d = text("siv-med", name).unwrap();
            assert_eq!(d.unit, postmottak.id, "«{name}»: {}", d.explanation);
        }
    }
    for unit in DIR.units().iter().filter(|u| u.kind == UnitKind::Klinikk) {
        let current = DIR.resolve(unit, today()).unwrap().last().unwrap().id.clone();
        for name in std::iter::once(&unit.name).chain(&unit.aliases) {
            for hint in spellings(name) {
                let d = text("horten-hjemmetjeneste", &hint).unwrap();
                assert_eq!(d.unit, current, "«{hint}»: {}", d.explanation);
            }
        }
    }
}

#[test]
fn typed_klinikk_names_reach_the_klinikk() {
    let table = [
        ("psykiatrien", "siv-kpr", Rule::KlinikkAlias),
        ("DPS", "siv-kpr", Rule::KlinikkAlias),
        ("bup", "siv-kpr", Rule::KlinikkAlias),
        ("Klinikk psykisk helse og rus", "siv-kpr", Rule::KlinikkName),
        ("KRP", "siv-kpr", Rule::KlinikkAlias),
        ("KFMR", "siv-kfmr", Rule::KlinikkAlias),
        ("rehabilitering etter hjerneslag", "siv-kfmr", Rule::KlinikkAlias),
        ("AMK", "siv-prehosp", Rule::KlinikkAlias),
        ("amk-sentralen", "siv-prehosp", Rule::KlinikkAlias),
        ("ambulansen", "siv-prehosp", Rule::KlinikkAlias),
        ("foden", "siv-kbk", Rule::KlinikkAlias),
        ("Kvinne-barn-klinikken", "siv-kbk", Rule::KlinikkAlias),
        ("kvinne barn klinikk", "siv-kbk", Rule::KlinikkName),
        ("ortopedisk avdeling", "siv-kir", Rule::KlinikkAlias),
        ("Medisinsk klinikk", "siv-med", Rule::KlinikkName),
        ("geriatrisk avdeling, SiV", "siv-med", Rule::KlinikkAlias),
        ("Sykehuset i Vestfold, KPR", "siv-kpr", Rule::KlinikkAlias),
    ];
    for (hint, unit, rule) in table {
        expect(text("larvik-legevakt", hint), unit, rule);
    }
}

#[test]
fn kpa_routes_to_kpr_as_its_successor() {
    // The klinikk was KPA in 2022 and KPR (also written KRP) from 2023.
    for hint in [
        "KPA",
        "kpa",
        "Klinikk for psykisk helse og avhengighet",
        "psykisk helse og avhengighet",
    ] {
        let d = expect(text("faerder-sykehjem", hint), "siv-kpr", Rule::Successor);
        assert!(
            d.explanation.contains(
                "ikke lenger er i bruk (siste dag 31.12.2022), og etterfølgeren er Klinikk psykisk helse og rus"
            ),
            "{}",
            d.explanation
        );
    }
    let chosen = route(
        &DIR,
        &RouteRequest {
            receiver_unit: Some(uid("siv-kpa")),
            ..req("horten-sykehjem")
        },
    );
    let d = expect(chosen, "siv-kpr", Rule::Successor);
    assert!(
        d.explanation
            .contains("den valgte enheten Klinikk for psykisk helse og avhengighet ikke lenger er i bruk"),
        "{}",
        d.explanation
    );

    // In 2022 KPA itself received, and KPR did not exist yet.
    let before = NaiveDate::from_ymd_opt(2022, 6, 1).unwrap();
    let then = |hint: &str| {
        route(
            &DIR,
            &RouteRequest {
                receiver_hint: Some(hint.into()),
                date: before,
                ..req("horten-sykehjem")
            },
        )
    };
    expect(then("KPA"), "siv-kpa", Rule::KlinikkAlias);
    expect(then("KPR"), "sekretariat-triage", Rule::TriageUnitNotValid);
    expect(then("KRP"), "sekretariat-triage", Rule::TriageUnitNotValid);
}

#[test]
fn siv_without_a_klinikk_goes_to_sivs_postmottak() {
    // Procedure D12402, section 5: kommune → SiV goes to "Postmottak
    // Sykehuset i Vestfold HF, klinikkledelsen ved aktuell klinikk"; the
    // postmottak forwards it to the klinikk (a reroute), not the secretariat.
    let chosen = route(
        &DIR,
        &RouteRequest {
            receiver_org: Some(oid("siv")),
            ..req("horten-hjemmetjeneste")
        },
    );
    let d = expect(chosen, "siv-postmottak", Rule::HospitalPostmottak);
    assert_eq!(
        d.explanation,
        "Sendt til Sykehuset i Vestfold HF, postmottak, fordi mottakeren er Sykehuset i Vestfold HF, men det går ikke fram hvilken klinikk saken gjelder; postmottaket sender saken videre til klinikkledelsen ved aktuell klinikk."
    );
    assert!(!d.is_triage());
    for (from, _) in KOMMUNER {
        for hint in ["SiV", "sykehuset", "Sykehuset i Vestfold HF"] {
            expect(
                text(&format!("{from}-postmottak"), hint),
                "siv-postmottak",
                Rule::HospitalPostmottak,
            );
        }
    }
    // Triage stays for what cannot be placed at either side.
    expect(
        text("horten-hjemmetjeneste", "noe helt annet"),
        "sekretariat-triage",
        Rule::TriageUnknown,
    );
}

#[test]
fn siv_without_a_postmottak_in_use_goes_to_triage() {
    let without = SHIPPED.replace(
        "id = \"siv-postmottak\"\n",
        "id = \"siv-postmottak\"\nvalid_to = 2020-12-31\n",
    );
    assert_ne!(without, SHIPPED);
    let dir = Directory::from_toml_str(&without, "test").unwrap_or_else(|p| panic!("{p:#?}"));
    let d = route(
        &dir,
        &RouteRequest {
            receiver_org: Some(oid("siv")),
            ..req("horten-hjemmetjeneste")
        },
    );
    expect(d, "sekretariat-triage", Rule::TriageHospitalWithoutKlinikk);
}

#[test]
fn siv_without_a_klinikk_but_with_an_owned_category_goes_to_that_klinikk() {
    let with = |categories: Vec<Category>| {
        route(
            &DIR,
            &RouteRequest {
                receiver_org: Some(oid("siv")),
                categories,
                ..req("larvik-legevakt")
            },
        )
    };
    let d = expect(
        with(vec![
            Category::from_static("legemidler"),
            Category::from_static("akuttkjeden"),
        ]),
        "siv-prehosp",
        Rule::KlinikkCategory,
    );
    assert!(
        d.explanation.contains("«Akuttkjeden (AMK, legevakt, ambulanse)»"),
        "{}",
        d.explanation
    );
    expect(
        with(vec![Category::from_static("legemidler")]),
        "siv-postmottak",
        Rule::HospitalPostmottak,
    );
    // A named klinikk beats the category.
    let named = RouteRequest {
        receiver_hint: Some("KBK".into()),
        categories: vec![Category::from_static("akuttkjeden")],
        ..req("larvik-legevakt")
    };
    expect(route(&DIR, &named), "siv-kbk", Rule::KlinikkAlias);
}

#[test]
fn nothing_recognisable_goes_to_triage() {
    for hint in [
        "asdfgh",
        "hjemmetjenesten",
        "Drammen kommune",
        "0701",
        "rehabiliteringen",
    ] {
        expect(text("siv-med", hint), "sekretariat-triage", Rule::TriageUnknown);
    }
    for hint in ["", "   ", "—!?"] {
        expect(text("siv-med", hint), "sekretariat-triage", Rule::TriageNoReceiver);
    }
    expect(
        route(&DIR, &req("siv-med")),
        "sekretariat-triage",
        Rule::TriageNoReceiver,
    );
}

#[test]
fn a_hint_naming_two_receivers_goes_to_triage() {
    let d = expect(
        text("siv-med", "Horten eller Larvik"),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
    assert!(
        d.explanation
            .contains("flere mottakere: Horten kommune, Larvik kommune"),
        "{}",
        d.explanation
    );
    expect(
        text("siv-med", "Nøtterøy, tidligere Stokke"),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
    expect(
        text("tonsberg-legevakt", "KPA eller KFMR"),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
    expect(
        text("tonsberg-legevakt", "sykehuset i Larvik"),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
    // Two names of one receiver are not ambiguous, nor an old and a new name.
    expect(
        text("siv-med", "Færder (3911)"),
        "faerder-postmottak",
        Rule::KommuneName,
    );
    expect(text("horten-sykehjem", "KPA, nå KPR"), "siv-kpr", Rule::KlinikkAlias);
}

#[test]
fn the_senders_own_organisation_is_a_place_not_a_receiver() {
    // The example, from three senders.
    expect(
        text("horten-hjemmetjeneste", "psykiatrien i Tønsberg"),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
    expect(
        text("tonsberg-hjemmetjeneste", "psykiatrien i Tønsberg"),
        "siv-kpr",
        Rule::KlinikkAlias,
    );
    expect(
        text("siv-med", "psykiatrien i Tønsberg"),
        "tonsberg-postmottak",
        Rule::KommuneName,
    );
    expect(
        text("siv-med", "Nøtterøy hjemmetjeneste"),
        "faerder-postmottak",
        Rule::KommuneFormerName,
    );
}

#[test]
fn the_same_organisation_is_refused() {
    let same = |org: &str| {
        Err(Refusal::SameOrganisation {
            organisation_name: org.into(),
        })
    };
    assert_eq!(text("horten-hjemmetjeneste", "Horten kommune"), same("Horten kommune"));
    assert_eq!(text("siv-med", "KPA"), same("Sykehuset i Vestfold HF"));
    assert_eq!(
        route(
            &DIR,
            &RouteRequest {
                receiver_org: Some(oid("horten")),
                ..req("horten-sykehjem")
            }
        ),
        same("Horten kommune")
    );
    assert_eq!(
        route(
            &DIR,
            &RouteRequest {
                receiver_unit: Some(uid("siv-kfmr")),
                ..req("siv-kir")
            }
        ),
        same("Sykehuset i Vestfold HF")
    );
    assert_eq!(route(&DIR, &req("finnes-ikke")), Err(Refusal::UnknownSender));
    assert!(
        same("Horten kommune")
            .unwrap_err()
            .to_string()
            .contains("eget avvikssystem")
    );
}

#[test]
fn a_chosen_kommune_goes_to_its_postmottak() {
    for (id, name) in KOMMUNER {
        let d = route(
            &DIR,
            &RouteRequest {
                receiver_org: Some(oid(id)),
                ..req("siv-kbk")
            },
        );
        let d = expect(d, &format!("{id}-postmottak"), Rule::KommuneOrganisation);
        assert!(
            d.explanation
                .contains(&format!("{name} kommune ble valgt som mottaker")),
            "{}",
            d.explanation
        );
    }
}

#[test]
fn a_chosen_organisation_is_narrowed_or_contradicted_by_the_text() {
    let both = |org: &str, hint: &str, from: &str| {
        route(
            &DIR,
            &RouteRequest {
                receiver_org: Some(oid(org)),
                receiver_hint: Some(hint.into()),
                ..req(from)
            },
        )
    };
    expect(
        both("siv", "psykiatrien i Tønsberg", "horten-hjemmetjeneste"),
        "siv-kpr",
        Rule::KlinikkAlias,
    );
    expect(
        both("tonsberg", "psykiatrien i Tønsberg", "siv-kpr"),
        "tonsberg-postmottak",
        Rule::KommuneName,
    );
    expect(
        both("horten", "hjemmetjenesten, sone nord", "siv-med"),
        "horten-postmottak",
        Rule::KommuneOrganisation,
    );
    expect(
        both("siv", "KPA og KFMR", "larvik-legevakt"),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
    let d = expect(
        both("horten", "Larvik", "siv-med"),
        "sekretariat-triage",
        Rule::TriageConflict,
    );
    assert!(
        d.explanation
            .contains("valgt mottaker er Horten kommune, mens mottakerteksten viser til Larvik kommune"),
        "{}",
        d.explanation
    );
    expect(
        both("siv", "Nøtterøy hjemmetjeneste", "larvik-legevakt"),
        "sekretariat-triage",
        Rule::TriageConflict,
    );
    expect(
        both("finnes-ikke", "KPA", "larvik-legevakt"),
        "sekretariat-triage",
        Rule::TriageUnknown,
    );
    let d = expect(
        both("helsefellesskapet", "", "larvik-legevakt"),
        "sekretariat-triage",
        Rule::Secretariat,
    );
    assert!(!d.is_triage());
}

#[test]
fn a_chosen_unit_wins_unless_it_contradicts_the_organisation() {
    let unit = |u: &str, org: Option<&str>, from: &str| {
        route(
            &DIR,
            &RouteRequest {
                receiver_unit: Some(uid(u)),
                receiver_org: org.map(oid),
                ..req(from)
            },
        )
    };
    expect(
        unit("siv-kfmr", None, "larvik-legevakt"),
        "siv-kfmr",
        Rule::ExplicitUnit,
    );
    expect(
        unit("siv-kfmr", Some("siv"), "larvik-legevakt"),
        "siv-kfmr",
        Rule::ExplicitUnit,
    );
    expect(
        unit("faerder-postmottak", None, "siv-med"),
        "faerder-postmottak",
        Rule::ExplicitUnit,
    );
    let d = expect(
        unit("horten-sykehjem", None, "siv-med"),
        "horten-postmottak",
        Rule::ServiceAreaPostmottak,
    );
    assert!(
        d.explanation
            .contains("også når Horten kommune, sykehjem og korttidsopphold er valgt"),
        "{}",
        d.explanation
    );
    let d = expect(
        unit("siv-kfmr", Some("horten"), "larvik-legevakt"),
        "sekretariat-triage",
        Rule::TriageConflict,
    );
    assert!(
        d.explanation
            .contains("hører til Sykehuset i Vestfold HF, mens valgt mottaker er Horten kommune"),
        "{}",
        d.explanation
    );
    expect(
        unit("finnes-ikke", None, "larvik-legevakt"),
        "sekretariat-triage",
        Rule::TriageUnknown,
    );
}

#[test]
fn the_secretariat_can_be_named() {
    expect(
        text("horten-sykehjem", "sekretariatet"),
        "sekretariat-triage",
        Rule::Secretariat,
    );
}

#[test]
fn explanations_quote_the_directory_not_the_reporter() {
    let hints = [
        "Nøtterøy hjemmetjeneste, pasient Ola Nordmann f. 01.01.1940",
        "NØTTERØY   hjemmetjenesten!! ring 99887766",
        "psykiatrien i Tønsberg ang. Kari Hansen",
        "KPR - gjelder Per Olsen",
        "helt ukjent mottaker Ola Nordmann",
        "Horten eller Larvik, pasient Kari",
    ];
    for hint in hints {
        for from in ["siv-med", "horten-hjemmetjeneste"] {
            let Ok(d) = text(from, hint) else { continue };
            assert!(!d.explanation.contains(hint), "{}", d.explanation);
            for private in [
                "Ola",
                "Nordmann",
                "Kari",
                "Hansen",
                "Per ",
                "Olsen",
                "1940",
                "99887766",
                "NØTTERØY",
                "hjemmetjeneste,",
                "ang.",
            ] {
                assert!(
                    !d.explanation.contains(private),
                    "«{private}» leaked: {}",
                    d.explanation
                );
            }
        }
    }
}

#[test]
fn direction_follows_the_organisation_kinds() {
    let dir = |a: &str, b: &str| direction(&DIR, &oid(a), &oid(b));
    assert_eq!(dir("horten", "siv"), Some(Direction::KommuneToSiv));
    assert_eq!(dir("siv", "faerder"), Some(Direction::SivToKommune));
    assert_eq!(dir("horten", "larvik"), Some(Direction::KommuneToKommune));
    assert_eq!(dir("horten", "horten"), None);
    assert_eq!(dir("horten", "helsefellesskapet"), None);
    assert_eq!(dir("horten", "finnes-ikke"), None);
}

#[test]
fn decision_serialises_with_the_documented_keys() {
    let d = text("siv-med", "Tjøme").unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["unit_id"], "faerder-postmottak");
    assert_eq!(json["unit_name"], "Færder kommune, postmottak helse og omsorg");
    assert_eq!(json["organisation"], "faerder");
    assert_eq!(json["organisation_name"], "Færder kommune");
    assert_eq!(json["rule"], "kommune-former-name");
    assert_eq!(json["explanation"], d.explanation.as_str());
}

#[test]
fn a_routed_decision_keeps_its_unit_when_the_directory_changes() {
    let before = text("horten-sykehjem", "psykiatrien").unwrap();
    // Later SiV renames the klinikk and the alias moves to a new unit.
    let changed_text = SHIPPED.replace(
        "name = \"Klinikk psykisk helse og rus\"",
        "name = \"Psykisk helse og rus, SiV\"",
    );
    let changed = Directory::from_toml_str(&changed_text, "changed").unwrap();
    let after = route(
        &changed,
        &RouteRequest {
            receiver_hint: Some("psykiatrien".into()),
            ..req("horten-sykehjem")
        },
    )
    .unwrap();
    assert_eq!(before.unit_name, "Klinikk psykisk helse og rus");
    assert_eq!(after.unit_name, "Psykisk helse og rus, SiV");
    assert_ne!(DIR.version(), changed.version());
    assert_eq!(
        DIR.version(),
        Directory::from_toml_str(SHIPPED, "again").unwrap().version()
    );
}

#[test]
fn accessors_answer_for_the_shipped_file() {
    assert_eq!(DIR.postmottak_of(&oid("siv")).unwrap().id.as_str(), "siv-postmottak");
    assert_eq!(DIR.postmottak_of(&oid("helsefellesskapet")), None);
    assert_eq!(DIR.units_of(&oid("horten")).count(), 3);
    let in_use: Vec<&str> = DIR.units_valid_on(today()).map(|u| u.id.as_str()).collect();
    assert!(in_use.contains(&"siv-kpr") && !in_use.contains(&"siv-kpa"));
    assert!(DIR.organisation(&oid("siv")).unwrap().sender_review_required);
    // Every ended unit hands over to one in use today.
    for unit in DIR.units().iter().filter(|u| !u.valid_on(today())) {
        assert!(
            DIR.resolve(unit, today()).is_ok(),
            "{} has no successor in use",
            unit.id
        );
    }
}

#[test]
fn table_shows_the_units_in_use() {
    let table = format_table(&DIR, today());
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("POSTMOTTAK"));
    assert!(table.contains("siv-kpr") && !table.contains("siv-kpa"));
    let row = lines.iter().find(|l| l.starts_with("faerder-postmottak")).unwrap();
    assert!(
        row.contains("Færder kommune, postmottak helse og omsorg")
            && row.contains("postmottak.helse@faerder.example.no")
    );
    let units = DIR.units_valid_on(today()).count();
    assert!(table.ends_with(&format!(
        "{units} enheter i bruk per 15.03.2026. Katalogversjon {}.\n",
        DIR.version()
    )));
}

#[test]
fn a_long_pasted_text_is_read_only_at_its_start() {
    let long = format!("Nøtterøy {}", "Larvik ".repeat(5000));
    let d = text("siv-med", &long).unwrap();
    assert_eq!(d.rule, Rule::TriageAmbiguous, "{}", d.explanation);
    let beyond = format!("{}Nøtterøy", "ord ".repeat(100));
    expect(text("siv-med", &beyond), "sekretariat-triage", Rule::TriageUnknown);
}

#[test]
fn kommune_to_kommune_is_refused_unless_allowed() {
    // Procedure D12402 covers SiV ↔ kommune; between two kommuner only when
    // the Helsefellesskap turns the setting on.
    let to_kommune = |allowed: bool, receiver_org: Option<&str>, hint: Option<&str>| {
        route(
            &DIR,
            &RouteRequest {
                receiver_org: receiver_org.map(oid),
                receiver_hint: hint.map(Into::into),
                kommune_to_kommune: allowed,
                ..req("horten-hjemmetjeneste")
            },
        )
    };
    let refused = Err(Refusal::KommuneToKommune {
        organisation_name: "Horten kommune".into(),
    });
    assert_eq!(to_kommune(false, Some("larvik"), None), refused);
    assert_eq!(to_kommune(false, None, Some("Nøtterøy")), refused);
    assert_eq!(to_kommune(false, None, Some("3907")), refused);
    let chosen_unit = route(
        &DIR,
        &RouteRequest {
            receiver_unit: Some(uid("faerder-sykehjem")),
            ..req("horten-hjemmetjeneste")
        },
    );
    assert_eq!(chosen_unit, refused);
    let message = Refusal::KommuneToKommune {
        organisation_name: "Horten kommune".into(),
    }
    .to_string();
    assert!(
        message.contains("ikke mellom to kommuner") && message.contains("kommunens eget avvikssystem"),
        "{message}"
    );
    // Allowed, the same requests route to the kommune's postmottak.
    expect(
        to_kommune(true, Some("larvik"), None),
        "larvik-postmottak",
        Rule::KommuneOrganisation,
    );
    expect(
        to_kommune(true, None, Some("Nøtterøy")),
        "faerder-postmottak",
        Rule::KommuneFormerName,
    );
    // SiV → kommune and kommune → SiV are not touched, and what goes to
    // triage stays there (the secretariat may still place it at SiV).
    expect(
        to_kommune(false, Some("siv"), Some("KBK")),
        "siv-kbk",
        Rule::KlinikkAlias,
    );
    expect(text("siv-med", "Larvik"), "larvik-postmottak", Rule::KommuneName);
    expect(
        to_kommune(false, None, Some("Larvik eller KBK")),
        "sekretariat-triage",
        Rule::TriageAmbiguous,
    );
}

#[test]
fn the_secretariat_has_leaders_from_both_sides() {
    let triage = DIR.triage_unit();
    let domains: Vec<&str> = triage
        .leader_emails
        .iter()
        .filter_map(|e| e.split('@').nth(1))
        .collect();
    assert!(domains.contains(&"siv.example.no"), "{domains:?}");
    assert!(
        KOMMUNER
            .iter()
            .any(|(id, _)| domains.contains(&format!("{id}.example.no").as_str())),
        "{domains:?}"
    );
}

#[test]
fn deputies_stand_in_for_leaders() {
    let unit = DIR.unit(&uid("tonsberg-hjemmetjeneste")).unwrap();
    assert_eq!(
        unit.acting_leaders().collect::<Vec<_>>(),
        vec![
            "leder.hjemmetjenesten@tonsberg.example.no",
            "stedfortreder.hjemmetjenesten@tonsberg.example.no"
        ]
    );
}
