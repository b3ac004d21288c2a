//! Deadline reminders and escalations, recorded so each fires once.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::CaseNumber;

use crate::{NewMailJob, Result};

#[allow(async_fn_in_trait)]
pub trait DeadlineStore {
    /// Records that `stage` of `deadline` was handled for the case and
    /// queues its mail, in one transaction. `false` (nothing written) when
    /// it was recorded before.
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

pub(crate) const INSERT_MAIL: &str = "INSERT INTO mail_outbox \
     (case_id, to_address, template, payload, message_id, status, attempts, not_before, created_at) \
     VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)";

macro_rules! impl_deadline_store {
    ($engine:ty) => {
        const _: () = {
            use $crate::codec::Ts;
            use $crate::deadlines::{DeadlineStore, INSERT_MAIL, INSERT_NOTICE};

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
                        tx.rollback().await?;
                        return Ok(false);
                    };
                    for job in mail {
                        sqlx::query(INSERT_MAIL)
                            .bind(case_id)
                            .bind(&job.to)
                            .bind(&job.template)
                            .bind(sqlx::types::Json(&job.payload))
                            .bind(&job.message_id)
                            .bind(Ts::new(job.not_before))
                            .bind(Ts::new(at))
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }
            }
        };
    };
}
pub(crate) use impl_deadline_store;
