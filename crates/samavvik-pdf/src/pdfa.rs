//! What makes every document PDF/A-2b (ISO 19005-2, level B), the form
//! records systems (Noark 5) accept for long-term keeping: the XMP metadata
//! naming the part and level, an sRGB output intent with its ICC profile
//! embedded (the pages paint in DeviceRGB), and a file identifier in the
//! trailer. The rest of the standard is met by what the writer never does:
//! every font is embedded, and there is no transparency, no encryption, no
//! JavaScript and no external content.
//!
//! Deterministic like the rest: the XMP holds no dates, and the file
//! identifier is a hash of the document's own bytes.

use pdf_writer::types::OutputIntentSubtype;
use pdf_writer::writers::Catalog;
use pdf_writer::{Finish, Pdf, Ref, TextStr};
use sha2::{Digest, Sha256};
use xmp_writer::{LangId, XmpWriter};

/// sRGB IEC61966-2.1 as a compact ICC v4 profile (CC0, see `icc/LICENSE`).
const SRGB: &[u8] = include_bytes!("../icc/sRGB-v4.icc");

/// The producer named in both the document info and the XMP (PDF/A wants
/// the two to agree).
pub(crate) const PRODUCER: &str = "Samavvik";

/// Where the metadata stream and the ICC profile go.
pub(crate) struct Refs {
    pub(crate) metadata: Ref,
    pub(crate) profile: Ref,
}

/// Adds the metadata and the output intent to the catalog.
pub(crate) fn catalog(catalog: &mut Catalog<'_>, refs: &Refs) {
    catalog.metadata(refs.metadata);
    let mut intents = catalog.output_intents();
    intents
        .push()
        .subtype(OutputIntentSubtype::PDFA)
        .output_condition_identifier(TextStr("sRGB IEC61966-2.1"))
        .info(TextStr("sRGB IEC61966-2.1"))
        .dest_output_profile(refs.profile);
    intents.finish();
}

/// Writes the XMP metadata (title and producer as in the document info)
/// and the ICC profile.
pub(crate) fn objects(pdf: &mut Pdf, refs: &Refs, title: &str) {
    let mut xmp = XmpWriter::new();
    xmp.title([(None, title)]);
    xmp.language([LangId("nb")]);
    xmp.format("application/pdf");
    xmp.producer(PRODUCER);
    xmp.pdfa_part(2);
    xmp.pdfa_conformance("B");
    let xmp = xmp.finish(None);
    // Left uncompressed so archive tools can read it without inflating.
    pdf.metadata(refs.metadata, xmp.as_bytes());
    let packed = crate::font::deflate(SRGB);
    let mut profile = pdf.icc_profile(refs.profile, &packed);
    profile.n(3).range([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
    profile.filter(pdf_writer::Filter::FlateDecode);
}

/// Sets the trailer's file identifier from the bytes written so far: the
/// same document gets the same identifier, a different one another.
pub(crate) fn file_id(pdf: &mut Pdf) {
    let digest = Sha256::digest(pdf.as_bytes());
    let id = digest[..16].to_vec();
    pdf.set_file_id((id.clone(), id));
}
