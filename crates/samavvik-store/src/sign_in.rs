//! What OpenID Connect sign-in keeps in the database (migration 0014): the
//! sign-ins sent to a provider and not yet back, sessions that remember
//! which provider started them (and, from migration 0017, keyed hashes of
//! the ID token's `sid` and `sub` for back-channel logout), and the
//! secretariat's view of a person's sessions (list, revoke).

use chrono::{DateTime, Utc};

use crate::{Result, TokenHash};

/// One signed-in session as the secretariat sees it. `id` is the stored
/// keyed hash of the session token, which cannot be turned back into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: TokenHash,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The provider's id, or `None` for the e-mail link.
    pub provider: Option<String>,
}

/// A session that a provider started, for logging out there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOrigin {
    pub provider: String,
    pub id_token_sealed: Option<Vec<u8>>,
}

/// What a provider's session keeps besides the person.
#[derive(Clone, Copy, Debug)]
pub struct ProviderSession<'a> {
    pub provider: &'a str,
    /// The ID token, encrypted, for logout at the provider (`id_token_hint`).
    pub id_token_sealed: Option<&'a [u8]>,
    /// Keyed hashes of the ID token's `sid` and `sub`: a logout token names them.
    pub sid_hash: Option<&'a TokenHash>,
    pub sub_hash: Option<&'a TokenHash>,
}

