//! Files attached to a report (issue 17): what is allowed, the sealed
//! list kept in the report, and the plaintext of one sealed attachment.
//!
//! An attachment is stored as a sealed item of kind [`KIND`] beside the
//! case's notes, so a reroute, the secretariat's help, key rotation and
//! retention treat it exactly like every other sealed document. Its file
//! name, type and size are sealed too: the clear columns only show that a
//! case has items of kind `attachment` (a count).
//!
//! The plaintext is not JSON (a 10 MB file would grow by a third as
//! base64): a magic line, a 4-byte big-endian header length, a JSON header
//! that binds the case number, then the file's bytes.

use serde::{Deserialize, Serialize};

use crate::CaseNumber;
use crate::open_error::OpenError;

/// The stored kind of an attachment's sealed item. Never rename it.
pub const KIND: &str = "attachment";
/// At most this many files per report.
pub const MAX_FILES: usize = 5;
/// At most this many bytes per file (10 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// At most this many characters of a file name are kept.
pub const MAX_NAME_CHARS: usize = 120;
/// The form field the files come in (and whose errors are shown at).
pub const FIELD: &str = "attachments";

const MAGIC: &[u8] = b"samavvik-attachment/1\n";

/// The file types the form accepts, decided from the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
        }
    }

    /// What the type is called in the user interface.
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Png => "PNG-bilde",
            MediaType::Jpeg => "JPEG-bilde",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
        }
    }
}

/// One attachment as listed in the sealed report: enough to show and
/// check it without opening the (large) attachment itself.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// The file name as the reporter's browser sent it, cleaned.
    pub name: String,
    pub media_type: MediaType,
    /// Size after metadata was removed.
    pub bytes: u64,
    /// SHA-256 (hex) of the stored bytes: the download checks it.
    pub sha256: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    case_number: CaseNumber,
    kind: String,
    /// The attachment's place in the report's list (0-based).
    index: u32,
    name: String,
    media_type: MediaType,
}

/// The plaintext of one sealed attachment. No `Debug`: it is content.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedAttachment {
    pub case_number: CaseNumber,
    pub index: u32,
    pub name: String,
    pub media_type: MediaType,
    pub data: Vec<u8>,
}

impl SealedAttachment {
    pub const VERSION: u32 = 1;

    pub fn to_plaintext(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&Header {
            version: Self::VERSION,
            case_number: self.case_number,
            kind: KIND.to_owned(),
            index: self.index,
            name: self.name.clone(),
            media_type: self.media_type,
        })
        .expect("plain struct serialises");
        let len = u32::try_from(header.len()).expect("header is small");
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + self.data.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.data);
        out
    }

    /// Parses a decrypted attachment and checks it belongs to `expected`.
    ///
    /// # Errors
    /// [`OpenError::Malformed`] when `bytes` is not an attachment,
    /// [`OpenError::UnknownVersion`] for a format this version does not
    /// read, [`OpenError::WrongCase`] when it names another case.
    pub fn from_plaintext(bytes: &[u8], expected: CaseNumber) -> Result<Self, OpenError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(OpenError::Malformed)?;
        let (len, rest) = rest.split_first_chunk::<4>().ok_or(OpenError::Malformed)?;
        let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| OpenError::Malformed)?;
        if rest.len() < len {
            return Err(OpenError::Malformed);
        }
        let (header, data) = rest.split_at(len);
        let header: Header = serde_json::from_slice(header).map_err(|_| OpenError::Malformed)?;
        if header.version != Self::VERSION {
            return Err(OpenError::UnknownVersion(header.version));
        }
        if header.kind != KIND {
            return Err(OpenError::Malformed);
        }
        if header.case_number != expected {
            return Err(OpenError::WrongCase);
        }
        Ok(Self {
            case_number: header.case_number,
            index: header.index,
            name: header.name,
            media_type: header.media_type,
            data: data.to_vec(),
        })
    }
}

/// A file name fit to show and to send back in a download: the last path
/// part only, control characters and quotes dropped, at most
/// [`MAX_NAME_CHARS`] characters; "vedlegg" when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '"' | '<' | '>' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "vedlegg".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binds_the_case() {
        let a = CaseNumber::new(2026, 1).unwrap();
        let b = CaseNumber::new(2026, 2).unwrap();
        let att = SealedAttachment {
            case_number: a,
            index: 2,
            name: "bilde.jpg".into(),
            media_type: MediaType::Jpeg,
            data: vec![0xff, 0xd8, 0xff, 0, 1, 2],
        };
        let plain = att.to_plaintext();
        assert!(SealedAttachment::from_plaintext(&plain, a).ok() == Some(att));
        assert!(matches!(
            SealedAttachment::from_plaintext(&plain, b),
            Err(OpenError::WrongCase)
        ));
        assert!(matches!(
            SealedAttachment::from_plaintext(b"{\"version\":1}", a),
            Err(OpenError::Malformed)
        ));
        assert!(matches!(
            SealedAttachment::from_plaintext(&plain[..MAGIC.len() + 6], a),
            Err(OpenError::Malformed)
        ));
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\x\\skade.jpg"), "skade.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_name("   "), "vedlegg");
        assert_eq!(clean_name(".hidden"), "hidden");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), MAX_NAME_CHARS);
    }
}
