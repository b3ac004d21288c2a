//! Sign-in with OpenID Connect (HelseID, Entra ID or any provider), next
//! to the e-mail link: the authorization code flow with PKCE (S256),
//! `state` and `nonce`, the ID token's signature, `iss`, `aud`, `exp` and
//! `iat` checked by `openidconnect`; what that crate lacks sits in one
//! module each: [`client_assertion`] (`private_key_jwt`), [`par`] (pushed
//! authorization requests) and [`dpop`] (proof-of-possession).
//!
//! A sign-in is kept in the database between the redirect to the provider
//! and the way back (`oidc_logins`, under a keyed hash of `state`, used
//! once, ten minutes), so any instance can finish it. The nonce and the
//! PKCE verifier are derived from `state` with the server secret; the
//! browser also carries `state` in a cookie, so a callback from another
//! browser (login CSRF) is refused.
//!
//! The person is found by the subject the profile names ([`profile`]) in
//! the directory's `[[person]]` entries, with the roles its `[[role]]`
//! entries give the token's app roles or groups ([`roles`]); an unknown
//! subject is refused and audited, never provisioned. Roles come from the
//! directory at every request, so a person removed from it loses access
//! on their next request. [`pid`] keeps the national identity number out
//! of every store; [`backchannel`] ends sessions when the provider says so.

pub mod backchannel;
pub mod client_assertion;
pub mod config;
pub mod dpop;
pub mod http;
pub mod par;
pub mod pid;
pub mod profile;
pub mod provider;
pub mod registry;
pub mod roles;

pub use registry::{Button, Registry};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IdToken,
    IdTokenVerifier, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use samavvik_core::AuditAction;
use samavvik_store::{AuditEntry, SignInStore};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, internal};
use crate::security;
use crate::tokens;
use config::Profile;
use provider::{Credentials, Metadata, Provider};

/// How long a sign-in sent to a provider may take to come back.
pub const PENDING_MINUTES: i64 = 10;

/// An ID token issued longer ago than this is refused as stale.
pub const MAX_TOKEN_AGE_SECS: i64 = 600;

/// The claims beyond the standard ones, by name (HelseID's URIs, Entra's `tid`/`oid`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims(pub serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for ExtraClaims {}

type Token = IdToken<
    ExtraClaims,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Claims = openidconnect::IdTokenClaims<ExtraClaims, CoreGenderClaim>;

/// Why a sign-in through a provider was refused. The web layer shows
/// [`Refusal::message`]; the audit log gets [`Refusal::detail`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownProvider,
    /// The provider answered with an error (the user cancelled, or it refused).
    ProviderError,
    /// `state` unknown, used, expired, or not this browser's.
    State,
    /// The callback names another issuer (RFC 9207).
    Issuer,
    /// The provider would not exchange the code (used before, expired, PKCE mismatch).
    Token,
    Nonce,
    Audience,
    Expired,
    /// Signed by no key the provider publishes.
    Signature,
    /// Any other fault in the ID token.
    IdToken,
    LevelTooLow,
    Tenant,
    NoSubject,
    UnknownSubject,
    /// The person behind a known subject has no role left in the directory.
    NoLongerListed,
    /// Entra ID left the groups out (too many) and no app role matched.
    GroupsOverage,
}

