//! One configured provider: its settings, its client credentials (read
//! once from their files), and its discovery document with the signing
//! keys, fetched on first use and kept for a day. An ID token signed with
//! a key the cached set does not have makes [`Provider::refresh_keys`]
//! fetch the set once more (key rotation).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
    CoreSubjectIdentifierType,
};
use openidconnect::{AdditionalProviderMetadata, IssuerUrl, JsonWebKeySet, ProviderMetadata};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::client_assertion::ClientKey;
use super::config::{AuthMethod, ProviderConfig};
use super::http;

/// How long a discovery document and its keys are used before they are read again.
pub const METADATA_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The metadata fields `openidconnect`'s core set does not name.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dpop_signing_alg_values_supported: Vec<String>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// How the client proves itself at the provider. No `Debug`.
#[derive(Clone)]
pub enum Credentials {
    Key(ClientKey),
    Secret(String),
}

pub struct Provider {
    pub config: ProviderConfig,
    credentials: OnceLock<Credentials>,
    cache: Mutex<Option<(Metadata, Instant)>>,
}

impl Provider {
    pub fn new(config: ProviderConfig) -> Self {
        Self {
            config,
            credentials: OnceLock::new(),
            cache: Mutex::new(None),
        }
    }

    /// The key or secret, read from its file on first use.
    ///
    /// # Errors
    /// When the file is missing, readable by others, or not a usable key.
    pub fn credentials(&self) -> anyhow::Result<&Credentials> {
        if let Some(c) = self.credentials.get() {
            return Ok(c);
        }
        let c = self.read_credentials()?;
        Ok(self.credentials.get_or_init(|| c))
    }

    fn read_credentials(&self) -> anyhow::Result<Credentials> {
        let c = &self.config;
        match c.auth_method {
            AuthMethod::PrivateKeyJwt => {
                let path = c
                    .key_file
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("oidc.provider {}: no key_file", c.id))?;
                Ok(Credentials::Key(ClientKey::load(
                    path,
                    c.key_alg,
                    c.key_id.clone(),
                    c.certificate_thumbprint.clone(),
                )?))
            }
            AuthMethod::ClientSecretBasic => {
                let path = c
                    .secret_file
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("oidc.provider {}: no secret_file", c.id))?;
                samavvik_seal::check_private(path)?;
                let secret = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?
                    .trim()
                    .to_owned();
                anyhow::ensure!(!secret.is_empty(), "{} is empty", path.display());
                Ok(Credentials::Secret(secret))
            }
        }
    }

    /// The discovery document with its keys, from the cache while fresh.
    ///
    /// # Errors
    /// When the provider cannot be reached or its document is invalid (an
    /// issuer other than the configured one included).
    pub async fn metadata(&self, client: &reqwest::Client) -> anyhow::Result<Metadata> {
        let mut cache = self.cache.lock().await;
        if let Some((m, at)) = cache.as_ref()
            && at.elapsed() < METADATA_MAX_AGE
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())?;
        let send = http::Sender {
            http: client,
            dpop: None,
        };
        let m = Metadata::discover_async(issuer, &send)
            .await
            .map_err(|e| anyhow::anyhow!("discovery at {}: {e}", self.config.issuer))?;
        *cache = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    /// Reads the provider's signing keys again (an ID token named a key
    /// the cached set lacks) and returns the refreshed metadata.
    ///
    /// # Errors
    /// When the key set cannot be fetched.
    pub async fn refresh_keys(&self, client: &reqwest::Client) -> anyhow::Result<Metadata> {
        let m = self.metadata(client).await?;
        let send = http::Sender {
            http: client,
            dpop: None,
        };
        let jwks = JsonWebKeySet::fetch_async(m.jwks_uri(), &send)
            .await
            .map_err(|e| anyhow::anyhow!("key set of {}: {e}", self.config.issuer))?;
        let m = m.set_jwks(jwks);
        *self.cache.lock().await = Some((m.clone(), Instant::now()));
        Ok(m)
    }
}
