//! The life of a case after it closes: retention (crypto-shredding of the
//! sealed content while the clear columns stay), the secretariat's legal
//! hold, and the bookkeeping of a resumable key rotation.
//!
//! Shredding deletes the case's ciphertext rows. age keeps each document's
//! file key wrapped to every recipient in the document's own header, so
//! those rows are also the only place the case's wrapped keys live: once
//! they are gone no identity, the recovery identity included, opens
//! anything of the case. Backups taken before still hold them until they
//! expire (docs/OPERATIONS.md).

use chrono::{DateTime, Utc};
use samavvik_core::{CaseNumber, OrgId, UnitId};

use crate::{Ciphertext, Result, SealedRef};

/// The audit action a shredding writes (in the same transaction).
pub const AUDIT_SHREDDED: &str = "retention-shredded";
/// The audit action of setting a legal hold.
pub const AUDIT_HOLD_SET: &str = "legal-hold-set";
/// The audit action of lifting a legal hold.
pub const AUDIT_HOLD_LIFTED: &str = "legal-hold-lifted";

/// A closed case whose content may be due for shredding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionCandidate {
    pub number: CaseNumber,
    pub sender_org: OrgId,
    pub receiver_org: OrgId,
    pub closed_at: DateTime<Utc>,
}

/// Where a case stands after closing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseLifecycle {
    pub closed_at: Option<DateTime<Utc>>,
    pub shredded_at: Option<DateTime<Utc>>,
    /// When and why the secretariat put the case on legal hold.
    pub legal_hold: Option<(DateTime<Utc>, String)>,
}

/// A key rotation as recorded (see migration 0013).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub id: i64,
    /// `unit:<id>` or `recovery`.
    pub subject: String,
    /// The public key documents are re-wrapped to.
    pub new_recipient: String,
    pub started_at: DateTime<Utc>,
    /// The last case id whose documents are done.
    pub cursor: i64,
    pub rewrapped: u64,
    /// Every case walked; the old key may be retired.
    pub walked_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A case a rotation visits: its row id (the cursor) and the units that
/// may have been sealed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationCase {
    pub id: i64,
    pub number: CaseNumber,
    pub sender_unit: UnitId,
    pub receiver_unit: UnitId,
}

/// One document sealed again: replaces `old` (compare-and-swap, so a
/// reroute in between is not undone) by `new`.
#[derive(Clone, Debug)]
pub struct Rewrap {
    pub number: CaseNumber,
    pub what: SealedRef,
    pub old: Ciphertext,
    pub new: Ciphertext,
}

#[allow(async_fn_in_trait)]
pub trait LifecycleStore {
    /// Closed cases closed before `closed_before` whose content is still
    /// kept and that are not on legal hold, oldest first.
    async fn retention_candidates(&self, closed_before: DateTime<Utc>) -> Result<Vec<RetentionCandidate>>;

