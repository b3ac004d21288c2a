//! «Løftet til FSU» in the report (issue 20, point 10): the cases and
//! patterns raised to FSU in the period, with their status and FSU's
//! decision, so the report says what was done about the patterns it shows.
//!
//! The titles and decisions are clear texts written for the committee (the
//! form says so); an item's link to a case is never part of a
//! [`RaisedItem`], so no report can list it. Like the lessons, the table is
//! added after the report is protected: it is text, not a count.

use samavvik_core::fsu::FsuStatus;

use crate::build::Report;
use crate::table::{Cell, Chart, Row, Table};

/// The id of the table.
pub const RAISED_ID: &str = "loftet-til-fsu";

/// An item raised to FSU as the report shows it: no case number, no unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaisedItem {
    pub title: String,
    pub status: FsuStatus,
    /// FSU's decision; empty until one is recorded.
    pub decision: String,
}

/// The table of `items` (in the order given), `None` when there are none.
pub fn raised_table(items: &[RaisedItem]) -> Option<Table> {
    let rows: Vec<Row> = items
        .iter()
        .map(|i| Row {
            label: i.title.clone(),
            cells: vec![
                Cell::Mark(i.status.label_nb().to_owned()),
                Cell::Mark(if i.decision.trim().is_empty() {
                    "–".to_owned()
                } else {
                    i.decision.clone()
                }),
            ],
            total: false,
        })
        .collect();
    (!rows.is_empty()).then(|| Table {
        id: RAISED_ID.into(),
        title: "Løftet til FSU".into(),
        row_header: "Sak eller mønster".into(),
        columns: vec!["Status".into(), "FSUs beslutning".into()],
        rows,
        note: Some(
            "Saker og mønstre som partene eller sekretariatet har løftet til FSU i perioden, med status og FSUs \
             beslutning. Titlene er skrevet for utvalget og nevner ikke saksnummer."
                .into(),
        ),
        chart: Chart::None,
    })
}

/// Adds the table at the end of `report` with a line in the methods.
pub fn add(report: &mut Report, items: &[RaisedItem]) {
    if let Some(table) = raised_table(items) {
        report.tables.push(table);
        report.methods.push(
            "Løftet til FSU: saker og mønstre løftet til FSU i perioden (etter datoen de ble løftet), med status og \
             beslutning slik de står når rapporten lages. Koblingen til en enkeltsak vises aldri."
                .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_show_title_status_and_decision_only() {
        let items = [
            RaisedItem {
                title: "Epikriser kommer sent til kommunene".into(),
                status: FsuStatus::WorkingGroup,
                decision: "Arbeidsgruppe nedsatt".into(),
            },
            RaisedItem {
                title: "Utskrivning fredag".into(),
                status: FsuStatus::New,
                decision: String::new(),
            },
        ];
        let t = raised_table(&items).expect("two items");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[0].text(), "Arbeidsgruppe nedsatt");
        assert_eq!(t.rows[1].cells[0].text(), "Ny");
        assert_eq!(t.rows[1].cells[1].text(), "–");
        assert!(raised_table(&[]).is_none());
    }
}
