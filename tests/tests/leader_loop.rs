//! The leader's side of the loop (issue 17): the header names who is
//! signed in and their units, a case is found by its number, every action
//! ends on a confirmation banner, and a reroute lands on the work list
//! saying where the case went (the leader no longer sees the case itself).

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use samavvik_core::CaseNumber;
use samavvik_tests::{Engine, TestApp, spawn_app, valid_report};

samavvik_tests::on_both_engines!(
    a_leader_finds_acts_and_is_told_what_happened,
    a_leader_gives_a_case_to_a_handler_who_finds_and_exports_it
);

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
        let (status, to, page) = self.post(app, n, fields).await;
        assert_eq!(status, 303, "{fields:?}: {page}");
        to
    }

    /// POSTs an action; returns status, Location and body.
    async fn post(&self, app: &TestApp, n: CaseNumber, fields: &[(&str, &str)]) -> (u16, String, String) {
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
        let status = res.status().as_u16();
        let to = location(&res);
        (status, to, res.text().await.unwrap())
    }

    /// GET of a file; returns status, Content-Type and the bytes.
    async fn download(&self, app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
        let res = self
            .client
            .get(format!("{}{path}", app.base))
            .header("cookie", &self.cookies)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .map(|t| t.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, res.bytes().await.unwrap().to_vec())
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
                ("reroute_confirm", "ja"),
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
    app.stop().await;
}

const KBK: &str = "klinikkledelse.kbk@siv.example.no";
const KBK_DEPUTY: &str = "stedfortreder.kbk@siv.example.no";

async fn a_leader_gives_a_case_to_a_handler_who_finds_and_exports_it(engine: Engine) {
    use samavvik_store::{AuditFilter, HandlingStore};
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (csrf, key) = app.open_form().await;
    let mut report = valid_report(&csrf, &key, "ASSIGN7");
    for (k, v) in &mut report {
        if k == "receiver_unit" {
            *v = "siv-kbk".into();
        }
    }
    let (status, receipt) = app.post(&report).await;
    assert_eq!(status, 200);
    let start = receipt.find("SA-").unwrap();
    let n: CaseNumber = receipt[start..start + 13].parse().unwrap();
    let horten = Leader::new(&app, HORTEN).await;
    horten.act(&app, n, &[("action", "forward")]).await;

    let catalog = app.running.app.catalog.current();
    let principal = |email: &str| catalog.people.by_email(email).unwrap().principal.clone();
    let kbk = Leader::new(&app, KBK).await;
    let deputy = Leader::new(&app, KBK_DEPUTY).await;

    // The receiving leader is offered the unit's leaders and deputies only.
    let (_, _, page) = kbk.get(&app, &format!("/saker/{n}")).await;
    assert!(page.contains("id=\"saksbehandler\""), "{page}");
    assert!(page.contains(KBK_DEPUTY), "the deputy is offered");
    assert!(!page.contains(MED), "another unit's leader is not");
    let (status, _, page) = kbk
        .post(&app, n, &[("action", "assign"), ("handler", &principal(MED))])
        .await;
    assert_eq!(status, 422, "the server refuses someone outside the unit");
    assert!(page.contains("Velg en av enhetens ledere som saksbehandler."));
    let (status, _, _) = horten
        .post(&app, n, &[("action", "assign"), ("handler", &principal(HORTEN))])
        .await;
    assert_eq!(status, 403, "the sending side does not pick the receiver's handler");

    let to = kbk
        .act(&app, n, &[("action", "assign"), ("handler", &principal(KBK_DEPUTY))])
        .await;
    assert_eq!(to, format!("/saker/{n}?utfort=assign#saksbehandler"));
    let (_, _, page) = kbk.get(&app, &to).await;
    assert!(page.contains("Saksbehandleren er lagret."), "{page}");
    assert!(page.contains(&format!("<dt>Saksbehandler</dt><dd>{KBK_DEPUTY}</dd>")));

    // Stored and audited as the principal, an organisational id, not the e-mail.
    let stored = app.store().case_assignees(&[n]).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].1.as_str(), stored[0].2.as_str()),
        ("siv-kbk", principal(KBK_DEPUTY).as_str())
    );
    assert!(!stored[0].2.contains('@'));
    let (audit, _) = app
        .store()
        .audit_entries(&AuditFilter {
            action: Some("assigned".into()),
            case_number: Some(n),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail, principal(KBK_DEPUTY));

    // "Mine saker": the handler finds it, the leader who gave it away does not.
    let (_, _, mine) = deputy.get(&app, "/saker?mine=1").await;
    assert!(mine.contains(&format!("href=\"/saker/{n}\"")), "{mine}");
    assert!(mine.contains(&format!("<td data-label=\"Saksbehandler\">{KBK_DEPUTY}</td>")));
    let (_, _, theirs) = kbk.get(&app, "/saker?mine=1").await;
    assert!(!theirs.contains(&format!("href=\"/saker/{n}\"")));

    // The handler's own list as CSV and as XLSX.
    let (_, _, csv) = deputy.get(&app, "/saker.csv?mine=1").await;
    assert!(csv.contains(&format!("{n};Sendt til mottaker;")), "{csv}");
    assert!(csv.contains(KBK_DEPUTY));
    let (status, kind, xlsx) = deputy.download(&app, "/saker.xlsx?mine=1").await;
    assert_eq!(status, 200);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.starts_with(b"PK"), "an XLSX file is a zip container");
    let (status, _, _) = Leader::new(&app, KBK).await.download(&app, "/saker.xlsx").await;
    assert_eq!(status, 200);

    // Taken back: no longer anyone's.
    kbk.act(&app, n, &[("action", "assign"), ("handler", "ingen")]).await;
    let (_, _, mine) = deputy.get(&app, "/saker?mine=1").await;
    assert!(!mine.contains(&format!("href=\"/saker/{n}\"")));
    app.stop().await;
}