impl Refusal {
    /// What the person is told, in bokmål.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::UnknownProvider => "Denne innloggingsmåten finnes ikke her.",
            Refusal::ProviderError => "Innloggingen ble avbrutt eller avvist hos identitetsleverandøren. Prøv igjen.",
            Refusal::State | Refusal::Issuer => {
                "Innloggingen kunne ikke fullføres: den er for gammel, allerede brukt, eller startet i en annen nettleser. Start innloggingen på nytt."
            }
            Refusal::Token => {
                "Identitetsleverandøren godtok ikke innloggingen (koden er allerede brukt eller for gammel). Start innloggingen på nytt."
            }
            Refusal::Nonce | Refusal::Audience | Refusal::Expired | Refusal::Signature | Refusal::IdToken => {
                "Svaret fra identitetsleverandøren kunne ikke bekreftes, så du er ikke logget inn. Prøv igjen, og kontakt systemansvarlig hvis det gjentar seg."
            }
            Refusal::LevelTooLow => {
                "Du logget inn med et for lavt sikkerhetsnivå. Samavvik krever innlogging på høyt nivå (for eksempel BankID). Logg inn på nytt med en slik metode."
            }
            Refusal::Tenant => "Brukerkontoen tilhører en annen organisasjon enn den denne innloggingen gjelder.",
            Refusal::NoSubject => "Identitetsleverandøren sendte ikke det som trengs for å kjenne deg igjen.",
            Refusal::GroupsOverage => {
                "Du er medlem av så mange grupper at innloggingen ikke sendte dem med, og ingen app-rolle for Samavvik er tildelt deg. Be IT-avdelingen i kommunen om å tildele deg en app-rolle for Samavvik, eller kontakt sekretariatet for samhandlingsavvik."
            }
            Refusal::UnknownSubject | Refusal::NoLongerListed => {
                "Du er ikke registrert som leder i Samavvik. Kontakt sekretariatet for samhandlingsavvik hvis du skal ha tilgang."
            }
        }
    }

    /// What the audit log records (English, no personal data).
    pub fn detail(self) -> &'static str {
        match self {
            Refusal::UnknownProvider => "unknown provider",
            Refusal::ProviderError => "provider returned an error",
            Refusal::State => "state unknown, used, expired or from another browser",
            Refusal::Issuer => "callback issuer mismatch",
            Refusal::Token => "token request refused",
            Refusal::Nonce => "id token nonce mismatch",
            Refusal::Audience => "id token audience mismatch",
            Refusal::Expired => "id token expired or stale",
            Refusal::Signature => "id token signed by an unknown key",
            Refusal::IdToken => "id token invalid",
            Refusal::LevelTooLow => "security level too low",
            Refusal::Tenant => "tenant mismatch",
            Refusal::NoSubject => "no subject claim",
            Refusal::UnknownSubject => "unknown subject",
            Refusal::NoLongerListed => "subject known but person has no role",
            Refusal::GroupsOverage => "groups overage and no app role matched",
        }
    }
}

/// Where the browser goes to sign in, and the `state` to keep in its cookie.
pub struct Started {
    pub redirect: String,
    pub state: String,
}

/// What the way back from the provider ends in.
pub enum Finished {
    /// A new session token.
    SignedIn(String),
    Refused(Refusal),
}

/// The query of the provider's redirect back.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub iss: Option<String>,
}

/// The redirect URI registered at the provider for `id`.
pub fn redirect_uri(app: &App, id: &str) -> String {
    app.link(&format!("logg-inn/oidc/{id}/tilbake"))
}

fn nonce_for(app: &App, state: &str) -> String {
    app.secret.derive("oidc-nonce", state)
}

fn verifier_for(app: &App, state: &str) -> String {
    app.secret.derive("oidc-pkce", state)
}

fn uses_par(p: &Provider, m: &Metadata) -> bool {
    let extra = m.additional_metadata();
    p.config
        .par
        .unwrap_or(p.config.profile == Profile::Helseid || extra.require_pushed_authorization_requests)
        && extra.pushed_authorization_request_endpoint.is_some()
}

fn uses_dpop(p: &Provider, m: &Metadata) -> bool {
    let offered = m
        .additional_metadata()
        .dpop_signing_alg_values_supported
        .iter()
        .any(|a| a == "ES256");
    p.config.dpop.unwrap_or(p.config.profile == Profile::Helseid && offered)
}

