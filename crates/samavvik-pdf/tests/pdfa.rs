//! Every PDF is PDF/A-2b: checked by walking the file's own structure
//! (trailer → catalog → output intent → ICC profile; every font → its
//! embedded program) and, independently, with poppler's `pdfinfo` and
//! `pdffonts` as an archive's reception would. veraPDF, the reference
//! validator, is not in the package registries this project can use.

use std::io::Read as _;
use std::process::Command;

use samavvik_pdf::{Block, render};

fn sample() -> Vec<u8> {
    let blocks = vec![
        Block::Title("Avvik SA-2026-00042".into()),
        Block::Field("Status".into(), "Avsluttet".into()),
        Block::Paragraph(
            "Pasienten ble utskrevet uten epikrise → kommunen fikk den dagen etter. Æøå «sitat» – ≥ 3.".into(),
        ),
        Block::Table {
            header: vec!["Måned".into(), "Antall".into()],
            rows: vec![
                (vec!["Januar".into(), "4".into()], false),
                (vec!["Sum".into(), "4".into()], true),
            ],
        },
    ];
    render("Avvik SA-2026-00042", "Fortrolig", "Samavvik", &blocks)
}

/// The file as text, every byte one character (so offsets stay offsets).
fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| if b.is_ascii() { char::from(b) } else { '.' })
        .collect()
}

/// Offsets of the objects by number, from the cross-reference table.
fn xref(pdf: &[u8]) -> Vec<usize> {
    let text = ascii(pdf);
    let start: usize = text
        .rsplit("startxref")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let table = &text[start..];
    let mut lines = table.lines().skip(1);
    let count: usize = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    lines.take(count).map(|l| l[..10].parse().unwrap()).collect()
}

/// The dictionary part of object `n` (up to its stream or its end).
fn dict(pdf: &[u8], offsets: &[usize], n: usize) -> String {
    let text = ascii(&pdf[offsets[n]..]);
    let end = ["\nstream\n", "\nendobj"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap();
    text[..end].to_owned()
}

/// The object number referenced right after `key` ("/Key 12 0 R").
fn reference(dict: &str, key: &str) -> usize {
    let after = &dict[dict.find(key).unwrap_or_else(|| panic!("{key} in {dict}")) + key.len()..];
    after.split_whitespace().next().unwrap().parse().unwrap()
}

/// The (inflated) data of stream object `n`.
fn stream(pdf: &[u8], offsets: &[usize], n: usize) -> Vec<u8> {
    let d = dict(pdf, offsets, n);
    let length: usize = d[d.find("/Length ").unwrap() + 8..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let from = offsets[n] + d.len() + "\nstream\n".len();
    let raw = &pdf[from..from + length];
    if d.contains("/FlateDecode") {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(raw).read_to_end(&mut out).unwrap();
        out
    } else {
        raw.to_vec()
    }
}

#[test]
fn identifies_itself_as_pdfa_2b_with_an_srgb_output_intent() {
    let pdf = sample();
    assert!(
        pdf.starts_with(b"%PDF-1.7\n%\x80\x80\x80\x80"),
        "PDF 1.7 with a binary marker"
    );
    let offsets = xref(&pdf);
    let text = ascii(&pdf);
    let trailer = &text[text.rfind("trailer").unwrap()..];
    assert!(trailer.contains("/ID [<"), "file identifier in the trailer: {trailer}");
    assert!(!text.contains("/Encrypt"), "not encrypted");
    for forbidden in ["/SMask", "/CA ", "/ca ", "/JavaScript", "/Transparency"] {
        assert!(!text.contains(forbidden), "no {forbidden}");
    }

    let catalog = dict(&pdf, &offsets, reference(trailer, "/Root"));
    let xmp = String::from_utf8(stream(&pdf, &offsets, reference(&catalog, "/Metadata"))).unwrap();
    assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"), "{xmp}");
    assert!(xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"), "{xmp}");
    // The document info and the XMP agree (PDF/A 6.6.3).
    assert!(
        xmp.contains("Avvik SA-2026-00042</rdf:li>") && xmp.contains("<pdf:Producer>Samavvik</pdf:Producer>"),
        "{xmp}"
    );
    let info = dict(&pdf, &offsets, reference(trailer, "/Info"));
    assert!(
        info.contains("/Title (Avvik SA-2026-00042)") && info.contains("/Producer (Samavvik)"),
        "{info}"
    );
    assert!(!info.contains("Date"), "no dates: the same blocks give the same bytes");

    assert!(catalog.contains("/S /GTS_PDFA1"), "a PDF/A output intent: {catalog}");
    let profile_ref = reference(&catalog, "/DestOutputProfile");
    assert!(
        dict(&pdf, &offsets, profile_ref).contains("/N 3"),
        "three components (RGB)"
    );
    let icc = stream(&pdf, &offsets, profile_ref);
    assert_eq!(&icc[36..40], b"acsp", "an ICC profile");
    assert_eq!(
        (&icc[12..16], &icc[16..20]),
        (&b"mntr"[..], &b"RGB "[..]),
        "a monitor RGB profile"
    );
    assert_eq!(icc, include_bytes!("../icc/sRGB-v4.icc"), "the vendored sRGB profile");
}

#[test]
fn every_font_is_embedded() {
    let pdf = sample();
    let offsets = xref(&pdf);
    let descriptors: Vec<usize> = (1..offsets.len())
        .filter(|&n| dict(&pdf, &offsets, n).contains("/Type /FontDescriptor"))
        .collect();
    assert_eq!(descriptors.len(), 2, "regular and bold");
    for n in descriptors {
        let program = stream(&pdf, &offsets, reference(&dict(&pdf, &offsets, n), "/FontFile2"));
        assert_eq!(&program[..4], b"\x00\x01\x00\x00", "a TrueType program");
    }
}

#[test]
fn the_same_blocks_give_the_same_bytes_and_id() {
    assert_eq!(sample(), sample());
    let other = render("Annet", "Fortrolig", "Samavvik", &[Block::Paragraph("x".into())]);
    let id = |pdf: &[u8]| {
        let t = ascii(pdf);
        t[t.find("/ID [").unwrap()..].lines().next().unwrap().to_owned()
    };
    assert_ne!(id(&sample()), id(&other), "another document, another identifier");
}

/// Poppler reads the same: the XMP names PDF/A-2B, every font is embedded.
#[test]
fn poppler_sees_pdfa_metadata_and_embedded_fonts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("avvik.pdf");
    std::fs::write(&path, sample()).unwrap();
    let meta = match Command::new("pdfinfo").arg("-meta").arg(&path).output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdfinfo (poppler-utils) is needed: {e}"
            );
            eprintln!("skipped: poppler-utils not installed ({e})");
            return;
        }
    };
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        // name, type ("CID TrueType"), encoding, then emb sub uni.
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            &cols[cols.len() - 5..cols.len() - 2],
            ["yes", "yes", "yes"],
            "embedded subset with ToUnicode: {row}"
        );
    }
}
