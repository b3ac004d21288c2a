//! `GET /saker/{nr}/pdf`: the whole case as a PDF for the records system
//! (`samavvik_app::export`). Every export is audited.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use samavvik_app::cases::authorised_case;

use crate::error::AppError;
use crate::extract::SignedIn;
use crate::state::AppState;

pub async fn export(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let (case, side) = authorised_case(&state, &person, &number, "/saker/{nr}/pdf").await?;
    let bytes = samavvik_app::export::case_pdf(&state, &person, &case, side).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}.pdf\"", case.number))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}
