//! End-to-end routing: free text the routing understands, the preview
//! before sending, and a directory change that leaves existing cases alone.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_store::{DirectoryStore, Store};
use samavvik_tests::{Engine, TestApp, canary, logs, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    free_text_routes_to_the_kommune_and_says_why,
    preview_shows_the_decision_before_sending,
    directory_change_leaves_existing_cases_alone,
);

fn with(fields: Vec<(String, String)>, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .collect();
    out.extend(
        changes
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    out
}

fn case_number_in(html: &str) -> samavvik_core::CaseNumber {
    let start = html.find("SA-").expect("a case number on the page");
    html[start..start + 13].parse().expect("well-formed case number")
}

async fn free_text_routes_to_the_kommune_and_says_why(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let fields = with(
        valid_report(&csrf, &key, &canary("R")),
        &[
            ("sender_unit", "siv-med"),
            ("receiver_org", "faerder"),
            ("receiver_unit", ""),
            ("receiver_hint", "NOTTEROY hjemmetjeneste"),
        ],
    );
    let (status, html) = app.post(&fields).await;
    assert_eq!(status, 200, "{html}");
    let case = app
        .store()
        .case_by_number(case_number_in(&html))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.receiver_unit.as_str(), "faerder-postmottak");
    assert_eq!(case.direction.slug(), "siv-til-kommune");
    assert_eq!(case.routing_rule, "kommune-former-name");
    assert!(
        case.routing_explanation.contains("«Nøtterøy»"),
        "{}",
        case.routing_explanation
    );
    assert!(
        !case.routing_explanation.contains("NOTTEROY"),
        "the explanation quotes the directory, not the reporter"
    );
    assert!(html.contains("Færder kommune"));
    // The reporter's own words for the receiver are sealed with the report,
    // so whoever handles the case (triage included) reads what was meant.
    let session = app.session_for("klinikkledelse.med@siv.example.no").await;
    let page = reqwest::Client::new()
        .get(format!("{}/saker/{}", app.base, case.number))
        .header("cookie", format!("samavvik_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Mottaker slik melderen beskrev den") && page.contains("NOTTEROY hjemmetjeneste"),
        "the sealed receiver hint is shown on the case page"
    );
    app.stop().await;
}

async fn preview_shows_the_decision_before_sending(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, _) = app.open_form().await;
    let hint = format!("psykiatrien {}", canary("P"));
    let ask = |csrf: String, hint: String| {
        let client = app.client.clone();
        let url = format!("{}/api/ruting", app.base);
        async move {
            let body = format!(
                "csrf_token={csrf}&sender_unit=tonsberg-hjemmetjeneste&receiver_org=siv&receiver_hint={}",
                hint.replace(' ', "+")
            );
            let res = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, json) = ask(csrf.clone(), hint.clone()).await;
    assert_eq!(status, 200);
    assert!(json.contains("\"ok\":true"), "{json}");
    assert!(json.contains("Klinikk psykisk helse og rus"), "{json}");
    let (status, _) = ask("0000".into(), hint.clone()).await;
    assert_eq!(status, 403, "the preview needs the form's CSRF token");
    assert!(!logs::text().contains(&hint), "the hint is never logged");
    app.stop().await;
}

async fn directory_change_leaves_existing_cases_alone(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("directory.toml");
    let original = std::fs::read_to_string(samavvik_tests::workspace_root().join("deploy/directory.toml")).unwrap();
    std::fs::write(&path, &original).unwrap();
    let p = path.clone();
    let Some(app) = TestApp::builder(engine)
        .settings(move |s| s.directory.path = p)
        .spawn()
        .await
    else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (_, html) = app.post(&valid_report(&csrf, &key, "x")).await;
    let n = case_number_in(&html);
    let before = app.store().case_by_number(n).await.unwrap().unwrap();

    // The system owner renames the klinikk and reloads while the server runs.
    let renamed = original.replacen(
        "name = \"Medisinsk klinikk\"",
        "name = \"Medisinsk klinikk og akuttmottak\"",
        1,
    );
    assert_ne!(renamed, original, "the test edits the shipped directory");
    std::fs::write(&path, renamed).unwrap();
    app.running.app.reload_catalog().await.unwrap();

    let after = app.store().case_by_number(n).await.unwrap().unwrap();
    assert_eq!(after, before, "an existing case keeps its unit and explanation");
    let versions = app.store().directory_versions().await.unwrap();
    assert_eq!(versions.len(), 2, "both directory versions are recorded");
    assert_eq!(
        app.store()
            .directory_unit_name(&versions[0].version, "siv-med")
            .await
            .unwrap()
            .as_deref(),
        Some("Medisinsk klinikk")
    );
    let (csrf, key) = app.open_form().await;
    let (_, html) = app.post(&valid_report(&csrf, &key, "y")).await;
    assert!(
        html.contains("Medisinsk klinikk og akuttmottak"),
        "new cases use the new directory"
    );
    app.stop().await;
}
