use super::*;
use samavvik_core::sealed::SealedFields;

fn content(n: CaseNumber) -> SealedContent {
    SealedContent::new(
        n,
        SealedFields {
            description: "Pasienten fikk feil medisin. KANARI-7731".into(),
            reporter_name: "Kari Nordmann".into(),
            ..Default::default()
        },
    )
}

#[test]
fn every_recipient_opens_and_a_stranger_cannot() {
    let n = CaseNumber::new(2026, 7).unwrap();
    let (sender, receiver, secretariat, stranger) = (
        UnitIdentity::generate(),
        UnitIdentity::generate(),
        UnitIdentity::generate(),
        UnitIdentity::generate(),
    );
    let mut rs = Recipients::new();
    rs.extend([
        sender.recipient(),
        receiver.recipient(),
        secretariat.recipient(),
        receiver.recipient(),
    ]);
    assert_eq!(rs.len(), 3, "duplicates are removed");
    let ct = seal(&content(n), &rs).unwrap();
    assert!(
        !ct.windows(b"KANARI".len()).any(|w| w == b"KANARI"),
        "ciphertext holds no plaintext"
    );
    for id in [&sender, &receiver, &secretariat] {
        let doc = open(&ct, id, n).unwrap();
        assert_eq!(doc.report.description, "Pasienten fikk feil medisin. KANARI-7731");
    }
    assert!(matches!(open(&ct, &stranger, n), Err(SealError::NotARecipient)));
}

#[test]
fn refuses_a_document_moved_to_another_case() {
    let id = UnitIdentity::generate();
    let mut rs = Recipients::new();
    rs.add(id.recipient());
    let ct = seal(&content(CaseNumber::new(2026, 1).unwrap()), &rs).unwrap();
    assert!(matches!(
        open(&ct, &id, CaseNumber::new(2026, 2).unwrap()),
        Err(SealError::Content(OpenError::WrongCase))
    ));
}

#[test]
fn refuses_empty_recipients_and_bad_strings() {
    assert!(matches!(
        seal(&content(CaseNumber::new(2026, 1).unwrap()), &Recipients::new()),
        Err(SealError::NoRecipients)
    ));
    assert!(Recipient::parse("age1notakey").is_err());
    let r = UnitIdentity::generate().recipient();
    assert_eq!(Recipient::parse(&r.to_string()).unwrap(), r);
}

#[test]
fn key_files_are_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("siv-med.key");
    let made = generate_identity_file(&path, "siv-med").unwrap();
    let loaded = load_identity_file(&path).unwrap();
    assert_eq!(made.recipient(), loaded.recipient());
    assert!(matches!(
        generate_identity_file(&path, "siv-med"),
        Err(KeyError::Exists(_))
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(load_identity_file(&path), Err(KeyError::TooOpen(_))));
    }
}
