//! Improvement work in the report (issue 20, point 10): measures planned in
//! the answers and how many of them were done, per measure category and
//! direction. Both are count tables like every other: suppressed, and new
//! cells in the joint auditor's equations ([`Sel::FollowUp`]), tied to the
//! cases of each direction and to the cases answered by the status instant.

use samavvik_core::{Direction, MeasureCategory};
use samavvik_store::CaseStatistics;

use super::{Builder, Sels, published};
use crate::disclosure::Sel;
use crate::suppress::Grid;
use crate::table::{Chart, Row, Table};

/// The measure categories the follow-up tables count: every category but
/// «ingen tiltak nødvendig», which is nothing to carry out.
pub const FOLLOW_UP_MEASURES: &[MeasureCategory] = &[
    MeasureCategory::Rutineendring,
    MeasureCategory::Opplaering,
    MeasureCategory::Samarbeidsmote,
    MeasureCategory::SystemTeknisk,
    MeasureCategory::Annet,
];

/// The directions, in the order of the direction table.
const DIRECTIONS: [(Direction, &str); 3] = [
    (Direction::KommuneToSiv, "Fra kommune til SiV"),
    (Direction::SivToKommune, "Fra SiV til kommune"),
    (Direction::KommuneToKommune, "Mellom kommuner"),
];

impl Builder<'_> {
    /// «Planlagte tiltak» and «Gjennomførte tiltak»: measure category
    /// (rows) × direction (columns), with totals.
    pub(super) fn follow_ups(&mut self, stats: &CaseStatistics) -> Vec<Table> {
        vec![
            self.follow_up_table(
                stats,
                false,
                "tiltak-planlagt",
                "Planlagte tiltak etter tiltakskategori og retning",
                "Tiltak i svarene på periodens saker, besvart innen statusdagen. Et tiltak telles én gang per sak og \
                 kategori; «Ingen tiltak nødvendig» er ikke med.",
            ),
            self.follow_up_table(
                stats,
                true,
                "tiltak-gjennomfort",
                "Gjennomførte tiltak etter tiltakskategori og retning",
                "De planlagte tiltakene som mottakeren har markert som gjennomført, med en dato senest på statusdagen.",
            ),
        ]
    }

    fn follow_up_table(&mut self, stats: &CaseStatistics, done: bool, id: &str, title: &str, note: &str) -> Table {
        let value = |m: MeasureCategory, d: Direction| {
            stats
                .follow_ups
                .iter()
                .filter(|f| f.measure == m && f.direction == d)
                .map(|f| if done { f.done } else { f.planned })
                .sum::<u64>()
        };
        let values = FOLLOW_UP_MEASURES
            .iter()
            .flat_map(|&m| DIRECTIONS.iter().map(move |&(d, _)| value(m, d)))
            .collect();
        let (rows, cols) = (FOLLOW_UP_MEASURES.len(), DIRECTIONS.len());
        let grid = Grid::new(rows, cols, values, true, true);
        let (marks, withheld) = self.protect(id, title, &grid, &[], true);
        let status = self.p.status_at().timestamp_millis();
        let sels = Sels::new(&grid, |(r, c)| {
            Some(Sel::FollowUp {
                measure: FOLLOW_UP_MEASURES.get(r).map(|m| m.slug().to_owned()),
                dir: DIRECTIONS.get(c).map(|(d, _)| d.slug().to_owned()),
                done,
                status,
            })
        });
        let row_labels: Vec<String> = FOLLOW_UP_MEASURES.iter().map(|m| m.label().to_owned()).collect();
        let col_labels: Vec<String> = DIRECTIONS.iter().map(|(_, l)| (*l).to_owned()).collect();
        self.keep(
            id,
            title,
            &grid,
            &marks,
            withheld,
            row_labels.clone(),
            col_labels.clone(),
            sels,
        );
        let t = self.t;
        let cell = |pos| published(&grid, &marks, withheld, pos, t);
        let mut out: Vec<Row> = row_labels
            .into_iter()
            .enumerate()
            .map(|(i, label)| Row {
                label,
                cells: (0..=cols).map(|j| cell((i, j))).collect(),
                total: false,
            })
            .collect();
        out.push(Row {
            label: "Totalt".into(),
            cells: (0..=cols).map(|j| cell((rows, j))).collect(),
            total: true,
        });
        let mut columns = col_labels;
        columns.push("Totalt".into());
        Table {
            id: id.into(),
            title: title.into(),
            row_header: "Tiltakskategori".into(),
            columns,
            rows: if withheld { Vec::new() } else { out },
            note: Some(if withheld { super::withheld_note() } else { note.into() }),
            chart: Chart::None,
        }
    }
}
