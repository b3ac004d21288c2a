//! Lessons for sharing (issue 20, point 9): a leader of either party
//! proposes a short text written for publication once the case is answered
//! (the receiver when closing, the sender when it accepts the answer). The
//! text is sealed to the secretariat's triage unit, which reviews it in a
//! queue (`/fsu/laeringspunkter`): edit and approve, or reject with a
//! reason. An approved lesson is stored in clear, a public text for the
//! half-year and annual reports (grouped by category, only for categories
//! at or above the suppression threshold: `samavvik_aggregation::learning`).
//! Proposing, approving, rejecting and a refused attempt are audited.

use chrono::{DateTime, Utc};
use samavvik_core::permission::Side;
use samavvik_core::{AuditAction, CaseNumber, Category, UnitId};
use samavvik_store::{AuditEntry, CaseRecord, Ciphertext, LearningStore, LessonDecision, Store};

use crate::Fields;
use crate::app::App;
use crate::catalog::Catalog;
use crate::error::{Error, internal};
use crate::people::Person;

/// The longest lesson: a short text for a report.
pub const LESSON_MAX: usize = 800;
/// The longest reason for rejecting one.
const REASON_MAX: usize = 500;
/// Binds the case number inside the sealed text (age has no associated data).
const MAGIC: &str = "samavvik-lesson/1";

/// Field errors: (field name, bokmål message).
pub type Errors = Vec<(String, String)>;

