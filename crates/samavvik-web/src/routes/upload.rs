//! The report form sent as `multipart/form-data` (the form's encoding
//! since it takes attachments; a urlencoded body is still read, for
//! clients that send no files). Parsed with `multer`, the parser axum's
//! own `Multipart` uses, over a body already read within its limit.

use axum::body::Bytes;
use samavvik_app::attachments::Upload;
use samavvik_core::attachment::FIELD;

use crate::error::AppError;

/// The text fields in order, and the files sent in the attachments field.
pub struct Parsed {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

/// The multipart boundary of a `multipart/form-data` request, if it is one.
pub fn boundary(headers: &axum::http::HeaderMap) -> Option<String> {
    let ct = headers.get(axum::http::header::CONTENT_TYPE)?.to_str().ok()?;
    ct.trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
        .then(|| multer::parse_boundary(ct).ok())
        .flatten()
}

/// Splits a multipart body into text fields and files. Text is held to
/// the same rules as a urlencoded body (UTF-8, no NUL).
///
/// # Errors
/// [`AppError::BadText`] for a body that is not well-formed multipart or
/// text that is not UTF-8 or holds NUL.
pub async fn parse(body: Bytes, boundary: String) -> Result<Parsed, AppError> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parsed = Parsed {
        pairs: Vec::new(),
        files: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::BadText)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let data = field.bytes().await.map_err(|_| AppError::BadText)?;
        match file_name {
            Some(file_name) if name == FIELD => parsed.files.push(Upload {
                name: file_name,
                data: data.to_vec(),
            }),
            // A file under any other name is not ours to keep.
            Some(_) => {}
            None => {
                let value = String::from_utf8(data.to_vec()).map_err(|_| AppError::BadText)?;
                if value.contains('\0') || name.contains('\0') {
                    return Err(AppError::BadText);
                }
                parsed.pairs.push((name, value));
            }
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn text_and_files_are_split() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nHei på deg\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.pdf\"\r\nContent-Type: image/png\r\n\r\n%PDF-1.4\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n\
            --XyZ--\r\n";
        let parsed = super::parse(body.into(), "XyZ".into()).await.ok().unwrap();
        assert_eq!(parsed.pairs, vec![("description".to_owned(), "Hei på deg".to_owned())]);
        assert_eq!(parsed.files.len(), 2);
        assert_eq!(parsed.files[0].name, "a.pdf");
        assert_eq!(parsed.files[0].data, b"%PDF-1.4");
        assert!(parsed.files[1].data.is_empty());
        let nul = "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\na\0b\r\n--XyZ--\r\n";
        assert!(super::parse(nul.into(), "XyZ".into()).await.is_err());
    }
}
