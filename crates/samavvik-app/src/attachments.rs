//! Files attached to a report (issue 17): the type decided by content,
//! image metadata removed, each file checked before anything is sealed.
//!
//! The type is read from the first bytes (PDF, PNG and JPEG each have a
//! fixed signature), never from the file name or the browser's
//! Content-Type. Images are not decoded or re-encoded: their segments
//! (JPEG) and chunks (PNG) are walked and only those needed to show the
//! picture are kept, an allow-list, so EXIF (with GPS), XMP, IPTC,
//! comments, text chunks, and anything hidden after the image's end are
//! dropped, whatever new kind of metadata a camera invents. Three
//! signatures and two container walks are short enough to read whole, so
//! no crate is pulled in for them. The EXIF orientation goes too: a
//! photo taken sideways may be shown sideways (docs/SECURITY.md).

use samavvik_core::attachment::{AttachmentInfo, FIELD, MAX_FILE_BYTES, MAX_FILES, MediaType, clean_name};
use samavvik_core::report::FieldError;
use sha2::{Digest, Sha256};

/// A file as it came from the form.
pub struct Upload {
    /// The file name the browser sent (only ever shown back, cleaned).
    pub name: String,
    pub data: Vec<u8>,
}

/// A file that passed: its sealed listing and the bytes to seal (metadata removed).
pub struct Accepted {
    pub info: AttachmentInfo,
    pub data: Vec<u8>,
}

/// Why one file was refused (for messages; no content).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    TooMany(usize),
    TooLarge,
    Empty,
    NotAllowed,
    Damaged,
}

const CHOOSE_AGAIN: &str = "Velg filene på nytt før du sender (nettleseren kan ikke fylle dem inn igjen).";

impl Refusal {
    /// The bokmål message, naming the file.
    pub fn message(&self, name: &str) -> String {
        let mb = MAX_FILE_BYTES / (1024 * 1024);
        match self {
            Refusal::TooMany(n) => {
                format!("Du kan legge ved høyst {MAX_FILES} filer, men valgte {n}. {CHOOSE_AGAIN}")
            }
            Refusal::TooLarge => format!("«{name}» er større enn {mb} MB. Velg en mindre fil. {CHOOSE_AGAIN}"),
            Refusal::Empty => format!("«{name}» er tom. {CHOOSE_AGAIN}"),
            Refusal::NotAllowed => format!(
                "«{name}» er ikke en PDF-, PNG- eller JPEG-fil (Samavvik ser på innholdet, ikke på filnavnet). {CHOOSE_AGAIN}"
            ),
            Refusal::Damaged => format!("«{name}» ser ut som et bilde, men filen er skadet. {CHOOSE_AGAIN}"),
        }
    }
}

/// Checks every file, removes image metadata, and lists them. Parts
/// without a name and without bytes (an empty file input) are skipped.
///
/// # Errors
/// One [`FieldError`] at the attachments field per refused file (or one
/// for too many files); nothing is accepted then.
pub fn check(uploads: Vec<Upload>) -> Result<Vec<Accepted>, Vec<FieldError>> {
    let uploads: Vec<Upload> = uploads
        .into_iter()
        .filter(|u| !(u.name.is_empty() && u.data.is_empty()))
        .collect();
    let refuse = |r: Refusal, name: &str| FieldError {
        field: FIELD,
        message: r.message(name),
    };
    if uploads.len() > MAX_FILES {
        return Err(vec![refuse(Refusal::TooMany(uploads.len()), "")]);
    }
    let mut accepted = Vec::new();
    let mut errors = Vec::new();
    for upload in uploads {
        let name = clean_name(&upload.name);
        match accept(&upload.data) {
            Ok((media_type, data)) => accepted.push(Accepted {
                info: AttachmentInfo {
                    sha256: hex::encode(Sha256::digest(&data)),
                    bytes: data.len() as u64,
                    name,
                    media_type,
                },
                data,
            }),
            Err(r) => errors.push(refuse(r, &name)),
        }
    }
    if errors.is_empty() { Ok(accepted) } else { Err(errors) }
}

