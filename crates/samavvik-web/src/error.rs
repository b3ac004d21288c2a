//! One error type at the edge, [`AppError`]: every failure becomes a status and a bokmål
//! page. Internal details go to the log (once, here), never to the page.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("request body too large")]
    PayloadTooLarge { limit: usize },
    /// Text that is not UTF-8 or holds NUL, in a form, query or path.
    #[error("text is not UTF-8 or holds NUL")]
    BadText,
    /// Too many requests from this client (a rate limit).
    #[error("too many requests")]
    TooMany,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<samavvik_store::StoreError> for AppError {
    fn from(e: samavvik_store::StoreError) -> Self {
        samavvik_app::Error::from(e).into()
    }
}

impl From<samavvik_app::Error> for AppError {
    fn from(e: samavvik_app::Error) -> Self {
        match e {
            samavvik_app::Error::NotFound => AppError::NotFound,
            samavvik_app::Error::Unavailable(detail) => AppError::Unavailable(detail),
            samavvik_app::Error::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template: {e}"))
    }
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    title: &'a str,
    paragraphs: Vec<String>,
}

/// Renders the plain error page with a status.
pub fn error_page(status: StatusCode, title: &str, paragraphs: Vec<String>) -> Response {
    let body = crate::views::page("error.html", ErrorPage { title, paragraphs })
        .unwrap_or_else(|_| format!("<!doctype html><html lang=\"nb\"><title>{title}</title><h1>{title}</h1></html>"));
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// The bokmål page for a status that axum or a layer answered on its own
/// (see `router::bokmal_rejections`).
pub fn status_page(status: StatusCode) -> Response {
    let back = "Gå tilbake med nettleserens tilbakeknapp. Det du skrev, ligger der fortsatt.".to_owned();
    let (title, text) = match status.as_u16() {
        400 => (
            "Forespørselen kunne ikke leses",
            "Det som ble sendt, var ikke slik skjemaet sender det, så ingenting er lagret.",
        ),
        404 => (
            "Fant ikke siden",
            "Siden finnes ikke, eller lenken er ikke lenger gyldig. Sjekk at du har kopiert hele lenken.",
        ),
        405 => (
            "Siden kan ikke brukes slik",
            "Denne adressen tar ikke imot en slik forespørsel. Bruk knappene og lenkene på sidene.",
        ),
        408 => (
            "Det tok for lang tid",
            "Forbindelsen var for treg, så forespørselen ble avbrutt og ingenting er lagret.",
        ),
        413 => (
            "Meldingen er for stor",
            "Det du sendte, var større enn det vi tar imot, så ingenting er lagret. Kort ned de lengste tekstfeltene og send igjen.",
        ),
        415 => (
            "Skjemaet kom i feil format",
            "Forespørselen var ikke et vanlig skjema, så ingenting er lagret.",
        ),
        422 => (
            "Skjemaet kunne ikke leses",
            "Noen felt manglet eller hadde feil form, så ingenting er lagret.",
        ),
        429 => (
            "For mange forespørsler",
            "Det er sendt veldig mange forespørsler herfra den siste tiden. Vent noen minutter og prøv igjen.",
        ),
        _ if status.is_server_error() => (
            "Noe gikk galt hos oss",
            "Feilen er logget. Prøv igjen om litt. Hvis det haster, ring mottakeren direkte.",
        ),
        _ => ("Forespørselen ble avvist", "Ingenting er lagret."),
    };
    error_page(status, title, vec![text.to_owned(), back])
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Fant ikke siden",
                vec!["Siden finnes ikke, eller lenken er ikke lenger gyldig. Sjekk at du har kopiert hele lenken.".into()],
            ),
            AppError::PayloadTooLarge { limit } => error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Meldingen er for stor",
                vec![
                    format!("Skjemaet kan være på høyst {} kB. Det du sendte, var større, så meldingen er ikke sendt.", limit / 1024),
                    "Gå tilbake med nettleserens tilbakeknapp. Det du skrev, ligger der fortsatt. Kort ned de lengste tekstfeltene og send igjen.".into(),
                ],
            ),
            AppError::BadText => error_page(
                StatusCode::BAD_REQUEST,
                "Teksten kunne ikke leses",
                vec![
                    "Noe av det som ble sendt, inneholdt tegn vi ikke kan lese (ugyldig tegnkoding eller et nulltegn), så ingenting er lagret.".into(),
                    "Gå tilbake med nettleserens tilbakeknapp, fjern tegn som er limt inn fra andre programmer, og send igjen.".into(),
                ],
            ),
            AppError::TooMany => error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "For mange forespørsler",
                vec!["Det er sendt veldig mange forespørsler herfra den siste tiden. Vent noen minutter og prøv igjen.".into()],
            ),
            AppError::Unavailable(detail) => {
                tracing::error!(error = %detail, "service unavailable");
                error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Tjenesten er midlertidig utilgjengelig",
                    vec!["Vi får ikke kontakt med databasen akkurat nå. Prøv igjen om noen minutter.".into()],
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Noe gikk galt hos oss",
                    vec!["Feilen er logget. Prøv igjen om litt. Hvis det haster, ring mottakeren direkte.".into()],
                )
            }
        }
    }
}
