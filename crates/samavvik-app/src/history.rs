//! `samavvik import history --csv FILE` (issue 20, point 11): aggregate
//! counts of earlier years from the secretariat's spreadsheet, so the
//! report's trend starts before Samavvik. No case rows: one count per
//! period × direction × category. The file is checked whole first; a
//! malformed line, a repeated or overlapping period, a period already
//! imported or one holding Samavvik's own cases refuses the whole file
//! with line numbers, and nothing is imported. The format is documented in
//! docs/REPORT.md, with an example in deploy/history.example.csv.

use chrono::{DateTime, Utc};
use samavvik_aggregation::Period;
use samavvik_core::AuditAction;
use samavvik_core::{Category, Direction};
use samavvik_store::{AnyStore, AuditEntry, HandlingStore, HistoryCount, LearningStore};

use crate::error::Error;

/// The header the file must start with (after an optional byte order mark).
pub const HEADER: &str = "periode;retning;kategori;antall";

/// A data line: where it was, and what it says.
struct Line {
    no: usize,
    period: Period,
    count: HistoryCount,
}

fn parse_line(no: usize, line: &str, problems: &mut Vec<String>) -> Option<Line> {
    let fields: Vec<&str> = line.split(';').map(str::trim).collect();
    if fields.len() != 4 {
        problems.push(format!(
            "Linje {no}: forventet 4 felt skilt med semikolon (periode;retning;kategori;antall), fant {}.",
            fields.len()
        ));
        return None;
    }
    let before = problems.len();
    let period = Period::parse(fields[0]).ok();
    if period.is_none() {
        problems.push(format!(
            "Linje {no}: ukjent periode «{}» (bruk ÅÅÅÅ, ÅÅÅÅ-H1 eller ÅÅÅÅ-H2).",
            fields[0]
        ));
    }
    let direction = Direction::from_slug(fields[1]);
    if direction.is_none() {
        problems.push(format!(
            "Linje {no}: ukjent retning «{}» (bruk kommune-til-siv, siv-til-kommune eller kommune-til-kommune).",
            fields[1]
        ));
    }
    let category = match fields[2] {
        "alle" => Some(None),
        slug => Category::from_slug(slug).map(Some),
    };
    if category.is_none() {
        problems.push(format!(
            "Linje {no}: ukjent kategori «{}» (bruk «alle» eller en kategori fra listen i docs/REPORT.md).",
            fields[2]
        ));
    }
    let cases = fields[3].parse::<u64>().ok();
    if cases.is_none() {
        problems.push(format!(
            "Linje {no}: antall «{}» er ikke et helt tall (0 eller mer).",
            fields[3]
        ));
    }
    if problems.len() > before {
        return None;
    }
    let (period, direction, category, cases) = (period?, direction?, category?, cases?);
    Some(Line {
        no,
        period,
        count: HistoryCount {
            from: period.from,
            to: period.to,
            direction,
            category,
            cases,
        },
    })
}

fn overlaps(a: (samavvik_core::EventMonth, samavvik_core::EventMonth), b: Period) -> bool {
    a.0 <= b.to && b.from <= a.1
}

/// Parses and checks the file on its own (format, repeats, overlapping
/// periods, a missing «alle» row): the rows, or every problem found.
///
/// # Errors
/// The problems, in bokmål, each with its line number.
pub fn parse(text: &str) -> Result<Vec<HistoryCount>, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    match lines.next() {
        Some((_, h)) if h.trim().eq_ignore_ascii_case(HEADER) => {}
        _ => return Err(vec![format!("Linje 1: første linje må være «{HEADER}».")]),
    }
    let mut rows: Vec<Line> = Vec::new();
    for (no, line) in lines {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some(row) = parse_line(no, line, &mut problems) else {
            continue;
        };
        for other in &rows {
            let c = &other.count;
            if other.period == row.period && c.direction == row.count.direction && c.category == row.count.category {
                problems.push(format!("Linje {no}: gjentar linje {}.", other.no));
            } else if other.period != row.period && overlaps((c.from, c.to), row.period) {
                problems.push(format!(
                    "Linje {no}: perioden {} overlapper perioden {} på linje {}.",
                    row.period.label(),
                    other.period.label(),
                    other.no
                ));
            }
        }
        rows.push(row);
    }
    for row in rows.iter().filter(|r| r.count.category.is_some()) {
        let has_all = rows
            .iter()
            .any(|o| o.period == row.period && o.count.direction == row.count.direction && o.count.category.is_none());
        if !has_all {
            problems.push(format!(
                "Linje {}: mangler en linje med kategori «alle» (antall saker) for {} og samme retning.",
                row.no,
                row.period.label()
            ));
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push("Filen har ingen linjer med tall.".into());
    }
    if problems.is_empty() {
        Ok(rows.into_iter().map(|r| r.count).collect())
    } else {
        Err(problems)
    }
}