    /// Destroys the sealed content of a case (its document and every item)
    /// and records when, with an audit row by `actor`, in one transaction
    /// guarded by: closed, closed before `closed_before`, not on legal hold,
    /// not already shredded. `false` (and nothing written) when the guard
    /// fails; an unknown case is [`crate::StoreError::NotFound`].
    async fn shred_case(
        &self,
        number: CaseNumber,
        closed_before: DateTime<Utc>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<bool>;

    /// Sets (`Some(reason)`) or lifts (`None`) a legal hold, with an audit
    /// row by `actor`, in one transaction. An unknown case is
    /// [`crate::StoreError::NotFound`].
    async fn set_legal_hold(
        &self,
        number: CaseNumber,
        reason: Option<&str>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<()>;

    /// Closing, shredding and hold of a case; `None` for an unknown case.
    async fn case_lifecycle(&self, number: CaseNumber) -> Result<Option<CaseLifecycle>>;

    /// The unfinished rotation of `subject`, if any.
    async fn open_rotation(&self, subject: &str) -> Result<Option<Rotation>>;

    /// Records a new rotation of `subject` to `new_recipient`. Refused with
    /// [`crate::StoreError::Conflict`] while another is unfinished.
    async fn begin_rotation(&self, subject: &str, new_recipient: &str, now: DateTime<Utc>) -> Result<Rotation>;

    /// Up to `limit` cases with sealed content after case id `after`, in id
    /// order; only those sent by or to `unit` when it is given.
    async fn rotation_cases(&self, unit: Option<&UnitId>, after: i64, limit: u32) -> Result<Vec<RotationCase>>;

    /// Writes a batch of re-wrapped documents and moves the rotation's
    /// cursor to `cursor`, in one transaction. `false` (and nothing
    /// written) when any document changed since it was read.
    async fn write_rewraps(&self, rotation: i64, cursor: i64, rewraps: &[Rewrap]) -> Result<bool>;

    /// Marks the walk over every case done.
    async fn rotation_walked(&self, rotation: i64, now: DateTime<Utc>) -> Result<()>;

    /// Marks the rotation finished (the old key retired), with an audit
    /// row by `actor`.
    async fn finish_rotation(&self, rotation: i64, now: DateTime<Utc>, actor: &str) -> Result<()>;
}

pub(crate) const CANDIDATES: &str = "SELECT case_number, sender_org, receiver_org, closed_at FROM cases \
     WHERE state = 'closed' AND closed_at IS NOT NULL AND closed_at < $1 \
     AND shredded_at IS NULL AND legal_hold_at IS NULL ORDER BY closed_at, id";
pub(crate) const MARK_SHREDDED: &str = "UPDATE cases SET shredded_at = $1 WHERE case_number = $2 \
     AND state = 'closed' AND closed_at IS NOT NULL AND closed_at < $3 \
     AND shredded_at IS NULL AND legal_hold_at IS NULL RETURNING id";
pub(crate) const DELETE_DOCUMENT: &str = "DELETE FROM case_documents WHERE case_id = $1";
pub(crate) const DELETE_ITEMS: &str = "DELETE FROM case_items WHERE case_id = $1";
pub(crate) const SET_HOLD: &str = "UPDATE cases SET legal_hold_at = $1, legal_hold_reason = $2 WHERE case_number = $3";
pub(crate) const LIFECYCLE: &str =
    "SELECT closed_at, shredded_at, legal_hold_at, legal_hold_reason FROM cases WHERE case_number = $1";
pub(crate) const AUDIT: &str =
    "INSERT INTO audit_log (at, actor, action, case_number, unit, detail) VALUES ($1, $2, $3, $4, NULL, $5)";
pub(crate) const ROTATION_COLUMNS: &str =
    "id, subject, new_recipient, started_at, cursor_case_id, rewrapped, walked_at, finished_at";
pub(crate) const ROTATION_CASES: &str = "SELECT c.id, c.case_number, c.sender_unit, c.receiver_unit FROM cases c \
     WHERE c.id > $1 AND c.shredded_at IS NULL \
     AND ($2 = '' OR c.sender_unit = $2 OR c.receiver_unit = $2) \
     AND (EXISTS (SELECT 1 FROM case_documents d WHERE d.case_id = c.id) \
          OR EXISTS (SELECT 1 FROM case_items i WHERE i.case_id = c.id)) \
     ORDER BY c.id LIMIT $3";
pub(crate) const CAS_DOCUMENT: &str = "UPDATE case_documents SET ciphertext = $1 \
     WHERE case_id = (SELECT id FROM cases WHERE case_number = $2) AND ciphertext = $3";
pub(crate) const CAS_ITEM: &str = "UPDATE case_items SET ciphertext = $1 \
     WHERE id = $2 AND case_id = (SELECT id FROM cases WHERE case_number = $3) AND ciphertext = $4";
pub(crate) const MOVE_CURSOR: &str =
    "UPDATE key_rotations SET cursor_case_id = $1, rewrapped = rewrapped + $2 WHERE id = $3 AND finished_at IS NULL";
pub(crate) const WALKED: &str = "UPDATE key_rotations SET walked_at = $1 WHERE id = $2";
pub(crate) const FINISH: &str = "UPDATE key_rotations SET finished_at = $1 WHERE id = $2 RETURNING subject";

macro_rules! impl_lifecycle_store {
    ($engine:ty, $before_shredding:expr) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::{CaseNumber, UnitId};

            use $crate::codec::{self, Ts};
            use $crate::engine::Engine;
            use $crate::lifecycle::*;
            use $crate::{Result, SealedRef, StoreError};

            type RotationRow = (i64, String, String, Ts, i64, i64, Option<Ts>, Option<Ts>);

            fn rotation(row: RotationRow) -> Rotation {
                let (id, subject, new_recipient, started_at, cursor, rewrapped, walked_at, finished_at) = row;
                Rotation {
                    id,
                    subject,
                    new_recipient,
                    started_at: started_at.get(),
                    cursor,
                    rewrapped: u64::try_from(rewrapped).unwrap_or(0),
                    walked_at: walked_at.map(Ts::get),
                    finished_at: finished_at.map(Ts::get),
                }
            }

            impl $engine {
                async fn lifecycle_case_exists(&self, number: CaseNumber) -> Result<()> {
                    let id: Option<i64> = sqlx::query_scalar($crate::sql::CASE_ID)
                        .bind(number.to_string())
                        .fetch_optional(self.read_pool())
                        .await?;
                    id.map(|_| ()).ok_or(StoreError::NotFound(number))
                }
            }

            impl LifecycleStore for $engine {
                async fn retention_candidates(&self, closed_before: DateTime<Utc>) -> Result<Vec<RetentionCandidate>> {
                    let rows: Vec<(String, String, String, Ts)> = sqlx::query_as(CANDIDATES)
                        .bind(Ts::new(closed_before))
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(number, sender, receiver, closed)| {
                            Ok(RetentionCandidate {
                                number: codec::case_number(&number)?,
                                sender_org: samavvik_core::OrgId::new(&sender)
                                    .map_err(|_| StoreError::Corrupt(format!("organisation {sender:?}")))?,
                                receiver_org: samavvik_core::OrgId::new(&receiver)
                                    .map_err(|_| StoreError::Corrupt(format!("organisation {receiver:?}")))?,
                                closed_at: closed.get(),
                            })
                        })
                        .collect()
                }

                async fn shred_case(
                    &self,
                    number: CaseNumber,
                    closed_before: DateTime<Utc>,
                    now: DateTime<Utc>,
                    actor: &str,
                ) -> Result<bool> {
                    self.lifecycle_case_exists(number).await?;
                    let mut tx = self.write().await?;
                    for statement in $before_shredding {
                        sqlx::query(statement).execute(&mut *tx).await?;
                    }
                    let id: Option<i64> = sqlx::query_scalar(MARK_SHREDDED)
                        .bind(Ts::new(now))
                        .bind(number.to_string())
                        .bind(Ts::new(closed_before))
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(id) = id else {
                        tx.rollback().await?;
                        return Ok(false);
                    };
                    let documents = sqlx::query(DELETE_DOCUMENT)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    let items = sqlx::query(DELETE_ITEMS)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    sqlx::query(AUDIT)
                        .bind(Ts::new(now))
                        .bind(actor)
                        .bind(AUDIT_SHREDDED)
                        .bind(number.to_string())
                        .bind(format!("documents={documents} items={items}"))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn set_legal_hold(
                    &self,
                    number: CaseNumber,
                    reason: Option<&str>,
                    now: DateTime<Utc>,
                    actor: &str,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    let changed = sqlx::query(SET_HOLD)
                        .bind(reason.map(|_| Ts::new(now)))
                        .bind(reason)
                        .bind(number.to_string())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if changed == 0 {
                        tx.rollback().await?;
                        return Err(StoreError::NotFound(number));
                    }
                    let (action, detail) = match reason {
                        Some(r) => (AUDIT_HOLD_SET, r.to_owned()),
                        None => (AUDIT_HOLD_LIFTED, String::new()),
                    };
                    sqlx::query(AUDIT)
                        .bind(Ts::new(now))
                        .bind(actor)
                        .bind(action)
                        .bind(number.to_string())
                        .bind(detail)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn case_lifecycle(&self, number: CaseNumber) -> Result<Option<CaseLifecycle>> {
                    let row: Option<(Option<Ts>, Option<Ts>, Option<Ts>, Option<String>)> = sqlx::query_as(LIFECYCLE)
                        .bind(number.to_string())
                        .fetch_optional(self.read_pool())
                        .await?;
                    Ok(row.map(|(closed, shredded, hold_at, reason)| CaseLifecycle {
                        closed_at: closed.map(Ts::get),
                        shredded_at: shredded.map(Ts::get),
                        legal_hold: hold_at.map(|at| (at.get(), reason.unwrap_or_default())),
                    }))
                }

                async fn open_rotation(&self, subject: &str) -> Result<Option<Rotation>> {
                    let text = format!(
                        "SELECT {ROTATION_COLUMNS} FROM key_rotations WHERE subject = $1 AND finished_at IS NULL"
                    );
                    let row: Option<RotationRow> = sqlx::query_as(&text)
                        .bind(subject)
                        .fetch_optional(self.read_pool())
                        .await?;
                    Ok(row.map(rotation))
                }

                async fn begin_rotation(
                    &self,
                    subject: &str,
                    new_recipient: &str,
                    now: DateTime<Utc>,
                ) -> Result<Rotation> {
                    let text = format!(
                        "INSERT INTO key_rotations (subject, new_recipient, started_at) VALUES ($1, $2, $3) \
                         RETURNING {ROTATION_COLUMNS}"
                    );
                    let mut tx = self.write().await?;
                    let row: RotationRow = sqlx::query_as(&text)
                        .bind(subject)
                        .bind(new_recipient)
                        .bind(Ts::new(now))
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(rotation(row))
                }

                async fn rotation_cases(
                    &self,
                    unit: Option<&UnitId>,
                    after: i64,
                    limit: u32,
                ) -> Result<Vec<RotationCase>> {
                    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(ROTATION_CASES)
                        .bind(after)
                        .bind(unit.map_or("", UnitId::as_str))
                        .bind(i64::from(limit))
                        .fetch_all(self.read_pool())
                        .await?;
                    let unit_id = |s: &str| UnitId::new(s).map_err(|_| StoreError::Corrupt(format!("unit {s:?}")));
                    rows.into_iter()
                        .map(|(id, number, sender, receiver)| {
                            Ok(RotationCase {
                                id,
                                number: codec::case_number(&number)?,
                                sender_unit: unit_id(&sender)?,
                                receiver_unit: unit_id(&receiver)?,
                            })
                        })
                        .collect()
                }

                async fn write_rewraps(&self, rotation: i64, cursor: i64, rewraps: &[Rewrap]) -> Result<bool> {
                    let mut tx = self.write().await?;
                    for r in rewraps {
                        let changed = match r.what {
                            SealedRef::Report => sqlx::query(CAS_DOCUMENT)
                                .bind(&r.new.0)
                                .bind(r.number.to_string())
                                .bind(&r.old.0)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected(),
                            SealedRef::Item(id) => sqlx::query(CAS_ITEM)
                                .bind(&r.new.0)
                                .bind(id)
                                .bind(r.number.to_string())
                                .bind(&r.old.0)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected(),
                        };
                        if changed != 1 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                    }
                    let moved = sqlx::query(MOVE_CURSOR)
                        .bind(cursor)
                        .bind(i64::try_from(rewraps.len()).unwrap_or(i64::MAX))
                        .bind(rotation)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if moved != 1 {
                        tx.rollback().await?;
                        return Err(StoreError::Corrupt(format!(
                            "key rotation {rotation} is not open"
                        )));
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn rotation_walked(&self, rotation: i64, now: DateTime<Utc>) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(WALKED)
                        .bind(Ts::new(now))
                        .bind(rotation)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn finish_rotation(&self, rotation: i64, now: DateTime<Utc>, actor: &str) -> Result<()> {
                    let mut tx = self.write().await?;
                    let subject: Option<String> = sqlx::query_scalar(FINISH)
                        .bind(Ts::new(now))
                        .bind(rotation)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let subject = subject.ok_or_else(|| StoreError::Corrupt(format!("no key rotation {rotation}")))?;
                    sqlx::query(
                        "INSERT INTO audit_log (at, actor, action, case_number, unit, detail) \
                         VALUES ($1, $2, 'key-rotated', NULL, NULL, $3)",
                    )
                    .bind(Ts::new(now))
                    .bind(actor)
                    .bind(subject)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}

// SQLite overwrites deleted content with zeros instead of leaving it in
// free pages of the file, where a key holder could still find it.
impl_lifecycle_store!(crate::SqliteStore, ["PRAGMA secure_delete = ON"]);
impl_lifecycle_store!(crate::PgStore, [] as [&str; 0]);

impl crate::AnyStore {
    /// After shredding: SQLite copies the WAL into the database and
    /// truncates it, so the deleted documents' old pages leave the WAL
    /// file; PostgreSQL vacuums the two tables, so their dead rows are
    /// freed for reuse (their bytes stay on disk until overwritten; see
    /// docs/OPERATIONS.md).
    ///
    /// # Errors
    /// When the database refuses (e.g. a reader holds the WAL, or the
    /// user does not own the tables); the shredding itself is done.
    pub async fn reclaim_shredded(&self) -> Result<()> {
        use crate::engine::Engine;
        match self {
            crate::AnyStore::Sqlite(s) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(s.read_pool())
                    .await?;
            }
            crate::AnyStore::Postgres(s) => {
                sqlx::query("VACUUM case_documents, case_items")
                    .execute(s.read_pool())
                    .await?;
            }
        }
        Ok(())
    }
}

macro_rules! delegate {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            crate::AnyStore::Sqlite(s) => s.$method($($arg),*).await,
            crate::AnyStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl LifecycleStore for crate::AnyStore {
    async fn retention_candidates(&self, closed_before: DateTime<Utc>) -> Result<Vec<RetentionCandidate>> {
        delegate!(self.retention_candidates(closed_before))
    }

    async fn shred_case(
        &self,
        number: CaseNumber,
        closed_before: DateTime<Utc>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<bool> {
        delegate!(self.shred_case(number, closed_before, now, actor))
    }

    async fn set_legal_hold(
        &self,
        number: CaseNumber,
        reason: Option<&str>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<()> {
        delegate!(self.set_legal_hold(number, reason, now, actor))
    }

    async fn case_lifecycle(&self, number: CaseNumber) -> Result<Option<CaseLifecycle>> {
        delegate!(self.case_lifecycle(number))
    }

    async fn open_rotation(&self, subject: &str) -> Result<Option<Rotation>> {
        delegate!(self.open_rotation(subject))
    }

    async fn begin_rotation(&self, subject: &str, new_recipient: &str, now: DateTime<Utc>) -> Result<Rotation> {
        delegate!(self.begin_rotation(subject, new_recipient, now))
    }

    async fn rotation_cases(&self, unit: Option<&UnitId>, after: i64, limit: u32) -> Result<Vec<RotationCase>> {
        delegate!(self.rotation_cases(unit, after, limit))
    }

    async fn write_rewraps(&self, rotation: i64, cursor: i64, rewraps: &[Rewrap]) -> Result<bool> {
        delegate!(self.write_rewraps(rotation, cursor, rewraps))
    }

    async fn rotation_walked(&self, rotation: i64, now: DateTime<Utc>) -> Result<()> {
        delegate!(self.rotation_walked(rotation, now))
    }

    async fn finish_rotation(&self, rotation: i64, now: DateTime<Utc>, actor: &str) -> Result<()> {
        delegate!(self.finish_rotation(rotation, now, actor))
    }
}

/// What a restored backup holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackupCounts {
    pub cases: u64,
    /// Cases with a sealed report.
    pub sealed_documents: u64,
    /// Sealed notes (answers, messages, …).
    pub sealed_items: u64,
    /// Rows in the mail outbox, any status.
    pub outbox: u64,
}

impl crate::AnyStore {
    /// A consistent copy of a SQLite database at `path` (`VACUUM INTO`,
    /// online: writers go on meanwhile). `path` must not exist.
    ///
    /// # Errors
    /// [`crate::StoreError::UnsupportedUrl`] on PostgreSQL (use `pg_dump`); what
    /// SQLite answers when the file cannot be written.
    pub async fn backup_sqlite_into(&self, path: &std::path::Path) -> Result<()> {
        use crate::engine::Engine;
        let crate::AnyStore::Sqlite(s) = self else {
            return Err(crate::StoreError::UnsupportedUrl);
        };
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(s.read_pool())
            .await?;
        Ok(())
    }

    /// Problems the engine finds in the database: SQLite's
    /// `integrity_check` and `foreign_key_check`; on both engines, a
    /// migration recorded as failed. Empty when all is well.
    ///
    /// # Errors
    /// When the checks cannot be run.
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        use crate::engine::Engine;
        let mut problems = Vec::new();
        let failed = "SELECT version FROM _sqlx_migrations WHERE NOT success";
        match self {
            crate::AnyStore::Sqlite(s) => {
                let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(s.read_pool())
                    .await?;
                problems.extend(rows.into_iter().filter(|r| r != "ok"));
                let fk: Vec<(String, i64)> = sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
                    .fetch_all(s.read_pool())
                    .await?;
                problems.extend(
                    fk.into_iter()
                        .map(|(t, id)| format!("foreign key broken: {t} row {id}")),
                );
                let versions: Vec<i64> = sqlx::query_scalar(failed).fetch_all(s.read_pool()).await?;
                problems.extend(versions.into_iter().map(|v| format!("migration {v} failed")));
            }
            crate::AnyStore::Postgres(s) => {
                let versions: Vec<i64> = sqlx::query_scalar(failed).fetch_all(s.read_pool()).await?;
                problems.extend(versions.into_iter().map(|v| format!("migration {v} failed")));
            }
        }
        Ok(problems)
    }

    /// How many cases, sealed documents and notes, and outbox rows.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn backup_counts(&self) -> Result<BackupCounts> {
        use crate::engine::Engine;
        const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM case_documents), \
             (SELECT COUNT(*) FROM case_items), (SELECT COUNT(*) FROM mail_outbox)";
        let (cases, documents, items, outbox): (i64, i64, i64, i64) = match self {
            crate::AnyStore::Sqlite(s) => sqlx::query_as(COUNTS).fetch_one(s.read_pool()).await?,
            crate::AnyStore::Postgres(s) => sqlx::query_as(COUNTS).fetch_one(s.read_pool()).await?,
        };
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(BackupCounts {
            cases: n(cases),
            sealed_documents: n(documents),
            sealed_items: n(items),
            outbox: n(outbox),
        })
    }
}
