//! Archive export bookkeeping: which organisation has filed a closed case
//! in its own records system, and which closed cases of a period an
//! organisation has to file (migration 0020).
//!
//! Clear facts only: the organisation, the time and the exporting
//! principal. The package itself is never stored.

use chrono::{DateTime, Utc};
use samavvik_core::{CaseNumber, OrgId};

use crate::Result;

/// One organisation's mark on a case: "arkivert i eget arkiv".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveMark {
    pub organisation: OrgId,
    pub archived_at: DateTime<Utc>,
}

/// A closed case an organisation takes part in, with its closing time and
/// whether that organisation has filed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveCandidate {
    pub number: CaseNumber,
    pub closed_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[allow(async_fn_in_trait)]
pub trait ArchiveStore {
    /// Marks `number` as filed by `organisation` at `at` (a later export
    /// moves the date).
    async fn mark_archived(
        &self,
        number: CaseNumber,
        organisation: &OrgId,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<()>;

    /// Every organisation's mark on a case, oldest first.
    async fn archive_marks(&self, number: CaseNumber) -> Result<Vec<ArchiveMark>>;

    /// The closed cases whose content still exists that `organisation`
    /// sent or received, closed in `[from, to)`, by closing time.
    async fn archive_candidates(
        &self,
        organisation: &OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ArchiveCandidate>>;
}

pub(crate) const MARK: &str = "INSERT INTO case_archive_marks (case_id, organisation, archived_at, actor) \
     SELECT id, $1, $2, $3 FROM cases WHERE case_number = $4 \
     ON CONFLICT (case_id, organisation) DO UPDATE SET archived_at = excluded.archived_at, actor = excluded.actor";
pub(crate) const MARKS: &str = "SELECT m.organisation, m.archived_at FROM case_archive_marks m \
     JOIN cases c ON c.id = m.case_id WHERE c.case_number = $1 ORDER BY m.archived_at, m.organisation";
pub(crate) const CANDIDATES: &str = "SELECT c.case_number, c.closed_at, m.archived_at FROM cases c \
     LEFT JOIN case_archive_marks m ON m.case_id = c.id AND m.organisation = $1 \
     WHERE c.state = 'closed' AND c.closed_at IS NOT NULL AND c.shredded_at IS NULL \
     AND c.closed_at >= $2 AND c.closed_at < $3 AND (c.sender_org = $1 OR c.receiver_org = $1) \
     ORDER BY c.closed_at, c.id";

macro_rules! impl_archive_store {
    ($engine:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::{CaseNumber, OrgId};

            use $crate::archive::*;
            use $crate::codec::{self, Ts};
            use $crate::engine::Engine;
            use $crate::{Result, StoreError};

            fn org(s: &str) -> Result<OrgId> {
                OrgId::new(s).map_err(|_| StoreError::Corrupt(format!("organisation {s:?}")))
            }

            impl ArchiveStore for $engine {
                async fn mark_archived(
                    &self,
                    number: CaseNumber,
                    organisation: &OrgId,
                    at: DateTime<Utc>,
                    actor: &str,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    let done = sqlx::query(MARK)
                        .bind(organisation.as_str())
                        .bind(Ts::new(at))
                        .bind(actor)
                        .bind(number.to_string())
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Err(StoreError::NotFound(number));
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn archive_marks(&self, number: CaseNumber) -> Result<Vec<ArchiveMark>> {
                    let rows: Vec<(String, Ts)> = sqlx::query_as(MARKS)
                        .bind(number.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(o, at)| {
                            Ok(ArchiveMark {
                                organisation: org(&o)?,
                                archived_at: at.get(),
                            })
                        })
                        .collect()
                }

                async fn archive_candidates(
                    &self,
                    organisation: &OrgId,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> Result<Vec<ArchiveCandidate>> {
                    let rows: Vec<(String, Ts, Option<Ts>)> = sqlx::query_as(CANDIDATES)
                        .bind(organisation.as_str())
                        .bind(Ts::new(from))
                        .bind(Ts::new(to))
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(number, closed, archived)| {
                            Ok(ArchiveCandidate {
                                number: codec::case_number(&number)?,
                                closed_at: closed.get(),
                                archived_at: archived.map(Ts::get),
                            })
                        })
                        .collect()
                }
            }
        };
    };
}

impl_archive_store!(crate::SqliteStore);
impl_archive_store!(crate::PgStore);

macro_rules! delegate {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            crate::AnyStore::Sqlite(s) => s.$method($($arg),*).await,
            crate::AnyStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl ArchiveStore for crate::AnyStore {
    async fn mark_archived(
        &self,
        number: CaseNumber,
        organisation: &OrgId,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<()> {
        delegate!(self.mark_archived(number, organisation, at, actor))
    }

    async fn archive_marks(&self, number: CaseNumber) -> Result<Vec<ArchiveMark>> {
        delegate!(self.archive_marks(number))
    }

    async fn archive_candidates(
        &self,
        organisation: &OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ArchiveCandidate>> {
        delegate!(self.archive_candidates(organisation, from, to))
    }
}
