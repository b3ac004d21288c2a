//! Deadline reminders and escalations, recorded so each fires once; the
//! people who take them as one digest mail a day, and their choice.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::CaseNumber;

use crate::{DigestItem, NewMailJob, Result};

#[allow(async_fn_in_trait)]
pub trait DeadlineStore {
    /// Records that `stage` of `deadline` was handled for the case and
    /// queues its mail, in one transaction. `false` (nothing written) when
    /// it was recorded before; an unknown case is [`crate::StoreError::NotFound`].
    async fn record_deadline_notice(
        &self,
        number: CaseNumber,
        stage: &str,
        deadline: NaiveDate,
        at: DateTime<Utc>,
        mail: &[NewMailJob],
    ) -> Result<bool>;

    /// As [`DeadlineStore::record_deadline_notice`], and in the same
    /// transaction the notice waits for the digest of each of `digest`
    /// (principals).
    async fn record_deadline_notice_for(
        &self,
        number: CaseNumber,
        stage: &str,
        deadline: NaiveDate,
        at: DateTime<Utc>,
        mail: &[NewMailJob],
        digest: &[String],
    ) -> Result<bool>;

    /// Notices not yet in a digest, oldest first.
    async fn pending_digest_items(&self) -> Result<Vec<DigestItem>>;

    /// Queues `principal`'s digest of `day` with `mail`, marking `items` as
    /// carried by it, in one transaction. `false` (nothing written) when
    /// that person's digest of that day exists already.
    async fn record_digest(
        &self,
        principal: &str,
        day: NaiveDate,
        items: &[i64],
        at: DateTime<Utc>,
        mail: &NewMailJob,
    ) -> Result<bool>;

    /// A person's notification choice ('digest' or 'each'); `None`: never chosen.
    async fn notification_mode(&self, principal: &str) -> Result<Option<String>>;

    /// Sets a person's notification choice ('digest' or 'each').
    async fn set_notification_mode(&self, principal: &str, mode: &str, at: DateTime<Utc>) -> Result<()>;
}

pub(crate) const INSERT_NOTICE: &str = "INSERT INTO deadline_notices (case_id, stage, deadline, sent_at) \
     SELECT id, $2, $3, $4 FROM cases WHERE case_number = $1 \
     ON CONFLICT (case_id, stage, deadline) DO NOTHING RETURNING case_id";

pub(crate) const INSERT_DIGEST_ITEM: &str = "INSERT INTO digest_items (principal, case_id, stage, deadline, queued_at) \
     VALUES ($1, $2, $3, $4, $5)";
pub(crate) const PENDING_DIGEST_ITEMS: &str = "SELECT d.id, d.principal, c.case_number, d.stage, d.deadline \
     FROM digest_items d JOIN cases c ON c.id = d.case_id WHERE d.digest_day IS NULL ORDER BY d.id";
pub(crate) const INSERT_DIGEST: &str = "INSERT INTO digests (principal, day, sent_at) VALUES ($1, $2, $3) \
     ON CONFLICT (principal, day) DO NOTHING RETURNING principal";
pub(crate) const MARK_DIGEST_ITEM: &str =
    "UPDATE digest_items SET digest_day = $2 WHERE id = $1 AND digest_day IS NULL";
pub(crate) const NOTIFICATION_MODE: &str = "SELECT mode FROM notification_settings WHERE principal = $1";
pub(crate) const SET_NOTIFICATION_MODE: &str = "INSERT INTO notification_settings (principal, mode, updated_at) \
     VALUES ($1, $2, $3) ON CONFLICT (principal) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at";

macro_rules! impl_deadline_store {
    ($engine:ty) => {
        const _: () = {
            use $crate::codec::Ts;
            use $crate::deadlines::*;
            use $crate::engine::Engine;

            impl DeadlineStore for $engine {
                async fn record_deadline_notice(
                    &self,
                    number: samavvik_core::CaseNumber,
                    stage: &str,
                    deadline: chrono::NaiveDate,
                    at: chrono::DateTime<chrono::Utc>,
                    mail: &[$crate::NewMailJob],
                ) -> $crate::Result<bool> {
                    self.record_deadline_notice_for(number, stage, deadline, at, mail, &[])
                        .await
                }

                async fn record_deadline_notice_for(
                    &self,
                    number: samavvik_core::CaseNumber,
                    stage: &str,
                    deadline: chrono::NaiveDate,
                    at: chrono::DateTime<chrono::Utc>,
                    mail: &[$crate::NewMailJob],
                    digest: &[String],
                ) -> $crate::Result<bool> {
                    let mut tx = self.write().await?;
                    let case_id: Option<i64> = sqlx::query_scalar(INSERT_NOTICE)
                        .bind(number.to_string())
                        .bind(stage)
                        .bind(deadline)
                        .bind(Ts::new(at))
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(case_id) = case_id else {
                        // Recorded before, or no such case: find out which.
                        Self::require_case(&mut tx, number).await?;
                        tx.rollback().await?;
                        return Ok(false);
                    };
                    Self::insert_mail(&mut tx, Some(case_id), mail, at).await?;
                    for principal in digest {
                        sqlx::query(INSERT_DIGEST_ITEM)
                            .bind(principal)
                            .bind(case_id)
                            .bind(stage)
                            .bind(deadline)
                            .bind(Ts::new(at))
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn pending_digest_items(&self) -> $crate::Result<Vec<$crate::DigestItem>> {
                    let rows: Vec<(i64, String, String, String, chrono::NaiveDate)> =
                        sqlx::query_as(PENDING_DIGEST_ITEMS)
                            .fetch_all(self.read_pool())
                            .await?;
                    rows.into_iter()
                        .map(|(id, principal, number, stage, deadline)| {
                            Ok($crate::DigestItem {
                                id,
                                principal,
                                case_number: $crate::codec::case_number(&number)?,
                                stage,
                                deadline,
                            })
                        })
                        .collect()
                }

                async fn record_digest(
                    &self,
                    principal: &str,
                    day: chrono::NaiveDate,
                    items: &[i64],
                    at: chrono::DateTime<chrono::Utc>,
                    mail: &$crate::NewMailJob,
                ) -> $crate::Result<bool> {
                    let mut tx = self.write().await?;
                    let inserted: Option<String> = sqlx::query_scalar(INSERT_DIGEST)
                        .bind(principal)
                        .bind(day)
                        .bind(Ts::new(at))
                        .fetch_optional(&mut *tx)
                        .await?;
                    if inserted.is_none() {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    for id in items {
                        sqlx::query(MARK_DIGEST_ITEM)
                            .bind(id)
                            .bind(day)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Self::insert_mail(&mut tx, None, std::slice::from_ref(mail), at).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn notification_mode(&self, principal: &str) -> $crate::Result<Option<String>> {
                    Ok(sqlx::query_scalar(NOTIFICATION_MODE)
                        .bind(principal)
                        .fetch_optional(self.read_pool())
                        .await?)
                }

                async fn set_notification_mode(
                    &self,
                    principal: &str,
                    mode: &str,
                    at: chrono::DateTime<chrono::Utc>,
                ) -> $crate::Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(SET_NOTIFICATION_MODE)
                        .bind(principal)
                        .bind(mode)
                        .bind(Ts::new(at))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_deadline_store;
