//! What a release publishes, as linear facts about the underlying counts.

use samavvik_core::EventMonth;
use serde::{Deserialize, Serialize};

/// A handling count per receiving organisation, at a status instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlingAtom {
    Open,
    Overdue,
    Closed,
    Answered,
    AckDue,
    AckInTime,
    AnswerDue,
    AnswerInTime,
    /// Withdrawn by the status instant: never open, overdue or due.
    Withdrawn,
}

impl HandlingAtom {
    pub const ALL: [HandlingAtom; 9] = [
        HandlingAtom::Open,
        HandlingAtom::Overdue,
        HandlingAtom::Closed,
        HandlingAtom::Answered,
        HandlingAtom::AckDue,
        HandlingAtom::AckInTime,
        HandlingAtom::AnswerDue,
        HandlingAtom::AnswerInTime,
        HandlingAtom::Withdrawn,
    ];
}

/// Which underlying counts a term adds up, within its months.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sel {
    /// Cases of every flow that matches: direction slug, row id (sender),
    /// column id (receiver), receiving organisation; `None` matches any.
    Flows {
        dir: Option<String>,
        row: Option<String>,
        col: Option<String>,
        org: Option<String>,
    },
    /// Cases with one value of a single-valued dimension ("kind:…",
    /// "consequence:…", "patient_group:…").
    Dim(String),
    /// Cases with a category (multi-valued).
    Category(String),
    /// All cases, by event month.
    Months,
    /// Measures of a kind in cases closed by the status instant (ms).
    Measure { measure: String, status: i64 },
    /// Measures planned (`done` false) or done (`done` true) in cases
    /// answered by the status instant (ms), of one measure category and
    /// direction (`None` matches any; issue 20, point 10).
    FollowUp {
        measure: Option<String>,
        dir: Option<String>,
        done: bool,
        status: i64,
    },
    /// A handling count at a status instant (ms), of one receiving
    /// organisation or (`None`) of all.
    Handling {
        what: HandlingAtom,
        org: Option<String>,
        status: i64,
    },
}

/// One term: `coef` times the counts `sel` selects in the event months
/// `from..=to` of the data `snapshot` (`"now"`, or a registered release's
/// data when it has changed since).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub snapshot: String,
    pub from: EventMonth,
    pub to: EventMonth,
    pub sel: Sel,
    pub coef: f64,
}

/// A linear expression over the underlying counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub terms: Vec<Term>,
}

impl Expr {
    /// The counts `sel` selects in `from..=to` of `snapshot`.
    pub fn count(snapshot: &str, from: EventMonth, to: EventMonth, sel: Sel) -> Self {
        Expr {
            terms: vec![Term {
                snapshot: snapshot.to_owned(),
                from,
                to,
                sel,
                coef: 1.0,
            }],
        }
    }

    /// `self + k * other`.
    #[must_use]
    pub fn plus(mut self, k: f64, other: &Expr) -> Self {
        self.terms.extend(other.terms.iter().map(|t| Term {
            coef: t.coef * k,
            ..t.clone()
        }));
        self
    }
}

/// What the auditor demands of a fact's derivable interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Nothing: a shown cell or a derived figure's implication.
    None,
    /// A primary cell ("<t"), or a difference of two releases that is a
    /// small count: the interval must cover `1..=t-1`.
    Primary,
    /// A secondary cell ("x"): the interval must hold at least `t` values.
    Secondary,
    /// The cases that arrived between a published report and a re-issue
    /// (the same count now minus then): the attacker must not learn that it
    /// is a small count narrower than `1..=t-1` (a difference that may be 0,
    /// or may be `t` or more, says nothing about a small group).
    Change,
}

/// Where a fact was published, for messages and for adding suppression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub table: String,
    pub title: String,
    pub row: String,
    pub col: String,
    /// The cell's position in its count table, when it is one.
    pub pos: Option<(usize, usize)>,
}

/// A published fact: `lo <= expr <= hi` (`None`: no bound that side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub expr: Expr,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub check: Requirement,
    pub place: Place,
}

/// Everything one report publishes (or published), as facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub from: EventMonth,
    pub to: EventMonth,
    /// "2026", "1. halvår 2026", …
    pub label: String,
    pub threshold: u64,
    pub facts: Vec<Fact>,
}
