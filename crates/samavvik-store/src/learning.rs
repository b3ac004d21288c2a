//! What the learning loop keeps (issue 20, points 9 and 11): lessons
//! proposed for sharing and the secretariat's review of them (migration
//! 0022), and aggregate counts imported from the spreadsheet kept before
//! Samavvik (migration 0023). A proposed lesson is ciphertext until it is
//! approved; an approved lesson and the imported counts are public texts.

use chrono::{DateTime, Utc};
use samavvik_core::{CaseNumber, Category, Direction, EventMonth, MeasureCategory, UnitId};

use crate::{Ciphertext, Result};

/// A lesson waiting for the secretariat's review.
#[derive(Clone, Debug)]
pub struct ProposedLesson {
    pub id: i64,
    pub case_number: CaseNumber,
    /// The case category it will be grouped under (the secretariat may change it).
    pub category: Category,
    pub proposed_by_unit: UnitId,
    pub proposed_at: DateTime<Utc>,
    /// Sealed to the secretariat's triage unit, binding the case number.
    pub sealed: Ciphertext,
}

/// An approved, public lesson with the event month of its case (which
/// decides the report periods it belongs to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedLesson {
    pub category: Category,
    pub text: String,
    pub event_month: EventMonth,
}

/// A lesson of a case as the proposing side follows it: where it stands
/// and, when rejected, the secretariat's reason (its text is not here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonOutcome {
    pub id: i64,
    pub proposed_by_unit: UnitId,
    pub proposed_at: DateTime<Utc>,
    /// `proposed`, `approved` or `rejected`.
    pub state: String,
    pub reject_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// The secretariat's decision on a proposed lesson.
#[derive(Clone, Debug)]
pub enum LessonDecision {
    /// Publish `text` (as edited) under `category`.
    Approve {
        text: String,
        category: Category,
    },
    Reject {
        reason: String,
    },
}

/// One imported count: cases of `direction` in the months `from..=to`, of
/// `category` (`None`: every category, the number of cases).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryCount {
    pub from: EventMonth,
    pub to: EventMonth,
    pub direction: Direction,
    pub category: Option<Category>,
    pub cases: u64,
}

/// Planned measures of one category and direction, and how many of them
/// were done, in the cases of a report period (issue 20, point 10): clear
/// counts of `case_measures` rows, never a case. Part of the period's
/// [`crate::CaseStatistics`] ("ingen tiltak" is no measure to carry out and
/// is left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpCount {
    pub direction: Direction,
    pub measure: MeasureCategory,
    /// Measures of cases answered by the status instant.
    pub planned: u64,
    /// Of those, marked done with a date on or before the status day.
    pub done: u64,
}

#[allow(async_fn_in_trait)]
pub trait LearningStore {
    /// Records a proposed lesson; returns its id.
    async fn propose_lesson(
        &self,
        case_number: CaseNumber,
        category: Category,
        unit: &UnitId,
        at: DateTime<Utc>,
        sealed: &Ciphertext,
    ) -> Result<i64>;
    /// Lessons waiting for review, oldest first.
    async fn proposed_lessons(&self) -> Result<Vec<ProposedLesson>>;
    /// Approves or rejects a proposed lesson, dropping its ciphertext;
    /// `false` when there is no such proposed lesson (unknown, or decided).
    async fn decide_lesson(&self, id: i64, decision: &LessonDecision, at: DateTime<Utc>) -> Result<bool>;
    /// The lessons proposed on `case_number`, oldest first.
    async fn case_lessons(&self, case_number: CaseNumber) -> Result<Vec<LessonOutcome>>;
    /// Replaces the ciphertext of a lesson still waiting for review (a key
    /// rotation); `false` when it is no longer waiting.
    async fn reseal_lesson(&self, id: i64, sealed: &Ciphertext) -> Result<bool>;
    /// Approved lessons of cases with event month in `from..=to`, by category
    /// slug then id.
    async fn approved_lessons(&self, from: EventMonth, to: EventMonth) -> Result<Vec<ApprovedLesson>>;
    /// Samavvik's own cases with event month in `from..=to`.
    async fn cases_in_months(&self, from: EventMonth, to: EventMonth) -> Result<u64>;
    /// Every imported count, oldest period first.
    async fn history_counts(&self) -> Result<Vec<HistoryCount>>;
    /// Stores `rows` from the file `source` in one transaction: all or
    /// nothing (a repeated period × direction × category fails the whole).
    async fn import_history(&self, rows: &[HistoryCount], source: &str, at: DateTime<Utc>) -> Result<()>;
}

