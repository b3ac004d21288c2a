//! The case lifecycle (DESIGN.md §3): states and the transitions between
//! them. `apply` is the only way to move a case, so an invalid transition
//! cannot be written down, let alone stored.
//!
//! ```text
//! submitted ─StartReview→ sender_review ─Forward→ dispatched ─Acknowledge→ acknowledged ─Answer→ answered ─Close→ closed
//!     │  └──────────────Forward──────────────────────↑  ↑   │                  │                              │
//!     │             ReturnToReporter ← sender_review     └Reroute┘←───Reroute────┘            Reopen → acknowledged
//!     └──Withdraw / sender_review ─Withdraw→ withdrawn
//! ```

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

    /// The state as leaders and the case history name it.
    pub fn label_nb(self) -> &'static str {
        match self {
            CaseState::Submitted => "Tilbake hos melder for endringer",
            CaseState::SenderReview => "Til gjennomgang hos nærmeste leder",
            CaseState::Dispatched => "Sendt til mottaker",
            CaseState::Acknowledged => "Mottaker har bekreftet mottak",
            CaseState::Answered => "Besvart",
            CaseState::Closed => "Lukket",
            CaseState::Withdrawn => "Trukket tilbake",
        }
    }
}

impl CaseState {
    /// The state as the reporter's follow-up page says it: in the order the
    /// report travels (own leader first, then the receiver), and plain about
    /// a report that came back for changes.
    pub fn reporter_label_nb(self) -> &'static str {
        match self {
            CaseState::Submitted => "Sendt tilbake til deg for endringer",
            CaseState::SenderReview => "Hos lederen din for vurdering",
            CaseState::Dispatched => "Sendt videre til mottakeren",
            CaseState::Acknowledged => "Mottakeren har bekreftet mottak og behandler saken",
            CaseState::Answered => "Besvart av mottakeren",
            CaseState::Closed => "Lukket",
            CaseState::Withdrawn => "Trukket tilbake",
        }
    }

    /// Whether the receiver's deadlines run: they start when the report is
    /// sent on to the receiver and stop once it is answered.
    pub fn receiver_clock_runs(self) -> bool {
        matches!(self, CaseState::Dispatched | CaseState::Acknowledged)
    }
}

/// Something a person does to a case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Transition {
    /// The reporter's leader takes the report for review.
    StartReview,
    /// The report goes to the receiver (after review, or directly).
    Forward,
    /// The reporter's leader sends the report back to the reporter.
    ReturnToReporter,
    /// The report is withdrawn before it reached the receiver.
    Withdraw,
    Acknowledge,
    /// Sent on to another receiving unit; it arrives there as new.
    Reroute,
    Answer,
    Close,
    /// The secretariat reopens a closed case; it goes back to handling.
    Reopen,
}

