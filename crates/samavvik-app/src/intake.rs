//! The intake pipeline: from a submitted form to a stored, sealed, routed
//! case with its notifications queued — or back to the form with errors.
//!
//! Order matters for "nothing is lost and nothing is doubled": the
//! idempotency key is checked first (a double click shows the first
//! receipt), the case number is taken before it is sealed in and never
//! reused, sealing happens off the async runtime, and the case, its sealed
//! document, its first event and its mail jobs are written in one
//! atomic write (`Store::create_case`). On PostgreSQL the number comes
//! from the year's sequence and the write is one statement: two round
//! trips per report.
//! On SQLite the number is committed first and both writes may share their
//! commit with other reports' (group commit, `samavvik-store`'s
//! `group.rs`); each is answered only once its own data is durable. A
//! number taken by a report that then fails is not reused: a gap.

use std::sync::Arc;

use samavvik_core::deadline::{add_calendar_days, add_working_days};
use samavvik_core::report::ValidatedReport;
use samavvik_core::report::{FieldError, field, validate};
use samavvik_core::{CaseNumber, CaseState, Direction, OrgId, RawReport, SealedContent};
use samavvik_routing::{Decision, Directory, Refusal, RouteRequest};
use samavvik_store::{CaseRecord, Ciphertext, InsertOutcome, NewCase, NewEvent, NewMailJob, Store, TokenHash};

use crate::app::App;
use crate::catalog::Catalog;
use crate::error::Error;
use crate::mail::{Notice, TEMPLATE_NEW_CASE_RECEIVER, TEMPLATE_NEW_CASE_SENDER, TEMPLATE_REVIEW_REQUESTED};

pub enum Outcome {
    Receipt(Box<Receipt>),
    Invalid(Vec<FieldError>),
}

pub struct Receipt {
    pub case: CaseRecord,
    pub follow_up_token: String,
    /// The form had already been submitted; this is the first submission's receipt.
    pub duplicate: bool,
}

/// Takes one submitted report through validation, routing, sealing and storage.
///
/// # Errors
/// When the store or sealing fails; validation problems are
/// [`Outcome::Invalid`].
pub async fn submit(app: &App, raw: &RawReport, idempotency_key: &str) -> Result<Outcome, Error> {
    submit_with(app, raw, Vec::new(), idempotency_key).await
}

/// As [`submit`], with files attached to the report: each is checked
/// (type by content, size, count) and its image metadata removed before
/// anything is sealed; a refused file is a field error like any other.
///
/// # Errors
/// As [`submit`].
pub async fn submit_with(
    app: &App,
    raw: &RawReport,
    uploads: Vec<crate::attachments::Upload>,
    idempotency_key: &str,
) -> Result<Outcome, Error> {
    let idempotency_hash = app.secret.token_hash("idempotency", idempotency_key);
    let follow_up_token = app.secret.follow_up_token(idempotency_key);
    if let Some(existing) = app.store.find_by_idempotency(&idempotency_hash).await? {
        return existing_receipt(app, existing, follow_up_token).await;
    }
    // Checking the files reads up to 50 MB: off the async threads.
    let files = if uploads.is_empty() {
        Ok(Vec::new())
    } else {
        app.cpu(move || crate::attachments::check(uploads)).await?
    };
    let (mut draft, files) = match (prepare(app, raw)?, files) {
        (Ok(d), Ok(files)) => (d, files),
        (Err(mut errors), Err(file_errors)) => {
            errors.extend(file_errors);
            return Ok(Outcome::Invalid(errors));
        }
        (Err(errors), Ok(_)) | (Ok(_), Err(errors)) => return Ok(Outcome::Invalid(errors)),
    };
    draft.attachments = files;
    let follow_up_hash = app.secret.token_hash("follow-up", &follow_up_token);
    match store_draft(app, draft, idempotency_hash, follow_up_hash).await? {
        Stored::Created { record, .. } => Ok(Outcome::Receipt(Box::new(Receipt {
            case: *record,
            follow_up_token,
            duplicate: false,
        }))),
        Stored::Duplicate(existing) => existing_receipt(app, existing, follow_up_token).await,
    }
}

