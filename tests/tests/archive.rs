//! Archive export (issue 16, point 1), on both engines: a leader of either
//! side downloads a closed case as a Noark 5 arkivmelding package for
//! their own organisation (opened with their own unit's key, audited,
//! marked on the case); the arkivmelding validates against the vendored
//! eFormidling XSD with xmllint; a leader of a third unit and the
//! secretariat get 404 (audited); a GET changes nothing; the year's page
//! lists what is still to be filed and downloads it all; the system
//! owner's export writes a checked package to a directory.

// Tests may unwrap: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use samavvik_core::{CaseNumber, OrgId};
use samavvik_store::{ArchiveStore, AuditFilter, HandlingStore, LifecycleStore, Store};
use samavvik_tests::lifecycle::{HORTEN, MED, Person, closed_case, submit};
use samavvik_tests::{Engine, spawn_app, workspace_root};

samavvik_tests::on_both_engines!(each_side_files_its_own_package);

const KPA: &str = "klinikkledelse.kpa@siv.example.no";
const SECRETARIAT: &str = "samhandlingssjef@helsefellesskapet.example.no";

async fn each_side_files_its_own_package(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let sender = Person::new(&app, HORTEN).await;
    let receiver = Person::new(&app, MED).await;
    let n = closed_case(&app, "arkivtest").await;
    let open = submit(&app, "arkivtest åpen").await;
    let uri = format!("/saker/{n}/arkiv");
    let exports = async || audit_count(&app, "export", n).await;

    // The button is on the closed case's page, not yet any mark.
    let page = receiver.case_page(&app, n).await;
    assert!(page.contains("Eksporter til arkiv"), "{page}");
    assert!(!page.contains("Arkivert i eget arkiv"), "{page}");
    // A GET changes nothing: no route, no mark, no audit row.
    let (status, _) = receiver.get(&app, &uri).await;
    assert_eq!(status, 405);
    assert!(app.store().archive_marks(n).await.unwrap().is_empty());
    assert_eq!(exports().await, 0);

    // A leader of a third unit (same hospital, another klinikk) and the
    // secretariat get 404, audited; nothing is marked.
    for who in [KPA, SECRETARIAT] {
        let before = audit_count(&app, "denied", n).await;
        let (status, _, body) = Person::new(&app, who).await.post_bytes(&app, &uri, &[]).await;
        assert_eq!(status, 404, "{who}");
        assert!(!body.starts_with(b"PK"), "{who}");
        assert_eq!(audit_count(&app, "denied", n).await, before + 1, "{who}");
    }
    assert!(app.store().archive_marks(n).await.unwrap().is_empty());
    // An open case is not filed yet.
    assert_eq!(sender.act(&app, open, &[("action", "forward")]).await.0, 303);
    let (status, _, _) = receiver.post_bytes(&app, &format!("/saker/{open}/arkiv"), &[]).await;
    assert_eq!(status, 409);

    // The receiver's package: opened with the receiver's key, marked for SiV only.
    let (status, kind, zip) = receiver.post_bytes(&app, &uri, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/zip");
    let files = unzip(&zip);
    check_package(&files, n, "I", "Medisinsk klinikk");
    assert_eq!(exports().await, 1);
    assert_eq!(export_units(&app, n).await, ["siv-med"]);
    let marks = app.store().archive_marks(n).await.unwrap();
    assert_eq!(
        marks.iter().map(|m| m.organisation.as_str()).collect::<Vec<_>>(),
        ["siv"]
    );
    let page = sender.case_page(&app, n).await;
    assert!(
        page.contains("Arkivert i eget arkiv: Sykehuset i Vestfold HF"),
        "{page}"
    );
    assert!(!page.contains("Arkivert i eget arkiv: Horten kommune"), "{page}");

    // The sender's package: its own key, its own direction, its own mark.
    let (status, _, zip) = sender.post_bytes(&app, &uri, &[]).await;
    assert_eq!(status, 200);
    let files = unzip(&zip);
    check_package(&files, n, "U", "Horten kommune, hjemmetjenesten");
    assert_eq!(export_units(&app, n).await, ["siv-med", "horten-hjemmetjeneste"]);
    let mut orgs: Vec<String> = app
        .store()
        .archive_marks(n)
        .await
        .unwrap()
        .iter()
        .map(|m| m.organisation.to_string())
        .collect();
    orgs.sort();
    assert_eq!(orgs, ["horten", "siv"]);

    // The year's page: what is filed and what is not, and all of it at once.
    // Closed just now: this year on the app's clock.
    assert!(
        app.store()
            .case_lifecycle(n)
            .await
            .unwrap()
            .unwrap()
            .closed_at
            .is_some()
    );
    let year = app.running.app.clock.today_oslo().format("%Y").to_string();
    let n2 = closed_case(&app, "arkivtest to").await;
    let (status, page) = receiver.get(&app, format!("/arkiv?ar={year}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&n.to_string()) && page.contains(&n2.to_string()),
        "{page}"
    );
    assert!(!page.contains(&open.to_string()), "{page}");
    assert!(page.contains("1 er ikke arkivert"), "{page}");
    let (status, _, zip) = receiver
        .post_bytes(&app, "/arkiv", &[("org", "siv"), ("ar", &year)])
        .await;
    assert_eq!(status, 200);
    let files = unzip(&zip);
    assert!(files.contains_key(&format!("{n}/01-melding.pdf")));
    assert!(files.contains_key(&format!("{n2}/01-melding.pdf")));
    validate(&files["arkivmelding.xml"]);
    let (_, page) = receiver.get(&app, format!("/arkiv?ar={year}")).await;
    assert!(page.contains("0 er ikke arkivert"), "{page}");
    // The secretariat files nothing of the parties' cases.
    assert_eq!(Person::new(&app, SECRETARIAT).await.get(&app, "/arkiv").await.0, 404);

    // The system owner's command: a period for Horten, written to a directory.
    let (from, to) = samavvik_app::archive::year_bounds(year.parse().unwrap()).unwrap();
    let horten = OrgId::new("horten").unwrap();
    let numbers: Vec<CaseNumber> = app
        .store()
        .archive_candidates(&horten, from, to)
        .await
        .unwrap()
        .iter()
        .map(|c| c.number)
        .collect();
    assert_eq!(numbers, [n, n2]);
    let mut cases = Vec::new();
    for c in numbers {
        cases.push(app.store().case_by_number(c).await.unwrap().unwrap());
    }
    let (package, left_out) = samavvik_app::archive::export_for_org(&app.running.app, &horten, cases, "cli:test")
        .await
        .unwrap();
    assert!(left_out.is_empty());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("pakke");
    package.unwrap().write_to(&dir).unwrap();
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--quiet", "sjekksummer.sha256"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(check.success(), "sha256sum -c");
    let xml = std::fs::read(dir.join("arkivmelding.xml")).unwrap();
    validate(&xml);
    assert_eq!(String::from_utf8(xml).unwrap().matches("<mappe ").count(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(format!("{n}/01-melding.pdf")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    app.stop().await;
}

async fn audit_count(app: &samavvik_tests::TestApp, action: &str, n: CaseNumber) -> u64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        case_number: Some(n),
        limit: 0,
        ..Default::default()
    };
    app.store().audit_entries(&filter).await.unwrap().1
}

/// The units whose keys opened the case for archive exports, oldest first.
async fn export_units(app: &samavvik_tests::TestApp, n: CaseNumber) -> Vec<String> {
    let filter = AuditFilter {
        action: Some("export".into()),
        case_number: Some(n),
        limit: 100,
        ..Default::default()
    };
    let mut rows = app.store().audit_entries(&filter).await.unwrap().0;
    rows.retain(|r| r.detail == "arkiv");
    rows.sort_by_key(|r| r.at);
    rows.iter().map(|r| r.unit.as_ref().unwrap().to_string()).collect()
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().unwrap().to_string(), data);
    }
    out
}

/// One case's package: the three steps' PDFs, their checksums, and an
/// arkivmelding that validates, names the case as external key, files the
/// report as `report_type` (I incoming / U outgoing) under `unit`.
fn check_package(files: &BTreeMap<String, Vec<u8>>, n: CaseNumber, report_type: &str, unit: &str) {
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let expected = [
        format!("{n}/01-melding.pdf"),
        format!("{n}/02-svar-1.pdf"),
        format!("{n}/03-lukking.pdf"),
        "arkivmelding.xml".to_owned(),
        "sjekksummer.sha256".to_owned(),
    ];
    assert_eq!(names, expected.iter().map(String::as_str).collect::<Vec<_>>());
    for pdf in &expected[..3] {
        assert!(files[pdf].starts_with(b"%PDF-"), "{pdf}");
    }
    let sums = String::from_utf8(files["sjekksummer.sha256"].clone()).unwrap();
    for line in sums.lines() {
        let (sum, path) = line.split_once("  ").unwrap();
        assert_eq!(sum, samavvik_app::archive::package::sha256_hex(&files[path]), "{path}");
    }
    assert_eq!(sums.lines().count(), 4);
    let xml = String::from_utf8(files["arkivmelding.xml"].clone()).unwrap();
    assert!(xml.contains("xmlns=\"http://www.arkivverket.no/standarder/noark5/arkivmelding\""));
    assert!(xml.contains(&format!("<noekkel>{n}</noekkel>")), "{xml}");
    assert_eq!(xml.matches("<registrering xsi:type=\"journalpost\">").count(), 3);
    assert_eq!(xml.matches("<dokumentobjekt>").count(), 3);
    assert!(
        xml.contains(&format!("<administrativEnhet>{unit}</administrativEnhet>")),
        "{xml}"
    );
    let first = xml.find("<journalposttype>").unwrap();
    assert!(
        xml[first..].starts_with(&format!("<journalposttype>{report_type}<")),
        "{xml}"
    );
    assert!(xml.contains(&format!(
        "<referanseDokumentfil>{n}/02-svar-1.pdf</referanseDokumentfil>"
    )));
    validate(xml.as_bytes());
}

/// Validates an arkivmelding against the vendored XSD with xmllint
/// (libxml2-utils). Without xmllint the test fails under CI and says so
/// loudly otherwise.
fn validate(xml: &[u8]) {
    let xsd = workspace_root().join("crates/samavvik-app/archive/xsd/arkivmelding.xsd");
    assert!(Path::new(&xsd).exists(), "vendored XSD");
    let probe = std::process::Command::new("xmllint").arg("--version").output();
    if probe.is_err() {
        let why = "xmllint not installed (apt-get install libxml2-utils)";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("!!! SKIPPING arkivmelding validation: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("arkivmelding.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "arkivmelding does not validate: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(xml)
    );
}
