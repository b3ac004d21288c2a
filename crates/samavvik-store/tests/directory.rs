//! Conformance of directory imports on both engines.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)] // shared with the conformance suite, which uses the rest
mod support;

use chrono::NaiveDate;
use samavvik_store::{DirectoryImport, DirectoryStore, DirectoryUnitRow};
use support::{TestStore, t0};

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { let db = crate::support::sqlite().await; crate::$name(&db.store).await; } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { let Some(db) = crate::support::postgres().await else { return }; crate::$name(&db.store).await; } )*
        }
    };
}

on_both!(import_is_once_per_version_and_keeps_old_names);

fn import(version: &str, name: &str) -> DirectoryImport {
    DirectoryImport {
        version: version.into(),
        imported_at: t0(),
        units: vec![
            DirectoryUnitRow {
                unit_id: "siv-kpa".into(),
                name: name.into(),
                organisation: "siv".into(),
                kind: "klinikk".into(),
                valid_from: NaiveDate::from_ymd_opt(2024, 1, 1),
                valid_to: None,
                successor: None,
            },
            DirectoryUnitRow {
                unit_id: "siv-kpr".into(),
                name: "Klinikk for psykisk helsevern og rusbehandling".into(),
                organisation: "siv".into(),
                kind: "klinikk".into(),
                valid_from: None,
                valid_to: NaiveDate::from_ymd_opt(2023, 12, 31),
                successor: Some("siv-kpa".into()),
            },
        ],
    }
}

async fn import_is_once_per_version_and_keeps_old_names<S: TestStore + DirectoryStore>(s: &S) {
    assert!(
        s.import_directory(&import("v1", "Klinikk for psykisk helse og avhengighet"))
            .await
            .unwrap()
    );
    assert!(
        !s.import_directory(&import("v1", "Changed but same version"))
            .await
            .unwrap(),
        "same version twice is a no-op"
    );
    assert!(s.import_directory(&import("v2", "KPA, nytt navn")).await.unwrap());
    let versions = s.directory_versions().await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version.as_str(), v.unit_count))
            .collect::<Vec<_>>(),
        vec![("v1", 2), ("v2", 2)]
    );
    assert_eq!(
        versions[0].imported_at,
        support::stored(t0()),
        "kept to the millisecond"
    );
    assert_eq!(
        s.directory_unit_name("v1", "siv-kpa").await.unwrap().as_deref(),
        Some("Klinikk for psykisk helse og avhengighet")
    );
    assert_eq!(
        s.directory_unit_name("v2", "siv-kpa").await.unwrap().as_deref(),
        Some("KPA, nytt navn")
    );
    assert_eq!(s.directory_unit_name("v2", "finnes-ikke").await.unwrap(), None);
}
