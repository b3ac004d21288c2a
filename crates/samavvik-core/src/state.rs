//! The states a case can be in (DESIGN.md §3). The foundation creates cases
//! directly in `Dispatched`; the case-handling work adds the transitions.

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CaseState {
    Submitted,
    SenderReview,
    Dispatched,
    Acknowledged,
    Answered,
    Closed,
    Withdrawn,
}

impl CaseState {
    pub const ALL: &'static [CaseState] = &[
        CaseState::Submitted,
        CaseState::SenderReview,
        CaseState::Dispatched,
        CaseState::Acknowledged,
        CaseState::Answered,
        CaseState::Closed,
        CaseState::Withdrawn,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            CaseState::Submitted => "submitted",
            CaseState::SenderReview => "sender_review",
            CaseState::Dispatched => "dispatched",
            CaseState::Acknowledged => "acknowledged",
            CaseState::Answered => "answered",
            CaseState::Closed => "closed",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|st| st.slug() == s)
    }

    /// What the reporter's follow-up page says.
    pub fn label_nb(self) -> &'static str {
        match self {
            CaseState::Submitted => "Mottatt",
            CaseState::SenderReview => "Til gjennomgang hos nærmeste leder",
            CaseState::Dispatched => "Sendt til mottaker",
            CaseState::Acknowledged => "Mottaker har bekreftet mottak",
            CaseState::Answered => "Besvart",
            CaseState::Closed => "Lukket",
            CaseState::Withdrawn => "Trukket tilbake",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for &s in CaseState::ALL {
            assert_eq!(CaseState::from_slug(s.slug()), Some(s));
        }
        assert_eq!(CaseState::from_slug("open"), None);
    }
}
