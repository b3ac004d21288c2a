//! OpenID Connect Back-Channel Logout 1.0: the provider POSTs a signed
//! `logout_token` when the person signs out there (or an administrator
//! ends their session), and Samavvik ends the sessions it names.
//!
//! The token is checked like an ID token, with the provider's cached keys
//! (a key not in the cache makes them be read once more): the signature
//! (RS256, PS256 or ES256), `iss`, `aud`, `iat` (at most ten minutes old),
//! `exp` if present, the back-channel logout event in `events`, no
//! `nonce` (so an ID token cannot pass for one), and `sid` and/or `sub`.
//! Sessions keep both only as keyed hashes (migration 0017). The call is
//! server to server and carries no cookie, so it is authenticated by the
//! token, not by a CSRF token; a replayed token can only end sessions that
//! are already ended.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use samavvik_core::AuditAction;
use samavvik_store::{SignInStore, TokenHash};
use serde_json::Value;

use super::MAX_TOKEN_AGE_SECS;
use crate::app::App;
use crate::error::Error;
use crate::security;

/// The `events` member that makes a JWT a logout token.
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How far a provider's clock may run ahead of ours.
const SKEW_SECS: i64 = 60;

/// The keyed hash a session keeps of the ID token's `sid`.
pub fn sid_hash(app: &App, provider: &str, sid: &str) -> TokenHash {
    app.secret.token_hash("oidc-sid", &format!("{provider}|{sid}"))
}

/// The keyed hash a session keeps of the ID token's `sub`.
pub fn sub_hash(app: &App, provider: &str, sub: &str) -> TokenHash {
    app.secret.token_hash("oidc-sub", &format!("{provider}|{sub}"))
}

/// Whom a valid logout token names.
#[derive(Debug, PartialEq, Eq)]
pub struct Named {
    pub sid: Option<String>,
    pub sub: Option<String>,
}

/// Checks a logout token's claims (after its signature).
///
/// # Errors
/// Which rule the token breaks, in English for the audit log and the
/// provider (no personal data).
pub fn check_claims(claims: &Value, issuer: &str, client_id: &str, now: i64) -> Result<Named, &'static str> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    if text("iss").as_deref() != Some(issuer) {
        return Err("iss is not the provider");
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_ok {
        return Err("aud does not name this client");
    }
    let Some(iat) = claims.get("iat").and_then(Value::as_i64) else {
        return Err("iat missing");
    };
    if now - iat > MAX_TOKEN_AGE_SECS || iat - now > SKEW_SECS {
        return Err("iat too old or in the future");
    }
    if let Some(exp) = claims.get("exp")
        && exp.as_i64().is_none_or(|exp| exp + SKEW_SECS < now)
    {
        return Err("expired");
    }
    let event_ok = claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|events| events.get(EVENT))
        .is_some_and(Value::is_object);
    if !event_ok {
        return Err("events lacks the back-channel logout event");
    }
    if claims.get("nonce").is_some() {
        return Err("a logout token has no nonce");
    }
    let named = Named {
        sid: text("sid").filter(|s| !s.is_empty()),
        sub: text("sub").filter(|s| !s.is_empty()),
    };
    if named.sid.is_none() && named.sub.is_none() {
        return Err("neither sid nor sub");
    }
    Ok(named)
}

fn algorithm(token: &str) -> Result<(Algorithm, Option<String>), &'static str> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| "not a JWT")?;
    match header.alg {
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => Ok((header.alg, header.kid)),
        _ => Err("algorithm not accepted"),
    }
}

/// The token's claims if one of `keys` (by `kid`, or any when the token
/// names none) signed it; `None` when no key fits.
fn verified(token: &str, alg: Algorithm, kid: Option<&str>, keys: &JwkSet) -> Option<Value> {
    let mut validation = Validation::new(alg);
    // The claims are checked by `check_claims`, the way the spec lists them.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    keys.keys
        .iter()
        .filter(|k| kid.is_none() || k.common.key_id.as_deref() == kid)
        .filter_map(|k| DecodingKey::from_jwk(k).ok())
        .find_map(|key| jsonwebtoken::decode::<Value>(token, &key, &validation).ok())
        .map(|data| data.claims)
}

