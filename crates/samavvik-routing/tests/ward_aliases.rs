//! Ward words staff type without "avdeling" (issue 17) route to the
//! klinikk in the shipped directory without triage: one case per alias,
//! as a reporter would write it from a kommune.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use samavvik_core::UnitId;
use samavvik_routing::{RouteRequest, Rule, route};

mod common;
use common::{DIR, today};

#[track_caller]
fn routes(hint: &str, unit: &str) {
    let d = route(
        &DIR,
        &RouteRequest {
            receiver_hint: Some(hint.into()),
            ..RouteRequest::new(UnitId::new("horten-hjemmetjeneste").unwrap(), today())
        },
    )
    .unwrap_or_else(|r| panic!("{hint}: {r}"));
    assert_eq!(
        (d.unit.as_str(), d.rule),
        (unit, Rule::KlinikkAlias),
        "{hint}: {}",
        d.explanation
    );
}

#[test]
fn geriatrisk() {
    routes("geriatrisk", "siv-med");
    routes("Geriatrisk sengepost", "siv-med");
    routes("utskrevet fra geriatrien", "siv-med");
}

#[test]
fn medisinsk_sengepost() {
    routes("medisinsk sengepost", "siv-med");
}

#[test]
fn ortopedisk() {
    routes("ortopedisk", "siv-kir");
    routes("Ortopedisk sengepost", "siv-kir");
    routes("fra ortopeden", "siv-kir");
}

#[test]
fn kirurgisk_sengepost() {
    routes("kirurgisk sengepost", "siv-kir");
}
