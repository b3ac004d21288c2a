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

// The SiV wards' own names (issue 17): the akuttsenter and the medical
// wards belong to Medisinsk klinikk, the surgical wards to Kirurgisk.

#[test]
fn akuttmottaket() {
    routes("akuttmottaket", "siv-med");
    routes("sendt hjem fra Akuttmottaket", "siv-med");
}

#[test]
fn akuttmottak() {
    routes("akuttmottak", "siv-med");
}

#[test]
fn akutten() {
    routes("sendt hjem fra akutten", "siv-med");
}

#[test]
fn akuttsenteret() {
    routes("akuttsenteret", "siv-med");
    routes("Akuttsenter", "siv-med");
}

#[test]
fn akuttavklaring() {
    routes("akuttavklaring", "siv-med");
    routes("akuttavklaringsenheten", "siv-med");
}

#[test]
fn skadepoliklinikken() {
    routes("skadepoliklinikken", "siv-med");
    routes("skadestua", "siv-med");
    routes("skadestuen", "siv-med");
}

#[test]
fn med_3() {
    routes("Med 3", "siv-med");
    routes("med 3", "siv-med");
    routes("MED 3", "siv-med");
    routes("medisinsk sengepost 3", "siv-med");
}

#[test]
fn kardiologisk() {
    routes("kardiologisk", "siv-med");
    routes("hjerteovervåkingen", "siv-med");
}

#[test]
fn gastrokirurgisk() {
    routes("gastrokirurgisk", "siv-kir");
    routes("gastrokirurgisk sengepost", "siv-kir");
}

#[test]
fn urologisk() {
    routes("urologisk", "siv-kir");
}

#[test]
fn karkirurgisk() {
    routes("karkirurgisk", "siv-kir");
}
