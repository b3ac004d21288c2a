//! Who may do what to a case in which state: the one table every handler
//! and every page asks, walked whole by a test.
//!
//! A person relates to a case as one [`Side`] (decided by [`side`] from the
//! units they lead and the case's state), and may in addition be a member
//! of the secretariat. [`check`] answers whether they may do an [`Action`]
//! now, and if not, whether they may never do it ([`Refusal::NotYours`]) or
//! only not in this state ([`Refusal::WrongState`]). [`available`] lists
//! what to offer, so a page shows exactly the buttons the server accepts.
//!
//! The rules:
//!
//! - The sending unit's leaders see the case from the start; the receiving
//!   unit and the secretariat see it once it has been sent on (not while it
//!   is submitted, under the sender's review, or withdrawn before dispatch).
//!   An action on a case the side cannot see is [`Refusal::NotYours`].
//! - Need-to-know: the secretariat reads a case's content only while the
//!   case is in its triage (it is then the receiver) or after one of the two
//!   parties asked it for help. Otherwise a secretariat member is
//!   [`Side::Oversight`]: the clear metadata (number, units, dates, state)
//!   to follow up overdue cases, no content, no dialogue, no reroute (which
//!   would need to open the case).
//! - The sender side and the receiver side ask the secretariat for help
//!   while the case is with the receiver and open.
//! - The receiver side marks a measure done once the case is answered
//!   (also after closing: measures are often carried out later).
//! - Either side and the secretariat (also without reading it) raise a case
//!   to FSU once it has been sent on.
//! - Either side proposes a lesson for sharing once the case is answered
//!   (the receiver when closing, the sender when it accepts the answer).
//! - The sender side forwards, returns to the reporter and withdraws.
//! - The receiver side acknowledges, answers and closes.
//! - The receiver side and the secretariat reroute.
//! - A secretariat member reopens, whatever their side.
//! - Nobody starts a review by hand (a leader reviews by forwarding,
//!   returning or withdrawing).
//! - Either side writes a message in the dialogue while the case is with
//!   the receiver (dispatched, acknowledged or answered): not before both
//!   sides can see it, and not after it is closed or withdrawn.
//! - Whoever sees the case may view it and export it as PDF.
//! - A transition also has to be possible from the current state
//!   ([`CaseState::apply`]); if not, [`Refusal::WrongState`].

use crate::{CaseState, Transition};

/// How a person relates to a case; decides which unit's key opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// A leader of the unit that sent the report.
    Sender,
    /// A leader of the unit the case is with now.
    Receiver,
    /// The secretariat, which is neither (it opens with the triage unit's key),
    /// on a case a party asked it for help with.
    Secretariat,
    /// The secretariat on a case it was not asked about: clear metadata only.
    Oversight,
}

impl Side {
    pub const ALL: &'static [Side] = &[Side::Sender, Side::Receiver, Side::Secretariat, Side::Oversight];
}

/// Something a person may want to do with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Move the case ([`CaseState::apply`]).
    Transition(Transition),
    /// Write a sealed message in the dialogue between the two sides.
    Message,
    /// Read the case page, sealed content included.
    View,
    /// Download the whole case as PDF for the records system.
    Export,
    /// Ask the secretariat for help: the case is sealed to it too.
    AskSecretariat,
    /// Mark one of the answer's measures done, with a date.
    MeasureDone,
    /// Raise the case to FSU, with a clear title and reason.
    RaiseToFsu,
    /// Propose a lesson for sharing in FSU's reports (sealed to the
    /// secretariat until it has reviewed it).
    ProposeLesson,
    /// Give the case to a named handler among the receiving unit's leaders.
    Assign,
}

impl Action {
    /// Every action: the transitions in [`Transition::ALL`] order, then the rest.
    pub const ALL: &'static [Action] = &[
        Action::Transition(Transition::StartReview),
        Action::Transition(Transition::Forward),
        Action::Transition(Transition::ReturnToReporter),
        Action::Transition(Transition::Withdraw),
        Action::Transition(Transition::Acknowledge),
        Action::Transition(Transition::Reroute),
        Action::Transition(Transition::Answer),
        Action::Transition(Transition::Close),
        Action::Transition(Transition::Reopen),
        Action::Message,
        Action::View,
        Action::Export,
        Action::AskSecretariat,
        Action::MeasureDone,
        Action::RaiseToFsu,
        Action::ProposeLesson,
        Action::Assign,
    ];

    /// The form's `action` value (and the key of the case page's button):
    /// the transition's slug, "message", "view", "export" or "ask-secretariat".
    pub fn slug(self) -> &'static str {
        match self {
            Action::Transition(t) => t.slug(),
            Action::Message => "message",
            Action::View => "view",
            Action::Export => "export",
            Action::AskSecretariat => "ask-secretariat",
            Action::MeasureDone => "measure-done",
            Action::RaiseToFsu => "raise-to-fsu",
            Action::ProposeLesson => "propose-lesson",
            Action::Assign => "assign",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.slug() == s)
    }
}

