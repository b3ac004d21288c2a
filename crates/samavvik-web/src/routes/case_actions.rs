//! `POST /saker/{nr}`: one action on a case (`samavvik_app::handling`).
//! A refused action shows the case page again with what was typed.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use samavvik_app::cases::authorised_case;
use samavvik_app::handling::{Acted, Refusal, act as handle};

use super::cases::render_case;
use crate::error::AppError;
use crate::extract::{CsrfForm, SignedIn};
use crate::state::AppState;

pub async fn act(
    State(state): State<AppState>,
    SignedIn(person): SignedIn,
    headers: HeaderMap,
    Path(number): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let (case, side) = authorised_case(&state, &person, &number, "POST /saker/{nr}").await?;
    if !form.csrf_ok {
        let errors = vec![(
            "handling".to_owned(),
            "Av sikkerhetshensyn må du sende skjemaet på nytt. Det du skrev, er tatt vare på.".to_owned(),
        )];
        return render_case(
            &state,
            &headers,
            &person,
            &case,
            side,
            &errors,
            &form.fields,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    match handle(&state, &person, &case, side, &form.fields).await? {
        Acted::Done { anchor } => Ok(Redirect::to(&format!("/saker/{}{anchor}", case.number)).into_response()),
        Acted::Refused { refusal, errors, case } => {
            let status = match refusal {
                Refusal::Forbidden => StatusCode::FORBIDDEN,
                Refusal::Conflict => StatusCode::CONFLICT,
                Refusal::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render_case(&state, &headers, &person, &case, side, &errors, &form.fields, status).await
        }
    }
}
