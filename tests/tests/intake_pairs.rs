//! Bad input is never a 500 (issue 18): every sending unit × receiving
//! organisation × receiving unit the form can send — including the
//! contradictions a form without JavaScript allows, like the reporter's own
//! kommune with a SiV unit — is either routed or refused with a field
//! message, and over HTTP the refusal is a bokmål 422 that keeps the input.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_app::intake::prepare;
use samavvik_core::RawReport;
use samavvik_store::Store;
use samavvik_tests::{Engine, canary, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    every_pair_the_form_offers_is_routed_or_refused_with_a_field_message,
    own_kommune_with_a_siv_unit_is_a_422_that_keeps_the_input,
);

async fn every_pair_the_form_offers_is_routed_or_refused_with_a_field_message(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let state = &app.running.app;
    let catalog = state.catalog.current();
    let dir = &catalog.directory;
    let today = state.clock.today_oslo();
    // Every unit, the secretariat's too: the form's list is no guarantee.
    let senders: Vec<String> = dir.units_valid_on(today).map(|u| u.id.to_string()).collect();
    let orgs: Vec<String> = dir.organisations().iter().map(|o| o.id.to_string()).collect();
    let mut units: Vec<Option<String>> = dir.units().iter().map(|u| Some(u.id.to_string())).collect();
    units.push(None);
    let base = valid_report("csrf", "key", "x");
    let (mut routed, mut refused) = (0, 0);
    for sender in &senders {
        for org in &orgs {
            for unit in &units {
                let fields: Vec<(String, String)> = base
                    .iter()
                    .filter(|(k, _)| k != "receiver_unit")
                    .map(|(k, v)| match k.as_str() {
                        "sender_unit" => (k.clone(), sender.clone()),
                        "receiver_org" => (k.clone(), org.clone()),
                        _ => (k.clone(), v.clone()),
                    })
                    .chain(unit.iter().map(|u| ("receiver_unit".to_owned(), u.clone())))
                    .collect();
                let raw = RawReport::from_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                match prepare(state, &raw) {
                    Ok(Ok(_)) => routed += 1,
                    Ok(Err(errors)) => {
                        assert!(
                            !errors.is_empty() && errors.iter().all(|e| !e.message.is_empty()),
                            "{sender} → {org} / {unit:?}: a refusal names a field and says why"
                        );
                        refused += 1;
                    }
                    Err(e) => panic!("{sender} → {org} / {unit:?} is a server error: {e}"),
                }
            }
        }
    }
    assert!(
        routed > 0 && refused > 0,
        "both outcomes occur: {routed} routed, {refused} refused"
    );
    app.stop().await;
}

async fn own_kommune_with_a_siv_unit_is_a_422_that_keeps_the_input(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let typed = canary("P");
    let (csrf, key) = app.open_form().await;
    // The reporter is in Horten and picks Horten as receiver, with a SiV unit.
    let fields: Vec<(String, String)> = valid_report(&csrf, &key, &typed)
        .into_iter()
        .map(|(k, v)| {
            if k == "receiver_org" {
                (k, "horten".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("hører ikke til"),
        "the message says what is wrong: {html}"
    );
    assert!(html.contains(&format!("{typed}-beskrivelse")), "what was typed is kept");
    assert_eq!(app.store().counts().await.expect("counts").cases, 0, "nothing stored");
    app.stop().await;
}
