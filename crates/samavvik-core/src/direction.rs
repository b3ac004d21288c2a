//! Which way a report travels between the organisations.

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Direction {
    /// A kommune reports to SiV.
    KommuneToSiv,
    /// SiV reports to a kommune.
    SivToKommune,
    /// A kommune reports to another kommune (rare, but the procedure allows it).
    KommuneToKommune,
}

impl Direction {
    pub fn slug(self) -> &'static str {
        match self {
            Direction::KommuneToSiv => "kommune-til-siv",
            Direction::SivToKommune => "siv-til-kommune",
            Direction::KommuneToKommune => "kommune-til-kommune",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        [
            Direction::KommuneToSiv,
            Direction::SivToKommune,
            Direction::KommuneToKommune,
        ]
        .into_iter()
        .find(|d| d.slug() == s)
    }
}
