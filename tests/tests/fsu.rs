//! "Løft til FSU" (issue 20, point 10), on both engines: either party
//! raises a case with a clear title and reason (a fødselsnummer is
//! refused), the secretariat raises a pattern and keeps FSU's list with
//! status and decision; nobody else sees the list.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_core::fsu::FsuStatus;
use samavvik_store::{AuditFilter, HandlingStore};
use samavvik_tests::lifecycle::Person as Client;
use samavvik_tests::{Engine, spawn_app, valid_report};

samavvik_tests::on_both_engines!(cases_and_patterns_are_raised_to_fsu_and_followed_there);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";
const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";

async fn cases_and_patterns_are_raised_to_fsu_and_followed_there(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let secretariat = Client::new(&app, SECRETARIAT).await;
    let (csrf, key) = app.open_form().await;
    let (status, receipt) = app.post(&valid_report(&csrf, &key, "fsu")).await;
    assert_eq!(status, 200);
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    // Before it is sent on, the case cannot be raised.
    let (status, _) = sender
        .act(
            &app,
            n,
            &[("action", "raise-to-fsu"), ("fsu_title", "T"), ("fsu_reason", "R")],
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = sender.act(&app, n, &[("action", "forward")]).await;
    assert_eq!(status, 303);

    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "raise-to-fsu"),
                ("fsu_title", "Epikriser"),
                ("fsu_reason", "Gjelder 150765 00565."),
            ],
        )
        .await;
    assert_eq!(status, 422, "a fødselsnummer is refused");
    assert!(page.contains("fødselsnummer"), "{page}");
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "raise-to-fsu"),
                ("fsu_title", "Epikriser mangler ved utskrivning"),
                ("fsu_reason", "Samme svikt går igjen mellom flere enheter."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    // The secretariat sees the case on a metadata-only page and may raise it too.
    let (_, page) = secretariat.get(&app, &format!("/saker/{n}")).await;
    assert!(page.contains("value=\"raise-to-fsu\""), "{page}");

    let (status, page) = secretariat
        .post(
            &app,
            "/fsu",
            &[
                ("action", "raise"),
                ("fsu_title", "Legemiddellister ved overføring"),
                ("fsu_reason", "Mange meldinger om legemidler siste halvår."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let items = app.store().fsu_items().await.unwrap();
    assert_eq!(items.len(), 2);
    let pattern = items.iter().find(|i| i.case_number.is_none()).unwrap();
    let raised = items.iter().find(|i| i.case_number == Some(n)).unwrap();
    assert_eq!(raised.raised_by_unit.as_str(), "siv-med");
    assert!(items.iter().all(|i| i.status == FsuStatus::New));

    let id = pattern.id.to_string();
    let (status, page) = secretariat
        .post(
            &app,
            "/fsu",
            &[
                ("action", "status"),
                ("item", &id),
                ("status", "sendt-til-ssu"),
                ("decision", "FSU ber SSU om felles rutine."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (status, page) = secretariat.get(&app, "/fsu").await;
    assert_eq!(status, 200);
    for text in [
        "Epikriser mangler ved utskrivning",
        "Legemiddellister ved overføring",
        "Sendt til SSU",
        "FSU ber SSU om felles rutine.",
        &n.to_string(),
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    // Nobody but the secretariat sees or changes the list.
    for other in [&sender, &receiver] {
        assert_eq!(other.get(&app, "/fsu").await.0, 404);
        let (status, _) = other
            .post(
                &app,
                "/fsu",
                &[("action", "raise"), ("fsu_title", "T"), ("fsu_reason", "R")],
            )
            .await;
        assert_eq!(status, 404);
    }
    assert_eq!(app.store().fsu_items().await.unwrap().len(), 2);
    for action in ["fsu-raised", "fsu-updated"] {
        let filter = AuditFilter {
            action: Some(action.into()),
            limit: 10,
            ..Default::default()
        };
        assert!(
            app.store().audit_entries(&filter).await.unwrap().1 >= 1,
            "{action} audited"
        );
    }
    app.stop().await;
}
