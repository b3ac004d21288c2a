//! What each provider profile demands of the ID token's claims, and how it
//! names the person.
//!
//! - HelseID: the security level claim must reach `min_level`; the person
//!   is the pid pseudonym (`helseid://claims/identity/pid_pseudonym`).
//!   When `subject_claim` is the national identity number (`pid`), the
//!   person is the number's keyed digest (`super::pid`), never the number.
//! - Entra ID: `tid` must be the configured tenant; the person is `tid/oid`
//!   (never the e-mail or `preferred_username`, which can change and are not
//!   unique).
//! - Generic: the person is `sub` (or the configured claim).

use openidconnect::IdTokenClaims;
use openidconnect::core::CoreGenderClaim;

use super::config::{HELSEID_PSEUDONYM, Profile, ProviderConfig};
use super::pid::{PidKey, is_pid_claim};
use super::{ExtraClaims, Refusal};

type Claims = IdTokenClaims<ExtraClaims, CoreGenderClaim>;

fn text(claims: &Claims, name: &str) -> Option<String> {
    match name {
        "sub" => Some(claims.subject().as_str().to_owned()),
        "acr" => claims.auth_context_ref().map(|a| a.as_str().to_owned()),
        _ => match claims.additional_claims().0.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
    }
    .filter(|s| !s.trim().is_empty())
}

/// The number a level value ends in: `"4"` and `"Level4"` are 4.
pub fn level_number(value: &str) -> Option<u32> {
    let digits: String = value
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

/// Refuses a token whose security level is missing or below `min_level`.
///
/// # Errors
/// [`Refusal::LevelTooLow`].
pub fn level(config: &ProviderConfig, claims: &Claims) -> Result<(), Refusal> {
    let Some(min) = config.min_level else { return Ok(()) };
    match text(claims, config.level_claim()).as_deref().and_then(level_number) {
        Some(n) if n >= min => Ok(()),
        _ => Err(Refusal::LevelTooLow),
    }
}

/// The subject the directory's `[[person]]` keys name, after the profile's
/// checks. When the subject claim is the national identity number, the
/// subject is its keyed digest ([`super::pid`]), never the number.
///
/// # Errors
/// [`Refusal::Tenant`] for another Entra tenant; [`Refusal::NoSubject`]
/// when the claim that names the person is missing (or is the number and
/// no pid secret is configured).
pub fn subject(config: &ProviderConfig, claims: &Claims, pid: Option<&PidKey>) -> Result<String, Refusal> {
    let value = match config.profile {
        Profile::Entra => {
            let tid = text(claims, "tid").ok_or(Refusal::Tenant)?;
            if Some(tid.as_str()) != config.tenant_id.as_deref() {
                return Err(Refusal::Tenant);
            }
            match &config.subject_claim {
                Some(c) => text(claims, c),
                None => text(claims, "oid").map(|oid| format!("{tid}/{oid}")),
            }
        }
        Profile::Helseid => text(claims, config.subject_claim.as_deref().unwrap_or(HELSEID_PSEUDONYM)),
        Profile::Generic => text(claims, config.subject_claim.as_deref().unwrap_or("sub")),
    }
    .ok_or(Refusal::NoSubject)?;
    if config.subject_claim.as_deref().is_some_and(is_pid_claim) {
        return pid.map(|k| k.digest(&value)).ok_or(Refusal::NoSubject);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::oidc::config::HELSEID_LEVEL;

    fn claims(extra: &serde_json::Value) -> Claims {
        let mut v = serde_json::json!({
            "iss": "https://idp.example", "aud": "c", "exp": 2_000_000_000, "iat": 1_900_000_000, "sub": "s-1",
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        serde_json::from_value(v).unwrap()
    }

    fn entra() -> ProviderConfig {
        ProviderConfig {
            profile: Profile::Entra,
            tenant_id: Some("t-1".into()),
            ..ProviderConfig::default()
        }
    }

    #[test]
    fn entra_names_the_person_by_tenant_and_object_id_and_refuses_other_tenants() {
        let c = claims(&serde_json::json!({"tid": "t-1", "oid": "o-1", "email": "a@b.no"}));
        assert_eq!(subject(&entra(), &c, None).unwrap(), "t-1/o-1");
        let other = claims(&serde_json::json!({"tid": "t-2", "oid": "o-1"}));
        assert_eq!(subject(&entra(), &other, None), Err(Refusal::Tenant));
        let no_oid = claims(&serde_json::json!({"tid": "t-1"}));
        assert_eq!(subject(&entra(), &no_oid, None), Err(Refusal::NoSubject));
    }

    #[test]
    fn helseid_names_the_person_by_pseudonym_and_checks_the_level() {
        let config = ProviderConfig {
            profile: Profile::Helseid,
            min_level: Some(4),
            ..ProviderConfig::default()
        };
        let high = claims(&serde_json::json!({HELSEID_PSEUDONYM: "p-1", HELSEID_LEVEL: "4"}));
        assert_eq!(subject(&config, &high, None).unwrap(), "p-1");
        assert_eq!(level(&config, &high), Ok(()));
        let low = claims(&serde_json::json!({HELSEID_PSEUDONYM: "p-1", HELSEID_LEVEL: "3"}));
        assert_eq!(level(&config, &low), Err(Refusal::LevelTooLow));
        let none = claims(&serde_json::json!({HELSEID_PSEUDONYM: "p-1"}));
        assert_eq!(
            level(&config, &none),
            Err(Refusal::LevelTooLow),
            "a missing level is too low"
        );
        let generic = ProviderConfig {
            min_level: Some(4),
            ..ProviderConfig::default()
        };
        assert_eq!(level(&generic, &claims(&serde_json::json!({"acr": "Level4"}))), Ok(()));
        assert_eq!(subject(&generic, &high, None).unwrap(), "s-1");
    }

    #[test]
    fn the_national_identity_number_becomes_its_keyed_digest() {
        let config = ProviderConfig {
            profile: Profile::Helseid,
            subject_claim: Some(super::super::pid::HELSEID_PID.into()),
            ..ProviderConfig::default()
        };
        let c = claims(&serde_json::json!({super::super::pid::HELSEID_PID: "01019912345"}));
        let key = PidKey::from_bytes([7; 32]);
        let s = subject(&config, &c, Some(&key)).unwrap();
        assert_eq!(s, key.digest("01019912345"));
        assert!(!s.contains("01019912345"));
        assert_eq!(
            subject(&config, &c, None),
            Err(Refusal::NoSubject),
            "never the number itself"
        );
    }

    #[test]
    fn level_numbers() {
        assert_eq!(level_number("4"), Some(4));
        assert_eq!(level_number("Level4"), Some(4));
        assert_eq!(level_number("urn:x:loa:substantial"), None);
        assert_eq!(level_number(""), None);
    }
}