#[allow(async_fn_in_trait)]
pub trait SignInStore {
    /// Records a sign-in sent to `provider` under the keyed hash of its `state`.
    async fn create_oidc_login(
        &self,
        state: &TokenHash,
        provider: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// Takes a pending sign-in once: returns its provider and deletes it, or
    /// `None` if it is unknown, already taken or expired. Expired rows of
    /// anyone are deleted on the way.
    async fn take_oidc_login(&self, state: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>>;

    /// Starts a session that a provider vouched for.
    async fn create_provider_session(
        &self,
        hash: &TokenHash,
        principal: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        session: &ProviderSession<'_>,
    ) -> Result<()>;

    /// Ends the sessions `provider` started that match a back-channel
    /// logout token: by `sid` hash, by `sub` hash, or by both when both are
    /// given (none when neither is). Returns the principals of the ended
    /// sessions, one per session.
    async fn end_provider_sessions(
        &self,
        provider: &str,
        sid_hash: Option<&TokenHash>,
        sub_hash: Option<&TokenHash>,
    ) -> Result<Vec<String>>;

    /// Which provider started the session, if one did.
    async fn session_origin(&self, hash: &TokenHash) -> Result<Option<SessionOrigin>>;

    /// The person's sessions that have not expired, newest first.
    async fn list_sessions(&self, principal: &str, now: DateTime<Utc>) -> Result<Vec<SessionInfo>>;

    /// Ends one of the person's sessions; false if there is no such session.
    async fn revoke_session(&self, principal: &str, id: &TokenHash) -> Result<bool>;

    /// Ends all of the person's sessions; returns how many there were.
    async fn revoke_sessions(&self, principal: &str) -> Result<u64>;
}

pub(crate) const INSERT_LOGIN: &str =
    "INSERT INTO oidc_logins (state_hash, provider, created_at, expires_at) VALUES ($1, $2, $3, $4)";
pub(crate) const FORGET_EXPIRED: &str = "DELETE FROM oidc_logins WHERE expires_at <= $1";
pub(crate) const TAKE_LOGIN: &str = "DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING provider";
pub(crate) const INSERT_SESSION: &str = "INSERT INTO sessions \
     (token_hash, principal, created_at, last_seen_at, expires_at, provider, id_token_sealed, oidc_sid_hash, \
     oidc_sub_hash) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)";
pub(crate) const END_BY_SID: &str =
    "DELETE FROM sessions WHERE provider = $1 AND oidc_sid_hash = $2 RETURNING principal";
pub(crate) const END_BY_SUB: &str =
    "DELETE FROM sessions WHERE provider = $1 AND oidc_sub_hash = $2 RETURNING principal";
pub(crate) const END_BY_BOTH: &str =
    "DELETE FROM sessions WHERE provider = $1 AND oidc_sid_hash = $2 AND oidc_sub_hash = $3 RETURNING principal";
pub(crate) const ORIGIN: &str =
    "SELECT provider, id_token_sealed FROM sessions WHERE token_hash = $1 AND provider IS NOT NULL";
pub(crate) const LIST: &str = "SELECT token_hash, created_at, last_seen_at, expires_at, provider FROM sessions \
     WHERE principal = $1 AND expires_at > $2 ORDER BY created_at DESC";
pub(crate) const REVOKE_ONE: &str = "DELETE FROM sessions WHERE principal = $1 AND token_hash = $2";
pub(crate) const REVOKE_ALL: &str = "DELETE FROM sessions WHERE principal = $1";

macro_rules! impl_sign_in_store {
    ($engine:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use $crate::codec::Ts;
            use $crate::engine::Engine;
            use $crate::sign_in::{
                END_BY_BOTH, END_BY_SID, END_BY_SUB, FORGET_EXPIRED, INSERT_LOGIN, INSERT_SESSION, LIST, ORIGIN,
                ProviderSession, REVOKE_ALL, REVOKE_ONE, SessionInfo, SessionOrigin, SignInStore, TAKE_LOGIN,
            };
            use $crate::{Result, StoreError, TokenHash};

            fn hash_of(bytes: Vec<u8>) -> Result<TokenHash> {
                let bytes: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("session hash length".into()))?;
                Ok(TokenHash(bytes))
            }

            impl SignInStore for $engine {
                async fn create_oidc_login(
                    &self,
                    state: &TokenHash,
                    provider: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(INSERT_LOGIN)
                        .bind(&state.0[..])
                        .bind(provider)
                        .bind(Ts::new(now))
                        .bind(Ts::new(expires_at))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn take_oidc_login(&self, state: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>> {
                    let mut tx = self.write().await?;
                    sqlx::query(FORGET_EXPIRED)
                        .bind(Ts::new(now))
                        .execute(&mut *tx)
                        .await?;
                    let provider: Option<String> = sqlx::query_scalar(TAKE_LOGIN)
                        .bind(&state.0[..])
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(provider)
                }

                async fn create_provider_session(
                    &self,
                    hash: &TokenHash,
                    principal: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                    session: &ProviderSession<'_>,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(INSERT_SESSION)
                        .bind(&hash.0[..])
                        .bind(principal)
                        .bind(Ts::new(now))
                        .bind(Ts::new(expires_at))
                        .bind(session.provider)
                        .bind(session.id_token_sealed)
                        .bind(session.sid_hash.map(|h| &h.0[..]))
                        .bind(session.sub_hash.map(|h| &h.0[..]))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn end_provider_sessions(
                    &self,
                    provider: &str,
                    sid_hash: Option<&TokenHash>,
                    sub_hash: Option<&TokenHash>,
                ) -> Result<Vec<String>> {
                    let query = match (sid_hash, sub_hash) {
                        (Some(sid), Some(sub)) => sqlx::query_scalar(END_BY_BOTH)
                            .bind(provider)
                            .bind(&sid.0[..])
                            .bind(&sub.0[..]),
                        (Some(sid), None) => sqlx::query_scalar(END_BY_SID).bind(provider).bind(&sid.0[..]),
                        (None, Some(sub)) => sqlx::query_scalar(END_BY_SUB).bind(provider).bind(&sub.0[..]),
                        (None, None) => return Ok(Vec::new()),
                    };
                    let mut tx = self.write().await?;
                    let ended: Vec<String> = query.fetch_all(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(ended)
                }

                async fn session_origin(&self, hash: &TokenHash) -> Result<Option<SessionOrigin>> {
                    let row: Option<(String, Option<Vec<u8>>)> = sqlx::query_as(ORIGIN)
                        .bind(&hash.0[..])
                        .fetch_optional(self.read_pool())
                        .await?;
                    Ok(row.map(|(provider, id_token_sealed)| SessionOrigin {
                        provider,
                        id_token_sealed,
                    }))
                }

                async fn list_sessions(&self, principal: &str, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
                    let rows: Vec<(Vec<u8>, Ts, Ts, Ts, Option<String>)> = sqlx::query_as(LIST)
                        .bind(principal)
                        .bind(Ts::new(now))
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(id, created, seen, expires, provider)| {
                            Ok(SessionInfo {
                                id: hash_of(id)?,
                                created_at: created.get(),
                                last_seen_at: seen.get(),
                                expires_at: expires.get(),
                                provider,
                            })
                        })
                        .collect()
                }

                async fn revoke_session(&self, principal: &str, id: &TokenHash) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let n = sqlx::query(REVOKE_ONE)
                        .bind(principal)
                        .bind(&id.0[..])
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(n > 0)
                }

                async fn revoke_sessions(&self, principal: &str) -> Result<u64> {
                    let mut tx = self.write().await?;
                    let n = sqlx::query(REVOKE_ALL)
                        .bind(principal)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(n)
                }
            }
        };
    };
}

pub(crate) use impl_sign_in_store;
