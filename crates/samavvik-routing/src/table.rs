//! The directory as a plain-text table, for `samavvik directory show`.

use chrono::NaiveDate;

use crate::directory::Directory;

/// The units in use on `date`: id, name, organisation, kind and
/// postmottak address, in file order, with a closing line giving the count
/// and the directory version.
pub fn format_table(dir: &Directory, date: NaiveDate) -> String {
    let header = ["ID", "NAVN", "ORGANISASJON", "TYPE", "POSTMOTTAK"].map(String::from);
    let mut rows = vec![header];
    for unit in dir.units_valid_on(date) {
        let org = dir
            .organisation(&unit.organisation)
            .map_or_else(|| unit.organisation.to_string(), |o| o.name.clone());
        let email = unit.postmottak_email.clone().unwrap_or_else(|| "–".into());
        rows.push([
            unit.id.to_string(),
            unit.name.clone(),
            org,
            unit.kind.slug().to_owned(),
            email,
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "\n{} enheter i bruk per {}. Katalogversjon {}.\n",
        rows.len() - 1,
        date.format("%d.%m.%Y"),
        dir.version()
    ));
    out
}
