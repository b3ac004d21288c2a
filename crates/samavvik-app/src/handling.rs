//! What leaders do with a case: acknowledge, reroute, answer, close,
//! reopen, forward, return, withdraw, and the sealed dialogue messages.
//!
//! Each action is checked against who the person is to the case and the
//! case's state, written as one guarded transaction (event, clear handling
//! columns, sealed notes, mail), and audited. A form with errors comes back
//! with what was wrong, field by field, so the page can show it with what
//! was typed.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::deadline::{add_calendar_days, add_working_days, format_date_nb};
use samavvik_core::limits::{HANDLING_TEXT, MEASURE_RESPONSIBLE};
use samavvik_core::permission::{self, Action};
use samavvik_core::sealed::{HandlingNote, PlannedMeasure};
use samavvik_core::{AuditAction, CaseState, MeasureCategory, NoteKind, Transition, UnitId};
use samavvik_store::{
    AuditEntry, CaseRecord, Ciphertext, HandlingStore, NewEvent, NewMailJob, NewSealedItem, Reroute, SealedRef, Store,
    TransitionWrite,
};

use crate::Fields;
use crate::app::App;
use crate::cases::{open_case, opening_unit, unit_name};
use crate::catalog::Catalog;
use crate::error::{Error, internal};
use crate::mail::{Notice, TEMPLATE_CASE_ANSWERED, TEMPLATE_CASE_REROUTED, TEMPLATE_NEW_MESSAGE};
use crate::people::{Person, Side};

/// How many measures the answer form offers.
const MEASURE_ROWS: usize = 3;

/// Field errors: (field name, bokmål message).
pub type Errors = Vec<(String, String)>;

/// Why an action was not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This person may never do this with this case.
    Forbidden,
    /// Not in the case's present state, or someone else changed it first.
    Conflict,
    /// The form needs correcting.
    Invalid,
}