fn client_for(
    p: &Provider,
    m: &Metadata,
    app: &App,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    Error,
> {
    let secret = match p.credentials().map_err(Error::Internal)? {
        Credentials::Secret(s) => Some(ClientSecret::new(s.clone())),
        Credentials::Key(_) => None,
    };
    let redirect = RedirectUrl::new(redirect_uri(app, &p.config.id)).map_err(internal)?;
    Ok(
        CoreClient::from_provider_metadata(m.clone(), ClientId::new(p.config.client_id.clone()), secret)
            .set_redirect_uri(redirect),
    )
}

/// Client-assertion form fields towards `audience`, or none for a secret.
fn assertion_fields(p: &Provider, audience: &str, now: i64) -> Result<Vec<(String, String)>, Error> {
    match p.credentials().map_err(Error::Internal)? {
        Credentials::Key(key) => key
            .form_fields(&p.config.client_id, audience, now)
            .map_err(Error::Internal),
        Credentials::Secret(_) => Ok(Vec::new()),
    }
}

/// Starts a sign-in at provider `id`: records it, and returns where to
/// send the browser (through PAR when the provider takes it). `None` when
/// there is no such provider.
///
/// # Errors
/// When the provider cannot be reached, refuses the pushed request, or the
/// store cannot write.
pub async fn start(app: &App, id: &str) -> Result<Option<Started>, Error> {
    let Some(p) = app.oidc.get(id).cloned() else {
        return Ok(None);
    };
    let http = app.oidc.http()?;
    let m = p.metadata(http).await.map_err(Error::Internal)?;
    let client = client_for(&p, &m, app)?;
    let state = tokens::long_token();
    let nonce = nonce_for(app, &state);
    let verifier = PkceCodeVerifier::new(verifier_for(app, &state));
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            {
                let s = state.clone();
                move || CsrfToken::new(s)
            },
            move || Nonce::new(nonce),
        )
        .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
    for scope in &p.config.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if !p.config.acr_values.is_empty() {
        request = request.add_extra_param("acr_values", p.config.acr_values.join(" "));
    }
    let (url, _, _) = request.url();
    let now = app.clock.now();
    app.store
        .create_oidc_login(
            &app.secret.token_hash("oidc-state", &state),
            id,
            now,
            now + chrono::Duration::minutes(PENDING_MINUTES),
        )
        .await?;
    let redirect = if uses_par(&p, &m) {
        let endpoint = m
            .additional_metadata()
            .pushed_authorization_request_endpoint
            .clone()
            .unwrap_or_default();
        let params: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let auth = match p.credentials().map_err(Error::Internal)? {
            Credentials::Key(_) => par::ParAuth::Fields(assertion_fields(&p, m.issuer().as_str(), now.timestamp())?),
            Credentials::Secret(s) => par::ParAuth::Basic(s),
        };
        par::push(
            http,
            &endpoint,
            m.authorization_endpoint().as_str(),
            &p.config.client_id,
            params,
            auth,
        )
        .await
        .map_err(Error::Internal)?
    } else {
        url.to_string()
    };
    tracing::info!(provider = %id, "oidc sign-in started");
    Ok(Some(Started { redirect, state }))
}

/// Finishes a sign-in at provider `id` from the provider's redirect back
/// and the `state` cookie this browser holds. Every refusal is audited.
///
/// # Errors
/// When the store cannot write, or the provider's metadata cannot be read.
pub async fn finish(app: &App, id: &str, cookie_state: Option<&str>, back: &Callback) -> Result<Finished, Error> {
    match finish_inner(app, id, cookie_state, back).await? {
        Ok(Verified {
            principal,
            id_token,
            sid,
            sub,
        }) => {
            let session = tokens::long_token();
            let now = app.clock.now();
            let expires = now + chrono::Duration::hours(app.settings.security.session_max_hours);
            let sealed = seal_id_token(app, &id_token);
            let sid_hash = sid.map(|s| backchannel::sid_hash(app, id, &s));
            let sub_hash = backchannel::sub_hash(app, id, &sub);
            app.store
                .create_provider_session(
                    &app.secret.token_hash("session", &session),
                    &principal,
                    now,
                    expires,
                    &samavvik_store::ProviderSession {
                        provider: id,
                        id_token_sealed: sealed.as_deref(),
                        sid_hash: sid_hash.as_ref(),
                        sub_hash: Some(&sub_hash),
                    },
                )
                .await?;
            app.audit(AuditEntry {
                at: now,
                actor: principal.clone(),
                action: AuditAction::SignIn.as_str().into(),
                case_number: None,
                unit: None,
                detail: format!("oidc:{id}"),
            })
            .await?;
            tracing::info!(principal = %principal, provider = %id, "signed in with oidc");
            Ok(Finished::SignedIn(session))
        }
        Err((refusal, actor)) => {
            let actor = actor.unwrap_or_else(|| security::ANONYMOUS.to_owned());
            let detail = format!("oidc:{id}: {}", refusal.detail());
            security::record(app, &actor, AuditAction::SignInFailed, &detail).await?;
            tracing::warn!(provider = %id, reason = refusal.detail(), "oidc sign-in refused");
            Ok(Finished::Refused(refusal))
        }
    }
}

