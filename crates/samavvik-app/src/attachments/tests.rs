//! Type by content and metadata removal on hand-built files: the segment
//! and chunk structure is what the walkers read, so the fixtures need no
//! real picture.

use super::*;

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
    s.extend_from_slice(body);
    s
}

/// A JPEG with JFIF, EXIF (with a GPS IFD marker and coordinates text),
/// XMP, IPTC, a comment, a scan with stuffed bytes and a restart marker,
/// and data after the end of the image.
pub(crate) fn jpeg_with_metadata() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(segment(
        0xE1,
        b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 59.2681N GPSLongitude 10.4076E",
    ));
    j.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Ola Nordmann</x:xmpmeta>",
    ));
    j.extend(segment(0xED, b"Photoshop 3.0\0IPTC caption"));
    j.extend(segment(0xFE, b"Kommentar: pasient Kari"));
    j.extend(segment(0xDB, &[0u8; 65]));
    j.extend(segment(0xC0, b"\x08\0\x01\0\x01\x01\x01\x11\0"));
    j.extend(segment(0xC4, &[0u8; 20]));
    j.extend(segment(0xDA, b"\x01\x01\0\0\x3f\0"));
    j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j.extend_from_slice(b"trailing GPSLatitude");
    j
}

fn chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(body);
    c.extend_from_slice(&[0, 0, 0, 0]);
    c
}

/// A PNG with tEXt, zTXt, iTXt, eXIf and tIME chunks beside the image.
pub(crate) fn png_with_metadata() -> Vec<u8> {
    let mut p = PNG_SIGNATURE.to_vec();
    p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
    p.extend(chunk(b"tEXt", b"Author\0Ola Nordmann"));
    p.extend(chunk(b"zTXt", b"Comment\0\0xx"));
    p.extend(chunk(b"iTXt", b"Description\0\0\0\0\0GPS 59.26"));
    p.extend(chunk(b"eXIf", b"MM\0*GPSLatitude"));
    p.extend(chunk(b"tIME", &[7, 234, 12, 2, 9, 0, 0]));
    p.extend(chunk(b"IDAT", b"\x78\x9c\x63\x60\x60\x60\0\0\0\x04\0\x01"));
    p.extend(chunk(b"IEND", b""));
    p
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn jpeg_keeps_the_picture_and_loses_exif_xmp_iptc_comments_and_trailing_data() {
    let before = jpeg_with_metadata();
    let (kind, after) = accept(&before).unwrap();
    assert_eq!(kind, MediaType::Jpeg);
    for gone in [
        &b"Exif"[..],
        b"GPSLatitude",
        b"xmpmeta",
        b"IPTC",
        b"Kommentar",
        b"trailing",
    ] {
        assert!(contains(&before, gone));
        assert!(!contains(&after, gone), "{}", String::from_utf8_lossy(gone));
    }
    assert!(contains(&after, b"JFIF"));
    assert!(contains(
        &after,
        &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]
    ));
    assert!(after.starts_with(&[0xFF, 0xD8]) && after.ends_with(&[0xFF, 0xD9]));
}

#[test]
fn png_keeps_the_picture_and_loses_text_exif_and_time_chunks() {
    let before = png_with_metadata();
    let (kind, after) = accept(&before).unwrap();
    assert_eq!(kind, MediaType::Png);
    for gone in [&b"tEXt"[..], b"zTXt", b"iTXt", b"eXIf", b"tIME", b"Nordmann", b"GPS"] {
        assert!(contains(&before, gone));
        assert!(!contains(&after, gone), "{}", String::from_utf8_lossy(gone));
    }
    assert!(
        contains(&after, b"IHDR")
            && contains(&after, b"IDAT")
            && after.ends_with(&[b'I', b'E', b'N', b'D', 0, 0, 0, 0])
    );
}

#[test]
fn type_comes_from_content_not_name() {
    assert_eq!(
        accept(b"MZ\x90\0\x03 this program cannot be run in DOS mode"),
        Err(Refusal::NotAllowed)
    );
    assert_eq!(
        accept(b"<!DOCTYPE html><script>alert(1)</script>"),
        Err(Refusal::NotAllowed)
    );
    assert_eq!(accept(b"%PDF-1.7\n1 0 obj\n"), Err(Refusal::Damaged));
    assert_eq!(accept(b"%PDF-1.7\n%%EOF\n").map(|(k, _)| k), Ok(MediaType::Pdf));
    assert_eq!(accept(b""), Err(Refusal::Empty));
    // Cut short: no end of image.
    let jpeg = jpeg_with_metadata();
    assert_eq!(accept(&jpeg[..jpeg.len() - 30]), Err(Refusal::Damaged));
    let png = png_with_metadata();
    assert_eq!(accept(&png[..png.len() - 5]), Err(Refusal::Damaged));
    assert_eq!(accept(&vec![0xFF; MAX_FILE_BYTES + 1]), Err(Refusal::TooLarge));
}

#[test]
fn check_names_the_file_and_limits_the_count() {
    let up = |name: &str, data: &[u8]| Upload {
        name: name.into(),
        data: data.to_vec(),
    };
    let errors = check(vec![up("rapport.pdf", b"MZ\x90\0"), up("", b"")]).err().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, FIELD);
    assert!(errors[0].message.contains("«rapport.pdf»"), "{}", errors[0].message);
    let six = (0..6).map(|i| up(&format!("{i}.pdf"), b"%PDF-1.4\n%%EOF")).collect();
    assert!(check(six).err().unwrap()[0].message.contains("høyst 5"));
    let ok = check(vec![up("C:\\bilde.jpg", &jpeg_with_metadata()), up("", b"")])
        .ok()
        .unwrap();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].info.name, "bilde.jpg");
    assert_eq!(ok[0].info.bytes, ok[0].data.len() as u64);
    assert_eq!(ok[0].info.sha256, hex::encode(Sha256::digest(&ok[0].data)));
}
