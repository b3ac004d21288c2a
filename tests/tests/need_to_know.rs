//! Need-to-know for the secretariat (issue 20, point 3), on both engines.
//!
//! A report that is not in the secretariat's triage is sealed to the
//! sending and the receiving unit only: the stored ciphertext does not open
//! with the secretariat's key (checked on the wrapping, not only on the
//! HTTP refusal), and the secretariat's case page shows the clear metadata
//! only. When a party asks the secretariat for help, every document is
//! sealed again with the secretariat added, both parties see it in the
//! history, and it is audited. `samavvik keys unwrap-secretariat` removes
//! the wrapping from cases sealed the old way that do not need it.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::{CaseNumber, CaseState, UnitId};
use samavvik_seal::{SealError, UnitIdentity};
use samavvik_store::{AuditFilter, Ciphertext, HandlingStore, SealedRef, Store};
use samavvik_tests::lifecycle::Person as Client;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    a_case_not_in_triage_cannot_be_opened_by_the_secretariat_until_a_party_asks,
    unwrap_secretariat_removes_the_old_wrapping_only_where_it_is_not_needed
);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";
const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";

/// A report from Horten to SiV's medical klinikk, forwarded by Horten's
/// leader, so it is with the receiver (dispatched).
async fn dispatched_case(app: &TestApp, sender: &Client, canary: &str) -> CaseNumber {
    let (csrf, key) = app.open_form().await;
    let (status, receipt) = app.post(&valid_report(&csrf, &key, canary)).await;
    assert_eq!(status, 200, "{receipt}");
    let start = receipt.find("SA-").expect("receipt names the case");
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    let (status, page) = sender.act(app, n, &[("action", "forward")]).await;
    assert_eq!(status, 303, "forward: {page}");
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(case.state, CaseState::Dispatched);
    n
}

fn identity(app: &TestApp, unit: &str) -> UnitIdentity {
    let catalog = app.running.app.catalog.current();
    catalog
        .keyring
        .identity(&UnitId::new(unit).unwrap())
        .unwrap_or_else(|| panic!("no key file for {unit}"))
        .clone()
}

fn triage(app: &TestApp) -> UnitIdentity {
    let catalog = app.running.app.catalog.current();
    identity(app, catalog.directory.triage_unit().id.as_str())
}

/// Whether every stored document of case `n` (report and notes) opens
/// with `key`; panics if some do and some do not.
async fn all_open_with(app: &TestApp, n: CaseNumber, key: &UnitIdentity) -> bool {
    let mut docs = vec![app.store().sealed_document(n).await.unwrap().unwrap()];
    docs.extend(
        app.store()
            .sealed_items(n)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.ciphertext),
    );
    let opened: Vec<bool> = docs
        .iter()
        .map(|d| match samavvik_seal::open_bytes(&d.0, key) {
            Ok(_) => true,
            Err(SealError::NotARecipient) => false,
            Err(e) => panic!("document of {n} is broken: {e}"),
        })
        .collect();
    assert!(
        opened.iter().all(|&o| o) || opened.iter().all(|&o| !o),
        "{n}: some documents open and some do not: {opened:?}"
    );
    opened[0]
}

async fn audited(app: &TestApp, n: CaseNumber, action: &str) -> u64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        case_number: Some(n),
        limit: 10,
        ..Default::default()
    };
    app.store().audit_entries(&filter).await.unwrap().1
}