pub(crate) const PROPOSE: &str = "INSERT INTO lessons (case_number, category, proposed_by_unit, proposed_at, sealed) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";
pub(crate) const PROPOSED: &str = "SELECT id, case_number, category, proposed_by_unit, proposed_at, sealed \
     FROM lessons WHERE state = 'proposed' ORDER BY proposed_at, id";
pub(crate) const APPROVE: &str = "UPDATE lessons SET state = 'approved', text = $2, category = $3, sealed = NULL, \
     decided_at = $4 WHERE id = $1 AND state = 'proposed'";
pub(crate) const REJECT: &str = "UPDATE lessons SET state = 'rejected', reject_reason = $2, sealed = NULL, \
     decided_at = $3 WHERE id = $1 AND state = 'proposed'";
pub(crate) const CASE_LESSONS: &str = "SELECT id, proposed_by_unit, proposed_at, state, reject_reason, decided_at \
     FROM lessons WHERE case_number = $1 ORDER BY proposed_at, id";
pub(crate) const RESEAL: &str = "UPDATE lessons SET sealed = $2 WHERE id = $1 AND state = 'proposed'";
pub(crate) const APPROVED: &str = "SELECT l.category, l.text, c.event_month FROM lessons l \
     JOIN cases c ON c.case_number = l.case_number \
     WHERE l.state = 'approved' AND c.event_month >= $1 AND c.event_month <= $2 ORDER BY l.category, l.id";
pub(crate) const CASES_IN: &str = "SELECT COUNT(*) FROM cases WHERE event_month >= $1 AND event_month <= $2";
pub(crate) const HISTORY: &str = "SELECT period_from, period_to, direction, category, cases FROM history_counts \
     ORDER BY period_from, direction, category";
pub(crate) const INSERT_HISTORY: &str = "INSERT INTO history_counts \
     (period_from, period_to, direction, category, cases, imported_at, source) VALUES ($1, $2, $3, $4, $5, $6, $7)";