/// A report that passed validation and routing: everything but its number.
pub struct Draft {
    report: ValidatedReport,
    decision: Decision,
    sender_org: OrgId,
    direction: Direction,
    catalog: Arc<Catalog>,
    now: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
    /// Checked files, metadata removed; sealed and stored with the case.
    attachments: Vec<crate::attachments::Accepted>,
}

/// What [`store_draft`] did.
pub enum Stored {
    /// A new case with `mails` notifications queued; its clear columns as stored.
    Created { record: Box<CaseRecord>, mails: usize },
    /// Another submission with the same idempotency key won the race.
    Duplicate(CaseNumber),
}

/// Validation and routing: pure work against the current directory.
///
/// # Errors
/// None today: every problem, including a pair of organisations with no
/// direction between them, is bad input, answered as `Ok(Err(field
/// errors))`. The `Result` leaves room for failures that are not the
/// reporter's.
pub fn prepare(app: &App, raw: &RawReport) -> Result<Result<Draft, Vec<FieldError>>, Error> {
    let now = app.clock.now();
    let today = app.clock.today_oslo();
    let report = match validate(raw, today) {
        Ok(r) => r,
        Err(errors) => return Ok(Err(errors)),
    };
    let catalog = app.catalog.current();
    let dir = &catalog.directory;
    // The category list is directory data: only what it offers today.
    if let Some(message) = report
        .clear
        .categories
        .iter()
        .find_map(|c| dir.categories().choose(c, today).err())
    {
        return Ok(Err(vec![FieldError {
            field: field::CATEGORY,
            message,
        }]));
    }
    let decision = match route(dir, &report.clear, today, app.settings.scope.kommune_to_kommune) {
        Ok(d) => d,
        Err(errors) => return Ok(Err(errors)),
    };
    let sender = dir.unit(&report.clear.sender_unit).expect("checked by route");
    let sender_org = sender.organisation.clone();
    // `route` refuses every pair the form can send that has no direction;
    // this is the backstop, so bad input is never a 500.
    let Some(direction) = samavvik_routing::direction(dir, &sender_org, &report.clear.receiver_org) else {
        tracing::warn!(sender_unit = %report.clear.sender_unit, receiver_org = %report.clear.receiver_org, "no direction between the organisations; asked the reporter to choose again");
        return Ok(Err(vec![FieldError {
            field: field::RECEIVER_ORG,
            message: "Meldingen kan ikke sendes til denne mottakeren fra enheten din. Velg en annen kommune eller Sykehuset i Vestfold.".into(),
        }]));
    };
    Ok(Ok(Draft {
        report,
        decision,
        sender_org,
        direction,
        catalog,
        now,
        today,
        attachments: Vec::new(),
    }))
}