/// A sign-in the ID token bears out.
struct Verified {
    principal: String,
    /// Kept, encrypted, for logout at the provider and the roles at each request.
    id_token: String,
    /// The provider's session id and the `sub` claim, which a back-channel logout token names.
    sid: Option<String>,
    sub: String,
}

/// The verified sign-in, or the refusal and whom to audit it under.
type Outcome = Result<Verified, (Refusal, Option<String>)>;

async fn finish_inner(app: &App, id: &str, cookie_state: Option<&str>, back: &Callback) -> Result<Outcome, Error> {
    let refuse = |r: Refusal| Ok(Err((r, None)));
    let Some(p) = app.oidc.get(id).cloned() else {
        return refuse(Refusal::UnknownProvider);
    };
    let now = app.clock.now();
    // The pending sign-in is used up whatever follows: a callback is never tried twice.
    let Some(state) = back.state.as_deref().filter(|s| tokens::is_long_token(s)) else {
        return refuse(Refusal::State);
    };
    let pending = app
        .store
        .take_oidc_login(&app.secret.token_hash("oidc-state", state), now)
        .await?;
    if pending.as_deref() != Some(id) || cookie_state != Some(state) {
        return refuse(Refusal::State);
    }
    if back.error.is_some() {
        return refuse(Refusal::ProviderError);
    }
    let Some(code) = back.code.clone() else {
        return refuse(Refusal::ProviderError);
    };
    let http = app.oidc.http()?;
    let m = p.metadata(http).await.map_err(Error::Internal)?;
    if let Some(iss) = &back.iss
        && iss != m.issuer().as_str()
    {
        return refuse(Refusal::Issuer);
    }
    let client = client_for(&p, &m, app)?;
    let token_endpoint = m.token_endpoint().map(|u| u.as_str().to_owned()).unwrap_or_default();
    let mut request = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(internal)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier_for(app, state)));
    for (k, v) in assertion_fields(&p, &token_endpoint, now.timestamp())? {
        request = request.add_extra_param(k, v);
    }
    let dpop = if uses_dpop(&p, &m) {
        Some(app.oidc.dpop_key()?)
    } else {
        None
    };
    let send = http::Sender { http, dpop };
    let response = match request.request_async(&send).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "oidc token request refused");
            return refuse(Refusal::Token);
        }
    };
    let Some(raw) = response.id_token().map(ToString::to_string) else {
        return refuse(Refusal::IdToken);
    };
    let Ok(token) = raw.parse::<Token>() else {
        return refuse(Refusal::IdToken);
    };
    let nonce = Nonce::new(nonce_for(app, state));
    let claims = match verify(&p, &m, &token, &nonce, now) {
        Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
            // The provider may have rotated its keys: read them once more.
            let m = p.refresh_keys(http).await.map_err(Error::Internal)?;
            verify(&p, &m, &token, &nonce, now)
        }
        other => other,
    };
    let claims = match claims {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "oidc id token refused");
            return refuse(refusal_for(&e));
        }
    };
    let subject = match profile::subject(&p.config, &claims, app.oidc.pid_key()?) {
        Ok(s) => s,
        Err(r) => return refuse(r),
    };
    let key = format!("{id}:{subject}");
    let catalog = app.catalog.current();
    let resolved = roles::resolve(
        &catalog,
        &app.secret,
        id,
        &key,
        &roles::RoleClaims::from_claims(&claims.additional_claims().0),
    );
    // Someone unknown is recognisable again in the audit log, without the subject itself.
    let actor = catalog.people.by_oidc(&key).map_or_else(
        || format!("oidc-{}", app.secret.pseudonym("oidc-subject", &key)),
        |p| p.principal.clone(),
    );
    if let Err(r) = profile::level(&p.config, &claims) {
        return Ok(Err((r, Some(actor))));
    }
    match resolved {
        Ok(person) => Ok(Ok(Verified {
            principal: person.principal,
            id_token: raw,
            sid: claims
                .additional_claims()
                .0
                .get("sid")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            sub: claims.subject().as_str().to_owned(),
        })),
        Err(r) => Ok(Err((r, Some(actor)))),
    }
}

