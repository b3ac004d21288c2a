//! The part of the samarbeidsavtale a case says was breached (issue 17,
//! migration 0027): an `AgreementClause` slug in the clear
//! `agreement_clause` column, read back with the case's other clear
//! columns (`CaseRecord`), so statistics can count it.
//!
//! Written right after the case by the intake, as its own statement, as
//! `sender_subunit` is (`subunit.rs`): the case insert is a tuned,
//! engine-specific batch. A case left without its clause (the process
//! stopped in between) reads as "not chosen", which is also what a
//! reporter who skips the question gives.

use samavvik_core::{AgreementClause, CaseNumber};

use crate::Result;
use crate::engine::Engine;

const SET_AGREEMENT_CLAUSE: &str = "UPDATE cases SET agreement_clause = $1 WHERE case_number = $2";

#[allow(async_fn_in_trait)]
pub trait AgreementStore {
    /// Records the clause the report names; `false` for an unknown case.
    async fn set_agreement_clause(&self, number: CaseNumber, clause: AgreementClause) -> Result<bool>;
}

macro_rules! impl_agreement_store {
    ($store:ty) => {
        impl AgreementStore for $store {
            async fn set_agreement_clause(&self, number: CaseNumber, clause: AgreementClause) -> Result<bool> {
                let mut tx = self.write().await?;
                let done = sqlx::query(SET_AGREEMENT_CLAUSE)
                    .bind(clause.slug())
                    .bind(number.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

impl_agreement_store!(crate::SqliteStore);
impl_agreement_store!(crate::PgStore);

impl AgreementStore for crate::AnyStore {
    async fn set_agreement_clause(&self, number: CaseNumber, clause: AgreementClause) -> Result<bool> {
        match self {
            crate::AnyStore::Sqlite(s) => s.set_agreement_clause(number, clause).await,
            crate::AnyStore::Postgres(s) => s.set_agreement_clause(number, clause).await,
        }
    }
}