/// Numbers, seals and stores a draft: the case, its document, its first
/// event and its mail jobs in one transaction. `samavvik bench intake`
/// times this step alone as the "raw" limit the HTTP path is compared to.
///
/// # Errors
/// When the store or sealing fails; nothing is stored then (the number
/// may be used up: numbers identify, they do not count).
pub async fn store_draft(
    app: &App,
    draft: Draft,
    idempotency_hash: TokenHash,
    follow_up_hash: TokenHash,
) -> Result<Stored, Error> {
    let Draft {
        report,
        decision,
        sender_org,
        direction,
        catalog,
        now,
        today,
        attachments,
    } = draft;
    let listing: Vec<_> = attachments.iter().map(|a| a.info.clone()).collect();
    let year = chrono::Datelike::year(&today);
    // The reporter's ward or section; `route` refused text naming none.
    let subunit = sender_subunit(&catalog.directory, &report.clear, today);
    let build = |number: CaseNumber| async move {
        let dir = &catalog.directory;
        // Need-to-know: the sending and the receiving unit (the triage unit
        // when the case goes to triage), not the secretariat otherwise.
        let recipients = catalog
            .keyring
            .recipients_for(&[&report.clear.sender_unit, &decision.unit]);
        let mut content = SealedContent::new(number, report.sealed);
        content.attachments = listing;
        // Each file sealed to the same readers as the report, bound to the
        // case number, and written with the case (`NewCase::items`).
        let items = seal_attachments(app, number, now, &recipients, attachments).await?;
        let sealed = app
            .cpu(move || samavvik_seal::seal(&content, &recipients))
            .await?
            .map_err(|e| Error::Internal(e.into()))?;

        let ack_deadline = add_working_days(today, app.settings.deadlines.acknowledge_working_days);
        let answer_deadline = add_calendar_days(today, app.settings.deadlines.answer_days);
        let notice = crate::cases::case_notice(
            app,
            &catalog,
            number,
            &report.clear.sender_unit,
            &decision.unit,
            ack_deadline,
        );
        // The procedure: the reporter's nearest leader makes sure the report is
        // complete before it goes out, where the organisation asks for it. A
        // unit without a leader in the directory cannot review, so its reports
        // go straight on rather than wait for nobody.
        let review = review_required_from(dir, &report.clear.sender_unit, subunit.as_ref());
        let mail = mail_jobs(
            app,
            &catalog,
            &decision,
            (&report.clear.sender_unit, subunit.as_ref()),
            &notice,
            now,
            review,
        );
        let (state_now, first_reason) = if review {
            (
                CaseState::SenderReview,
                "Meldt, venter på gjennomgang hos nærmeste leder",
            )
        } else {
            (CaseState::Dispatched, "Meldt og sendt til mottaker")
        };

        Ok::<_, Error>(NewCase {
            number,
            created_at: now,
            kind: report.clear.kind,
            event_month: report.clear.event_month,
            sender_org,
            sender_unit: report.clear.sender_unit.clone(),
            receiver_org: report.clear.receiver_org.clone(),
            receiver_unit: decision.unit.clone(),
            direction,
            categories: report.clear.categories.clone(),
            consequence: report.clear.consequence,
            patient_group: report.clear.patient_group,
            state: state_now,
            routing_rule: decision.rule.as_str().to_owned(),
            routing_explanation: decision.explanation.clone(),
            ack_deadline,
            answer_deadline,
            follow_up_hash,
            idempotency_hash,
            sealed: Ciphertext(sealed),
            first_event: NewEvent {
                at: now,
                actor: "melder".into(),
                from_state: None,
                to_state: state_now,
                reason: first_reason.into(),
            },
            mail,
            // Written with the case row: a case never lacks them.
            sender_subunit: subunit,
            agreement_clause: report.clear.agreement_clause,
            items,
        })
    };
    // PostgreSQL: one transaction takes the number, and the case sealed
    // with it is committed in the same one. SQLite: the number first, then
    // the case, both through the group writer.
    let (case, outcome) = app.store.create_case(year, build).await?;
    match outcome {
        InsertOutcome::Created => {
            tracing::info!(case = %case.number, sender_unit = %case.sender_unit, receiver_unit = %case.receiver_unit, rule = %case.routing_rule, "case created");
            if let Some(s) = &case.sender_subunit {
                tracing::info!(case = %case.number, sender_subunit = %s, "sent from a sub-unit");
            }
            if !case.items.is_empty() {
                tracing::info!(case = %case.number, attachments = case.items.len(), "attachments stored");
            }
            let record = case.record();
            app.wake_worker();
            Ok(Stored::Created {
                record: Box::new(record),
                mails: case.mail.len(),
            })
        }
        InsertOutcome::Duplicate(existing) => Ok(Stored::Duplicate(existing)),
    }
}

/// Seals each file to `recipients` (the report's readers) as a sealed item
/// of kind `attachment`, bound to the case number, to be written with the
/// case.
async fn seal_attachments(
    app: &App,
    number: CaseNumber,
    at: chrono::DateTime<chrono::Utc>,
    recipients: &samavvik_seal::Recipients,
    attachments: Vec<crate::attachments::Accepted>,
) -> Result<Vec<samavvik_store::NewSealedItem>, Error> {
    let mut items = Vec::with_capacity(attachments.len());
    for (index, file) in attachments.into_iter().enumerate() {
        let sealed = samavvik_core::attachment::SealedAttachment {
            case_number: number,
            index: u32::try_from(index).unwrap_or(u32::MAX),
            name: file.info.name,
            media_type: file.info.media_type,
            data: file.data,
        };
        let recipients = recipients.clone();
        let ciphertext = app
            .cpu(move || samavvik_seal::seal_bytes(&sealed.to_plaintext(), &recipients))
            .await?
            .map_err(|e| Error::Internal(e.into()))?;
        items.push(samavvik_store::NewSealedItem {
            kind: samavvik_core::attachment::KIND.into(),
            at,
            actor: "melder".into(),
            shareable: false,
            ciphertext: Ciphertext(ciphertext),
        });
    }
    Ok(items)
}