fn text(form: &Fields, field: &str) -> String {
    form.get(field).map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// A text meant for others to read: not too long, no national id.
fn checked(t: &str, field: &str, max: usize, errors: &mut Errors) {
    if t.chars().count() > max {
        errors.push((field.into(), format!("Teksten kan være høyst {max} tegn.")));
    } else if samavvik_core::identity::contains_national_id(t) {
        errors.push((
            field.into(),
            "Læringspunktet skal kunne publiseres: det kan ikke inneholde fødselsnummer eller andre \
             opplysninger om pasienten."
                .into(),
        ));
    }
}

/// The optional lesson for sharing in `form`'s `field`, checked; empty when
/// none was written.
pub fn proposed_text(form: &Fields, field: &str, errors: &mut Errors) -> String {
    let t = text(form, field);
    checked(&t, field, LESSON_MAX, errors);
    t
}

/// Seals `lesson` for `case` to the secretariat, records and audits it;
/// `side` is how the proposer sees the case (the caller checked the
/// permission table). Returns the lesson's id.
///
/// # Errors
/// When sealing or the store fails.
pub async fn propose(
    app: &App,
    catalog: &Catalog,
    person: &Person,
    case: &CaseRecord,
    side: Side,
    lesson: String,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let unit = match side {
        Side::Sender => case.sender_unit.clone(),
        _ => case.receiver_unit.clone(),
    };
    let triage = catalog.directory.triage_unit().id.clone();
    let recipients = catalog.keyring.recipients_for(&[&triage]);
    let plain = format!("{MAGIC}\n{}\n{lesson}", case.number);
    let sealed = app
        .cpu(move || samavvik_seal::seal_bytes(plain.as_bytes(), &recipients))
        .await?
        .map_err(|e| Error::Internal(e.into()))?;
    let category = case.categories.first().cloned().unwrap_or_else(Category::other);
    let id = app
        .store
        .propose_lesson(case.number, category, &unit, now, &Ciphertext(sealed))
        .await?;
    audit(
        app,
        person,
        AuditAction::LessonProposed,
        Some(case.number),
        Some(unit.clone()),
        format!("lesson {id}"),
    )
    .await?;
    tracing::info!(case = %case.number, lesson = id, unit = %unit, "lesson proposed for sharing");
    Ok(id)
}

async fn audit(
    app: &App,
    person: &Person,
    action: AuditAction,
    case_number: Option<CaseNumber>,
    unit: Option<UnitId>,
    detail: String,
) -> Result<(), Error> {
    app.audit(AuditEntry {
        at: app.clock.now(),
        actor: person.principal.clone(),
        action: action.as_str().into(),
        case_number,
        unit,
        detail,
    })
    .await
}

/// A lesson of a case as its proposing side follows it on the case page.
pub struct Outcome {
    pub proposed_at: DateTime<Utc>,
    /// Where it stands, in bokmål.
    pub state: &'static str,
    /// The secretariat's reason, when it rejected the lesson.
    pub reject_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// The lessons proposed on `case` by the unit `side` stands for: only the
/// proposing side's leaders see how the secretariat decided (and why it
/// rejected one); the other side and the secretariat's oversight see none.
///
/// # Errors
/// When the store fails.
pub async fn outcomes_for(app: &App, case: &CaseRecord, side: Side) -> Result<Vec<Outcome>, Error> {
    let unit = match side {
        Side::Sender => &case.sender_unit,
        Side::Receiver => &case.receiver_unit,
        Side::Secretariat | Side::Oversight => return Ok(Vec::new()),
    };
    Ok(app
        .store
        .case_lessons(case.number)
        .await?
        .into_iter()
        .filter(|l| &l.proposed_by_unit == unit)
        .map(|l| Outcome {
            proposed_at: l.proposed_at,
            state: match l.state.as_str() {
                "approved" => "Godkjent av sekretariatet og publisert i rapportene",
                "rejected" => "Avvist av sekretariatet",
                _ => "Venter på sekretariatets gjennomgang",
            },
            reject_reason: l.reject_reason.filter(|_| l.state == "rejected"),
            decided_at: l.decided_at,
        })
        .collect())
}

/// A proposed lesson as the secretariat reviews it.
pub struct Queued {
    pub id: i64,
    pub case_number: CaseNumber,
    pub category: Category,
    /// The case's categories: the ones it may be grouped under.
    pub categories: Vec<Category>,
    pub proposed_by: UnitId,
    pub proposed_at: DateTime<Utc>,
    pub text: String,
}

/// Refuses anyone but the secretariat, audited (`denied`, detail `what`).
///
/// # Errors
/// [`Error::NotFound`] for anyone else.
pub async fn require_secretariat(app: &App, person: &Person, what: &str) -> Result<(), Error> {
    if person.secretariat {
        return Ok(());
    }
    audit(app, person, AuditAction::Denied, None, None, what.to_owned()).await?;
    Err(Error::NotFound)
}

/// The lessons waiting for review, opened with the secretariat's key.
///
/// # Errors
/// [`Error::NotFound`] for anyone but the secretariat (audited); when a
/// lesson does not open (a broken installation) or the store fails.
pub async fn queue(app: &App, catalog: &Catalog, person: &Person) -> Result<Vec<Queued>, Error> {
    require_secretariat(app, person, "GET /fsu/laeringspunkter").await?;
    let triage = catalog.directory.triage_unit().id.clone();
    let identity = catalog
        .keyring
        .identity(&triage)
        .ok_or_else(|| internal(format!("no identity file for unit {triage}")))?;
    let mut out = Vec::new();
    for l in app.store.proposed_lessons().await? {
        let bytes = samavvik_seal::open_bytes(&l.sealed.0, identity)
            .map_err(|e| internal(format!("opening lesson {}: {e}", l.id)))?;
        let plain = String::from_utf8(bytes).map_err(|e| internal(format!("lesson {}: {e}", l.id)))?;
        let mut parts = plain.splitn(3, '\n');
        let (Some(MAGIC), Some(number), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(internal(format!("lesson {}: not a sealed lesson", l.id)));
        };
        if number != l.case_number.to_string() {
            return Err(internal(format!("lesson {}: sealed for another case", l.id)));
        }
        let categories = match app.store.case_by_number(l.case_number).await? {
            Some(c) => c.categories,
            None => vec![l.category.clone()],
        };
        out.push(Queued {
            id: l.id,
            case_number: l.case_number,
            category: l.category,
            categories,
            proposed_by: l.proposed_by_unit,
            proposed_at: l.proposed_at,
            text: body.to_owned(),
        });
    }
    Ok(out)
}

/// Approves (the form's `decision` = `approve`, with the edited `text-{id}`
/// and `category-{id}`) or rejects (`reason-{id}`) the proposed lesson
/// `lesson`. The secretariat only (others refused and audited).
///
/// # Errors
/// [`Error::NotFound`] for anyone else or an unknown lesson; when the store fails.
pub async fn decide(
    app: &App,
    catalog: &Catalog,
    person: &Person,
    form: &Fields,
    now: DateTime<Utc>,
) -> Result<Result<(), Errors>, Error> {
    require_secretariat(app, person, "POST /fsu/laeringspunkter").await?;
    let id: i64 = text(form, "lesson").parse().map_err(|_| Error::NotFound)?;
    let queued = queue(app, catalog, person).await?;
    let lesson = queued.iter().find(|l| l.id == id);
    let mut errors = Errors::new();
    let decision = if text(form, "decision") == "approve" {
        let field = format!("text-{id}");
        let body = text(form, &field);
        if body.is_empty() {
            errors.push((field.clone(), "Skriv læringspunktet som skal publiseres.".into()));
        }
        checked(&body, &field, LESSON_MAX, &mut errors);
        let category = Category::from_slug(&text(form, &format!("category-{id}")))
            .filter(|c| lesson.is_none_or(|l| l.categories.contains(c)));
        if category.is_none() {
            errors.push((format!("category-{id}"), "Velg en av sakens kategorier.".into()));
        }
        category.map(|category| LessonDecision::Approve { text: body, category })
    } else {
        let field = format!("reason-{id}");
        let reason = text(form, &field);
        if reason.is_empty() {
            errors.push((field.clone(), "Skriv hvorfor læringspunktet avvises.".into()));
        }
        checked(&reason, &field, REASON_MAX, &mut errors);
        Some(LessonDecision::Reject { reason })
    };
    let (Some(decision), true) = (decision, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    if !app.store.decide_lesson(id, &decision, now).await? {
        return Ok(Err(vec![(
            "lesson".into(),
            "Læringspunktet er allerede behandlet eller finnes ikke.".into(),
        )]));
    }
    let case = lesson.map(|l| l.case_number);
    match &decision {
        LessonDecision::Approve { category, .. } => {
            // The text is public from now on: the audit says so.
            let detail = format!("lesson {id}: approved as public text under {}", category.slug());
            audit(app, person, AuditAction::LessonApproved, case, None, detail).await?;
        }
        LessonDecision::Reject { .. } => {
            audit(
                app,
                person,
                AuditAction::LessonRejected,
                case,
                None,
                format!("lesson {id}"),
            )
            .await?;
        }
    }
    tracing::info!(lesson = id, case = ?case.map(|n| n.to_string()), "lesson reviewed");
    Ok(Ok(()))
}