/// What [`act`] did.
pub enum Acted {
    /// Carried out. `anchor` is where on the case page to land.
    Done { anchor: &'static str },
    /// Not carried out; `errors` say why. `case` is the case as it is now
    /// (it may have changed under the person).
    Refused {
        refusal: Refusal,
        errors: Errors,
        case: Box<CaseRecord>,
    },
}

/// Carries out the action named by the form's `action` field on `case`,
/// which `person` sees from `side`.
///
/// # Errors
/// When the store or a key fails; refusals are [`Acted::Refused`].
pub async fn act(app: &App, person: &Person, case: &CaseRecord, side: Side, form: &Fields) -> Result<Acted, Error> {
    let refused = |refusal, message: String| Acted::Refused {
        refusal,
        errors: vec![("handling".to_owned(), message)],
        case: Box::new(case.clone()),
    };
    let invalid = |errors| Acted::Refused {
        refusal: Refusal::Invalid,
        errors,
        case: Box::new(case.clone()),
    };
    let catalog = app.catalog.current();
    let ctx = Ctx {
        app,
        catalog: &catalog,
        person,
        case,
        side,
        form,
        now: app.clock.now(),
    };
    let Some(action) = form.get("action").and_then(|a| Action::from_slug(a)) else {
        return Ok(refused(Refusal::Forbidden, "Du kan ikke gjøre dette med saken.".into()));
    };
    if let Err(refusal) = permission::check(action, side, case.state, person.secretariat) {
        let status = match refusal {
            permission::Refusal::NotYours => Refusal::Forbidden,
            permission::Refusal::WrongState => Refusal::Conflict,
        };
        return Ok(refused(status, refusal.message_nb(case.state)));
    }
    let transition = match action {
        Action::Transition(t) => t,
        Action::Message => {
            return Ok(match ctx.message().await? {
                Ok(()) => Acted::Done { anchor: "#dialog" },
                Err(errors) => invalid(errors),
            });
        }
        // Viewing and exporting are not form actions.
        Action::View | Action::Export => {
            return Ok(refused(Refusal::Forbidden, "Du kan ikke gjøre dette med saken.".into()));
        }
    };
    let to = case
        .state
        .apply(transition)
        .map_err(|e| internal(format!("permission table allowed {transition:?}: {e}")))?;
    let write = match transition {
        Transition::Acknowledge => Ok(ctx.base(transition, to, "Mottak bekreftet".into())),
        Transition::Answer => ctx.answer(to).await?,
        Transition::Close => ctx.close(to).await?,
        Transition::Reopen => ctx
            .with_reason(
                transition,
                to,
                "reason",
                "Skriv hvorfor saken gjenåpnes.",
                "Gjenåpnet av sekretariatet",
                NoteKind::Reopen,
            )
            .await?
            .map(|mut w| {
                w.clear_closed_at = true;
                w
            }),
        Transition::Reroute => ctx.reroute(to).await?,
        Transition::Forward => ctx.forward(to).await?,
        // Back to the reporter, who reads the message on the private follow-up page.
        Transition::ReturnToReporter => {
            ctx.with_reason(
                transition,
                to,
                "return_message",
                "Skriv hva melderen må rette eller legge til.",
                "Sendt tilbake til melder for utfylling",
                NoteKind::Returned,
            )
            .await?
        }
        Transition::Withdraw => {
            ctx.with_reason(
                transition,
                to,
                "withdraw_reason",
                "Skriv hvorfor meldingen trekkes tilbake.",
                "Trukket tilbake av nærmeste leder",
                NoteKind::Withdraw,
            )
            .await?
        }
        Transition::StartReview => {
            return Ok(refused(Refusal::Forbidden, "Du kan ikke gjøre dette med saken.".into()));
        }
    };
    let write = match write {
        Ok(w) => w,
        Err(errors) => return Ok(invalid(errors)),
    };
    if !app.store.apply_transition(&write).await? {
        let fresh = app.store.case_by_number(case.number).await?.ok_or(Error::NotFound)?;
        return Ok(Acted::Refused {
            refusal: Refusal::Conflict,
            errors: vec![(
                "handling".into(),
                "Saken ble endret av noen andre i mellomtiden. Se over og prøv igjen.".into(),
            )],
            case: Box::new(fresh),
        });
    }
    app.wake_worker();
    app.audit(AuditEntry {
        at: ctx.now,
        actor: person.principal.clone(),
        action: AuditAction::Transition(transition).as_str().into(),
        case_number: Some(case.number),
        unit: Some(opening_unit(&catalog, case, side)),
        detail: format!("{} -> {}", case.state.slug(), to.slug()),
    })
    .await?;
    tracing::info!(case = %case.number, from = case.state.slug(), to = to.slug(), principal = %person.principal, "case transition");
    Ok(Acted::Done { anchor: "" })
}

struct Ctx<'a> {
    app: &'a App,
    catalog: &'a Catalog,
    person: &'a Person,
    case: &'a CaseRecord,
    side: Side,
    form: &'a Fields,
    now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn text(&self, field: &str) -> String {
        self.form.get(field).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    fn required_text(&self, field: &str, missing: &str, errors: &mut Errors) -> String {
        let t = self.text(field);
        if t.is_empty() {
            errors.push((field.into(), missing.into()));
        } else if t.chars().count() > HANDLING_TEXT {
            errors.push((field.into(), format!("Teksten kan være høyst {HANDLING_TEXT} tegn.")));
        }
        t
    }

    fn base(&self, transition: Transition, to: CaseState, reason: String) -> TransitionWrite {
        TransitionWrite {
            number: self.case.number,
            from: self.case.state,
            to,
            event: NewEvent {
                at: self.now,
                actor: self.person.principal.clone(),
                from_state: Some(self.case.state),
                to_state: to,
                reason,
            },
            acknowledged_at: (transition == Transition::Acknowledge).then_some(self.now),
            answered_at: None,
            closed_at: None,
            clear_closed_at: false,
            clear_acknowledged_and_answered: false,
            reroute: None,
            deadlines: None,
            new_items: Vec::new(),
            measures: None,
            mail: Vec::new(),
        }
    }

    /// Seals a note to the case's current readers (sender, receiver, secretariat).
    async fn note(
        &self,
        kind: NoteKind,
        text: String,
        measures: Vec<PlannedMeasure>,
        receiver: &UnitId,
        share_chosen: bool,
    ) -> Result<NewSealedItem, Error> {
        let triage = self.catalog.directory.triage_unit().id.clone();
        let recipients = self
            .catalog
            .keyring
            .recipients_for(&[&self.case.sender_unit, receiver, &triage]);
        let note = HandlingNote::new(self.case.number, kind.slug(), text, measures);
        let ct = self
            .app
            .cpu(move || samavvik_seal::seal_bytes(&note.to_plaintext(), &recipients))
            .await?
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(NewSealedItem {
            kind: kind.slug().into(),
            at: self.now,
            actor: self.person.principal.clone(),
            shareable: kind.shareable(share_chosen),
            ciphertext: Ciphertext(ct),
        })
    }

    fn notice(&self, receiver: &UnitId, deadline: NaiveDate) -> Notice {
        Notice {
            case_number: self.case.number.to_string(),
            receiving_unit: unit_name(self.catalog, receiver),
            sending_unit: unit_name(self.catalog, &self.case.sender_unit),
            deadline: format_date_nb(deadline),
            link: format!(
                "{}/saker/{}",
                self.app.settings.server.base_url.trim_end_matches('/'),
                self.case.number
            ),
            stage: None,
        }
    }

    fn mail_to(&self, addresses: Vec<String>, template: &str, notice: &Notice) -> Vec<NewMailJob> {
        let tag = format!("{template}.{}", self.now.timestamp_millis());
        crate::mail::notice_jobs(
            addresses,
            template,
            notice,
            &tag,
            &self.app.settings.mail.message_id_domain,
            self.now,
        )
    }

    fn unit_addresses(&self, unit: &UnitId, with_postmottak: bool) -> Vec<String> {
        self.catalog.recipients(unit, true, with_postmottak)
    }

    async fn answer(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let text = self.required_text("answer_text", "Skriv svaret til den som meldte.", &mut errors);
        let mut measures = Vec::new();
        for i in 1..=MEASURE_ROWS {
            let cat = self.text(&format!("measure_category_{i}"));
            if cat.is_empty() {
                continue;
            }
            let Some(category) = MeasureCategory::from_slug(&cat) else {
                errors.push((format!("measure_category_{i}"), "Velg et tiltak fra listen.".into()));
                continue;
            };
            let responsible = self.text(&format!("measure_responsible_{i}"));
            if category != MeasureCategory::IngenTiltak && responsible.is_empty() {
                errors.push((
                    format!("measure_responsible_{i}"),
                    format!("Skriv hvem som er ansvarlig for tiltak {i}."),
                ));
            } else if responsible.chars().count() > MEASURE_RESPONSIBLE {
                errors.push((
                    format!("measure_responsible_{i}"),
                    format!("Ansvarlig kan være høyst {MEASURE_RESPONSIBLE} tegn."),
                ));
            }
            let due = match self.text(&format!("measure_due_{i}")).as_str() {
                "" => None,
                d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Ok(d) => Some(d),
                    Err(_) => {
                        errors.push((
                            format!("measure_due_{i}"),
                            "Skriv fristen som en dato, for eksempel 2027-01-31.".into(),
                        ));
                        None
                    }
                },
            };
            measures.push(PlannedMeasure {
                category,
                responsible,
                due,
            });
        }
        if measures.is_empty() {
            errors.push((
                "measure_category_1".into(),
                "Velg minst ett tiltak, eller «Ingen tiltak nødvendig» med en begrunnelse.".into(),
            ));
        }
        let no_measure_reason = self.text("no_measure_reason");
        if no_measure_reason.chars().count() > HANDLING_TEXT {
            errors.push((
                "no_measure_reason".into(),
                format!("Teksten kan være høyst {HANDLING_TEXT} tegn."),
            ));
        } else if measures.iter().any(|m| m.category == MeasureCategory::IngenTiltak) && no_measure_reason.is_empty() {
            errors.push((
                "no_measure_reason".into(),
                "Begrunn hvorfor ingen tiltak er nødvendig.".into(),
            ));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let body = if no_measure_reason.is_empty() {
            text
        } else {
            format!("{text}\n\nBegrunnelse for ingen tiltak: {no_measure_reason}")
        };
        let categories: Vec<MeasureCategory> = {
            let mut c: Vec<_> = measures.iter().map(|m| m.category).collect();
            c.sort();
            c.dedup();
            c
        };
        let shareable = self.form.contains_key("shareable");
        let item = self
            .note(NoteKind::Answer, body, measures, &self.case.receiver_unit, shareable)
            .await?;
        let mut w = self.base(Transition::Answer, to, "Besvart med tiltak".into());
        w.answered_at = Some(self.now);
        w.new_items.push(item);
        w.measures = Some(categories);
        let notice = self.notice(&self.case.receiver_unit, self.case.answer_deadline);
        w.mail = self.mail_to(
            self.unit_addresses(&self.case.sender_unit, false),
            TEMPLATE_CASE_ANSWERED,
            &notice,
        );
        Ok(Ok(w))
    }

    async fn close(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let lesson = self.required_text(
            "lesson",
            "Skriv hva dere har lært av saken (læringspunkt).",
            &mut errors,
        );
        if self.app.store.case_measures(self.case.number).await?.is_empty() {
            errors.push((
                "handling".into(),
                "Saken kan ikke lukkes før den er besvart med tiltak eller en begrunnelse for ingen tiltak.".into(),
            ));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let item = self
            .note(NoteKind::Lesson, lesson, Vec::new(), &self.case.receiver_unit, false)
            .await?;
        let mut w = self.base(Transition::Close, to, "Lukket med læringspunkt".into());
        w.closed_at = Some(self.now);
        w.new_items.push(item);
        Ok(Ok(w))
    }

    /// The sender's leader sends the reviewed report on; the deadlines start now.
    async fn forward(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let supplement = self.text("supplement");
        if supplement.chars().count() > HANDLING_TEXT {
            return Ok(Err(vec![(
                "supplement".into(),
                format!("Teksten kan være høyst {HANDLING_TEXT} tegn."),
            )]));
        }
        let today = self.app.clock.today_oslo();
        let ack = add_working_days(today, self.app.settings.deadlines.acknowledge_working_days);
        let answer = add_calendar_days(today, self.app.settings.deadlines.answer_days);
        let mut w = self.base(
            Transition::Forward,
            to,
            "Gjennomgått av nærmeste leder og sendt til mottaker".into(),
        );
        w.deadlines = Some((ack, answer));
        if !supplement.is_empty() {
            w.new_items.push(
                self.note(
                    NoteKind::Supplement,
                    supplement,
                    Vec::new(),
                    &self.case.receiver_unit,
                    false,
                )
                .await?,
            );
        }
        let notice = self.notice(&self.case.receiver_unit, ack);
        w.mail = crate::intake::receiver_mail(self.app, self.catalog, &self.case.receiver_unit, &notice, self.now);
        Ok(Ok(w))
    }

    /// A sealed message in the dialogue between the sending and receiving
    /// side; the other side is told (without content) that there is one.
    async fn message(&self) -> Result<Result<(), Errors>, Error> {
        let mut errors = Errors::new();
        let text = self.required_text("message_text", "Skriv meldingen.", &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let item = self
            .note(NoteKind::Message, text, Vec::new(), &self.case.receiver_unit, false)
            .await?;
        let other = match self.side {
            Side::Sender => self.unit_addresses(&self.case.receiver_unit, false),
            Side::Receiver | Side::Secretariat => self.unit_addresses(&self.case.sender_unit, false),
        };
        let notice = self.notice(&self.case.receiver_unit, self.case.ack_deadline);
        let mail = self.mail_to(other, TEMPLATE_NEW_MESSAGE, &notice);
        self.app.store.add_sealed_item(self.case.number, &item, &mail).await?;
        self.app.wake_worker();
        self.app
            .audit(AuditEntry {
                at: self.now,
                actor: self.person.principal.clone(),
                action: AuditAction::Message.as_str().into(),
                case_number: Some(self.case.number),
                unit: Some(opening_unit(self.catalog, self.case, self.side)),
                detail: String::new(),
            })
            .await?;
        Ok(Ok(()))
    }

    /// A transition that needs a written reason, kept as a sealed note of
    /// `kind` (whether the reporter reads it is the kind's rule).
    async fn with_reason(
        &self,
        transition: Transition,
        to: CaseState,
        field: &str,
        missing: &str,
        event: &str,
        kind: NoteKind,
    ) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let reason = self.required_text(field, missing, &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let mut w = self.base(transition, to, event.into());
        w.new_items.push(
            self.note(kind, reason, Vec::new(), &self.case.receiver_unit, false)
                .await?,
        );
        Ok(Ok(w))
    }

    /// Sends the case to another unit. Every sealed document is opened with
    /// the key of the side acting and sealed again to the new readers, so
    /// the previous receiving unit cannot open the case from now on.
    async fn reroute(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let reason = self.required_text("reroute_reason", "Skriv hvorfor saken sendes videre.", &mut errors);
        let today = self.app.clock.today_oslo();
        let target = UnitId::new(self.text("target_unit"))
            .ok()
            .and_then(|id| self.catalog.directory.unit(&id).cloned());
        match &target {
            None => errors.push(("target_unit".into(), "Velg enheten saken skal sendes til.".into())),
            Some(t) if t.id == self.case.receiver_unit => {
                errors.push(("target_unit".into(), "Saken er allerede hos denne enheten.".into()));
            }
            Some(t) if t.organisation == self.case.sender_org => errors.push((
                "target_unit".into(),
                "Saken kan ikke sendes til organisasjonen som meldte den.".into(),
            )),
            Some(t) if !t.valid_on(today) => errors.push((
                "target_unit".into(),
                "Enheten er ikke lenger i bruk. Velg en annen.".into(),
            )),
            Some(_) => {}
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let target = target.expect("checked");
        let opened = open_case(
            self.app,
            self.catalog,
            self.case,
            &opening_unit(self.catalog, self.case, self.side),
        )
        .await?;
        let triage = self.catalog.directory.triage_unit().id.clone();
        let recipients = self
            .catalog
            .keyring
            .recipients_for(&[&self.case.sender_unit, &target.id, &triage]);
        let report = opened.report;
        let notes: Vec<(i64, Vec<u8>)> = opened
            .notes
            .iter()
            .map(|(item, note)| (item.id, note.to_plaintext()))
            .collect();
        let resealed = self
            .app
            .cpu(
                move || -> Result<Vec<(SealedRef, Ciphertext)>, samavvik_seal::SealError> {
                    let mut out = vec![(
                        SealedRef::Report,
                        Ciphertext(samavvik_seal::seal(&report, &recipients)?),
                    )];
                    for (id, plain) in notes {
                        out.push((
                            SealedRef::Item(id),
                            Ciphertext(samavvik_seal::seal_bytes(&plain, &recipients)?),
                        ));
                    }
                    Ok(out)
                },
            )
            .await?
            .map_err(|e| Error::Internal(e.into()))?;
        let item = self
            .note(NoteKind::Reroute, reason, Vec::new(), &target.id, false)
            .await?;
        let old = unit_name(self.catalog, &self.case.receiver_unit);
        let ack_deadline = add_working_days(today, self.app.settings.deadlines.acknowledge_working_days);
        let answer_deadline = add_calendar_days(today, self.app.settings.deadlines.answer_days);
        let mut w = self.base(
            Transition::Reroute,
            to,
            format!("Sendt videre fra {old} til {}", target.name),
        );
        w.clear_acknowledged_and_answered = true;
        let direction =
            samavvik_routing::direction(&self.catalog.directory, &self.case.sender_org, &target.organisation)
                .ok_or_else(|| internal(format!("no direction to {}", target.organisation)))?;
        w.reroute = Some(Reroute {
            receiver_unit: target.id.clone(),
            receiver_org: target.organisation.clone(),
            direction,
            routing_rule: "manual-reroute".into(),
            routing_explanation: format!("Sendt videre til {} av {old}.", target.name),
            ack_deadline,
            answer_deadline,
            resealed,
        });
        w.new_items.push(item);
        let notice = self.notice(&target.id, ack_deadline);
        w.mail = self.mail_to(self.unit_addresses(&target.id, true), TEMPLATE_CASE_REROUTED, &notice);
        Ok(Ok(w))
    }
}
