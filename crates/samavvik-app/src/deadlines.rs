//! The deadline sweep: reminders to the receiving unit before and on a
//! deadline, escalation to the secretariat when it has passed.
//!
//! The deadlines are the Helsefellesskap's agreed handling times
//! (`settings.deadlines`, configurable), not the procedure's: D12402 sets
//! no number of days. Receipts and mails say so.
//!
//! A person who takes digests (the default, see [`crate::digest`]) gets
//! the day's reminders and escalations in one mail; a postmottak and a
//! person who chose "each event" get one mail per notice.
//!
//! Each stage of each deadline fires once: the store records it together
//! with its mail, and a deadline that has moved (a rerouted case) starts
//! over. When the service has been down, only the stage that applies now is
//! sent; earlier stages are not sent late.

use chrono::{Days, NaiveDate};
use samavvik_core::deadline::is_working_day;
use samavvik_core::{CaseState, UnitId};
use samavvik_store::{CaseFilter, CaseRecord, DeadlineStore, HandlingStore, NewMailJob};

use crate::app::App;
use crate::catalog::Catalog;
use crate::error::Error;
use crate::mail::{Notice, TEMPLATE_DEADLINE_ESCALATION, TEMPLATE_DEADLINE_REMINDER};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Reminder,
    Due,
    Escalation,
}

impl Stage {
    fn slug(self) -> &'static str {
        match self {
            Stage::Reminder => "reminder",
            Stage::Due => "due",
            Stage::Escalation => "escalation",
        }
    }
}

/// Which stage applies on `today` for a deadline whose reminder window starts at `remind_from`.
fn stage(today: NaiveDate, deadline: NaiveDate, remind_from: NaiveDate) -> Option<Stage> {
    if today > deadline {
        Some(Stage::Escalation)
    } else if today == deadline {
        Some(Stage::Due)
    } else if today >= remind_from {
        Some(Stage::Reminder)
    } else {
        None
    }
}

/// Looks at every open case with a deadline near or past and sends what is
/// due. Returns how many notices were recorded now.
///
/// # Errors
/// When the store cannot be read or written; notices recorded before the
/// failure stay recorded and are not sent twice.
pub async fn sweep(app: &App) -> Result<usize, Error> {
    let today = app.clock.today_oslo();
    let now = app.clock.now();
    let catalog = app.catalog.current();
    let reminder_days = app.settings.deadlines.answer_reminder_days;
    let horizon = today + Days::new(u64::from(reminder_days.max(7)) + 1);
    let mut filter = CaseFilter {
        receiving_units: catalog.directory.units().iter().map(|u| u.id.clone()).collect(),
        overdue_on: Some(horizon),
        limit: 500,
        ..Default::default()
    };
    let mut sent = 0;
    // Each person's choice, read once per sweep.
    let mut modes: std::collections::HashMap<String, crate::digest::Mode> = std::collections::HashMap::new();
    loop {
        let (cases, _) = app.store.list_cases(&filter).await?;
        for case in &cases {
            let checks = [
                (
                    "ack",
                    case.state == CaseState::Dispatched,
                    case.ack_deadline,
                    ack_remind_from(case.ack_deadline),
                ),
                (
                    "answer",
                    matches!(case.state, CaseState::Dispatched | CaseState::Acknowledged),
                    case.answer_deadline,
                    case.answer_deadline - Days::new(u64::from(reminder_days)),
                ),
            ];
            for (which, pending, deadline, remind_from) in checks {
                let Some(stage) = pending.then(|| stage(today, deadline, remind_from)).flatten() else {
                    continue;
                };
                let key = format!("{which}-{}", stage.slug());
                // People who take digests get the notice in today's digest;
                // everyone else (a postmottak, a person who chose each
                // event) gets this notice's own mail.
                let mut each = Vec::new();
                let mut digest = Vec::new();
                for to in recipients(&catalog, case, stage) {
                    match to.strip_prefix("person:") {
                        Some(principal) => {
                            let mode = match modes.get(principal) {
                                Some(m) => *m,
                                None => {
                                    let m = crate::digest::mode(app, principal).await?;
                                    modes.insert(principal.to_owned(), m);
                                    m
                                }
                            };
                            if mode == crate::digest::Mode::Digest {
                                digest.push(principal.to_owned());
                            } else {
                                each.push(to);
                            }
                        }
                        None => each.push(to),
                    }
                }
                let mail = notice_mail(app, &catalog, case, stage, &key, deadline, now, each);
                if app
                    .store
                    .record_deadline_notice_for(case.number, &key, deadline, now, &mail, &digest)
                    .await?
                {
                    tracing::info!(case = %case.number, stage = %key, "deadline notice queued");
                    sent += 1;
                }
            }
        }
        if cases.len() < filter.limit as usize {
            break;
        }
        filter.offset += filter.limit;
    }
    if sent > 0 {
        app.wake_worker();
    }
    crate::digest::send(app, today, now).await?;
    Ok(sent)
}

