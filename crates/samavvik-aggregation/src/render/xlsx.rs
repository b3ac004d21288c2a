//! XLSX: one sheet per table, numbers as numbers, markers ("<5", "x", "–")
//! as text. The document's dates are fixed to the period's end so the same
//! report gives the same bytes.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::build::Report;
use crate::table::Cell;

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
    for t in &report.tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&t.id)?;
        sheet.write_string_with_format(0, 0, &t.row_header, &bold)?;
        for (j, c) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(0, j as u16 + 1, c, &bold)?;
        }
        for (i, r) in t.rows.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, &r.label)?;
            for (j, c) in r.cells.iter().enumerate() {
                let col = j as u16 + 1;
                match c {
                    Cell::Number(v) => sheet.write_number(row, col, *v)?,
                    Cell::Mark(s) => sheet.write_string(row, col, s)?,
                };
            }
        }
        sheet.set_column_width(0, 40)?;
    }
    book.save_to_buffer()
}
