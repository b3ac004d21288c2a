//! The HTTP client `openidconnect` calls through: reqwest without
//! redirects (a provider's endpoints answer directly; following redirects
//! would let a metadata document send requests anywhere) and with a time
//! limit, optionally adding a DPoP proof to every request.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

use super::dpop::{self, DpopKey};

/// Every request to a provider gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
#[error("request to the OpenID provider failed: {0}")]
pub struct HttpError(pub String);

/// Builds the client every provider shares.
///
/// # Errors
/// When the TLS backend cannot start.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()?)
}

/// The client `openidconnect` is handed: a named type with a boxed, `Send`
/// future, so the handlers that use it stay `Send` for axum.
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    pub http: &'a reqwest::Client,
    pub dpop: Option<&'a DpopKey>,
}

impl<'c> AsyncHttpClient<'c> for Sender<'_> {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(self.http, self.dpop, request))
    }
}

/// Sends one request made by `openidconnect`; with `dpop`, signs a proof
/// for it and, if the provider asks for a DPoP nonce, sends it once more
/// with that nonce.
///
/// # Errors
/// When the provider cannot be reached or the answer cannot be read.
pub async fn send(
    http: &reqwest::Client,
    dpop: Option<&DpopKey>,
    request: HttpRequest,
) -> Result<HttpResponse, HttpError> {
    let first = send_once(http, dpop, &request, None).await?;
    let nonce = first
        .headers()
        .get("dpop-nonce")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match (dpop, nonce) {
        (Some(_), Some(nonce)) if first.status().is_client_error() => {
            send_once(http, dpop, &request, Some(&nonce)).await
        }
        _ => Ok(first),
    }
}

async fn send_once(
    http: &reqwest::Client,
    dpop: Option<&DpopKey>,
    request: &HttpRequest,
    nonce: Option<&str>,
) -> Result<HttpResponse, HttpError> {
    let url = request.uri().to_string();
    let mut builder = http
        .request(request.method().clone(), &url)
        .headers(request.headers().clone())
        .body(request.body().clone());
    if let Some(key) = dpop {
        let now = chrono::Utc::now().timestamp();
        let proof = key
            .proof(request.method().as_str(), &url, now, nonce)
            .map_err(|e| HttpError(e.to_string()))?;
        builder = builder.header(dpop::HEADER, proof);
    }
    let response = builder.send().await.map_err(|e| HttpError(e.to_string()))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| HttpError(e.to_string()))?;
    let mut out = openidconnect::http::Response::builder().status(status);
    if let Some(h) = out.headers_mut() {
        *h = headers;
    }
    out.body(body.to_vec()).map_err(|e| HttpError(e.to_string()))
}
