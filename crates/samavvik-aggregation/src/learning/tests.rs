//! Lessons only under categories at or above the threshold; imported
//! counts labelled «fra regneark» and only up to the report's end.

use samavvik_core::{Category, Direction, EventMonth};
use samavvik_store::{ApprovedLesson, CaseStatistics, DimCount, DimValue, HistoryCount};

use super::*;

fn month(s: &str) -> EventMonth {
    s.parse().unwrap()
}

fn stats(counts: &[(Category, u64)]) -> CaseStatistics {
    CaseStatistics {
        dims: counts
            .iter()
            .map(|(c, cases)| DimCount {
                value: DimValue::Category(c.clone()),
                cases: *cases,
            })
            .collect(),
        ..CaseStatistics::default()
    }
}

fn lesson(category: Category, text: &str) -> ApprovedLesson {
    ApprovedLesson {
        category,
        text: text.into(),
        event_month: month("2026-03"),
    }
}

#[test]
fn lessons_only_under_categories_at_the_threshold() {
    let s = stats(&[
        (Category::from_static("epikrise"), 5),
        (Category::from_static("legemidler"), 4),
    ]);
    let lessons = [
        lesson(Category::from_static("legemidler"), "Small cell"),
        lesson(Category::from_static("epikrise"), "Send epikrisen samme dag"),
        lesson(Category::from_static("henvisning"), "No cases at all"),
    ];
    let t = lessons_table(&s, &lessons, 5, &Categories::standard()).expect("one category qualifies");
    let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Epikrise og sykepleieopplysninger", "Send epikrisen samme dag"]
    );
    assert!(t.rows[0].total && !t.rows[1].total);
    assert!(lessons_table(&s, &lessons, 6, &Categories::standard()).is_none());
    assert!(lessons_table(&s, &[], 1, &Categories::standard()).is_none());
}

#[test]
fn history_is_marked_and_stops_at_the_report() {
    let row = |from: &str, to: &str, direction, category, cases| HistoryCount {
        from: month(from),
        to: month(to),
        direction,
        category,
        cases,
    };
    let h = [
        row("2024-01", "2024-12", Direction::KommuneToSiv, None, 40),
        row("2024-01", "2024-12", Direction::SivToKommune, None, 3),
        row(
            "2024-01",
            "2024-12",
            Direction::SivToKommune,
            Some(Category::from_static("epikrise")),
            2,
        ),
        row("2027-01", "2027-12", Direction::SivToKommune, None, 9),
    ];
    let tables = history_tables(&h, month("2026-12"), &Categories::standard());
    assert_eq!(tables.len(), 2);
    let t = &tables[0];
    assert_eq!(t.rows.len(), 1, "2027 is after the report");
    assert_eq!(t.rows[0].label, "2024 (fra regneark)");
    let cells: Vec<String> = t.rows[0].cells.iter().map(Cell::text).collect();
    assert_eq!(cells, ["40", "3", "43"], "small counts are shown as published");
    assert_eq!(tables[1].rows[0].cells[0].text(), "2");
    assert!(history_tables(&h, month("2023-12"), &Categories::standard()).is_empty());
}
