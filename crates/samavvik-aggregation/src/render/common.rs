//! What every format says the same way: the legend of the markers, the key
//! figures, whether the period is complete in the data, and each chart's
//! items (month labels, hidden and provisional values).

use chrono::NaiveDate;
use samavvik_core::deadline::format_date_nb;

use crate::build::Report;
use crate::period::Period;
use crate::table::{Cell, Chart, Table};

/// The markers and what they mean, for the top of every format.
pub fn legend(r: &Report) -> Vec<(String, String)> {
    let t = r.threshold;
    vec![
        (
            format!("<{t}"),
            format!(
                "1–{} saker. Små tall er skjult så ingen enkeltsak kan kjennes igjen (primær prikking).",
                t.saturating_sub(1)
            ),
        ),
        (
            "x".into(),
            "Skjult fordi tallet ellers kunne regnes ut av totalene og de andre cellene (sekundær prikking). \
             Det skjulte tallet kan være stort eller lite."
                .into(),
        ),
        (
            "–".into(),
            format!("For få saker (under {t}) til å regne ut en andel, median eller persentil."),
        ),
        ("0".into(), "Ingen saker.".into()),
    ]
}

/// The legend on one line, for CSV and spreadsheet headers.
pub fn legend_line(r: &Report) -> String {
    legend(r)
        .iter()
        .map(|(m, text)| format!("{m} = {text}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Periode: 2026 (hendelsesmåned 2026-01–2026-12)".
pub fn period_line(r: &Report) -> String {
    format!("{} (hendelsesmåned {}–{})", r.period.label, r.period.from, r.period.to)
}

/// The figures shown in boxes at the top: cases, open and overdue at the
/// period's end (from the last row of the open/overdue table).
pub fn key_figures(r: &Report) -> Vec<(String, String)> {
    let open = r
        .tables
        .iter()
        .find(|t| t.id == "apne-forfalte")
        .and_then(|t| t.rows.iter().rev().find(|row| row.total).or(t.rows.last()))
        .map(|row| {
            (
                row.cells.first().map(Cell::text).unwrap_or_default(),
                row.cells.get(1).map(Cell::text).unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    vec![
        ("Saker i perioden".into(), r.total_cases.text()),
        ("Åpne ved periodeslutt".into(), open.0),
        ("Forfalte ved periodeslutt".into(), open.1),
    ]
}

/// The period's last day.
fn last_day(r: &Report) -> NaiveDate {
    Period {
        from: r.period.from,
        to: r.period.to,
    }
    .end()
    .date_naive()
    .pred_opt()
    .expect("a period ends after 2000-01-01")
}

/// The data's cut-off when it falls before the period's last day: the
/// period is not complete in the data and its figures are provisional.
pub fn incomplete_until(r: &Report) -> Option<NaiveDate> {
    let cutoff = NaiveDate::parse_from_str(r.data_cutoff.as_deref()?, "%Y-%m-%d").ok()?;
    (cutoff < last_day(r)).then_some(cutoff)
}

/// The warning on the title page of a provisional report.
pub fn incomplete_notice(r: &Report) -> Option<String> {
    let cutoff = incomplete_until(r)?;
    Some(format!(
        "Foreløpige tall: perioden er ikke komplett i datagrunnlaget. Siste registrering er {}, før \
         periodens slutt {}. Åpne og forfalte saker er vurdert per {}. I diagrammene er foreløpige \
         verdier lyse med stiplet kant og merket med *.",
        format_date_nb(cutoff),
        format_date_nb(last_day(r)),
        format_date_nb(cutoff)
    ))
}

/// One bar or column of a chart.
pub struct ChartItem {
    pub label: String,
    /// `None`: hidden ("<5", "x") or not computable.
    pub value: Option<f64>,
    /// The figure or marker printed by the bar; "*" marks a provisional one.
    pub text: String,
    pub provisional: bool,
}

/// A table's chart as every format draws it.
pub struct ChartData {
    pub columns: bool,
    pub items: Vec<ChartItem>,
    /// What the dashed and light bars mean, when there are any.
    pub note: Option<String>,
}

/// "januar 2026" -> "jan" (with the year on a second line when the
/// period spans more than one year). The three-letter forms of the
/// Norwegian months are all different.
fn month_label(label: &str, many_years: bool) -> String {
    let mut words = label.split(' ');
    let month: String = words.next().unwrap_or("").chars().take(3).collect();
    match (many_years, words.next()) {
        (true, Some(year)) => format!("{month}\n{year}"),
        _ => month,
    }
}

/// Whether a month row (in period order) lies after the data's cut-off or
/// contains it before its last day.
fn month_provisional(r: &Report, index: usize, cutoff: Option<NaiveDate>) -> bool {
    let Some(cutoff) = cutoff else { return false };
    let months = Period {
        from: r.period.from,
        to: r.period.to,
    }
    .months();
    months.get(index).is_some_and(|m| {
        let last = Period { from: *m, to: *m }
            .end()
            .date_naive()
            .pred_opt()
            .expect("a month ends after 2000-01-01");
        cutoff < last
    })
}

/// The chart of table `t`, or `None` if it has none or nothing to draw.
pub fn chart(r: &Report, t: &Table) -> Option<ChartData> {
    let columns = match t.chart {
        Chart::None => return None,
        Chart::Bars => false,
        Chart::Columns => true,
    };
    let rows: Vec<_> = t.rows.iter().filter(|row| !row.total).collect();
    let any_value = rows
        .iter()
        .any(|row| row.cells.first().and_then(Cell::number).is_some_and(|v| v > 0.0));
    if rows.is_empty() || !any_value {
        return None;
    }
    let cutoff = incomplete_until(r);
    let years: std::collections::BTreeSet<&str> = rows.iter().filter_map(|row| row.label.split(' ').nth(1)).collect();
    let items: Vec<ChartItem> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let cell = row.cells.first().cloned().unwrap_or(Cell::Mark(String::new()));
            let provisional = if columns && t.id == "maned" {
                month_provisional(r, i, cutoff)
            } else {
                t.id == "volum" && cutoff.is_some() && row.label == r.period.label
            };
            let label = if columns {
                month_label(&row.label, years.len() > 1)
            } else {
                row.label.clone()
            };
            let text = if provisional {
                format!("{}*", cell.text())
            } else {
                cell.text()
            };
            ChartItem {
                label,
                value: cell.number(),
                text,
                provisional,
            }
        })
        .collect();
    let mut notes = Vec::new();
    if items.iter().any(|i| i.value.is_none()) {
        notes.push("Stiplet, tom boks: tallet er skjult («<5» eller «x»), ikke null.".to_owned());
    }
    if let Some(c) = cutoff.filter(|_| items.iter().any(|i| i.provisional)) {
        notes.push(format!(
            "* Foreløpig: data bare til og med {} (lys søyle med stiplet kant).",
            format_date_nb(c)
        ));
    }
    Some(ChartData {
        columns,
        items,
        note: (!notes.is_empty()).then(|| notes.join(" ")),
    })
}
