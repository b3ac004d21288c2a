//! An archive package as files: `arkivmelding.xml`, one folder of PDFs per
//! case, and `sjekksummer.sha256` (the `sha256sum` format, so
//! `sha256sum -c sjekksummer.sha256` checks a package on disk). Handed
//! over as a zip download (web) or written to a directory (CLI).

use std::io::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The checksum list's file name.
pub const CHECKSUMS: &str = "sjekksummer.sha256";
/// The arkivmelding's file name.
pub const ARKIVMELDING: &str = "arkivmelding.xml";

/// The files of a package, by path inside it, in the order written.
#[derive(Debug, Default)]
pub struct Package {
    pub files: Vec<(String, Vec<u8>)>,
}

/// A file's SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Package {
    /// The package from the documents and the arkivmelding, with the
    /// checksum list of every other file added last.
    pub fn new(documents: Vec<(String, Vec<u8>)>, arkivmelding: String) -> Self {
        let mut files = documents;
        files.push((ARKIVMELDING.to_owned(), arkivmelding.into_bytes()));
        let list: String = files
            .iter()
            .map(|(path, bytes)| format!("{}  {path}\n", sha256_hex(bytes)))
            .collect();
        files.push((CHECKSUMS.to_owned(), list.into_bytes()));
        Package { files }
    }

    /// The package as one zip file.
    ///
    /// # Errors
    /// When the zip cannot be written (only on a bug: it is written to memory).
    pub fn zip(&self) -> anyhow::Result<Vec<u8>> {
        use zip::write::SimpleFileOptions;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, bytes) in &self.files {
            zip.start_file(path.as_str(), options)?;
            zip.write_all(bytes)?;
        }
        Ok(zip.finish()?.into_inner())
    }

    /// Writes the package under `dir` (created owner-only; files 0600:
    /// the PDFs hold health data).
    ///
    /// # Errors
    /// When a directory or a file cannot be written.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        crate::files::private_dir(dir)?;
        for (path, bytes) in &self.files {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                crate::files::private_dir(parent)?;
            }
            crate::files::write_private(&target, bytes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_file_but_itself_in_sha256sum_format() {
        let p = Package::new(
            vec![("SA-2026-00001/01-melding.pdf".into(), b"pdf".to_vec())],
            "<x/>".into(),
        );
        let (name, list) = p.files.last().unwrap();
        assert_eq!(name, CHECKSUMS);
        let list = String::from_utf8(list.clone()).unwrap();
        assert_eq!(
            list,
            format!(
                "{}  SA-2026-00001/01-melding.pdf\n{}  arkivmelding.xml\n",
                sha256_hex(b"pdf"),
                sha256_hex(b"<x/>")
            )
        );
        let zip = p.zip().unwrap();
        let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 3);
    }
}
