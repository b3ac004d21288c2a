//! End-to-end: a fødselsnummer or D-number typed into a report field meant
//! to be free of identifiers is refused with a bokmål message that says
//! where patient identity may go, and everything typed comes back; in the
//! patient field it is accepted (it is sealed there). Both engines.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use samavvik_store::Store;
use samavvik_tests::{Engine, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    a_national_id_in_the_description_is_refused_and_the_text_kept,
    a_national_id_in_the_patient_field_is_accepted,
);

/// Made up from the mod-11 rule, written as people type it.
const FNR: &str = "150765 00565";
/// A D-number (day + 40), also made up.
const D_NUMBER: &str = "41010150068";

async fn a_national_id_in_the_description_is_refused_and_the_text_kept(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let fields: Vec<(String, String)> = valid_report(&csrf, &key, "x")
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "description" => (k, format!("Pasienten {FNR} fikk ikke med epikrisen.")),
            "improvement_suggestion" => (k, format!("Sjekk D-nummer {D_NUMBER} før utreise.")),
            _ => (k, v),
        })
        .collect();
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("Skjemaet er ikke sendt"), "error summary");
    assert!(
        html.contains("href=\"#description\""),
        "summary links to the description"
    );
    assert!(
        html.contains("href=\"#improvement_suggestion\""),
        "and to the suggestion"
    );
    assert!(
        html.contains("Pasientens identitet skal ikke skrives her.")
            && html.contains("skriv det i feltet «Pasientens navn og fødselsdato»"),
        "says what is wrong and where identity may go"
    );
    assert!(
        html.contains(&format!("Pasienten {FNR} fikk ikke med epikrisen.")),
        "text kept"
    );
    assert_eq!(app.store().counts().await.unwrap().cases, 0);
    app.stop().await;
}

async fn a_national_id_in_the_patient_field_is_accepted(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let fields: Vec<(String, String)> = valid_report(&csrf, &key, "x")
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "patient_identification" => (k, format!("Ola Nordmann {FNR}")),
            _ => (k, v),
        })
        .collect();
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(app.store().counts().await.unwrap().cases, 1);
    app.stop().await;
}
