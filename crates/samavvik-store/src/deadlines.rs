//! Deadline reminders and escalations, recorded so each fires once.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::CaseNumber;

use crate::{NewMailJob, Result};

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
}

pub(crate) const INSERT_NOTICE: &str = "INSERT INTO deadline_notices (case_id, stage, deadline, sent_at) \
     SELECT id, $2, $3, $4 FROM cases WHERE case_number = $1 \
     ON CONFLICT (case_id, stage, deadline) DO NOTHING RETURNING case_id";

macro_rules! impl_deadline_store {
    ($engine:ty) => {
        const _: () = {
            use $crate::codec::Ts;
            use $crate::deadlines::{DeadlineStore, INSERT_NOTICE};
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
                    tx.commit().await?;
                    Ok(true)
                }
            }
        };
    };
}
pub(crate) use impl_deadline_store;
