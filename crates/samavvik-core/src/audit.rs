//! The actions the access log records. The strings are stored in existing
//! databases and searched for by the audit page, so they must never change.

use crate::Transition;

/// What a person did that the access log records.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AuditAction {
    /// Asked for a case that does not exist or is not theirs (answered 404).
    Denied,
    /// Read sealed content: the case page or the reporter's follow-up page.
    ViewSealed,
    /// Moved a case.
    Transition(Transition),
    /// Wrote a message in a case's dialogue.
    Message,
    /// Downloaded a case as PDF or a report.
    Export,
    /// Signed in with a link.
    SignIn,
    /// Asked for a sign-in link (actor: a keyed hash of the address, also
    /// for addresses the directory does not know; detail says which).
    SignInLinkRequested,
    /// Used a sign-in link that is unknown, already used or expired.
    SignInFailed,
    /// Signed out; the server-side session is gone.
    SignOut,
    /// Sent a form whose CSRF token did not match (detail: the route).
    CsrfFailed,
    /// Was refused by a rate limit (detail: which limit).
    RateLimited,
    /// Opened a follow-up link that leads nowhere.
    FollowUpRefused,
    /// Asked the secretariat for help with a case: it was sealed to the
    /// secretariat too (detail: the reason is in the sealed note, not here).
    SecretariatHelp,
    /// `samavvik keys unwrap-secretariat` sealed a case again without the
    /// secretariat (actor: the command).
    SecretariatUnwrapped,
    /// Marked a case's measure done (detail: the measure's category).
    MeasureDone,
    /// Raised a case or a pattern to FSU (detail: the item's id).
    FsuRaised,
    /// Set an FSU item's status and decision (detail: the item's id and status).
    FsuUpdated,
    /// Proposed a lesson for sharing (detail: the lesson's id; the text is sealed).
    LessonProposed,
    /// Approved a lesson: its text is now public, for the reports (detail: id, category).
    LessonApproved,
    /// Rejected a proposed lesson (detail: the lesson's id).
    LessonRejected,
    /// Gave a case to a named handler or took it back (detail: the
    /// handler's principal or "none"; never an e-mail).
    Assigned,
    /// `samavvik import history` stored earlier periods' counts from the
    /// secretariat's spreadsheet (actor: the command; detail: the periods,
    /// how many counts and the file's name).
    HistoryImported,
}

impl AuditAction {
    /// Every action, transitions in [`Transition::ALL`] order.
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::Denied,
        AuditAction::ViewSealed,
        AuditAction::Transition(Transition::StartReview),
        AuditAction::Transition(Transition::Forward),
        AuditAction::Transition(Transition::ReturnToReporter),
        AuditAction::Transition(Transition::Withdraw),
        AuditAction::Transition(Transition::Acknowledge),
        AuditAction::Transition(Transition::Reroute),
        AuditAction::Transition(Transition::Answer),
        AuditAction::Transition(Transition::Close),
        AuditAction::Transition(Transition::Reopen),
        AuditAction::Message,
        AuditAction::Export,
        AuditAction::SignIn,
        AuditAction::SignInLinkRequested,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::CsrfFailed,
        AuditAction::RateLimited,
        AuditAction::FollowUpRefused,
        AuditAction::SecretariatHelp,
        AuditAction::SecretariatUnwrapped,
        AuditAction::MeasureDone,
        AuditAction::FsuRaised,
        AuditAction::FsuUpdated,
        AuditAction::LessonProposed,
        AuditAction::LessonApproved,
        AuditAction::LessonRejected,
        AuditAction::Assigned,
        AuditAction::HistoryImported,
    ];

    /// The stored text: `denied`, `view-sealed`, `transition:<slug>`,
    /// `message`, `export`, `sign-in`, `sign-in-link`, `sign-in-failed`,
    /// `sign-out`, `csrf-failed`, `rate-limited`, `follow-up-refused`.
    pub fn as_str(self) -> &'static str {
        use Transition as T;
        match self {
            AuditAction::Denied => "denied",
            AuditAction::ViewSealed => "view-sealed",
            // Spelled out so the text is &'static; a test checks each against the slug.
            AuditAction::Transition(t) => match t {
                T::StartReview => "transition:start-review",
                T::Forward => "transition:forward",
                T::ReturnToReporter => "transition:return",
                T::Withdraw => "transition:withdraw",
                T::Acknowledge => "transition:acknowledge",
                T::Reroute => "transition:reroute",
                T::Answer => "transition:answer",
                T::Close => "transition:close",
                T::Reopen => "transition:reopen",
            },
            AuditAction::Message => "message",
            AuditAction::Export => "export",
            AuditAction::SignIn => "sign-in",
            AuditAction::SignInLinkRequested => "sign-in-link",
            AuditAction::SignInFailed => "sign-in-failed",
            AuditAction::SignOut => "sign-out",
            AuditAction::CsrfFailed => "csrf-failed",
            AuditAction::RateLimited => "rate-limited",
            AuditAction::FollowUpRefused => "follow-up-refused",
            AuditAction::SecretariatHelp => "secretariat-help",
            AuditAction::SecretariatUnwrapped => "secretariat-unwrapped",
            AuditAction::MeasureDone => "measure-done",
            AuditAction::FsuRaised => "fsu-raised",
            AuditAction::FsuUpdated => "fsu-updated",
            AuditAction::LessonProposed => "lesson-proposed",
            AuditAction::LessonApproved => "lesson-approved",
            AuditAction::LessonRejected => "lesson-rejected",
            AuditAction::Assigned => "assigned",
            AuditAction::HistoryImported => "history-imported",
        }
    }

    /// The action stored as `s`, if it is one this version writes.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_the_stored_ones() {
        let texts: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        let mut expected = vec!["denied".to_owned(), "view-sealed".to_owned()];
        expected.extend(Transition::ALL.iter().map(|t| format!("transition:{}", t.slug())));
        expected.extend(
            [
                "message",
                "export",
                "sign-in",
                "sign-in-link",
                "sign-in-failed",
                "sign-out",
                "csrf-failed",
                "rate-limited",
                "follow-up-refused",
                "secretariat-help",
                "secretariat-unwrapped",
                "measure-done",
                "fsu-raised",
                "fsu-updated",
                "lesson-proposed",
                "lesson-approved",
                "lesson-rejected",
                "assigned",
                "history-imported",
            ]
            .map(String::from),
        );
        assert_eq!(texts, expected);
        for &a in AuditAction::ALL {
            assert_eq!(AuditAction::from_stored(a.as_str()), Some(a));
            assert_eq!(a.to_string(), a.as_str());
        }
        assert_eq!(AuditAction::from_stored("transition:"), None);
    }
}
