//! End-to-end: a note's kind and "shareable" flag are sealed with it, so
//! someone who can write the database cannot turn a note into another kind
//! or share it with the reporter. Both engines.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use samavvik_tests::server::hidden;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};

samavvik_tests::on_both_engines!(a_note_whose_clear_columns_were_changed_is_not_shown);

fn follow_up_path(html: &str) -> String {
    let html = html.replace("&#x2f;", "/");
    let start = html.find("/oppfolging/").expect("follow-up link");
    html[start..start + "/oppfolging/".len() + 43].to_owned()
}

/// Runs one statement on the test's database (outside the app).
async fn execute(app: &TestApp, sql: &str) {
    match app.engine {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db_url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

async fn a_note_whose_clear_columns_were_changed_is_not_shown(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, html) = app.post(&valid_report(&csrf, &key, "x")).await;
    assert_eq!(status, 200, "{html}");
    let page = format!("{}{}", app.base, follow_up_path(&html));
    let form = app.client.get(&page).send().await.unwrap().text().await.unwrap();
    let addition = "Tilleggsopplysning fra melderen om epikrisen";
    let res = app
        .client
        .post(&page)
        .form(&[
            ("csrf_token", hidden(&form, "csrf_token").as_str()),
            ("addition", addition),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let before = app.client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(
        !before.contains(addition),
        "the reporter's own addition is not shown back"
    );
    // A database writer copies the addition's ciphertext into a new row that
    // says it is an answer shared with the reporter.
    execute(
        &app,
        "INSERT INTO case_items (case_id, kind, at, actor, shareable, ciphertext) \
         SELECT case_id, 'answer', at, actor, TRUE, ciphertext FROM case_items WHERE kind = 'reporter-addition'",
    )
    .await;
    let (status, after) = {
        let res = app.client.get(&page).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    assert_eq!(status, 200, "the page still opens");
    assert!(!after.contains(addition), "the forged answer is withheld");
    app.stop().await;
}
