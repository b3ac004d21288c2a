//! Imported versions of the routing directory.
//!
//! The directory file is the source; the database keeps every version that
//! was in force, so a unit can be named as it was called when a case was
//! routed, and the system owner can see which versions have been used.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Result;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryUnitRow {
    pub unit_id: String,
    pub name: String,
    pub organisation: String,
    pub kind: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor: Option<String>,
}

#[derive(Clone, Debug)]
pub struct DirectoryImport {
    /// The directory's version (hash of the file text).
    pub version: String,
    pub imported_at: DateTime<Utc>,
    pub units: Vec<DirectoryUnitRow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryVersion {
    pub version: String,
    pub imported_at: DateTime<Utc>,
    pub unit_count: u32,
}

/// Directory versions in the database.
#[allow(async_fn_in_trait)]
pub trait DirectoryStore {
    /// Stores a version with its units in one transaction. Returns `false`
    /// (and writes nothing) when that version is already there.
    async fn import_directory(&self, import: &DirectoryImport) -> Result<bool>;

    /// Every imported version, oldest first.
    #[cfg(any(test, feature = "test-support"))]
    async fn directory_versions(&self) -> Result<Vec<DirectoryVersion>>;

    /// A unit's name in a given version.
    #[cfg(any(test, feature = "test-support"))]
    async fn directory_unit_name(&self, version: &str, unit_id: &str) -> Result<Option<String>>;
}

pub(crate) const INSERT_IMPORT: &str = "INSERT INTO directory_imports (version, imported_at, unit_count) VALUES ($1, $2, $3) \
     ON CONFLICT (version) DO NOTHING RETURNING version";
pub(crate) const INSERT_UNIT: &str = "INSERT INTO directory_units \
     (version, unit_id, name, organisation, kind, valid_from, valid_to, successor) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
#[cfg(any(test, feature = "test-support"))]
pub(crate) const VERSIONS: &str =
    "SELECT version, imported_at, unit_count FROM directory_imports ORDER BY imported_at, version";
#[cfg(any(test, feature = "test-support"))]
pub(crate) const UNIT_NAME: &str = "SELECT name FROM directory_units WHERE version = $1 AND unit_id = $2";

/// The shared implementation, invoked once per engine like `impl_store!`.
macro_rules! impl_directory_store {
    ($engine:ty) => {
        const _: () = {
            use $crate::Result;
            use $crate::codec::Ts;
            use $crate::directory::{DirectoryImport, DirectoryStore};
            use $crate::engine::Engine;

            impl DirectoryStore for $engine {
                async fn import_directory(&self, import: &DirectoryImport) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let count = i64::try_from(import.units.len()).unwrap_or(i64::MAX);
                    let inserted: Option<String> = sqlx::query_scalar($crate::directory::INSERT_IMPORT)
                        .bind(&import.version)
                        .bind(Ts::new(import.imported_at))
                        .bind(count)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if inserted.is_none() {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    for u in &import.units {
                        sqlx::query($crate::directory::INSERT_UNIT)
                            .bind(&import.version)
                            .bind(&u.unit_id)
                            .bind(&u.name)
                            .bind(&u.organisation)
                            .bind(&u.kind)
                            .bind(u.valid_from)
                            .bind(u.valid_to)
                            .bind(&u.successor)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                #[cfg(any(test, feature = "test-support"))]
                async fn directory_versions(&self) -> Result<Vec<$crate::DirectoryVersion>> {
                    let rows: Vec<(String, Ts, i64)> = sqlx::query_as($crate::directory::VERSIONS)
                        .fetch_all(self.read_pool())
                        .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(version, at, n)| $crate::DirectoryVersion {
                            version,
                            imported_at: at.get(),
                            unit_count: u32::try_from(n).unwrap_or(u32::MAX),
                        })
                        .collect())
                }

                #[cfg(any(test, feature = "test-support"))]
                async fn directory_unit_name(&self, version: &str, unit_id: &str) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar($crate::directory::UNIT_NAME)
                        .bind(version)
                        .bind(unit_id)
                        .fetch_optional(self.read_pool())
                        .await?)
                }
            }
        };
    };
}
pub(crate) use impl_directory_store;
