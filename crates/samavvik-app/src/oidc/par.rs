//! Pushed authorization requests (RFC 9126): the authorization request's
//! parameters go to the provider in one authenticated POST, and the browser
//! is sent to the authorization endpoint with only `client_id` and the
//! `request_uri` the provider answered. HelseID requires it for clients
//! that log users in. `openidconnect` 4 has no PAR; this module fills the
//! gap and can go when it does.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

#[derive(Deserialize)]
struct ParResponse {
    request_uri: String,
}

/// How the client authenticates the push.
pub enum ParAuth<'a> {
    /// Form fields (a client assertion).
    Fields(Vec<(String, String)>),
    /// HTTP Basic with the client secret.
    Basic(&'a str),
}

/// Pushes `params` (the authorization request's query pairs) to
/// `endpoint` and returns the URL to send the browser to.
///
/// # Errors
/// When the provider cannot be reached or refuses the request.
pub async fn push(
    http: &reqwest::Client,
    endpoint: &str,
    authorization_endpoint: &str,
    client_id: &str,
    params: Vec<(String, String)>,
    auth: ParAuth<'_>,
) -> anyhow::Result<String> {
    let mut form = params;
    let mut request = http.post(endpoint);
    match auth {
        ParAuth::Fields(fields) => form.extend(fields),
        ParAuth::Basic(secret) => {
            // RFC 6749 2.3.1: both parts form-encoded before Basic.
            let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let basic = STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret)));
            request = request.header("authorization", format!("Basic {basic}"));
        }
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter())
        .finish();
    let response = request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        anyhow::bail!(
            "pushed authorization request refused ({status}): {}",
            text.chars().take(300).collect::<String>()
        );
    }
    let answer: ParResponse = serde_json::from_slice(&response.bytes().await?)?;
    let mut url = reqwest::Url::parse(authorization_endpoint)?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", &answer.request_uri);
    Ok(url.to_string())
}
