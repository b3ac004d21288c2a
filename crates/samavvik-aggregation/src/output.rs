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
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, bytes).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}
