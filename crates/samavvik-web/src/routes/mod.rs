//! HTTP handlers, one module per page.

pub mod archive;
pub mod assets;
pub mod attachments;
pub mod audit;
pub mod case_actions;
pub mod case_export;
pub mod case_oversight;
pub mod cases;
pub mod follow_up;
pub mod form;
pub mod form_view;
pub mod fsu;
pub mod health;
pub mod legal_hold;
pub mod lessons;
pub mod list_export;
pub mod notifications;
pub mod oidc;
pub mod reports;
pub mod route_preview;
pub mod sessions;
pub mod sign_in;
pub mod upload;

use axum::http::HeaderMap;

use crate::error::AppError;

/// The value of one cookie from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A urlencoded form body as a map (the last value wins for repeated names).
///
/// # Errors
/// [`AppError::BadText`] when a name or value is not UTF-8 or holds NUL.
pub fn form_pairs(body: &[u8]) -> Result<std::collections::HashMap<String, String>, AppError> {
    Ok(form_list(body)?.into_iter().collect())
}

/// A urlencoded body as its pairs in order, decoded strictly: invalid UTF-8
/// is refused instead of becoming U+FFFD (the text would silently change),
/// and NUL is refused because PostgreSQL cannot store it in text.
///
/// # Errors
/// [`AppError::BadText`] when a name or value is not UTF-8 or holds NUL.
pub fn form_list(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let name = strict_text(parts.next().unwrap_or_default())?;
            let value = strict_text(parts.next().unwrap_or_default())?;
            Ok((name, value))
        })
        .collect()
}

/// One urlencoded component (`+` is a space) as text.
///
/// # Errors
/// [`AppError::BadText`] for invalid UTF-8 or a NUL.
pub fn strict_text(encoded: &[u8]) -> Result<String, AppError> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while let Some(&b) = encoded.get(i) {
        let escaped = (b == b'%')
            .then(|| Some(hex(*encoded.get(i + 1)?)? << 4 | hex(*encoded.get(i + 2)?)?))
            .flatten();
        match (b, escaped) {
            (_, Some(byte)) => {
                bytes.push(byte);
                i += 2;
            }
            (b'+', None) => bytes.push(b' '),
            (b, None) => bytes.push(b),
        }
        i += 1;
    }
    let text = String::from_utf8(bytes).map_err(|_| AppError::BadText)?;
    if text.contains('\0') {
        return Err(AppError::BadText);
    }
    Ok(text)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_decode_strictly() {
        let pairs = form_list(b"a=%C3%A6+%C3%B8&b=%41%2&c").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("a".into(), "æ ø".into()),
                ("b".into(), "A%2".into()),
                ("c".into(), String::new())
            ]
        );
        assert!(
            matches!(form_list(b"a=%FF"), Err(AppError::BadText)),
            "invalid UTF-8 is refused"
        );
        assert!(
            matches!(form_list(b"a=x%00y"), Err(AppError::BadText)),
            "NUL is refused"
        );
        assert!(matches!(form_list(b"a=\xc3"), Err(AppError::BadText)));
    }
}