async fn existing_receipt(app: &App, number: CaseNumber, follow_up_token: String) -> Result<Outcome, Error> {
    tracing::info!(case = %number, "resubmission answered with the existing receipt");
    let case = app.store.case_by_number(number).await?.ok_or(Error::NotFound)?;
    Ok(Outcome::Receipt(Box::new(Receipt {
        case,
        follow_up_token,
        duplicate: true,
    })))
}

/// The checks that need the directory, then the routing decision.
fn route(
    dir: &Directory,
    clear: &samavvik_core::report::ClearReport,
    today: chrono::NaiveDate,
    kommune_to_kommune: bool,
) -> Result<Decision, Vec<FieldError>> {
    let mut errors = Vec::new();
    let sender_org_kind = dir
        .unit(&clear.sender_unit)
        .and_then(|u| dir.organisation(&u.organisation))
        .map(|o| o.kind);
    if !dir.units_valid_on(today).any(|u| u.id == clear.sender_unit)
        || sender_org_kind == Some(samavvik_routing::OrgKind::Secretariat)
    {
        errors.push(FieldError {
            field: field::SENDER_UNIT,
            message: "Enheten finnes ikke i katalogen. Velg enheten din fra listen.".into(),
        });
    } else if let Some(text) = &clear.sender_subunit
        && sender_subunit(dir, clear, today).is_none()
    {
        let unit = dir.unit(&clear.sender_unit).map_or("enheten", |u| u.name.as_str());
        errors.push(FieldError {
            field: field::SENDER_SUBUNIT,
            message: format!(
                "Finner ikke «{text}» under {unit}. Velg avdelingen eller seksjonen fra listen, eller la feltet stå tomt."
            ),
        });
    }
    if dir
        .organisation(&clear.receiver_org)
        .is_none_or(|o| o.kind == samavvik_routing::OrgKind::Secretariat)
    {
        errors.push(FieldError {
            field: field::RECEIVER_ORG,
            message: "Velg en kommune eller Sykehuset i Vestfold fra listen.".into(),
        });
    }
    if let Some(unit) = &clear.receiver_unit {
        match dir.unit(unit) {
            None => errors.push(FieldError {
                field: field::RECEIVER_UNIT,
                message: "Enheten finnes ikke i katalogen. Velg fra listen, eller velg «Vet ikke».".into(),
            }),
            // Without JavaScript the form offers every unit whatever the
            // receiver; a unit of another organisation than the one chosen
            // is a contradiction only the reporter can resolve.
            Some(u) if u.organisation != clear.receiver_org => {
                let org = dir
                    .organisation(&clear.receiver_org)
                    .map_or_else(|| "mottakeren".to_owned(), |o| o.name.clone());
                errors.push(FieldError {
                    field: field::RECEIVER_UNIT,
                    message: format!("Enheten hører ikke til {org}. Velg en enhet hos {org}, eller velg «Vet ikke»."),
                });
            }
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let request = RouteRequest {
        sender: clear.sender_unit.clone(),
        receiver_org: Some(clear.receiver_org.clone()),
        receiver_unit: clear.receiver_unit.clone(),
        receiver_hint: clear.receiver_hint.clone(),
        categories: clear.categories.clone(),
        date: today,
        kommune_to_kommune,
    };
    samavvik_routing::route(dir, &request).map_err(|refusal| {
        let field = match refusal {
            Refusal::SameOrganisation { .. } | Refusal::KommuneToKommune { .. } => field::RECEIVER_ORG,
            Refusal::UnknownSender => field::SENDER_UNIT,
        };
        vec![FieldError {
            field,
            message: refusal.to_string(),
        }]
    })
}

/// Receiver: the unit's postmottak and its leaders. Sender: its leaders.
/// Under sender review only the sender's leaders are told (to review); the
/// receiver hears of the case when it is sent on. Addresses come from the
/// directory only; the reporter's own address is sealed and never used for mail.
fn mail_jobs(
    app: &App,
    catalog: &Catalog,
    decision: &Decision,
    (sender_unit, subunit): (&samavvik_core::UnitId, Option<&samavvik_core::UnitId>),
    notice: &Notice,
    now: chrono::DateTime<chrono::Utc>,
    review: bool,
) -> Vec<NewMailJob> {
    // The reporter's nearest leaders: the sub-unit's, else the unit's.
    let sender = catalog.nearest_leader_recipients(sender_unit, subunit);
    let template = if review {
        TEMPLATE_REVIEW_REQUESTED
    } else {
        TEMPLATE_NEW_CASE_SENDER
    };
    let mut jobs = if review {
        Vec::new()
    } else {
        receiver_mail(app, catalog, &decision.unit, notice, now)
    };
    jobs.extend(jobs_for(app, sender, template, notice, now));
    jobs
}

/// The notice to a receiving unit: its postmottak and leaders, or the
/// secretariat's triage if the unit has no addresses (a notice is never swallowed).
pub fn receiver_mail(
    app: &App,
    catalog: &Catalog,
    unit: &samavvik_core::UnitId,
    notice: &Notice,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<NewMailJob> {
    let mut to = catalog.recipients(unit, true, true);
    if to.is_empty() {
        tracing::warn!(unit = %unit, "receiving unit has no addresses; notifying triage");
        to = catalog.recipients(&catalog.directory.triage_unit().id, true, true);
    }
    jobs_for(app, to, TEMPLATE_NEW_CASE_RECEIVER, notice, now)
}

fn jobs_for(
    app: &App,
    to: Vec<String>,
    template: &str,
    notice: &Notice,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<NewMailJob> {
    crate::mail::notice_jobs(
        to,
        template,
        notice,
        template,
        &app.settings.mail.message_id_domain,
        now,
    )
}

/// Whether a report from `sender_unit` goes to its leader for review
/// before the receiver: the organisation asks for it, and the unit has a
/// leader or deputy in the directory (a unit without one cannot review, so
/// its reports go straight on rather than wait for nobody).
pub fn review_required(dir: &Directory, sender_unit: &samavvik_core::UnitId) -> bool {
    review_required_from(dir, sender_unit, None)
}

/// As [`review_required`], for a report from `subunit` (a ward or section)
/// of `sender_unit`: its leaders review, or the unit's when it has none.
pub fn review_required_from(
    dir: &Directory,
    sender_unit: &samavvik_core::UnitId,
    subunit: Option<&samavvik_core::UnitId>,
) -> bool {
    dir.unit(sender_unit).is_some_and(|u| {
        !dir.nearest_leaders(sender_unit, subunit).is_empty()
            && dir
                .organisation(&u.organisation)
                .is_some_and(|o| o.sender_review_required)
    })
}

/// The sub-unit the reporter named under their sending unit, if any
/// (found by id, name or alias, folded as routing folds names), among
/// those that may be named on `today` (`valid_from`/`valid_to`).
pub fn sender_subunit(
    dir: &Directory,
    clear: &samavvik_core::report::ClearReport,
    today: chrono::NaiveDate,
) -> Option<samavvik_core::UnitId> {
    let text = clear.sender_subunit.as_deref()?;
    dir.find_subunit_on(&clear.sender_unit, text, today)
        .map(|s| s.id.clone())
}

/// The reason part of a stored routing explanation ("Sendt til X, fordi …"),
/// as a sentence of its own ("Fordi …"), for pages where the report has not
/// yet gone to X: the receipt and the preview of a report that goes to the
/// reporter's leader first. Any other text is returned as it is.
pub fn route_reason_nb(explanation: &str) -> String {
    match explanation.split_once(", fordi ") {
        Some((head, reason)) if head.starts_with("Sendt til ") => format!("Fordi {reason}"),
        _ => explanation.to_owned(),
    }
}

#[cfg(test)]
mod reason_tests {
    #[test]
    fn the_reason_is_kept_and_the_claim_that_it_was_sent_is_dropped() {
        assert_eq!(
            super::route_reason_nb(
                "Sendt til Færder kommune, postmottak, fordi «Nøtterøy» er en tidligere kommune. Mer."
            ),
            "Fordi «Nøtterøy» er en tidligere kommune. Mer."
        );
        assert_eq!(super::route_reason_nb("Noe annet."), "Noe annet.");
    }
}
