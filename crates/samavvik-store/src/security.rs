//! What the security measures keep in the database: the one-time re-wrap of
//! follow-up hashes stored before tokens were keyed with the server secret
//! (migration 0009), and rate-limit counters every instance shares.

use chrono::{DateTime, Utc};

use crate::{Result, TokenHash};

#[allow(async_fn_in_trait)]
pub trait SecurityStore {
    /// Replaces every follow-up hash marked as legacy (stored before
    /// migration 0009) by `rewrap(old)` and clears the mark, one case at a
    /// time; returns how many were re-wrapped. The store cannot compute
    /// the new hash itself: it needs the server secret, which the database
    /// never holds.
    async fn rewrap_legacy_follow_ups(&self, rewrap: &(dyn Fn(&TokenHash) -> TokenHash + Sync)) -> Result<u64>;

    /// Counts one hit for `key` in the fixed window of `window_secs` that
    /// holds `now` and returns the window's hits so far, this one included.
    /// The count is one atomic upsert, so instances sharing the database
    /// share the limit. Windows that ended before the previous one are deleted.
    async fn hit_rate_limit(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u64>;
}

pub(crate) const LEGACY_FOLLOW_UPS: &str =
    "SELECT id, follow_up_hash FROM cases WHERE follow_up_legacy = $1 ORDER BY id";
pub(crate) const REWRAP_FOLLOW_UP: &str =
    "UPDATE cases SET follow_up_hash = $1, follow_up_legacy = $2 WHERE id = $3 AND follow_up_legacy = $4";
pub(crate) const HIT: &str = "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
     ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits";
pub(crate) const FORGET_OLD: &str = "DELETE FROM rate_limits WHERE window_start < $1";

macro_rules! impl_security_store {
    ($engine:ty) => {
        const _: () = {
            use $crate::engine::Engine;
            use $crate::security::{FORGET_OLD, HIT, LEGACY_FOLLOW_UPS, REWRAP_FOLLOW_UP, SecurityStore};
            use $crate::{Result, TokenHash};

            impl SecurityStore for $engine {
                async fn rewrap_legacy_follow_ups(
                    &self,
                    rewrap: &(dyn Fn(&TokenHash) -> TokenHash + Sync),
                ) -> Result<u64> {
                    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(LEGACY_FOLLOW_UPS)
                        .bind(true)
                        .fetch_all(self.read_pool())
                        .await?;
                    let mut done = 0;
                    for (id, old) in rows {
                        let old: [u8; 32] = old
                            .try_into()
                            .map_err(|_| $crate::StoreError::Corrupt(format!("case {id}: follow-up hash length")))?;
                        let new = rewrap(&TokenHash(old));
                        let mut tx = self.write().await?;
                        done += sqlx::query(REWRAP_FOLLOW_UP)
                            .bind(&new.0[..])
                            .bind(false)
                            .bind(id)
                            .bind(true)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        tx.commit().await?;
                    }
                    Ok(done)
                }

                async fn hit_rate_limit(
                    &self,
                    key: &str,
                    now: chrono::DateTime<chrono::Utc>,
                    window_secs: i64,
                ) -> Result<u64> {
                    let window_secs = window_secs.max(1);
                    let start = now.timestamp().div_euclid(window_secs) * window_secs;
                    let mut tx = self.write().await?;
                    sqlx::query(FORGET_OLD)
                        .bind(start - window_secs)
                        .execute(&mut *tx)
                        .await?;
                    let hits: i64 = sqlx::query_scalar(HIT)
                        .bind(key)
                        .bind(start)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(u64::try_from(hits).unwrap_or(0))
                }
            }
        };
    };
}

pub(crate) use impl_security_store;