impl From<Transition> for Action {
    fn from(t: Transition) -> Self {
        Action::Transition(t)
    }
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Refusal {
    /// This person may never do this to this case (answer 404 if they cannot
    /// see the case at all, else 403).
    #[error("not allowed for this person")]
    NotYours,
    /// Allowed for this person, but not in the case's current state (409).
    #[error("not possible in the case's current state")]
    WrongState,
}

impl Refusal {
    /// What the case page says, for a case in `state`.
    pub fn message_nb(self, state: CaseState) -> String {
        match self {
            Refusal::NotYours => "Du kan ikke gjøre dette med saken.".to_owned(),
            Refusal::WrongState => format!("Saken har status «{}», og det kan ikke gjøres nå.", state.label_nb()),
        }
    }
}

/// Whether a case in `state` has been sent on to the receiver, so that the
/// receiving unit and the secretariat see it.
fn sent_on(state: CaseState) -> bool {
    !matches!(
        state,
        CaseState::Submitted | CaseState::SenderReview | CaseState::Withdrawn
    )
}

/// How a person relates to a case in `state`, or `None` if they may not see
/// it. The receiving side wins over the secretariat, and both over the
/// sending side, once the case is sent on; before that only the sending
/// unit's leaders see it. `secretariat_asked`: a party asked the
/// secretariat for help, so it may read the case; if not, a secretariat
/// member who does not lead the sending unit sees the clear metadata only.
pub fn side(
    state: CaseState,
    leads_sender: bool,
    leads_receiver: bool,
    secretariat_member: bool,
    secretariat_asked: bool,
) -> Option<Side> {
    let sent_on = sent_on(state);
    if sent_on && leads_receiver {
        Some(Side::Receiver)
    } else if sent_on && secretariat_member && secretariat_asked {
        Some(Side::Secretariat)
    } else if leads_sender {
        Some(Side::Sender)
    } else if sent_on && secretariat_member {
        Some(Side::Oversight)
    } else {
        None
    }
}

/// Whether `side` may do `action` to a case in `state` now.
///
/// # Errors
///
/// [`Refusal::NotYours`] when `side` may never do `action` (the case is not
/// yet sent on and `side` is not the sender, or the action belongs to
/// another side); [`Refusal::WrongState`] when the side may, but not with
/// the case in `state` (a transition that `state` does not allow, or a
/// message on a case that is not open for handling).
pub fn check(action: Action, side: Side, state: CaseState, secretariat_member: bool) -> Result<(), Refusal> {
    use Transition as T;
    let sees = side == Side::Sender || sent_on(state);
    let role = sees
        && match action {
            Action::Transition(T::StartReview) => false,
            Action::Transition(T::Forward | T::ReturnToReporter | T::Withdraw) => side == Side::Sender,
            Action::Transition(T::Acknowledge | T::Answer | T::Close) => side == Side::Receiver,
            Action::Transition(T::Reroute) => matches!(side, Side::Receiver | Side::Secretariat),
            Action::Transition(T::Reopen) => secretariat_member,
            Action::Message | Action::View | Action::Export => side != Side::Oversight,
            Action::AskSecretariat => matches!(side, Side::Sender | Side::Receiver),
            Action::MeasureDone => side == Side::Receiver,
            // Clear title and reason only: the secretariat needs no content for it.
            Action::RaiseToFsu => true,
            Action::ProposeLesson => matches!(side, Side::Sender | Side::Receiver),
            // The receiving unit decides who of its leaders handles the case.
            Action::Assign => side == Side::Receiver,
        };
    if !role {
        return Err(Refusal::NotYours);
    }
    let now = match action {
        Action::Transition(t) => state.apply(t).is_ok(),
        Action::Message => state.is_open(),
        Action::AskSecretariat => state.is_open(),
        Action::MeasureDone => matches!(state, CaseState::Answered | CaseState::Closed),
        Action::RaiseToFsu => sent_on(state),
        // Once answered: the receiver when closing or after, the sender on
        // accepting the answer.
        Action::ProposeLesson => matches!(state, CaseState::Answered | CaseState::Closed),
        Action::Assign => state.is_open(),
        Action::View | Action::Export => true,
    };
    if now { Ok(()) } else { Err(Refusal::WrongState) }
}

/// Everything `side` may do to a case in `state` now, in [`Action::ALL`]
/// order: the buttons to show.
pub fn available(side: Side, state: CaseState, secretariat_member: bool) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|&a| check(a, side, state, secretariat_member).is_ok())
        .collect()
}

#[cfg(test)]
mod tests;