/// One working day before the acknowledge deadline.
fn ack_remind_from(deadline: NaiveDate) -> NaiveDate {
    let mut d = deadline - Days::new(1);
    while !is_working_day(d) {
        d = d - Days::new(1);
    }
    d
}

fn addresses(catalog: &Catalog, unit: &UnitId) -> Vec<String> {
    catalog.recipients(unit, true, true)
}

/// Who is told of `stage`: the secretariat of an escalation, the
/// receiving unit of a reminder.
fn recipients(catalog: &Catalog, case: &CaseRecord, stage: Stage) -> Vec<String> {
    match stage {
        Stage::Escalation => addresses(catalog, &catalog.directory.triage_unit().id),
        _ => addresses(catalog, &case.receiver_unit),
    }
}

#[allow(clippy::too_many_arguments)]
fn notice_mail(
    app: &App,
    catalog: &Catalog,
    case: &CaseRecord,
    stage: Stage,
    key: &str,
    deadline: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    to: Vec<String>,
) -> Vec<NewMailJob> {
    let base = app.settings.server.base_url.trim_end_matches('/');
    let (template, link) = match stage {
        Stage::Escalation => (TEMPLATE_DEADLINE_ESCALATION, format!("{base}/saker?forfalt=1")),
        _ => (TEMPLATE_DEADLINE_REMINDER, format!("{base}/saker/{}", case.number)),
    };
    let notice = Notice {
        link,
        stage: Some(key.to_owned()),
        ..crate::cases::case_notice(
            app,
            catalog,
            case.number,
            &case.sender_unit,
            &case.receiver_unit,
            deadline,
        )
    };
    let tag = format!("{key}.{deadline}");
    crate::mail::notice_jobs(to, template, &notice, &tag, &app.settings.mail.message_id_domain, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn stages_follow_the_calendar() {
        let deadline = d(2026, 11, 30);
        let from = d(2026, 11, 27);
        assert_eq!(stage(d(2026, 11, 26), deadline, from), None);
        assert_eq!(stage(d(2026, 11, 27), deadline, from), Some(Stage::Reminder));
        assert_eq!(stage(d(2026, 11, 30), deadline, from), Some(Stage::Due));
        assert_eq!(stage(d(2026, 12, 1), deadline, from), Some(Stage::Escalation));
    }

    #[test]
    fn ack_reminder_is_one_working_day_before() {
        // Deadline Monday 30 Nov 2026: the working day before is Friday 27 Nov.
        assert_eq!(ack_remind_from(d(2026, 11, 30)), d(2026, 11, 27));
        // Deadline Tuesday 7 April 2026 (after Easter Monday): Thursday 2 and
        // Friday 3 April and Monday 6 April are holidays, so the day before is Wednesday 1 April.
        assert_eq!(ack_remind_from(d(2026, 4, 7)), d(2026, 4, 1));
    }
}
