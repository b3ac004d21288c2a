//! The learning loop in the report (issue 20, points 9 and 11): approved
//! lessons grouped by category («Læringspunkter»), and the counts imported
//! from the spreadsheet kept before Samavvik («fra regneark»).
//!
//! Both are added to a report after it is built and protected
//! ([`add`]): neither is a count of Samavvik's cases, so neither enters the
//! disclosure auditor's equations. A lesson is shown only under a category
//! with at least the threshold's number of cases in the period, so a lesson
//! never points at a small cell. Imported counts were published before
//! (they are shown as they are); the import refuses periods that hold
//! Samavvik's own cases, and no table adds them to Samavvik's counts, so
//! nothing published can be subtracted from them (docs/REPORT.md).

use std::collections::BTreeMap;

use samavvik_core::{Categories, Category, Direction};
use samavvik_store::{ApprovedLesson, CaseStatistics, DimValue, HistoryCount};

use crate::build::Report;
use crate::period::Period;
use crate::table::{Cell, Chart, Row, Table};

/// The id of the lessons table.
pub const LESSONS_ID: &str = "laeringspunkter";
/// The ids of the imported trend tables.
pub const HISTORY_ID: &str = "regneark_retning";
pub const HISTORY_CATEGORY_ID: &str = "regneark_kategori";

/// Cases of `category` in the report's period.
fn category_cases(stats: &CaseStatistics, category: &Category) -> u64 {
    stats
        .dims
        .iter()
        .find(|d| matches!(&d.value, DimValue::Category(c) if c == category))
        .map_or(0, |d| d.cases)
}

/// «Læringspunkter»: approved lessons of the period's cases, a bold row per
/// category (in the category list's order, with its label there) followed
/// by its lessons; only categories with at least `t` cases in the period.
/// `None` when there is none to show.
pub fn lessons_table(
    stats: &CaseStatistics,
    lessons: &[ApprovedLesson],
    t: u64,
    categories: &Categories,
) -> Option<Table> {
    let mut order: Vec<&Category> = categories.all().iter().map(|d| &d.slug).collect();
    for l in lessons {
        if !order.contains(&&l.category) {
            order.push(&l.category);
        }
    }
    let mut rows = Vec::new();
    for category in order {
        let texts: Vec<&str> = lessons
            .iter()
            .filter(|l| &l.category == category)
            .map(|l| l.text.as_str())
            .collect();
        if texts.is_empty() || category_cases(stats, category) < t {
            continue;
        }
        rows.push(Row {
            label: categories.label(category).to_owned(),
            cells: Vec::new(),
            total: true,
        });
        rows.extend(texts.into_iter().map(|text| Row {
            label: text.to_owned(),
            cells: Vec::new(),
            total: false,
        }));
    }
    (!rows.is_empty()).then(|| Table {
        id: LESSONS_ID.into(),
        title: "Læringspunkter".into(),
        row_header: "Kategori og læringspunkt".into(),
        columns: Vec::new(),
        rows,
        note: Some(format!(
            "Læringspunkter som lederne har foreslått for deling og sekretariatet har godkjent, gruppert etter \
             kategori. De vises bare for kategorier med minst {t} saker i perioden, og nevner ingen person, \
             pasient, avdeling eller dato."
        )),
        chart: Chart::None,
    })
}

fn direction_label(d: Direction) -> &'static str {
    match d {
        Direction::KommuneToSiv => "Fra kommune til SiV",
        Direction::SivToKommune => "Fra SiV til kommune",
        Direction::KommuneToKommune => "Fra kommune til kommune",
    }
}

fn period_label(from: samavvik_core::EventMonth, to: samavvik_core::EventMonth) -> String {
    format!("{} (fra regneark)", Period { from, to }.label())
}

