//! Attachments on the case page and `GET /saker/{nr}/vedlegg/{n}`: one
//! file opened on the server and sent as a download to a person who may
//! read the case (audited as a read); anyone else gets 404, audited.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use samavvik_app::cases::{Opened, attachment, authorised_case};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::extract::SignedIn;
use crate::state::AppState;

/// Nothing a browser could run, even if it were opened in place.
const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox";

pub async fn download(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    Path((number, n)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let route = "/saker/{nr}/vedlegg/{n}";
    let (case, side) = authorised_case(&state, &person, &number, route).await?;
    let catalog = state.catalog.current();
    let index = n.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
    let Some(index) = index else {
        return Err(AppError::NotFound);
    };
    let (info, data) = attachment(&state, &catalog, &person, &case, side, index).await?;
    let disposition =
        HeaderValue::from_str(&content_disposition(&info.name)).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(info.media_type.mime())),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOWNLOAD_CSP)),
        ],
        data,
    )
        .into_response())
}

/// `attachment` with an ASCII fallback name and the real one in UTF-8 (RFC 6266).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The case page's list: name, type, size, and whether the file is there
/// (a report whose files were not all stored lists them as missing).
pub fn listing(opened: &Opened) -> Vec<Value> {
    opened
        .report
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "n": i + 1, "name": a.name, "type": a.media_type.label(), "size": samavvik_app::attachments::size_nb(a.bytes),
                "present": i < opened.attachments.len(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn download_names_and_sizes() {
        assert_eq!(
            super::content_disposition("Skade på fot.jpg"),
            "attachment; filename=\"Skade p_ fot.jpg\"; filename*=UTF-8''Skade%20p%C3%A5%20fot.jpg"
        );
        assert_eq!(samavvik_app::attachments::size_nb(1536 * 1024), "1,5 MB");
        assert_eq!(samavvik_app::attachments::size_nb(1000), "1 kB");
    }
}
