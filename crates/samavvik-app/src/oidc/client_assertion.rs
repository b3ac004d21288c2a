//! `private_key_jwt` client authentication (RFC 7523, OpenID Connect Core
//! 9): a short-lived JWT signed with the client's private key, sent as
//! `client_assertion` instead of a secret. `openidconnect` 4 does not make
//! these; this module does, and can go when it does.
//!
//! The assertion has `iss` = `sub` = the client id, a fresh `jti`, `aud`
//! the endpoint's audience (the token endpoint, or the issuer for PAR),
//! `iat` now and `exp` 60 seconds later. RS256, PS256 and ES256 are
//! supported; an `x5t#S256` header names the certificate Entra ID knows.

use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::config::KeyAlg;

/// The form field that says an assertion follows.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid. FAPI 2.0 and HelseID: at most 60 s.
pub const LIFETIME_SECS: i64 = 60;

/// A client's signing key, read once from its file. No `Debug`.
#[derive(Clone)]
pub struct ClientKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<String>,
    x5t_s256: Option<String>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

impl ClientKey {
    /// Reads a PEM private key. The file must be private to its owner (0600).
    ///
    /// # Errors
    /// When the file is readable by others, unreadable, or not a key of
    /// the kind `alg` needs.
    pub fn load(path: &Path, alg: KeyAlg, kid: Option<String>, x5t_s256: Option<String>) -> anyhow::Result<Self> {
        samavvik_seal::check_private(path)?;
        let pem = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let (key, alg) = match alg {
            KeyAlg::RS256 => (EncodingKey::from_rsa_pem(&pem), Algorithm::RS256),
            KeyAlg::PS256 => (EncodingKey::from_rsa_pem(&pem), Algorithm::PS256),
            KeyAlg::ES256 => (EncodingKey::from_ec_pem(&pem), Algorithm::ES256),
        };
        let key = key.map_err(|e| anyhow::anyhow!("{} is not a usable {alg:?} private key: {e}", path.display()))?;
        Ok(Self {
            key,
            alg,
            kid,
            x5t_s256,
        })
    }

    /// A fresh assertion for `client_id` towards `audience`, issued at `now` (unix seconds).
    ///
    /// # Errors
    /// When signing fails (a key that does not fit its algorithm).
    pub fn assertion(&self, client_id: &str, audience: &str, now: i64) -> anyhow::Result<String> {
        let mut header = Header::new(self.alg);
        header.typ = Some("JWT".into());
        header.kid.clone_from(&self.kid);
        header.x5t_s256.clone_from(&self.x5t_s256);
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: audience,
            jti: crate::tokens::long_token(),
            iat: now,
            nbf: now,
            exp: now + LIFETIME_SECS,
        };
        Ok(jsonwebtoken::encode(&header, &claims, &self.key)?)
    }

    /// The form fields that authenticate the client.
    ///
    /// # Errors
    /// When signing fails.
    pub fn form_fields(&self, client_id: &str, audience: &str, now: i64) -> anyhow::Result<Vec<(String, String)>> {
        Ok(vec![
            ("client_assertion_type".into(), ASSERTION_TYPE.into()),
            ("client_assertion".into(), self.assertion(client_id, audience, now)?),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn ec_key_file(dir: &Path) -> std::path::PathBuf {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 =
            ring::signature::EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
        );
        let path = dir.join("client.pem");
        std::fs::write(&path, pem).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    #[test]
    fn assertion_names_the_client_and_lives_sixty_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let key = ClientKey::load(
            &ec_key_file(dir.path()),
            KeyAlg::ES256,
            Some("k1".into()),
            Some("thumb".into()),
        )
        .unwrap();
        let jwt = key.assertion("client-1", "https://idp.example/token", 1_000).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "k1");
        assert_eq!(header["x5t#S256"], "thumb");
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["aud"], "https://idp.example/token");
        assert_eq!(claims["exp"], 1_060);
        let other = key.assertion("client-1", "https://idp.example/token", 1_000).unwrap();
        let jti = |jwt: &str| {
            let c: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
            c["jti"].as_str().unwrap().to_owned()
        };
        assert_ne!(jti(&jwt), jti(&other), "every assertion has its own jti");
    }

    #[test]
    fn key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = ec_key_file(dir.path());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(ClientKey::load(&path, KeyAlg::ES256, None, None).is_err());
        }
    }
}