/// The imported trend tables for a report ending with `until`: cases per
/// period and direction, and (if the file had them) per category, for
/// every imported period that starts by then. Empty when none.
pub fn history_tables(
    history: &[HistoryCount],
    until: samavvik_core::EventMonth,
    categories: &Categories,
) -> Vec<Table> {
    let rows: Vec<&HistoryCount> = history.iter().filter(|h| h.from <= until).collect();
    let mut periods: Vec<(samavvik_core::EventMonth, samavvik_core::EventMonth)> =
        rows.iter().map(|h| (h.from, h.to)).collect();
    periods.sort();
    periods.dedup();
    if periods.is_empty() {
        return Vec::new();
    }
    let dirs: Vec<Direction> = [
        Direction::KommuneToSiv,
        Direction::SivToKommune,
        Direction::KommuneToKommune,
    ]
    .into_iter()
    .filter(|d| *d != Direction::KommuneToKommune || rows.iter().any(|h| h.direction == *d))
    .collect();
    let total_of = |p: &(samavvik_core::EventMonth, samavvik_core::EventMonth), d: Direction| {
        rows.iter()
            .find(|h| (h.from, h.to) == *p && h.direction == d && h.category.is_none())
            .map(|h| h.cases)
    };
    let by_dir = periods
        .iter()
        .map(|p| {
            let values: Vec<Option<u64>> = dirs.iter().map(|&d| total_of(p, d)).collect();
            let mut cells: Vec<Cell> = values
                .iter()
                .map(|v| v.map_or(Cell::Mark(String::new()), Cell::count))
                .collect();
            cells.push(Cell::count(values.iter().flatten().sum()));
            Row {
                label: period_label(p.0, p.1),
                cells,
                total: false,
            }
        })
        .collect();
    let mut columns: Vec<String> = dirs.iter().map(|&d| direction_label(d).to_owned()).collect();
    columns.push("Totalt".into());
    let note = "Tall fra sekretariatets regneark fra før Samavvik, importert som de ble publisert (ikke \
                prikket på nytt). De er ikke lagt sammen med Samavvik sine egne saker."
        .to_owned();
    let mut out = vec![Table {
        id: HISTORY_ID.into(),
        title: "Antall saker i tidligere perioder, fra regneark".into(),
        row_header: "Periode".into(),
        columns,
        rows: by_dir,
        note: Some(note.clone()),
        chart: Chart::None,
    }];
    // Per category: the directions added up (a case may have several
    // categories, so the column does not add up to the number of cases).
    let mut per_cat: BTreeMap<Category, BTreeMap<usize, u64>> = BTreeMap::new();
    for h in &rows {
        if let Some(c) = &h.category {
            let i = periods.iter().position(|p| *p == (h.from, h.to)).unwrap_or(0);
            *per_cat.entry(c.clone()).or_default().entry(i).or_default() += h.cases;
        }
    }
    if !per_cat.is_empty() {
        out.push(Table {
            id: HISTORY_CATEGORY_ID.into(),
            title: "Saker etter kategori i tidligere perioder, fra regneark".into(),
            row_header: "Kategori".into(),
            columns: periods.iter().map(|p| period_label(p.0, p.1)).collect(),
            rows: per_cat
                .into_iter()
                .map(|(c, by)| Row {
                    label: categories.label(&c).to_owned(),
                    cells: (0..periods.len())
                        .map(|i| by.get(&i).map_or(Cell::Mark(String::new()), |&v| Cell::count(v)))
                        .collect(),
                    total: false,
                })
                .collect(),
            note: Some(format!("{note} En sak kan ha flere kategorier.")),
            chart: Chart::None,
        });
    }
    out
}

/// Adds the imported trend tables right after the volume table and the
/// lessons at the end, with a line in the methods for each. `stats` are
/// the statistics the report was built from; `categories` the directory's
/// category list (labels and order).
pub fn add(
    report: &mut Report,
    stats: &CaseStatistics,
    lessons: &[ApprovedLesson],
    history: &[HistoryCount],
    categories: &Categories,
) {
    let history = history_tables(history, report.period.to, categories);
    if !history.is_empty() {
        let at = report.tables.iter().position(|t| t.id == "volum").map_or(0, |i| i + 1);
        report.tables.splice(at..at, history);
        report.methods.push(
            "Fra regneark: tall for perioder før Samavvik er importert fra sekretariatets regneark \
             (samavvik import history) og vises som de ble publisert den gang, i egne tabeller merket «fra \
             regneark». De telles ikke med i Samavvik sine tall og er ikke en del av prikkingen."
                .into(),
        );
    }
    if let Some(table) = lessons_table(stats, lessons, report.threshold, categories) {
        report.tables.push(table);
        report.methods.push(format!(
            "Læringspunkter: tekster skrevet for deling, godkjent av sekretariatet, fra saker med hendelsesmåned i \
             perioden. De vises bare under kategorier med minst {} saker i perioden.",
            report.threshold
        ));
    }
}

#[cfg(test)]
mod tests;
