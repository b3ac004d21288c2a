//! Items raised to FSU ("løft til FSU"): a case or a pattern that either
//! party or the secretariat brings to the committee, with a clear title and
//! reason (no content), and what FSU did about it. The slugs are stored.

/// Where a raised item stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FsuStatus {
    New,
    HandledInFsu,
    SentToSsu,
    WorkingGroup,
    Closed,
}

impl FsuStatus {
    pub const ALL: &'static [FsuStatus] = &[
        FsuStatus::New,
        FsuStatus::HandledInFsu,
        FsuStatus::SentToSsu,
        FsuStatus::WorkingGroup,
        FsuStatus::Closed,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            FsuStatus::New => "ny",
            FsuStatus::HandledInFsu => "behandlet-i-fsu",
            FsuStatus::SentToSsu => "sendt-til-ssu",
            FsuStatus::WorkingGroup => "arbeidsgruppe-nedsatt",
            FsuStatus::Closed => "avsluttet",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.slug() == s)
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            FsuStatus::New => "Ny",
            FsuStatus::HandledInFsu => "Behandlet i FSU",
            FsuStatus::SentToSsu => "Sendt til SSU",
            FsuStatus::WorkingGroup => "Arbeidsgruppe nedsatt",
            FsuStatus::Closed => "Avsluttet",
        }
    }
}

/// Longest title of a raised item.
pub const TITLE_MAX: usize = 150;
/// Longest reason or decision text of a raised item.
pub const TEXT_MAX: usize = 2000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for &s in FsuStatus::ALL {
            assert_eq!(FsuStatus::from_slug(s.slug()), Some(s));
        }
        assert_eq!(FsuStatus::from_slug("Ny"), None);
    }
}