async fn a_case_not_in_triage_cannot_be_opened_by_the_secretariat_until_a_party_asks(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let secretariat = Client::new(&app, SECRETARIAT).await;
    let canary = samavvik_tests::canary("ntk");
    let n = dispatched_case(&app, &sender, &canary).await;
    // The reporter added nothing, the leader forwarded with no supplement:
    // write a note too, so notes are checked as well as the report.
    let (status, _) = receiver
        .act(&app, n, &[("action", "message"), ("message_text", "Vi ser på saken.")])
        .await;
    assert_eq!(status, 303);

    // The wrapping: sender and receiver open everything, the secretariat nothing.
    assert!(all_open_with(&app, n, &identity(&app, "horten-hjemmetjeneste")).await);
    assert!(all_open_with(&app, n, &identity(&app, "siv-med")).await);
    assert!(
        !all_open_with(&app, n, &triage(&app)).await,
        "sealed to the secretariat"
    );

    // The secretariat's page: clear metadata, no content; no PDF, no reroute.
    let (status, page) = secretariat.get(&app, format!("/saker/{n}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sekretariatet ser bare saksopplysningene"), "{page}");
    assert!(page.contains(&n.to_string()));
    assert!(!page.contains(&canary), "content shown to the secretariat");
    assert!(!page.contains("Vi ser på saken."), "a note shown to the secretariat");
    let (status, _) = secretariat.get(&app, format!("/saker/{n}/pdf")).await;
    assert_eq!(status, 404);
    let (status, page) = secretariat
        .act(
            &app,
            n,
            &[
                ("action", "reroute"),
                ("target_unit", "siv-kir"),
                ("reroute_reason", "x"),
                ("reroute_confirm", "ja"),
            ],
        )
        .await;
    assert_eq!(status, 403, "{page}");
    let (status, _) = secretariat
        .act(&app, n, &[("action", "ask-secretariat"), ("help_reason", "x")])
        .await;
    assert_eq!(status, 403, "the secretariat cannot ask itself in");
    assert_eq!(
        audited(&app, n, "view-sealed").await,
        0,
        "nothing opened for the secretariat"
    );

    // The receiving side asks for help: a reason is required.
    let (status, page) = receiver.act(&app, n, &[("action", "ask-secretariat")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(!all_open_with(&app, n, &triage(&app)).await);
    let (status, page) = receiver
        .act(
            &app,
            n,
            &[
                ("action", "ask-secretariat"),
                ("help_reason", "Uenige om hvem som har ansvaret."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let case = app.store().case_by_number(n).await.unwrap().unwrap();
    assert!(case.secretariat_help_at.is_some());
    assert_eq!(case.state, CaseState::Dispatched, "asking for help moves nothing");
    assert!(
        all_open_with(&app, n, &triage(&app)).await,
        "sealed to the secretariat now"
    );
    assert!(all_open_with(&app, n, &identity(&app, "horten-hjemmetjeneste")).await);
    assert_eq!(audited(&app, n, "secretariat-help").await, 1);

    // Now the secretariat reads the case; both parties see that it was asked.
    let (status, page) = secretariat.get(&app, format!("/saker/{n}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("{canary}-beskrivelse")), "{page}");
    assert!(page.contains("Uenige om hvem som har ansvaret."));
    for party in [&sender, &receiver] {
        let (status, page) = party.get(&app, format!("/saker/{n}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Sekretariatet bedt om hjelp"), "{page}");
        assert!(
            !page.contains("name=\"action\" value=\"ask-secretariat\""),
            "asked once"
        );
    }
    // A note written after the request is sealed to the secretariat too.
    let (status, _) = sender
        .act(&app, n, &[("action", "message"), ("message_text", "Takk for hjelpen.")])
        .await;
    assert_eq!(status, 303);
    assert!(all_open_with(&app, n, &triage(&app)).await);
    app.stop().await;
}

async fn unwrap_secretariat_removes_the_old_wrapping_only_where_it_is_not_needed(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Client::new(&app, HORTEN).await;
    let receiver = Client::new(&app, MED).await;
    let old = dispatched_case(&app, &sender, &samavvik_tests::canary("old")).await;
    let (status, _) = receiver
        .act(
            &app,
            old,
            &[("action", "message"), ("message_text", "Vi ser på saken.")],
        )
        .await;
    assert_eq!(status, 303);
    let asked = dispatched_case(&app, &sender, &samavvik_tests::canary("asked")).await;
    let (status, _) = sender
        .act(
            &app,
            asked,
            &[("action", "ask-secretariat"), ("help_reason", "Vi trenger hjelp.")],
        )
        .await;
    assert_eq!(status, 303);
    let fresh = dispatched_case(&app, &sender, &samavvik_tests::canary("new")).await;

    // Seal `old` the way every case was sealed before need-to-know.
    let catalog = app.running.app.catalog.current();
    let triage_id = catalog.directory.triage_unit().id.clone();
    let case = app.store().case_by_number(old).await.unwrap().unwrap();
    let everyone = catalog
        .keyring
        .recipients_for(&[&case.sender_unit, &case.receiver_unit, &triage_id]);
    let med = identity(&app, "siv-med");
    let doc = app.store().sealed_document(old).await.unwrap().unwrap();
    let mut legacy = vec![(
        SealedRef::Report,
        Ciphertext(samavvik_seal::seal_bytes(&samavvik_seal::open_bytes(&doc.0, &med).unwrap(), &everyone).unwrap()),
    )];
    for item in app.store().sealed_items(old).await.unwrap() {
        let plain = samavvik_seal::open_bytes(&item.ciphertext.0, &med).unwrap();
        legacy.push((
            SealedRef::Item(item.id),
            Ciphertext(samavvik_seal::seal_bytes(&plain, &everyone).unwrap()),
        ));
    }
    app.store().reseal_case(old, &legacy).await.unwrap();
    assert!(all_open_with(&app, old, &triage(&app)).await);

    let unwrap = async |dry_run| {
        samavvik_app::need_to_know::unwrap_secretariat(app.store(), &catalog, chrono::Utc::now(), dry_run, "cli:test")
            .await
            .unwrap()
    };
    // A dry run lists and changes nothing.
    let run = unwrap(true).await;
    assert_eq!(run.unwrapped, vec![old]);
    assert_eq!(run.kept, vec![asked]);
    assert_eq!(run.not_wrapped, 1, "{fresh} was sealed without the secretariat");
    assert!(run.failed.is_empty());
    assert!(
        all_open_with(&app, old, &triage(&app)).await,
        "a dry run changes nothing"
    );
    assert_eq!(audited(&app, old, "secretariat-unwrapped").await, 0);

    let run = unwrap(false).await;
    assert_eq!(run.unwrapped, vec![old]);
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    assert!(
        !all_open_with(&app, old, &triage(&app)).await,
        "the old wrapping is gone"
    );
    assert!(all_open_with(&app, old, &med).await);
    assert!(all_open_with(&app, old, &identity(&app, "horten-hjemmetjeneste")).await);
    assert!(
        all_open_with(&app, asked, &triage(&app)).await,
        "kept where a party asked"
    );
    assert_eq!(audited(&app, old, "secretariat-unwrapped").await, 1);
    // The receiver still reads the case, notes included.
    let (status, page) = receiver.get(&app, format!("/saker/{old}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Vi ser på saken."));

    // Run again: nothing left to do.
    let run = unwrap(false).await;
    assert!(run.unwrapped.is_empty());
    assert_eq!(run.not_wrapped, 2);
    app.stop().await;
}
