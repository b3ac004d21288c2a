//! The reporter's ward or section on a case (issue 20 point 1, migration
//! 0012): a directory sub-unit id in the clear `sender_subunit` column,
//! read back with the case's other clear columns (`CaseRecord`).
//!
//! Written right after the case by the intake, as its own statement: the
//! case insert is a tuned, engine-specific batch, and a case left without
//! its sub-unit (the process stopped in between) is only reviewed by the
//! level above, the same as a report from a sub-unit without a leader.

use samavvik_core::{CaseNumber, UnitId};

use crate::Result;
use crate::engine::Engine;

const SET_SENDER_SUBUNIT: &str = "UPDATE cases SET sender_subunit = $1 WHERE case_number = $2";

#[allow(async_fn_in_trait)]
pub trait SubUnitStore {
    /// Records the sub-unit the case was sent from; `false` for an unknown case.
    async fn set_sender_subunit(&self, number: CaseNumber, subunit: &UnitId) -> Result<bool>;
}

macro_rules! impl_subunit_store {
    ($store:ty) => {
        impl SubUnitStore for $store {
            async fn set_sender_subunit(&self, number: CaseNumber, subunit: &UnitId) -> Result<bool> {
                let mut tx = self.write().await?;
                let done = sqlx::query(SET_SENDER_SUBUNIT)
                    .bind(subunit.as_str())
                    .bind(number.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

impl_subunit_store!(crate::SqliteStore);
impl_subunit_store!(crate::PgStore);

impl SubUnitStore for crate::AnyStore {
    async fn set_sender_subunit(&self, number: CaseNumber, subunit: &UnitId) -> Result<bool> {
        match self {
            crate::AnyStore::Sqlite(s) => s.set_sender_subunit(number, subunit).await,
            crate::AnyStore::Postgres(s) => s.set_sender_subunit(number, subunit).await,
        }
    }
}
