//! What the reporter may do through the private follow-up link: read the
//! case's state and the notes meant for them (an answer the receiver chose
//! to share, a request from the leader to add information), and add
//! information while the case is open. What the reporter wrote is never
//! shown back: the link may travel further than the reporter meant it to.

use samavvik_core::sealed::HandlingNote;
use samavvik_core::{AuditAction, CaseState, NoteKind, Transition};
use samavvik_store::{
    AuditEntry, CaseRecord, Ciphertext, HandlingStore, NewEvent, NewSealedItem, Store, TransitionWrite,
};

use crate::app::App;
use crate::catalog::Catalog;
use crate::error::{Error, internal};
use crate::mail::{TEMPLATE_NEW_MESSAGE, TEMPLATE_REVIEW_RESUBMITTED};
use crate::tokens;

use samavvik_core::limits::REPORTER_ADDITION as MAX_ADDITION;

/// The case behind a follow-up link.
///
/// # Errors
/// [`Error::NotFound`] for a malformed or unknown link.
pub async fn case_for(app: &App, token: &str) -> Result<CaseRecord, Error> {
    if !tokens::is_long_token(token) {
        return Err(Error::NotFound);
    }
    let case = app
        .store
        .case_by_follow_up(&app.secret.token_hash("follow-up", token))
        .await?;
    match case {
        Some(case) => Ok(case),
        None => {
            crate::security::record(
                app,
                crate::security::ANONYMOUS,
                AuditAction::FollowUpRefused,
                "unknown link",
            )
            .await?;
            Err(Error::NotFound)
        }
    }
}

/// The fields of a report, as the form names them. None of them changes
/// after submission: not through the follow-up page, and not by sending the
/// form again (the same form is answered with the first receipt). What the
/// reporter adds is sealed beside the report as an addition.
pub const REPORT_FIELDS_NB: &[&str] = &[
    "hvem avviket gjelder",
    "måned og dato for hendelsen",
    "enheten du meldte fra",
    "kategori",
    "konsekvens",
    "pasientgruppe",
    "beskrivelsen",
    "sted",
    "pasientens navn og fødselsdato",
    "strakstiltak",
    "forslag til forbedring",
    "navn, e-post og telefon",
];

/// What the reporter is told about a report that was sent back: the report
/// stays as it was sent, and the addition is where corrections go.
pub fn report_unchanged_nb() -> String {
    format!(
        "Meldingen du sendte, kan ikke endres, heller ikke ved å sende skjemaet på nytt. \
         Dette står som du sendte det: {}. Skriv rettelser og det lederen din ba om i feltet under; \
         det legges ved saken som et tillegg, og lederen din ser det sammen med meldingen.",
        REPORT_FIELDS_NB.join(", ")
    )
}

/// Whether the reporter may still add information.
pub fn open_for_additions(case: &CaseRecord) -> bool {
    !matches!(case.state, CaseState::Closed | CaseState::Withdrawn)
}

/// A note shown to the reporter.
#[derive(Debug, serde::Serialize)]
pub struct SharedNote {
    pub title: &'static str,
    /// Which side wrote it ("mottakerenheten (…)"), see [`crate::cases::note_author_nb`].
    pub author: String,
    pub date: String,
    pub text: String,
    pub measures: Vec<&'static str>,
}

/// Why an addition was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdditionRefused {
    /// The case is closed or withdrawn (409).
    Closed,
    /// Empty or too long (422); the message says which.
    Invalid(String),
    /// The case changed while the reporter wrote (409).
    Changed,
}

impl AdditionRefused {
    /// What to tell the reporter, in bokmål.
    pub fn message(&self) -> String {
        match self {
            AdditionRefused::Closed => {
                "Saken er avsluttet, så det kan ikke legges til mer. Meld et nytt avvik hvis det trengs.".into()
            }
            AdditionRefused::Invalid(m) => m.clone(),
            AdditionRefused::Changed => "Saken ble endret i mellomtiden. Prøv igjen.".into(),
        }
    }
}