/// Takes a logout token for provider `id`: ends the sessions it names and
/// returns how many, or why it was refused (the web layer answers 400).
/// Both are audited.
///
/// # Errors
/// When the provider's keys cannot be fetched or the store cannot write.
pub async fn logout(app: &App, id: &str, token: &str) -> Result<Result<usize, &'static str>, Error> {
    let outcome = named_sessions(app, id, token).await?;
    let named = match outcome {
        Ok(named) => named,
        Err(reason) => {
            let detail = format!("oidc:{id}: back-channel logout refused: {reason}");
            security::record(app, security::ANONYMOUS, AuditAction::Denied, &detail).await?;
            tracing::warn!(provider = %id, reason, "back-channel logout refused");
            return Ok(Err(reason));
        }
    };
    let sid = named.sid.as_deref().map(|s| sid_hash(app, id, s));
    let sub = named.sub.as_deref().map(|s| sub_hash(app, id, s));
    let ended = app.store.end_provider_sessions(id, sid.as_ref(), sub.as_ref()).await?;
    let detail = format!("oidc:{id}: back-channel logout");
    if ended.is_empty() {
        security::record(
            app,
            security::ANONYMOUS,
            AuditAction::SignOut,
            &format!("{detail}, no session"),
        )
        .await?;
    }
    for principal in &ended {
        security::record(app, principal, AuditAction::SignOut, &detail).await?;
    }
    tracing::info!(provider = %id, ended = ended.len(), "back-channel logout");
    Ok(Ok(ended.len()))
}

async fn named_sessions(app: &App, id: &str, token: &str) -> Result<Result<Named, &'static str>, Error> {
    let Some(p) = app.oidc.get(id).cloned() else {
        return Ok(Err("unknown provider"));
    };
    let (alg, kid) = match algorithm(token) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let http = app.oidc.http()?;
    let mut m = p.metadata(http).await.map_err(Error::Internal)?;
    let keys = |m: &super::provider::Metadata| -> Result<JwkSet, Error> {
        serde_json::to_value(m.jwks())
            .and_then(serde_json::from_value)
            .map_err(|e| Error::Internal(e.into()))
    };
    let mut claims = verified(token, alg, kid.as_deref(), &keys(&m)?);
    if claims.is_none() {
        // The provider may have rotated its keys: read them once more.
        m = p.refresh_keys(http).await.map_err(Error::Internal)?;
        claims = verified(token, alg, kid.as_deref(), &keys(&m)?);
    }
    let Some(claims) = claims else {
        return Ok(Err("signature not made by the provider's keys"));
    };
    Ok(check_claims(
        &claims,
        m.issuer().as_str(),
        &p.config.client_id,
        app.clock.now().timestamp(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://idp.example";

    fn token(change: &dyn Fn(&mut Value)) -> Result<Named, &'static str> {
        let mut v = serde_json::json!({
            "iss": ISS, "aud": "client", "iat": 1_000, "exp": 1_120, "jti": "j-1",
            "sub": "s-1", "sid": "sid-1", "events": {EVENT: {}},
        });
        change(&mut v);
        check_claims(&v, ISS, "client", 1_010)
    }

    #[test]
    fn a_logout_token_names_sid_and_sub() {
        assert_eq!(
            token(&|_| {}),
            Ok(Named {
                sid: Some("sid-1".into()),
                sub: Some("s-1".into())
            })
        );
        assert!(token(&|v| v["aud"] = serde_json::json!(["other", "client"])).is_ok());
        assert!(token(&|v| drop(v.as_object_mut().unwrap().remove("sid"))).is_ok());
        assert!(token(&|v| drop(v.as_object_mut().unwrap().remove("exp"))).is_ok());
    }

    #[test]
    fn every_rule_refuses_on_its_own() {
        assert_eq!(
            token(&|v| v["iss"] = "https://evil.example".into()),
            Err("iss is not the provider")
        );
        assert_eq!(
            token(&|v| v["aud"] = "other".into()),
            Err("aud does not name this client")
        );
        assert_eq!(token(&|v| v["iat"] = 1_010_i64.into()).map(|_| ()), Ok(()));
        assert_eq!(
            token(&|v| v["iat"] = 100_i64.into()),
            Err("iat too old or in the future")
        );
        assert_eq!(
            token(&|v| v["iat"] = 2_000_i64.into()),
            Err("iat too old or in the future")
        );
        assert_eq!(token(&|v| v["exp"] = 900_i64.into()), Err("expired"));
        assert_eq!(
            token(&|v| v["events"] = serde_json::json!({"other": {}})),
            Err("events lacks the back-channel logout event")
        );
        assert_eq!(token(&|v| v["nonce"] = "n".into()), Err("a logout token has no nonce"));
        assert_eq!(
            token(&|v| {
                let o = v.as_object_mut().unwrap();
                o.remove("sid");
                o.remove("sub");
            }),
            Err("neither sid nor sub")
        );
    }
}
