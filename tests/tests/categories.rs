//! The category list as directory data (issue 20, point 8): the
//! secretariat adds a category and retires one by editing the directory
//! file; new reports can use the new one, the retired one is refused on the
//! form in bokmål with the input kept, and the old case keeps, shows and
//! counts the retired one in the report of its period.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use chrono::Datelike;
use samavvik_aggregation::Period;
use samavvik_core::Category;
use samavvik_store::Store;
use samavvik_tests::{Engine, TestApp, valid_report};

samavvik_tests::on_both_engines!(a_changed_category_list_keeps_old_cases_and_reports,);

fn case_number_in(html: &str) -> samavvik_core::CaseNumber {
    let at = html.find("SA-").expect("a case number on the receipt");
    html[at..at + 13].parse().unwrap()
}

fn with_categories(fields: Vec<(String, String)>, categories: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "category").collect();
    out.extend(categories.iter().map(|c| ("category".to_owned(), (*c).to_owned())));
    out
}

async fn a_changed_category_list_keeps_old_cases_and_reports(engine: Engine) {
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
    let legemidler = Category::from_static("legemidler");
    let (csrf, key) = app.open_form().await;
    let (_, html) = app.post(&valid_report(&csrf, &key, "gammel")).await;
    let old = case_number_in(&html);

    // The secretariat ends «legemidler» at the end of last year, replaced by
    // a new category, ends «tud» (no cases) likewise, and reloads.
    let last_year = chrono::Utc::now().year() - 1;
    let changed = original
        .replacen(
            "slug = \"legemidler\"\n",
            &format!("slug = \"legemidler\"\nvalid_to = {last_year}-12-31\nreplaced_by = \"legemidler-resepter\"\n"),
            1,
        )
        .replacen(
            "slug = \"tud\"\n",
            &format!("slug = \"tud\"\nvalid_to = {last_year}-12-31\n"),
            1,
        )
        + "\n[[category]]\nslug = \"legemidler-resepter\"\nlabel = \"Legemidler og resepter\"\n\
           description = \"Legemiddellister, resepter og multidose mellom sykehus og kommune.\"\n";
    std::fs::write(&path, changed).unwrap();
    // (A reload refuses a file `samavvik directory check` would refuse.)
    app.running.app.reload_catalog().await.unwrap();

    // The form offers the new category with its hint and not the ended one.
    let form = reqwest::get(format!("{}/meld", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("id=\"category-legemidler-resepter\""),
        "the new category is offered"
    );
    assert!(
        form.contains("Legemiddellister, resepter og multidose"),
        "with its description"
    );
    assert!(
        !form.contains("id=\"category-legemidler\""),
        "the ended one is not offered"
    );
    assert!(!form.contains("id=\"category-tud\""));

    // Sending the ended one anyway is refused in bokmål, keeping the input.
    let (csrf, key) = app.open_form().await;
    let (status, html) = app
        .post(&with_categories(
            valid_report(&csrf, &key, "avvist"),
            &["epikrise", "legemidler"],
        ))
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("ikke lenger i bruk"), "{html}");
    assert!(html.contains("Bruk «Legemidler og resepter» i stedet"), "{html}");
    assert!(html.contains("avvist-beskrivelse"), "what the reporter typed is kept");

    // The new one is accepted.
    let (_, html) = app
        .post(&with_categories(
            valid_report(&csrf, &key, "ny"),
            &["legemidler-resepter"],
        ))
        .await;
    let new = case_number_in(&html);
    let new_case = app.store().case_by_number(new).await.unwrap().unwrap();
    assert_eq!(new_case.categories, vec![Category::from_static("legemidler-resepter")]);

    // The old case keeps its category and its label.
    let old_case = app.store().case_by_number(old).await.unwrap().unwrap();
    assert!(old_case.categories.contains(&legemidler));
    let catalog = app.running.app.catalog.current();
    assert_eq!(
        catalog.directory.categories().label(&legemidler),
        "Legemidler (legemiddelliste, resepter, utlevering)"
    );

    // This year's report counts it under its label (it had a case in the
    // period), lists the new one, and leaves out «tud» (ended, no cases).
    let names = samavvik_app::publish::names(&catalog.directory);
    let year = chrono::Utc::now().year().to_string();
    let prepared = samavvik_app::publish::prepare(app.store(), Period::parse(&year).unwrap(), 5, &names)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let table = prepared
        .report
        .tables
        .iter()
        .find(|t| t.id == "kategori")
        .expect("category table");
    let labels: Vec<&str> = table.rows.iter().map(|r| r.label.as_str()).collect();
    assert!(
        labels.contains(&"Legemidler (legemiddelliste, resepter, utlevering)"),
        "{labels:?}"
    );
    assert!(labels.contains(&"Legemidler og resepter"), "{labels:?}");
    assert!(!labels.contains(&"Tverrfaglig utvidet døgntilbud (TUD)"), "{labels:?}");
    app.stop().await;
}