/// The notes meant for the reporter, opened with the sending unit's key
/// (always a recipient). Each opening is audited.
///
/// # Errors
/// When the sending unit's key is missing or a note does not open.
pub async fn shared_notes(app: &App, catalog: &Catalog, case: &CaseRecord) -> Result<Vec<SharedNote>, Error> {
    let items: Vec<_> = app
        .store
        .sealed_items(case.number)
        .await?
        .into_iter()
        .filter(|i| NoteKind::from_slug(&i.kind).is_some_and(|k| k.shown_to_reporter(i.shareable)))
        .collect();
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let identity = catalog
        .keyring
        .identity(&case.sender_unit)
        .ok_or_else(|| internal(format!("no identity file for unit {}", case.sender_unit)))?;
    let mut out = Vec::new();
    for item in items {
        let bytes = samavvik_seal::open_bytes(&item.ciphertext.0, identity)?;
        let note = HandlingNote::from_plaintext(&bytes, case.number).map_err(|e| Error::Internal(e.into()))?;
        if !crate::cases::columns_agree(case, &item, &note) {
            continue;
        }
        let title = match NoteKind::from_slug(&note.kind) {
            Some(NoteKind::Answer) => "Svar fra mottakeren",
            Some(NoteKind::Returned) => "Lederen din ber deg legge til opplysninger",
            _ => "Meldingen er trukket tilbake",
        };
        out.push(SharedNote {
            title,
            author: crate::cases::note_author_nb(catalog, case, &note),
            date: crate::cases::oslo_minute(item.at),
            text: note.text,
            measures: note.measures.iter().map(|m| m.category.label()).collect(),
        });
    }
    app.store
        .append_audit(&AuditEntry {
            at: app.clock.now(),
            actor: "melder".into(),
            action: AuditAction::ViewSealed.as_str().into(),
            case_number: Some(case.number),
            unit: Some(case.sender_unit.clone()),
            detail: "follow-up link".into(),
        })
        .await?;
    Ok(out)
}

/// The reporter adds information. A report that was sent back goes to the
/// leader's review again; otherwise whoever handles the case now is told.
///
/// # Errors
/// When the store or sealing fails; refusals are `Ok(Err(_))`.
pub async fn add(app: &App, case: &CaseRecord, text: &str) -> Result<Result<(), AdditionRefused>, Error> {
    if !open_for_additions(case) {
        return Ok(Err(AdditionRefused::Closed));
    }
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Ok(Err(AdditionRefused::Invalid(
            "Skriv opplysningene du vil legge til.".into(),
        )));
    }
    if text.chars().count() > MAX_ADDITION {
        return Ok(Err(AdditionRefused::Invalid(format!(
            "Teksten kan være høyst {MAX_ADDITION} tegn."
        ))));
    }
    if samavvik_core::identity::contains_national_id(&text) {
        return Ok(Err(AdditionRefused::Invalid(
            samavvik_core::identity::NOT_IN_ADDITION.into(),
        )));
    }
    let catalog = app.catalog.current();
    let now = app.clock.now();
    let item = seal_addition(app, &catalog, case, text, now).await?;
    let mail = addition_mail(app, &catalog, case, now);
    if case.state == CaseState::Submitted {
        let to_state = CaseState::Submitted
            .apply(Transition::StartReview)
            .map_err(|e| Error::Internal(e.into()))?;
        let event = NewEvent {
            at: now,
            actor: "melder".into(),
            from_state: Some(CaseState::Submitted),
            to_state,
            reason: "Melder har lagt til opplysninger; til ny gjennomgang".into(),
        };
        let write = TransitionWrite {
            new_items: vec![item],
            mail,
            ..TransitionWrite::new(case.number, CaseState::Submitted, to_state, event)
        };
        if !app.store.apply_transition(&write).await? {
            return Ok(Err(AdditionRefused::Changed));
        }
    } else {
        app.store.add_sealed_item(case.number, &item, &mail).await?;
    }
    app.wake_worker();
    tracing::info!(case = %case.number, "reporter added information");
    Ok(Ok(()))
}

/// The addition as a sealed note to both units (and the secretariat if asked for help).
async fn seal_addition(
    app: &App,
    catalog: &Catalog,
    case: &CaseRecord,
    text: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<NewSealedItem, Error> {
    let recipients = crate::cases::reader_recipients(catalog, case, &case.receiver_unit);
    let note = HandlingNote::new(
        case.number,
        NoteKind::ReporterAddition.slug(),
        false,
        case.sender_unit.clone(),
        text,
        Vec::new(),
    );
    let ct = app
        .cpu(move || samavvik_seal::seal_bytes(&note.to_plaintext(), &recipients))
        .await??;
    Ok(NewSealedItem {
        kind: NoteKind::ReporterAddition.slug().into(),
        at: now,
        actor: "melder".into(),
        shareable: false,
        ciphertext: Ciphertext(ct),
    })
}

/// Who hears of an addition: the sender's leaders while the report is in
/// review (to review it again), else whoever handles the case now.
fn addition_mail(
    app: &App,
    catalog: &Catalog,
    case: &CaseRecord,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<samavvik_store::NewMailJob> {
    let notice = crate::cases::case_notice(
        app,
        catalog,
        case.number,
        &case.sender_unit,
        &case.receiver_unit,
        case.ack_deadline,
    );
    let (to, template) = match case.state {
        // Not the first review: the mail says it is a resubmission.
        CaseState::Submitted | CaseState::SenderReview => (
            catalog.recipients(&case.sender_unit, true, false),
            TEMPLATE_REVIEW_RESUBMITTED,
        ),
        _ => (
            catalog.recipients(&case.receiver_unit, true, true),
            TEMPLATE_NEW_MESSAGE,
        ),
    };
    let tag = format!("addition.{}", now.timestamp_millis());
    crate::mail::notice_jobs(to, template, &notice, &tag, &app.settings.mail.message_id_domain, now)
}
