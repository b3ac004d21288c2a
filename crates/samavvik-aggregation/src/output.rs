//! Writing a report's files into a directory.

use std::path::{Path, PathBuf};

use crate::build::Report;
use crate::render;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Csv,
    Xlsx,
    Pdf,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("ukjent format «{0}»: bruk html, pdf, json, csv eller xlsx")]
    UnknownFormat(String),
    #[error("kan ikke skrive {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl Format {
    /// A comma-separated list, e.g. "html,json,csv". Case and spaces do
    /// not matter; empty items and repeats are skipped.
    ///
    /// # Errors
    ///
    /// [`OutputError::UnknownFormat`] with the first item that is not one
    /// of html, pdf, json, csv or xlsx.
    pub fn parse_list(text: &str) -> Result<Vec<Format>, OutputError> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let f = match part.to_ascii_lowercase().as_str() {
                "html" => Format::Html,
                "json" => Format::Json,
                "csv" => Format::Csv,
                "xlsx" => Format::Xlsx,
                "pdf" => Format::Pdf,
                _ => return Err(OutputError::UnknownFormat(part.to_owned())),
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }
}

/// The files of `report` in `formats`, as (relative file name, bytes).
/// File names start with `samhandlingsavvik-<period>`. CSV is a folder:
/// each table for Excel with Norwegian settings (`<id>.csv`), for scripts
/// (`maskinlesbar/<id>.csv`), and a LESMEG.txt saying which is which.
pub fn files(report: &Report, formats: &[Format]) -> Vec<(String, Vec<u8>)> {
    let base = format!("samhandlingsavvik-{}", report.period.slug);
    let mut out = Vec::new();
    for f in formats {
        match f {
            Format::Html => out.push((format!("{base}.html"), render::html::render(report).into_bytes())),
            Format::Json => out.push((format!("{base}.json"), render::json(report).into_bytes())),
            Format::Pdf => out.push((format!("{base}.pdf"), render::pdf::render(report))),
            Format::Xlsx => out.push((
                format!("{base}.xlsx"),
                render::xlsx::render(report).expect("table ids are valid, unique sheet names"),
            )),
            Format::Csv => {
                // Two forms of each table; LESMEG.txt says which is which.
                out.push((
                    format!("{base}-csv/LESMEG.txt"),
                    render::csv::readme(report).into_bytes(),
                ));
                for t in &report.tables {
                    let (name, text) = render::csv::excel(report, t);
                    out.push((format!("{base}-csv/{name}"), text.into_bytes()));
                }
                for t in &report.tables {
                    let (name, text) = render::csv::table(t);
                    out.push((format!("{base}-csv/maskinlesbar/{name}"), text.into_bytes()));
                }
            }
        }
    }
    out
}

/// Writes the files under `dir` and returns their paths.
///
/// # Errors
///
/// [`OutputError::Io`], naming the file, when a folder cannot be created
/// or a file cannot be written (no space, no permission). Files written
/// before the failure are left in place.
pub fn write(report: &Report, formats: &[Format], dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut written = Vec::new();
    for (name, bytes) in files(report, formats) {
        let path = dir.join(&name);
        let io = |source| OutputError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            private_dirs(parent).map_err(io)?;
        }
        write_private(&path, &bytes).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

/// Creates `dir` and any missing parents; folders this creates are 0700
/// (an existing folder keeps its mode: it is the operator's).
fn private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        // The umask only removes bits, so 0700 stays 0700 under any
        // usual umask (022, 027, 077).
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path` with mode 0600, set again after opening so an
/// older, looser file from an earlier run does not keep its mode.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    // Tests may unwrap: a panic is the failure report.
    #![allow(clippy::unwrap_used)]

    use super::{Format, write};
    use crate::{Names, Params, Period, build};

    /// Under the default umask (022) `fs::write` gives 0644 and
    /// `create_dir_all` 0755; report exports are owner-only.
    #[cfg(unix)]
    #[test]
    fn exports_and_the_folders_made_for_them_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = std::env::temp_dir().join(format!("samavvik-output-modes-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let params = Params {
            period: Period::parse("2026").unwrap(),
            threshold: 5,
            cutoff: None,
            names: Names::default(),
        };
        let report = build(&samavvik_store::CaseStatistics::default(), &params);
        let dir = root.join("ut");
        // A file left by an earlier run with a loose mode is tightened.
        let first = write(&report, &[Format::Json], &dir).unwrap();
        std::fs::set_permissions(&first[0], std::fs::Permissions::from_mode(0o644)).unwrap();
        let written = write(&report, &[Format::Json, Format::Csv], &dir).unwrap();
        assert!(
            written
                .iter()
                .any(|p| p.components().count() > dir.components().count() + 1)
        );
        for path in &written {
            assert_eq!(mode(path), 0o600, "{}", path.display());
            let mut folder = path.parent().unwrap();
            while folder != root {
                assert_eq!(mode(folder), 0o700, "{}", folder.display());
                folder = folder.parent().unwrap();
            }
        }
        assert_eq!(mode(&root), 0o755, "an existing folder is the operator's");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
