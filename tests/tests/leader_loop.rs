//! The leader's side of the loop (issue 17): the header names who is
//! signed in and their units, a case is found by its number, every action
//! ends on a confirmation banner, and a reroute lands on the work list
//! saying where the case went (the leader no longer sees the case itself).

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};

samavvik_tests::on_both_engines!(a_leader_finds_acts_and_is_told_what_happened);

const HORTEN: &str = "leder.hjemmetjenesten@horten.example.no";
const MED: &str = "klinikkledelse.med@siv.example.no";

struct Leader {
    client: reqwest::Client,
    cookies: String,
    csrf: String,
}

impl Leader {
    async fn new(app: &TestApp, email: &str) -> Leader {
        let session = app.session_for(email).await;
        let nonce = samavvik_app::tokens::random_key();
        Leader {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: format!("samavvik_session={session}; samavvik_csrf={nonce}"),
            csrf: app.running.app.secret.csrf_token(&nonce),
        }
    }

    /// GET; returns status, Location and body.
    async fn get(&self, app: &TestApp, path: &str) -> (u16, String, String) {
        let res = self
            .client
            .get(format!("{}{path}", app.base))
            .header("cookie", &self.cookies)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = location(&res);
        (status, location, res.text().await.unwrap())
    }

    /// POSTs an action; returns the Location it redirects to.
    async fn act(&self, app: &TestApp, n: CaseNumber, fields: &[(&str, &str)]) -> String {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(format!("{}/saker/{n}", app.base))
            .header("cookie", &self.cookies)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303, "{fields:?}");
        location(&res)
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn a_leader_finds_acts_and_is_told_what_happened(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let (status, receipt) = app.post(&valid_report(&csrf, &key, "LEAD9")).await;
    assert_eq!(status, 200);
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();

    // The header names who is signed in and their unit, with sign-out.
    let horten = Leader::new(&app, HORTEN).await;
    let (status, _, list) = horten.get(&app, "/saker").await;
    assert_eq!(status, 200);
    assert!(
        list.contains(&format!("Innlogget som <strong>{HORTEN}</strong>")),
        "{list}"
    );
    assert!(
        list.contains("Horten kommune, hjemmetjenesten"),
        "the unit's name is in the header"
    );
    assert!(list.contains("Logg ut"));

    // Search by case number: their own case opens; lower case works too.
    let (status, to, _) = horten
        .get(&app, &format!("/saker?sak={}", n.to_string().to_lowercase()))
        .await;
    assert_eq!((status, to.as_str()), (303, format!("/saker/{n}").as_str()));
    let (status, _, page) = horten.get(&app, "/saker?sak=SA-1999-00001").await;
    assert_eq!(status, 200);
    assert!(page.contains("Fant ingen sak med nummer «SA-1999-00001» blant sakene dine."));

    // The list as CSV for Excel: clear columns only, their own cases.
    let (status, _, csv) = horten.get(&app, "/saker.csv?status=sender_review").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with("\u{feff}Saksnummer;Status;Fra;Til;"), "{csv}");
    assert!(csv.contains(&format!(
        "{n};Til gjennomgang hos nærmeste leder;Horten kommune, hjemmetjenesten;"
    )));
    assert!(!csv.contains("LEAD9"), "no sealed content in the export");
    let (_, _, none) = horten.get(&app, "/saker.csv?status=closed").await;
    assert_eq!(none.lines().count(), 1, "only the header for an empty list");

    // Another unit's case is "not found" by number as by link.
    let med = Leader::new(&app, MED).await;
    let (status, _, page) = med.get(&app, &format!("/saker?sak={n}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Fant ingen sak med nummer"), "not yet forwarded to them");

    // Every action ends on a banner.
    let to = horten.act(&app, n, &[("action", "forward")]).await;
    assert_eq!(to, format!("/saker/{n}?utfort=forward"));
    let (_, _, page) = horten.get(&app, &to).await;
    assert!(page.contains("Meldingen er sendt til Medisinsk klinikk"), "{page}");
    let to = med.act(&app, n, &[("action", "acknowledge")]).await;
    let (_, _, page) = med.get(&app, &to).await;
    assert!(page.contains("Mottaket er bekreftet."));

    // A reroute lands on the work list, which says where the case went.
    let to = med
        .act(
            &app,
            n,
            &[
                ("action", "reroute"),
                ("target_unit", "siv-kir"),
                ("reroute_reason", "Gjelder operasjonen"),
            ],
        )
        .await;
    assert_eq!(to, format!("/saker?videresendt={n}&ny_enhet=siv-kir"));
    let (status, _, page) = med.get(&app, &to).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("Sak {n} er sendt videre til Kirurgisk klinikk")),
        "{page}"
    );
    let (status, _, _) = med.get(&app, &format!("/saker/{n}")).await;
    assert_eq!(status, 404, "the case itself stays out of their reach");
}
