//! `[oidc]` and `[[oidc.provider]]` in `samavvik.toml`: which OpenID
//! providers leaders may sign in with, and how each one is spoken to.
//! Keys and secrets are file paths, checked like every other key file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcSettings {
    /// One entry per provider, each a button on the sign-in page.
    pub provider: Vec<ProviderConfig>,
    /// Organisation ids (directory) whose leaders may not sign in with an
    /// e-mail link: a leader of any unit in one of them must use a provider.
    pub email_link_off_for: Vec<String>,
    /// The secret (0600, at least 32 bytes) keying the digest that stands
    /// for a national identity number, for providers whose `subject_claim`
    /// is `helseid://claims/identity/pid`. Required only by those.
    pub pid_secret_file: Option<PathBuf>,
}

/// How the provider identifies the person and what it must prove.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// NHN's HelseID: private_key_jwt, PAR, security level claim, pid pseudonym.
    Helseid,
    /// Microsoft Entra ID, single tenant: `tid` must match, person = `tid/oid`.
    Entra,
    /// Any OpenID provider: person = `sub`.
    #[default]
    Generic,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A client assertion JWT signed with `key_file` (RFC 7523).
    #[default]
    PrivateKeyJwt,
    /// HTTP Basic with the secret in `secret_file`.
    ClientSecretBasic,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum KeyAlg {
    #[default]
    RS256,
    PS256,
    ES256,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderConfig {
    /// Stable slug: part of the redirect URI (`/logg-inn/oidc/<id>/tilbake`)
    /// and of the directory's subject keys (`<id>:<subject>`).
    pub id: String,
    /// Shown on the button: «Logg inn med `name`».
    pub name: String,
    pub profile: Profile,
    /// The issuer URL; `<issuer>/.well-known/openid-configuration` is read.
    pub issuer: String,
    pub client_id: String,
    pub auth_method: AuthMethod,
    /// PEM private key (PKCS#8 or PKCS#1 RSA, PKCS#8 EC) for `private_key_jwt`; 0600.
    pub key_file: Option<PathBuf>,
    pub key_alg: KeyAlg,
    /// `kid` header of the client assertion (the key id registered at the provider).
    pub key_id: Option<String>,
    /// `x5t#S256` header: base64url SHA-256 thumbprint of the certificate
    /// registered at Entra ID for this key.
    pub certificate_thumbprint: Option<String>,
    /// The client secret for `client_secret_basic`, in a file (0600).
    pub secret_file: Option<PathBuf>,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// Sent as `acr_values` (HelseID: `["Level4"]`).
    pub acr_values: Vec<String>,
    /// Refuse sign-in when the security level is below this (the digits at
    /// the end of the level claim: HelseID `"4"`, `acr` `"Level4"`).
    pub min_level: Option<u32>,
    /// The claim holding the security level. Default: HelseID's
    /// `helseid://claims/identity/security_level`, else `acr`.
    pub level_claim: Option<String>,
    /// The claim naming the person. Default: HelseID's
    /// `helseid://claims/identity/pid_pseudonym`, Entra `tid/oid`, else `sub`.
    /// `helseid://claims/identity/pid` (the national identity number) makes
    /// the person the number's keyed digest; it needs `oidc.pid_secret_file`.
    pub subject_claim: Option<String>,
    /// Entra ID: the tenant every token's `tid` must name.
    pub tenant_id: Option<String>,
    /// Pushed authorization requests: `None` follows the provider's
    /// metadata (always for HelseID).
    pub par: Option<bool>,
    /// DPoP proofs on the token request: `None` follows the provider's
    /// metadata (`dpop_signing_alg_values_supported`) for HelseID.
    pub dpop: Option<bool>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            profile: Profile::Generic,
            issuer: String::new(),
            client_id: String::new(),
            auth_method: AuthMethod::PrivateKeyJwt,
            key_file: None,
            key_alg: KeyAlg::RS256,
            key_id: None,
            certificate_thumbprint: None,
            secret_file: None,
            scopes: Vec::new(),
            acr_values: Vec::new(),
            min_level: None,
            level_claim: None,
            subject_claim: None,
            tenant_id: None,
            par: None,
            dpop: None,
        }
    }
}

pub const HELSEID_LEVEL: &str = "helseid://claims/identity/security_level";
pub const HELSEID_PSEUDONYM: &str = "helseid://claims/identity/pid_pseudonym";

impl ProviderConfig {
    /// The claim that holds the security level.
    pub fn level_claim(&self) -> &str {
        match (&self.level_claim, self.profile) {
            (Some(c), _) => c,
            (None, Profile::Helseid) => HELSEID_LEVEL,
            (None, _) => "acr",
        }
    }

    /// Checks what can be checked without the network or files.
    ///
    /// # Errors
    /// A message naming the provider and the setting.
    pub fn check(&self) -> anyhow::Result<()> {
        let id = &self.id;
        anyhow::ensure!(
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "oidc.provider id «{id}» must be a slug (a–z, 0–9, «-»)"
        );
        anyhow::ensure!(!self.name.trim().is_empty(), "oidc.provider {id}: name is empty");
        anyhow::ensure!(
            self.issuer.starts_with("https://") || self.issuer.starts_with("http://127.0.0.1"),
            "oidc.provider {id}: issuer must be https (http only on 127.0.0.1, for tests)"
        );
        anyhow::ensure!(!self.client_id.is_empty(), "oidc.provider {id}: client_id is empty");
        match self.auth_method {
            AuthMethod::PrivateKeyJwt => {
                anyhow::ensure!(
                    self.key_file.is_some(),
                    "oidc.provider {id}: private_key_jwt needs key_file"
                );
            }
            AuthMethod::ClientSecretBasic => {
                anyhow::ensure!(
                    self.profile != Profile::Helseid,
                    "oidc.provider {id}: HelseID clients authenticate with private_key_jwt"
                );
                anyhow::ensure!(
                    self.secret_file.is_some(),
                    "oidc.provider {id}: client_secret_basic needs secret_file"
                );
            }
        }
        if self.profile == Profile::Entra {
            anyhow::ensure!(
                self.tenant_id.as_deref().is_some_and(|t| !t.is_empty()),
                "oidc.provider {id}: an Entra ID provider needs tenant_id"
            );
        }
        Ok(())
    }
}
