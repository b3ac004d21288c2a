//! The `arkivmelding.xml` of an archive package: Noark 5 arkivmelding as
//! eFormidling uses it (namespace [`NAMESPACE`], schema vendored in
//! `crates/samavvik-app/archive/xsd/`, checked by a test with xmllint).
//!
//! One `saksmappe` per case, with the case number as its external key, and
//! one `journalpost` per step (the report, each answer, the closing), each
//! with a `dokumentbeskrivelse` and a `dokumentobjekt` pointing at the
//! step's PDF in the package. Element order follows the schema's sequences.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// The arkivmelding namespace (eFormidling, Noark 5).
pub const NAMESPACE: &str = "http://www.arkivverket.no/standarder/noark5/arkivmelding";

/// The system named in the message and as the external keys' `fagsystem`.
pub const SYSTEM: &str = "Samavvik";

/// One message: the cases of one export, for one organisation.
pub struct Message {
    pub id: String,
    pub at: DateTime<Utc>,
    pub folders: Vec<Folder>,
}

/// A `saksmappe`: one case as the exporting organisation files it.
pub struct Folder {
    pub system_id: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The case number.
    pub external_key: String,
    pub case_date: NaiveDate,
    /// The exporting organisation's unit on the case.
    pub unit_name: String,
    pub registrations: Vec<Registration>,
}

/// Which way a step went, seen from the exporting organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Noark `I`: received from the other party.
    Incoming,
    /// Noark `U`: sent to the other party.
    Outgoing,
    /// Noark `X`: an internal note needing no follow-up (the closing).
    Note,
}

impl Direction {
    fn code(self) -> &'static str {
        match self {
            Direction::Incoming => "I",
            Direction::Outgoing => "U",
            Direction::Note => "X",
        }
    }
}

/// A `journalpost`: one step of the case, with its one document.
pub struct Registration {
    pub system_id: String,
    pub at: DateTime<Utc>,
    pub date: NaiveDate,
    pub title: String,
    pub direction: Direction,
    /// The other party's unit (sender of an incoming, receiver of an outgoing step).
    pub counterpart: Option<String>,
    pub external_key: String,
    pub document: Document,
    /// Files the reporter attached, as documents of their own (vedlegg).
    pub attachments: Vec<Attachment>,
}

/// A file attached to the report, archived as it was stored (metadata
/// removed), in its own format.
pub struct Attachment {
    pub system_id: String,
    pub title: String,
    pub file: String,
    /// The file's format name and MIME type (PDF, PNG, JPEG).
    pub format: &'static str,
    pub mime: &'static str,
    pub sha256: String,
    pub size: usize,
}

/// A `dokumentbeskrivelse` with its `dokumentobjekt`: a PDF in the package.
pub struct Document {
    pub system_id: String,
    pub title: String,
    /// The file's path inside the package.
    pub file: String,
    pub sha256: String,
    pub size: usize,
}

/// The marking's legal basis as Noark skjerming (offentleglova § 13).
const RESTRICTION: &str = "13";
const RESTRICTION_BASIS: &str = "Offl. § 13 jf. hpl. § 21";

/// The whole `arkivmelding.xml`.
pub fn write(message: &Message) -> String {
    let files: usize = message.folders.iter().map(|f| f.registrations.len()).sum();
    let mut x = String::with_capacity(4096);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<arkivmelding xmlns=\"{NAMESPACE}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    );
    el(&mut x, 1, "system", SYSTEM);
    el(&mut x, 1, "meldingId", &message.id);
    el(&mut x, 1, "tidspunkt", &time(message.at));
    el(&mut x, 1, "antallFiler", &files.to_string());
    for f in &message.folders {
        folder(&mut x, f);
    }
    x.push_str("</arkivmelding>\n");
    x
}

fn folder(x: &mut String, f: &Folder) {
    x.push_str("  <mappe xsi:type=\"saksmappe\">\n");
    el(x, 2, "systemID", &f.system_id);
    el(x, 2, "tittel", &f.title);
    el(x, 2, "offentligTittel", &f.title);
    el(x, 2, "opprettetDato", &time(f.created_at));
    el(x, 2, "opprettetAv", SYSTEM);
    if let Some(closed) = f.closed_at {
        el(x, 2, "avsluttetDato", &time(closed));
        el(x, 2, "avsluttetAv", SYSTEM);
    }
    restriction(x, 2);
    external_key(x, 2, &f.external_key);
    for r in &f.registrations {
        registration(x, r);
    }
    el(x, 2, "saksdato", &f.case_date.to_string());
    el(x, 2, "administrativEnhet", &f.unit_name);
    // Noark saksstatus "A": avsluttet (only closed cases are exported).
    el(x, 2, "saksstatus", "A");
    x.push_str("  </mappe>\n");
}

