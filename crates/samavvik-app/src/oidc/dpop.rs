//! DPoP proofs (RFC 9449): a JWT signed with a key the client holds, sent
//! in a `DPoP` header with the token request, so the tokens the provider
//! issues are bound to that key. `openidconnect` 4 has no DPoP; this module
//! fills the gap and can go when it does.
//!
//! Samavvik uses the tokens only to read the ID token at sign-in, so one
//! P-256 key per process is enough: nothing later has to prove possession.
//! A provider that asks for a DPoP nonce (`use_dpop_nonce`) gets the request
//! again with it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde::Serialize;

/// The header a proof travels in.
pub const HEADER: &str = "DPoP";

/// An ES256 key pair for proofs. No `Debug`.
pub struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
}

#[derive(Serialize)]
struct Claims<'a> {
    jti: String,
    htm: &'a str,
    htu: &'a str,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

impl DpopKey {
    /// A fresh key.
    ///
    /// # Errors
    /// When the system's random source fails.
    pub fn generate() -> anyhow::Result<Self> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| anyhow::anyhow!("cannot generate a DPoP key"))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| anyhow::anyhow!("cannot read the DPoP key"))?;
        // Uncompressed point: 0x04 | x (32 bytes) | y (32 bytes).
        let point = pair.public_key().as_ref();
        anyhow::ensure!(point.len() == 65 && point[0] == 4, "unexpected P-256 public key");
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(&point[1..33]),
                y: URL_SAFE_NO_PAD.encode(&point[33..]),
                ..EllipticCurveKeyParameters::default()
            }),
        };
        Ok(Self {
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        })
    }

    /// A proof for one request: `method` to `url` (without query or
    /// fragment), at `now` (unix seconds), with the provider's `nonce` if it asked for one.
    ///
    /// # Errors
    /// When signing fails.
    pub fn proof(&self, method: &str, url: &str, now: i64, nonce: Option<&str>) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let htu = url.split(['?', '#']).next().unwrap_or(url);
        let claims = Claims {
            jti: crate::tokens::long_token(),
            htm: method,
            htu,
            iat: now,
            nonce,
        };
        Ok(jsonwebtoken::encode(&header, &claims, &self.key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_carries_the_public_key_and_verifies_with_it() {
        let key = DpopKey::generate().unwrap();
        let proof = key
            .proof("POST", "https://idp.example/token?x=1", 1_000, Some("n1"))
            .unwrap();
        let header = jsonwebtoken::decode_header(&proof).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(&proof, &decoding, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://idp.example/token");
        assert_eq!(claims["nonce"], "n1");
        assert!(jwk.common.public_key_use.is_none(), "no extras in the key");
    }
}
