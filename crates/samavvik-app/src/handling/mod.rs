//! What leaders do with a case: acknowledge, reroute, answer, close,
//! reopen, forward, return, withdraw, the sealed dialogue messages, and
//! giving the case to a named handler.
//!
//! Each action is checked against who the person is to the case and the
//! case's state, written as one guarded transaction (event, clear handling
//! columns, sealed notes, mail), and audited. A form with errors comes back
//! with what was wrong, field by field, so the page can show it with what
//! was typed.

use chrono::{DateTime, Utc};
use samavvik_core::permission::{self, Action};
use samavvik_core::{AuditAction, CaseState, NoteKind, Transition};
use samavvik_store::{AuditEntry, CaseRecord, HandlingStore, Store, TransitionWrite};

use crate::Fields;
use crate::app::App;
use crate::cases::opening_unit;
use crate::catalog::Catalog;
use crate::error::{Error, internal};
use crate::people::{Person, Side};

/// How many measures the answer form offers.
const MEASURE_ROWS: usize = 3;

mod answer;
pub mod assign;
mod ctx;
mod help;
mod measures;
mod message;
mod reroute;
mod review;

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
        Action::AskSecretariat => return help::ask(&ctx).await,
        Action::MeasureDone => return measures::mark_done(&ctx).await,
        Action::Assign => return assign::assign(&ctx).await,
        Action::RaiseToFsu => {
            let unit = opening_unit(&catalog, case, side);
            return Ok(
                match crate::fsu::raise(app, person, Some(case.number), &unit, form, ctx.now).await? {
                    Ok(_) => Acted::Done { anchor: "#fsu" },
                    Err(errors) => invalid(errors),
                },
            );
        }
        // Viewing and exporting are not form actions.
        Action::ProposeLesson => return ctx.propose_lesson().await,
        Action::View | Action::Export => {
            return Ok(refused(Refusal::Forbidden, "Du kan ikke gjøre dette med saken.".into()));
        }
    };
    let to = case
        .state
        .apply(transition)
        .map_err(|e| internal(format!("permission table allowed {transition:?}: {e}")))?;
    let write = ctx.write_for(transition, to).await?;
    let mut write = match write {
        Ok(w) => w,
        Err(errors) => return Ok(invalid(errors)),
    };
    // The reporter hears (content-free, if they gave an address) when the
    // report is returned, sent on, answered or closed; in the same
    // transaction as the step, so the notice is never lost or premature.
    write
        .mail
        .extend(crate::reporter_mail::status_jobs(app, &catalog, case, transition, ctx.now).await?);
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
    if transition == Transition::Close {
        // Checked with the rest of the close form; proposed once the case is closed.
        let lesson = ctx.text(answer::SHARED_LESSON);
        if !lesson.is_empty() {
            crate::lessons::propose(app, &catalog, person, case, side, lesson, ctx.now).await?;
        }
    }
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

/// One action's context: who acts on which case, with what form.
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
    /// The write for `transition` to `to`, or the form's errors.
    async fn write_for(&self, transition: Transition, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        Ok(match transition {
            Transition::Acknowledge => Ok(self.base(transition, to, "Mottak bekreftet".into())),
            Transition::Answer => self.answer(to).await?,
            Transition::Close => self.close(to).await?,
            Transition::Reopen => self
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
            Transition::Reroute => self.reroute(to).await?,
            Transition::Forward => self.forward(to).await?,
            // Back to the reporter, who reads the message on the private follow-up page.
            Transition::ReturnToReporter => {
                self.with_reason(
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
                self.with_reason(
                    transition,
                    to,
                    "withdraw_reason",
                    "Skriv hvorfor meldingen trekkes tilbake.",
                    "Trukket tilbake av nærmeste leder",
                    NoteKind::Withdraw,
                )
                .await?
            }
            // The permission table lets no one start a review by hand.
            Transition::StartReview => return Err(internal("start-review is not a form action")),
        })
    }
}
