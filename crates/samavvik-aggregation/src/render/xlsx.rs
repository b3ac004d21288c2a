//! XLSX: one sheet per table, numbers as numbers, markers ("<5", "x", "–")
//! as text. Each sheet starts with the table's title, the report, the
//! period, the threshold and the legend ([`HEADER_ROW`] rows), then the
//! table, then its footnote. The document's dates are fixed to the
//! period's end so the same report gives the same bytes.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::common;
use crate::build::Report;
use crate::table::Cell;

/// The row (from 0) of each sheet's column headings; the rows above it
/// say what the table is.
pub const HEADER_ROW: u32 = 6;

/// Sheet names: at most 31 characters, unique; the table ids are both.
///
/// # Errors
///
/// The [`XlsxError`] of the first step `rust_xlsxwriter` refuses: a sheet
/// name that is too long, repeated or has a forbidden character (a table
/// id breaking the rule above), a period end it cannot store as a date,
/// or a failure assembling the zip container.
pub fn render(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let (y, m) = (report.period.to.year(), report.period.to.month());
    let date = ExcelDateTime::from_ymd(y as u16, m as u8, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(&report.title)
            .set_author("Samavvik")
            .set_creation_datetime(&date),
    );
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let small = Format::new().set_font_size(9);
    let notice = common::incomplete_notice(report);
    for t in &report.tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&t.id)?;
        sheet.write_string_with_format(0, 0, &t.title, &title)?;
        sheet.write_string(1, 0, &report.title)?;
        sheet.write_string(2, 0, format!("Periode: {}", common::period_line(report)))?;
        sheet.write_string(
            3,
            0,
            format!(
                "Prikkegrense: {} (antall fra 1 til {} vises som «<{}»)",
                report.threshold,
                report.threshold.saturating_sub(1),
                report.threshold
            ),
        )?;
        sheet.write_string_with_format(4, 0, format!("Tegnforklaring: {}", common::legend_line(report)), &small)?;
        if let Some(n) = &notice {
            sheet.write_string_with_format(5, 0, format!("Merk: {n}"), &small)?;
        }
        sheet.write_string_with_format(HEADER_ROW, 0, &t.row_header, &bold)?;
        for (j, c) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(HEADER_ROW, j as u16 + 1, c, &bold)?;
        }
        for (i, r) in t.rows.iter().enumerate() {
            let row = HEADER_ROW + 1 + i as u32;
            if r.total {
                sheet.write_string_with_format(row, 0, &r.label, &bold)?;
            } else {
                sheet.write_string(row, 0, &r.label)?;
            }
            for (j, c) in r.cells.iter().enumerate() {
                let col = j as u16 + 1;
                match c {
                    Cell::Number(v) => sheet.write_number(row, col, *v)?,
                    Cell::Mark(s) => sheet.write_string(row, col, s)?,
                };
            }
        }
        if let Some(n) = &t.note {
            let row = HEADER_ROW + 2 + t.rows.len() as u32;
            sheet.write_string_with_format(row, 0, format!("Merknad: {n}"), &small)?;
        }
        sheet.set_column_width(0, 40)?;
    }
    book.save_to_buffer()
}