fn verify(
    p: &Provider,
    m: &Metadata,
    token: &Token,
    nonce: &Nonce,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Claims, ClaimsVerificationError> {
    use openidconnect::core::CoreJwsSigningAlgorithm as Alg;
    let verifier = IdTokenVerifier::new_public_client(
        ClientId::new(p.config.client_id.clone()),
        m.issuer().clone(),
        m.jwks().clone(),
    )
    .set_allowed_algs([Alg::RsaSsaPkcs1V15Sha256, Alg::RsaSsaPssSha256, Alg::EcdsaP256Sha256])
    .set_time_fn(move || now)
    .set_issue_time_verifier_fn(move |iat| {
        if (now - iat).num_seconds() > MAX_TOKEN_AGE_SECS {
            Err("issued too long ago".into())
        } else {
            Ok(())
        }
    });
    token.claims(&verifier, nonce).cloned()
}

fn refusal_for(e: &ClaimsVerificationError) -> Refusal {
    match e {
        ClaimsVerificationError::InvalidNonce(_) => Refusal::Nonce,
        ClaimsVerificationError::InvalidAudience(_) => Refusal::Audience,
        ClaimsVerificationError::Expired(_) => Refusal::Expired,
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey) => Refusal::Signature,
        ClaimsVerificationError::Other(m) if m.contains("issued too long ago") => Refusal::Expired,
        _ => Refusal::IdToken,
    }
}

/// Encrypts an ID token for the sessions table (ChaCha20-Poly1305 under a
/// key derived from the server secret; random nonce first). The token may
/// carry personal claims, so it is never stored in clear.
fn seal_id_token(app: &App, raw: &str) -> Option<Vec<u8>> {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, UnboundKey};
    use ring::rand::SecureRandom;
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &app.secret.subkey("oidc-id-token")).ok()?);
    let mut nonce = [0u8; NONCE_LEN];
    ring::rand::SystemRandom::new().fill(&mut nonce).ok()?;
    let mut data = raw.as_bytes().to_vec();
    key.seal_in_place_append_tag(ring::aead::Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
        .ok()?;
    let mut out = nonce.to_vec();
    out.extend(data);
    Some(out)
}

pub(crate) fn open_id_token(app: &App, sealed: &[u8]) -> Option<String> {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &app.secret.subkey("oidc-id-token")).ok()?);
    let nonce: [u8; NONCE_LEN] = sealed.get(..NONCE_LEN)?.try_into().ok()?;
    let mut data = sealed.get(NONCE_LEN..)?.to_vec();
    let plain = key
        .open_in_place(ring::aead::Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

/// Where to send the browser to end the session at the provider too
/// (RP-initiated logout with `id_token_hint` and `post_logout_redirect_uri`
/// `<base>/logg-inn`), if the provider offers an `end_session_endpoint`.
/// `None` also when the provider cannot be reached: the local session is
/// ended either way.
pub async fn logout_url(app: &App, origin: &samavvik_store::SessionOrigin) -> Option<String> {
    let p = app.oidc.get(&origin.provider)?.clone();
    let http = app.oidc.http().ok()?;
    let m = p.metadata(http).await.ok()?;
    let endpoint = m.additional_metadata().end_session_endpoint.clone()?;
    let mut url = reqwest::Url::parse(&endpoint).ok()?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &p.config.client_id);
        q.append_pair("post_logout_redirect_uri", &app.link("logg-inn"));
        if let Some(token) = origin.id_token_sealed.as_deref().and_then(|s| open_id_token(app, s)) {
            q.append_pair("id_token_hint", &token);
        }
    }
    Some(url.to_string())
}