impl Transition {
    pub const ALL: &'static [Transition] = &[
        Transition::StartReview,
        Transition::Forward,
        Transition::ReturnToReporter,
        Transition::Withdraw,
        Transition::Acknowledge,
        Transition::Reroute,
        Transition::Answer,
        Transition::Close,
        Transition::Reopen,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Transition::StartReview => "start-review",
            Transition::Forward => "forward",
            Transition::ReturnToReporter => "return",
            Transition::Withdraw => "withdraw",
            Transition::Acknowledge => "acknowledge",
            Transition::Reroute => "reroute",
            Transition::Answer => "answer",
            Transition::Close => "close",
            Transition::Reopen => "reopen",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.slug() == s)
    }

    /// The event text in the case history.
    pub fn label_nb(self) -> &'static str {
        match self {
            Transition::StartReview => "Tatt til gjennomgang hos nærmeste leder",
            Transition::Forward => "Sendt til mottaker",
            Transition::ReturnToReporter => "Sendt tilbake til melder",
            Transition::Withdraw => "Trukket tilbake",
            Transition::Acknowledge => "Mottak bekreftet",
            Transition::Reroute => "Sendt videre til en annen enhet",
            Transition::Answer => "Besvart",
            Transition::Close => "Lukket",
            Transition::Reopen => "Gjenåpnet",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a case in state {from:?} cannot be moved by {transition:?}")]
pub struct InvalidTransition {
    pub from: CaseState,
    pub transition: Transition,
}

impl CaseState {
    /// The state after `t`, or why `t` is not possible now.
    ///
    /// # Errors
    ///
    /// [`InvalidTransition`] when the case workflow has no edge `t` out of
    /// this state (for example answering a case not yet acknowledged).
    pub fn apply(self, t: Transition) -> Result<CaseState, InvalidTransition> {
        use CaseState as S;
        use Transition as T;
        let to = match (self, t) {
            (S::Submitted, T::StartReview) => S::SenderReview,
            (S::Submitted | S::SenderReview, T::Forward) => S::Dispatched,
            (S::SenderReview, T::ReturnToReporter) => S::Submitted,
            (S::Submitted | S::SenderReview, T::Withdraw) => S::Withdrawn,
            (S::Dispatched, T::Acknowledge) => S::Acknowledged,
            (S::Dispatched | S::Acknowledged, T::Reroute) => S::Dispatched,
            (S::Acknowledged, T::Answer) => S::Answered,
            (S::Answered, T::Close) => S::Closed,
            (S::Closed, T::Reopen) => S::Acknowledged,
            (from, transition) => return Err(InvalidTransition { from, transition }),
        };
        Ok(to)
    }

    /// Still waiting for the receiver (counts for deadlines and overdue lists).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Dispatched | CaseState::Acknowledged | CaseState::Answered
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (state, transition) pair, spelled out: the allowed ones with
    /// their target, everything else refused.
    #[test]
    fn every_pair_is_decided() {
        use CaseState as S;
        use Transition as T;
        let allowed: &[(S, T, S)] = &[
            (S::Submitted, T::StartReview, S::SenderReview),
            (S::Submitted, T::Forward, S::Dispatched),
            (S::SenderReview, T::Forward, S::Dispatched),
            (S::SenderReview, T::ReturnToReporter, S::Submitted),
            (S::Submitted, T::Withdraw, S::Withdrawn),
            (S::SenderReview, T::Withdraw, S::Withdrawn),
            (S::Dispatched, T::Acknowledge, S::Acknowledged),
            (S::Dispatched, T::Reroute, S::Dispatched),
            (S::Acknowledged, T::Reroute, S::Dispatched),
            (S::Acknowledged, T::Answer, S::Answered),
            (S::Answered, T::Close, S::Closed),
            (S::Closed, T::Reopen, S::Acknowledged),
        ];
        let mut checked = 0;
        for &from in CaseState::ALL {
            for &t in Transition::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, tr, _)| *f == from && *tr == t)
                    .map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(from.apply(t), Ok(to), "{from:?} --{t:?}-->"),
                    None => assert_eq!(
                        from.apply(t),
                        Err(InvalidTransition { from, transition: t }),
                        "{from:?} --{t:?}-->"
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, CaseState::ALL.len() * Transition::ALL.len());
    }

    #[test]
    fn withdrawn_is_final_and_closed_only_reopens() {
        assert!(Transition::ALL.iter().all(|&t| CaseState::Withdrawn.apply(t).is_err()));
        let from_closed: Vec<_> = Transition::ALL
            .iter()
            .filter(|&&t| CaseState::Closed.apply(t).is_ok())
            .collect();
        assert_eq!(from_closed, vec![&Transition::Reopen]);
    }

    #[test]
    fn transition_slugs_round_trip() {
        for &t in Transition::ALL {
            assert_eq!(Transition::from_slug(t.slug()), Some(t));
        }
    }

    #[test]
    fn slugs_round_trip() {
        for &s in CaseState::ALL {
            assert_eq!(CaseState::from_slug(s.slug()), Some(s));
        }
        assert_eq!(CaseState::from_slug("open"), None);
    }
}
