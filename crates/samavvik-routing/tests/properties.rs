//! Properties of `route` over arbitrary input: it never panics, always
//! answers with a unit of the directory or a refusal, gives the same answer
//! twice, and never lets the reporter's own words into the explanation.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use samavvik_core::{Category, OrgId, UnitId};

use samavvik_routing::{Refusal, RouteRequest, route};

mod common;
use common::DIR;

/// Words that mean something to the directory, so that random hints hit
/// the interesting paths (matches, conflicts, ambiguity), not only triage.
fn directory_words() -> Vec<String> {
    let mut words = Vec::new();
    for org in DIR.organisations() {
        words.push(org.name.clone());
        words.push(org.short_name().to_owned());
        words.extend(org.aliases.iter().chain(&org.former_names).chain(&org.numbers).cloned());
    }
    for unit in DIR.units() {
        words.push(unit.name.clone());
        words.extend(unit.aliases.iter().cloned());
    }
    words.extend(["i", "og", "hjemmetjenesten", "NØTTERØY", "tonsberg", "3803"].map(String::from));
    words
}

fn hint() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        3 => proptest::sample::select(directory_words()),
        1 => ".{0,12}",
        1 => "[a-zæøå]{1,8}",
    ];
    prop::collection::vec(word, 0..6).prop_map(|w| w.join(" "))
}

fn sender() -> impl Strategy<Value = UnitId> {
    let mut ids: Vec<UnitId> = DIR.units().iter().map(|u| u.id.clone()).collect();
    ids.push(UnitId::new("finnes-ikke").unwrap());
    proptest::sample::select(ids)
}

fn some_org() -> impl Strategy<Value = Option<OrgId>> {
    let mut ids: Vec<Option<OrgId>> = DIR.organisations().iter().map(|o| Some(o.id.clone())).collect();
    ids.push(Some(OrgId::new("finnes-ikke").unwrap()));
    ids.extend([None, None, None]);
    proptest::sample::select(ids)
}

fn some_unit() -> impl Strategy<Value = Option<UnitId>> {
    let mut ids: Vec<Option<UnitId>> = DIR.units().iter().map(|u| Some(u.id.clone())).collect();
    ids.push(Some(UnitId::new("finnes-ikke").unwrap()));
    ids.extend(std::iter::repeat_n(None, 30));
    proptest::sample::select(ids)
}

fn request() -> impl Strategy<Value = RouteRequest> {
    let date = (2015i32..2035, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let categories = proptest::sample::subsequence(
        samavvik_core::Categories::standard()
            .all()
            .iter()
            .map(|d| d.slug.clone())
            .collect::<Vec<Category>>(),
        0..3,
    );
    (
        sender(),
        some_org(),
        some_unit(),
        proptest::option::of(hint()),
        categories,
        date,
        any::<bool>(),
    )
        .prop_map(
            |(sender, receiver_org, receiver_unit, receiver_hint, categories, date, kommune_to_kommune)| RouteRequest {
                sender,
                receiver_org,
                receiver_unit,
                receiver_hint,
                categories,
                date,
                kommune_to_kommune,
            },
        )
}

/// A word that no directory name contains and no explanation template uses.
fn private_word() -> impl Strategy<Value = String> {
    prop_oneof!["Qx[a-z]{3,8}", "[0-9]{6,11}", "Zw[A-Z][a-z]{2,6}"]
}

proptest! {
    #[test]
    fn route_is_total_and_deterministic(req in request()) {
        let first = route(&DIR, &req);
        prop_assert_eq!(&first, &route(&DIR, &req));
        match first {
            Ok(d) => {
                let unit = DIR.unit(&d.unit);
                prop_assert!(unit.is_some(), "unknown unit {}", d.unit);
                let unit = unit.unwrap();
                prop_assert!(unit.valid_on(req.date), "{} not in use on {}", unit.id, req.date);
                prop_assert_eq!(&unit.name, &d.unit_name);
                prop_assert_eq!(&unit.organisation, &d.organisation);
                prop_assert!(d.explanation.starts_with("Sendt til "));
                if d.is_triage() {
                    prop_assert_eq!(&d.unit, &DIR.triage_unit().id);
                }
                let sender = DIR.unit(&req.sender).unwrap();
                if !d.is_triage() && d.unit != DIR.triage_unit().id {
                    prop_assert_ne!(&d.organisation, &sender.organisation);
                }
            }
            Err(Refusal::UnknownSender) => prop_assert!(DIR.unit(&req.sender).is_none()),
            Err(Refusal::SameOrganisation { .. }) => {}
            Err(Refusal::KommuneToKommune { .. }) => prop_assert!(!req.kommune_to_kommune),
        }
    }

    #[test]
    fn any_text_at_all_is_routed_or_refused(from in sender(), text in any::<String>()) {
        let req = RouteRequest { receiver_hint: Some(text), ..RouteRequest::new(from, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()) };
        if let Ok(d) = route(&DIR, &req) {
            prop_assert!(DIR.unit(&d.unit).is_some());
        }
    }

    #[test]
    fn explanations_never_contain_the_reporters_words(
        known in prop::collection::vec(proptest::sample::select(directory_words()), 0..3),
        private in prop::collection::vec(private_word(), 1..4),
        from in sender(),
        org in some_org(),
    ) {
        let mut words = known.clone();
        words.extend(private.iter().cloned());
        words.rotate_left(known.len() / 2);
        let hint = words.join(" ");
        let req = RouteRequest { receiver_hint: Some(hint.clone()), receiver_org: org, ..RouteRequest::new(from, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()) };
        if let Ok(d) = route(&DIR, &req) {
            prop_assert!(!d.explanation.contains(&hint), "{}", d.explanation);
            for w in &private {
                prop_assert!(!d.explanation.to_lowercase().contains(&w.to_lowercase()), "«{}» leaked: {}", w, d.explanation);
            }
        }
    }
}