macro_rules! impl_learning_store {
    ($engine:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::{CaseNumber, Category, Direction, EventMonth, UnitId};
            use $crate::codec::{self, Ts};
            use $crate::engine::Engine;
            use $crate::learning::*;
            use $crate::{Ciphertext, Result, StoreError};

            fn month(s: &str) -> Result<EventMonth> {
                s.parse()
                    .map_err(|_| StoreError::Corrupt(format!("month: {s:?}")))
            }

            fn category(s: &str) -> Result<Category> {
                Category::from_slug(s).ok_or_else(|| StoreError::Corrupt(format!("category: {s:?}")))
            }

            impl LearningStore for $engine {
                async fn propose_lesson(
                    &self,
                    case_number: CaseNumber,
                    category: Category,
                    unit: &UnitId,
                    at: DateTime<Utc>,
                    sealed: &Ciphertext,
                ) -> Result<i64> {
                    let mut tx = self.write().await?;
                    let id: i64 = sqlx::query_scalar(PROPOSE)
                        .bind(case_number.to_string())
                        .bind(category.slug())
                        .bind(unit.as_str())
                        .bind(Ts::new(at))
                        .bind(&sealed.0[..])
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(id)
                }

                async fn proposed_lessons(&self) -> Result<Vec<ProposedLesson>> {
                    let rows: Vec<(i64, String, String, String, Ts, Vec<u8>)> =
                        sqlx::query_as(PROPOSED).fetch_all(self.read_pool()).await?;
                    rows.into_iter()
                        .map(|(id, number, cat, unit, at, sealed)| {
                            Ok(ProposedLesson {
                                id,
                                case_number: codec::case_number(&number)?,
                                category: category(&cat)?,
                                proposed_by_unit: UnitId::new(&unit)
                                    .map_err(|_| StoreError::Corrupt(format!("lesson unit: {unit:?}")))?,
                                proposed_at: at.into_inner(),
                                sealed: Ciphertext(sealed),
                            })
                        })
                        .collect()
                }

                async fn decide_lesson(&self, id: i64, decision: &LessonDecision, at: DateTime<Utc>) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let done = match decision {
                        LessonDecision::Approve { text, category } => {
                            sqlx::query(APPROVE)
                                .bind(id)
                                .bind(text)
                                .bind(category.slug())
                                .bind(Ts::new(at))
                                .execute(&mut *tx)
                                .await?
                        }
                        LessonDecision::Reject { reason } => {
                            sqlx::query(REJECT)
                                .bind(id)
                                .bind(reason)
                                .bind(Ts::new(at))
                                .execute(&mut *tx)
                                .await?
                        }
                    }
                    .rows_affected();
                    tx.commit().await?;
                    Ok(done == 1)
                }

                async fn case_lessons(&self, case_number: CaseNumber) -> Result<Vec<LessonOutcome>> {
                    let rows: Vec<(i64, String, Ts, String, Option<String>, Option<Ts>)> = sqlx::query_as(CASE_LESSONS)
                        .bind(case_number.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(id, unit, at, state, reject_reason, decided_at)| {
                            Ok(LessonOutcome {
                                id,
                                proposed_by_unit: UnitId::new(&unit)
                                    .map_err(|_| StoreError::Corrupt(format!("lesson unit: {unit:?}")))?,
                                proposed_at: at.into_inner(),
                                state,
                                reject_reason,
                                decided_at: decided_at.map(Ts::into_inner),
                            })
                        })
                        .collect()
                }

                async fn reseal_lesson(&self, id: i64, sealed: &Ciphertext) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let n = sqlx::query(RESEAL)
                        .bind(id)
                        .bind(&sealed.0[..])
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(n == 1)
                }

                async fn approved_lessons(&self, from: EventMonth, to: EventMonth) -> Result<Vec<ApprovedLesson>> {
                    let rows: Vec<(String, String, String)> = sqlx::query_as(APPROVED)
                        .bind(from.to_string())
                        .bind(to.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(cat, text, m)| {
                            Ok(ApprovedLesson {
                                category: category(&cat)?,
                                text,
                                event_month: month(&m)?,
                            })
                        })
                        .collect()
                }

                async fn cases_in_months(&self, from: EventMonth, to: EventMonth) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar(CASES_IN)
                        .bind(from.to_string())
                        .bind(to.to_string())
                        .fetch_one(self.read_pool())
                        .await?;
                    Ok(n.max(0) as u64)
                }

                async fn history_counts(&self) -> Result<Vec<HistoryCount>> {
                    let rows: Vec<(String, String, String, String, i64)> =
                        sqlx::query_as(HISTORY).fetch_all(self.read_pool()).await?;
                    rows.into_iter()
                        .map(|(from, to, dir, cat, cases)| {
                            Ok(HistoryCount {
                                from: month(&from)?,
                                to: month(&to)?,
                                direction: Direction::from_slug(&dir)
                                    .ok_or_else(|| StoreError::Corrupt(format!("direction: {dir:?}")))?,
                                category: if cat.is_empty() {
                                    None
                                } else {
                                    Some(category(&cat)?)
                                },
                                cases: cases.max(0) as u64,
                            })
                        })
                        .collect()
                }

                async fn import_history(&self, rows: &[HistoryCount], source: &str, at: DateTime<Utc>) -> Result<()> {
                    // An error return drops `tx`, which rolls every row back.
                    let mut tx = self.write().await?;
                    for r in rows {
                        sqlx::query(INSERT_HISTORY)
                            .bind(r.from.to_string())
                            .bind(r.to.to_string())
                            .bind(r.direction.slug())
                            .bind(r.category.as_ref().map_or("", |c| c.slug()))
                            .bind(i64::try_from(r.cases).unwrap_or(i64::MAX))
                            .bind(Ts::new(at))
                            .bind(source)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}

pub(crate) use impl_learning_store;