/// One file's type by content and its bytes to keep.
///
/// # Errors
/// Why the file is refused.
pub fn accept(data: &[u8]) -> Result<(MediaType, Vec<u8>), Refusal> {
    if data.is_empty() {
        return Err(Refusal::Empty);
    }
    if data.len() > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge);
    }
    match sniff(data) {
        Some(MediaType::Pdf) if is_whole_pdf(data) => Ok((MediaType::Pdf, data.to_vec())),
        Some(MediaType::Pdf) => Err(Refusal::Damaged),
        Some(MediaType::Png) => strip_png(data).map(|d| (MediaType::Png, d)).ok_or(Refusal::Damaged),
        Some(MediaType::Jpeg) => strip_jpeg(data).map(|d| (MediaType::Jpeg, d)).ok_or(Refusal::Damaged),
        None => Err(Refusal::NotAllowed),
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The type from the file's signature, if it is one of ours.
pub fn sniff(data: &[u8]) -> Option<MediaType> {
    if data.starts_with(b"%PDF-") {
        Some(MediaType::Pdf)
    } else if data.starts_with(PNG_SIGNATURE) {
        Some(MediaType::Png)
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else {
        None
    }
}

/// A PDF ends with `%%EOF` (give or take trailing whitespace): a file cut
/// short in the upload, or something else with a PDF header, does not.
fn is_whole_pdf(data: &[u8]) -> bool {
    let tail = &data[data.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

/// The PNG with only the chunks needed to show it; `None` when the chunk
/// structure is broken or it does not start with IHDR and end with IEND.
pub fn strip_png(data: &[u8]) -> Option<Vec<u8>> {
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"bKGD", b"pHYs",
        b"hIST", b"acTL", b"fcTL", b"fdAT",
    ];
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let head = data.get(i..i + 8)?;
        let len = usize::try_from(u32::from_be_bytes(head[..4].try_into().ok()?)).ok()?;
        let kind: &[u8; 4] = head[4..8].try_into().ok()?;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = data.get(i..end)?;
        if first && kind != b"IHDR" {
            return None;
        }
        first = false;
        if KEEP.contains(&kind) {
            out.extend_from_slice(chunk);
        }
        i = end;
        if kind == b"IEND" {
            // Anything after IEND is dropped.
            return Some(out);
        }
    }
}

/// The JPEG with only the segments needed to show it; `None` when the
/// segment structure is broken or it never reaches the end of the image.
pub fn strip_jpeg(data: &[u8]) -> Option<Vec<u8>> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut scanned = false;
    loop {
        if *data.get(i)? != 0xFF {
            return None;
        }
        while *data.get(i)? == 0xFF {
            i += 1;
        }
        let marker = data[i];
        i += 1;
        match marker {
            // End of image: anything after it (a second picture, appended
            // data) is dropped.
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return scanned.then_some(out);
            }
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]),
            _ => {
                let len = usize::from(u16::from_be_bytes(data.get(i..i + 2)?.try_into().ok()?));
                if len < 2 {
                    return None;
                }
                let segment = data.get(i..i + len)?;
                let body = &segment[2..];
                let keep = match marker {
                    // JFIF header, colour profile, Adobe colour transform.
                    0xE0 => body.starts_with(b"JFIF\0") || body.starts_with(b"JFXX\0"),
                    0xE2 => body.starts_with(b"ICC_PROFILE\0"),
                    0xEE => body.starts_with(b"Adobe"),
                    // Every other application segment (APP1 EXIF/XMP, APP13
                    // IPTC, ...) and comments (COM).
                    0xE0..=0xEF | 0xFE => false,
                    // Tables, frame and scan headers, restart interval.
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&[0xFF, marker]);
                    out.extend_from_slice(segment);
                }
                i += len;
                if marker == 0xDA {
                    scanned = true;
                    // Entropy-coded data runs to the next marker that is
                    // not a stuffed 0x00 or a restart marker.
                    let start = i;
                    loop {
                        let ff = i + data.get(i..)?.iter().position(|&b| b == 0xFF)?;
                        let next = *data.get(ff + 1)?;
                        if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                            i = ff + 2;
                        } else {
                            i = ff;
                            break;
                        }
                    }
                    out.extend_from_slice(&data[start..i]);
                }
            }
        }
    }
}

/// A file size as people read it, in bokmål ("1,2 MB", "340 kB").
pub fn size_nb(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        // Tenths of a megabyte, rounded, without floating point.
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        format!("{},{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} kB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests;