/// Checks `text` (the file `source`) whole, against what is imported and
/// Samavvik's own cases, and imports it in one transaction. Returns how
/// many counts were imported, or the problems (nothing imported).
///
/// # Errors
/// When the store fails (then nothing is imported either).
pub async fn import(
    store: &AnyStore,
    text: &str,
    source: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Result<usize, Vec<String>>, Error> {
    let outcome = check_and_store(store, text, source, now).await?;
    // Who imported what: the periods and how many counts, never the counts;
    // a refused file is audited too.
    let detail = match &outcome {
        Ok((periods, n)) => format!("periods {}; {n} rows from {source}", periods.join(",")),
        Err(problems) => format!("refused: {} problem(s) in {source}; nothing imported", problems.len()),
    };
    store
        .append_audit(&AuditEntry {
            at: now,
            actor: actor.to_owned(),
            action: AuditAction::HistoryImported.as_str().into(),
            case_number: None,
            unit: None,
            detail,
        })
        .await?;
    Ok(outcome.map(|(_, n)| n))
}

/// [`import`] without the audit row: the periods imported and how many counts.
async fn check_and_store(
    store: &AnyStore,
    text: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Result<(Vec<String>, usize), Vec<String>>, Error> {
    let rows = match parse(text) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems)),
    };
    let existing = store.history_counts().await?;
    let mut problems = Vec::new();
    let mut seen: Vec<Period> = Vec::new();
    for r in &rows {
        let period = Period { from: r.from, to: r.to };
        if seen.contains(&period) {
            continue;
        }
        seen.push(period);
        if let Some(e) = existing.iter().find(|e| overlaps((e.from, e.to), period)) {
            problems.push(format!(
                "Perioden {} er allerede importert (overlapper {}).",
                period.label(),
                Period { from: e.from, to: e.to }.label()
            ));
        }
        let own = store.cases_in_months(period.from, period.to).await?;
        if own > 0 {
            problems.push(format!(
                "Perioden {} har allerede saker i Samavvik; tallene for den kommer fra Samavvik.",
                period.label()
            ));
        }
    }
    if !problems.is_empty() {
        // The line numbers of the periods refused.
        let lines = line_numbers(text, &problems);
        return Ok(Err(lines));
    }
    store.import_history(&rows, source, now).await?;
    Ok(Ok((seen.iter().map(|p| p.slug()).collect(), rows.len())))
}

/// Prefixes each problem about a period with the lines of that period.
fn line_numbers(text: &str, problems: &[String]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            let lines: Vec<String> = text
                .lines()
                .enumerate()
                .skip(1)
                .filter_map(|(i, l)| {
                    let period = Period::parse(l.split(';').next()?.trim()).ok()?;
                    p.contains(&format!("Perioden {} ", period.label()))
                        .then(|| (i + 1).to_string())
                })
                .collect();
            if lines.is_empty() {
                p.clone()
            } else {
                format!("Linje {}: {p}", lines.join(", "))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_parses() {
        let text = "\u{feff}periode;retning;kategori;antall\r\n2024;kommune-til-siv;alle;40\r\n\
                    2024;siv-til-kommune;alle;3\r\n2024;siv-til-kommune;epikrise;2\r\n# comment\r\n\r\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].category, Some(Category::from_static("epikrise")));
        assert_eq!(rows[1].cases, 3);
    }

    #[test]
    fn problems_name_their_lines() {
        let text = "periode;retning;kategori;antall\n2024;kommune-til-siv;alle;40\n2024;kommune-til-siv;alle;41\n\
                    2024-H1;siv-til-kommune;alle;3\n2023;x;alle;1\n2022;siv-til-kommune;epikrise;-1\n\
                    2021;siv-til-kommune;epikrise;2\n2020;kommune-til-siv\n";
        let p = parse(text).unwrap_err();
        let joined = p.join("\n");
        for want in [
            "Linje 3: gjentar linje 2.",
            "Linje 4: perioden 1. halvår 2024 overlapper perioden 2024 på linje 2.",
            "Linje 5: ukjent retning «x»",
            "Linje 6: antall «-1»",
            "Linje 7: mangler en linje med kategori «alle»",
            "Linje 8: forventet 4 felt",
        ] {
            assert!(joined.contains(want), "{want} in {joined}");
        }
        assert!(parse("periode,retning,kategori,antall\n").unwrap_err()[0].starts_with("Linje 1"));
        assert!(parse(&format!("{HEADER}\n")).is_err());
    }
}
