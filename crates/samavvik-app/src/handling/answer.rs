//! The receiving side answers with measures (or a reasoned "no measures"),
//! then closes the case with a learning point.

use chrono::NaiveDate;
use samavvik_core::limits::{MEASURE_DESCRIPTION, MEASURE_RESPONSIBLE};
use samavvik_core::sealed::PlannedMeasure;
use samavvik_core::{CaseState, MeasureCategory, NoteKind, Transition};
use samavvik_store::{HandlingStore, TransitionWrite};

use super::{Ctx, Errors, MEASURE_ROWS};
use crate::error::Error;
use crate::mail::TEMPLATE_CASE_ANSWERED;

/// The close form's optional lesson for sharing (sealed to the secretariat for review).
pub(super) const SHARED_LESSON: &str = "shared_lesson";

impl Ctx<'_> {
    pub(super) async fn answer(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
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
            // What the measure is: sealed with the answer, like who is responsible.
            let description = self.text(&format!("measure_description_{i}"));
            if description.chars().count() > MEASURE_DESCRIPTION {
                errors.push((
                    format!("measure_description_{i}"),
                    format!(
                        "Beskrivelsen av tiltak {i} kan være høyst {MEASURE_DESCRIPTION} tegn. Nå er det {} tegn.",
                        description.chars().count()
                    ),
                ));
            } else if samavvik_core::identity::contains_national_id(&description) {
                errors.push((
                    format!("measure_description_{i}"),
                    samavvik_core::identity::NOT_IN_HANDLING.to_owned(),
                ));
            }
            measures.push(PlannedMeasure {
                category,
                responsible,
                due,
                description,
            });
        }
        if measures.is_empty() {
            errors.push((
                "measure_category_1".into(),
                "Velg minst ett tiltak, eller «Ingen tiltak nødvendig» med en begrunnelse.".into(),
            ));
        }
        // Refused when too long or naming the patient; empty is never refused there.
        let no_measure_reason = self.optional_text("no_measure_reason", &mut errors);
        if measures.iter().any(|m| m.category == MeasureCategory::IngenTiltak) && no_measure_reason.is_empty() {
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
        // The earliest due date per category, as clear data for follow-up.
        let mut dues: Vec<(MeasureCategory, NaiveDate)> = Vec::new();
        for m in &measures {
            if let Some(due) = m.due {
                match dues.iter_mut().find(|(c, _)| *c == m.category) {
                    Some((_, d)) => *d = (*d).min(due),
                    None => dues.push((m.category, due)),
                }
            }
        }
        let shareable = self.form.contains_key("shareable");
        let item = self
            .note(NoteKind::Answer, body, measures, &self.case.receiver_unit, shareable)
            .await?;
        let mut w = self.base(Transition::Answer, to, "Besvart med tiltak".into());
        w.answered_at = Some(self.now);
        w.new_items.push(item);
        w.measures = Some(categories);
        w.measure_dues = dues;
        let notice = self.notice(&self.case.receiver_unit, self.case.answer_deadline);
        w.mail = self.mail_to(
            self.unit_addresses(&self.case.sender_unit, false),
            TEMPLATE_CASE_ANSWERED,
            &notice,
        );
        Ok(Ok(w))
    }

    pub(super) async fn close(&self, to: CaseState) -> Result<Result<TransitionWrite, Errors>, Error> {
        let mut errors = Errors::new();
        let lesson = self.required_text(
            "lesson",
            "Skriv hva dere har lært av saken (læringspunkt).",
            &mut errors,
        );
        // The optional lesson for sharing is proposed after the close is written (`act`).
        crate::lessons::proposed_text(self.form, SHARED_LESSON, &mut errors);
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

    /// A lesson for sharing proposed on its own: by the sender when it
    /// accepts the answer, or by the receiver after closing.
    pub(super) async fn propose_lesson(&self) -> Result<super::Acted, Error> {
        let mut errors = Errors::new();
        let lesson = crate::lessons::proposed_text(self.form, SHARED_LESSON, &mut errors);
        if lesson.is_empty() {
            errors.push((
                SHARED_LESSON.into(),
                "Skriv læringspunktet som foreslås for deling.".into(),
            ));
        }
        if !errors.is_empty() {
            return Ok(super::Acted::Refused {
                refusal: super::Refusal::Invalid,
                errors,
                case: Box::new(self.case.clone()),
            });
        }
        crate::lessons::propose(
            self.app,
            self.catalog,
            self.person,
            self.case,
            self.side,
            lesson,
            self.now,
        )
        .await?;
        Ok(super::Acted::Done { anchor: "#laering" })
    }
}