fn registration(x: &mut String, r: &Registration) {
    x.push_str("    <registrering xsi:type=\"journalpost\">\n");
    el(x, 3, "systemID", &r.system_id);
    el(x, 3, "opprettetDato", &time(r.at));
    el(x, 3, "opprettetAv", SYSTEM);
    restriction(x, 3);
    document(x, &r.document);
    for (i, a) in r.attachments.iter().enumerate() {
        attachment(x, a, i + 2);
    }
    el(x, 3, "tittel", &r.title);
    el(x, 3, "offentligTittel", &r.title);
    if let Some(name) = &r.counterpart {
        x.push_str("      <korrespondansepart>\n");
        // Noark korrespondanseparttype: EA avsender, EM mottaker.
        let kind = if r.direction == Direction::Incoming { "EA" } else { "EM" };
        el(x, 4, "korrespondanseparttype", kind);
        el(x, 4, "korrespondansepartNavn", name);
        x.push_str("      </korrespondansepart>\n");
    }
    external_key(x, 3, &r.external_key);
    el(x, 3, "journalposttype", r.direction.code());
    // Noark journalstatus "F": ferdigstilt fra saksbehandler; the records
    // system journalfører it.
    el(x, 3, "journalstatus", "F");
    el(x, 3, "journaldato", &r.date.to_string());
    el(x, 3, "dokumentetsDato", &r.date.to_string());
    match r.direction {
        Direction::Incoming => el(x, 3, "mottattDato", &time(r.at)),
        Direction::Outgoing => el(x, 3, "sendtDato", &time(r.at)),
        Direction::Note => {}
    }
    x.push_str("    </registrering>\n");
}

fn document(x: &mut String, d: &Document) {
    x.push_str("      <dokumentbeskrivelse>\n");
    el(x, 4, "systemID", &d.system_id);
    el(x, 4, "dokumenttype", "Melding");
    el(x, 4, "dokumentstatus", "F");
    el(x, 4, "tittel", &d.title);
    // H: hoveddokument.
    el(x, 4, "tilknyttetRegistreringSom", "H");
    el(x, 4, "dokumentnummer", "1");
    x.push_str("        <dokumentobjekt>\n");
    el(x, 5, "versjonsnummer", "1");
    // A: arkivformat (the PDFs are PDF/A-2b).
    el(x, 5, "variantformat", "A");
    el(x, 5, "format", "PDF/A-2b");
    el(x, 5, "mimeType", "application/pdf");
    el(x, 5, "referanseDokumentfil", &d.file);
    el(x, 5, "sjekksum", &d.sha256);
    el(x, 5, "sjekksumAlgoritme", "SHA-256");
    el(x, 5, "filstoerrelse", &d.size.to_string());
    x.push_str("        </dokumentobjekt>\n");
    x.push_str("      </dokumentbeskrivelse>\n");
}

fn attachment(x: &mut String, a: &Attachment, number: usize) {
    x.push_str("      <dokumentbeskrivelse>\n");
    el(x, 4, "systemID", &a.system_id);
    el(x, 4, "dokumenttype", "Vedlegg");
    el(x, 4, "dokumentstatus", "F");
    el(x, 4, "tittel", &a.title);
    // V: vedlegg (the report's PDF is the hoveddokument, H).
    el(x, 4, "tilknyttetRegistreringSom", "V");
    el(x, 4, "dokumentnummer", &number.to_string());
    x.push_str("        <dokumentobjekt>\n");
    el(x, 5, "versjonsnummer", "1");
    // P: produksjonsformat (kept as the reporter sent it, not converted).
    el(x, 5, "variantformat", "P");
    el(x, 5, "format", a.format);
    el(x, 5, "mimeType", a.mime);
    el(x, 5, "referanseDokumentfil", &a.file);
    el(x, 5, "sjekksum", &a.sha256);
    el(x, 5, "sjekksumAlgoritme", "SHA-256");
    el(x, 5, "filstoerrelse", &a.size.to_string());
    x.push_str("        </dokumentobjekt>\n");
    x.push_str("      </dokumentbeskrivelse>\n");
}

fn restriction(x: &mut String, depth: usize) {
    indent(x, depth);
    x.push_str("<skjerming>\n");
    el(x, depth + 1, "tilgangsrestriksjon", RESTRICTION);
    el(x, depth + 1, "skjermingshjemmel", RESTRICTION_BASIS);
    el(x, depth + 1, "skjermingMetadata", "tittel");
    el(x, depth + 1, "skjermingDokument", "Hele");
    indent(x, depth);
    x.push_str("</skjerming>\n");
}

fn external_key(x: &mut String, depth: usize, key: &str) {
    indent(x, depth);
    x.push_str("<referanseEksternNoekkel>\n");
    el(x, depth + 1, "fagsystem", SYSTEM);
    el(x, depth + 1, "noekkel", key);
    indent(x, depth);
    x.push_str("</referanseEksternNoekkel>\n");
}

fn el(x: &mut String, depth: usize, name: &str, text: &str) {
    indent(x, depth);
    let _ = writeln!(x, "<{name}>{}</{name}>", escape(text));
}

fn indent(x: &mut String, depth: usize) {
    for _ in 0..depth {
        x.push_str("  ");
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text escaped for element content; characters XML 1.0 forbids are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}>"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
