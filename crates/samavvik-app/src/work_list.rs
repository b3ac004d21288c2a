//! The leader's work list as a file: CSV for Excel (semicolons, BOM) and
//! XLSX. Clear columns only, as on the list itself; nothing sealed is
//! ever in a row. The web layer picks the rows with the list's filter.

use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use samavvik_store::CaseRecord;

use crate::cases::{overdue, unit_name};
use crate::catalog::Catalog;

/// The column headings, in order.
pub const HEADINGS: [&str; 10] = [
    "Saksnummer",
    "Status",
    "Fra",
    "Til",
    "Kategori",
    "Saksbehandler",
    "Meldt",
    "Frist for å bekrefte",
    "Frist for svar",
    "Forfalt",
];

/// One case as the export shows it.
pub struct Row {
    pub fields: [String; 10],
    /// Meldt, frist for å bekrefte, frist for svar: real dates in XLSX.
    pub dates: [NaiveDate; 3],
}

/// `case` as a row; `handler` is the e-mail of its handler, if any.
pub fn row(catalog: &Catalog, case: &CaseRecord, handler: Option<&str>, today: NaiveDate) -> Row {
    let (ack_late, answer_late) = overdue(case, today);
    let created = samavvik_core::deadline::norwegian_date(case.created_at);
    let d = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
    Row {
        fields: [
            case.number.to_string(),
            case.state.label_nb().to_owned(),
            unit_name(catalog, &case.sender_unit),
            unit_name(catalog, &case.receiver_unit),
            case.categories
                .iter()
                .map(|k| catalog.directory.categories().label(k))
                .collect::<Vec<_>>()
                .join(", "),
            handler.unwrap_or_default().to_owned(),
            d(created),
            d(case.ack_deadline),
            d(case.answer_deadline),
            if ack_late || answer_late { "ja" } else { "nei" }.to_owned(),
        ],
        dates: [created, case.ack_deadline, case.answer_deadline],
    }
}

/// The rows as CSV for Excel: a BOM, semicolons, CRLF.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADINGS.join(";"));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}

/// One CSV field: quoted when it holds a separator, a quote or a line
/// break; a leading =, +, - or @ is prefixed with ' so Excel does not run it.
fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@']) {
        format!("'{f}")
    } else {
        f.to_owned()
    };
    if f.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

/// The rows as one XLSX sheet «Saker», dates as dates, the heading row
/// frozen and filterable. `today` dates the document, so the same list
/// on the same day gives the same bytes.
///
/// # Errors
/// When `rust_xlsxwriter` refuses a step (a date it cannot store, or
/// assembling the zip container).
pub fn xlsx(rows: &[Row], today: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    use chrono::Datelike;
    let excel_date = |d: NaiveDate| {
        ExcelDateTime::from_ymd(
            u16::try_from(d.year()).unwrap_or(1900),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    };
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title("Saker i Samavvik")
            .set_author("Samavvik")
            .set_creation_datetime(&excel_date(today)?),
    );
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let sheet = book.add_worksheet();
    sheet.set_name("Saker")?;
    for (j, h) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (j, f) in r.fields.iter().enumerate() {
            let col = j as u16;
            match j {
                // Strings are written as strings: a formula-looking unit
                // name stays text in XLSX (no prefix needed, unlike CSV).
                6..=8 => sheet.write_datetime_with_format(row, col, excel_date(r.dates[j - 6])?, &date)?,
                _ => sheet.write_string(row, col, f)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, HEADINGS.len() as u16 - 1)?;
    sheet.autofit();
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    fn sample() -> Row {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        Row {
            fields: [
                "SA-2026-00042",
                "Mottatt",
                "Horten kommune, hjemmetjenesten",
                "Medisinsk klinikk",
                "Epikrise",
                "leder@siv.example.no",
                "01.03.2026",
                "04.03.2026",
                "31.03.2026",
                "nei",
            ]
            .map(String::from),
            dates: [d(3, 1), d(3, 4), d(3, 31)],
        }
    }

    #[test]
    fn csv_has_a_bom_the_headings_and_a_line_per_case() {
        let text = csv(&[sample()]);
        assert!(text.starts_with("\u{feff}Saksnummer;Status;Fra;Til;Kategori;Saksbehandler;Meldt;"));
        assert!(text.contains("SA-2026-00042;Mottatt;Horten kommune, hjemmetjenesten;"));
        assert_eq!(text.lines().count(), 2);
    }

    #[test]
    fn xlsx_reads_back_with_headings_text_and_real_dates() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = xlsx(&[sample()], NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default()).unwrap_or_default();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX file");
        let range = book.worksheet_range("Saker").expect("the sheet «Saker»");
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows.len(), 2, "headings and one case");
        let headings: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
        assert_eq!(headings, HEADINGS.map(String::from));
        assert_eq!(rows[1][0], Data::String("SA-2026-00042".into()));
        assert_eq!(rows[1][5], Data::String("leder@siv.example.no".into()));
        let Data::DateTime(created) = &rows[1][6] else {
            panic!("Meldt is a date: {:?}", rows[1][6]);
        };
        // Excel's day number for 1 March 2026 (days since 30 December 1899).
        assert_eq!(created.as_f64(), 46082.0);
    }
}
