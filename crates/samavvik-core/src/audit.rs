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
    ];

    /// The stored text: `denied`, `view-sealed`, `transition:<slug>`,
    /// `message`, `export`, `sign-in`.
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
        expected.extend(["message", "export", "sign-in"].map(String::from));
        assert_eq!(texts, expected);
        for &a in AuditAction::ALL {
            assert_eq!(AuditAction::from_stored(a.as_str()), Some(a));
            assert_eq!(a.to_string(), a.as_str());
        }
        assert_eq!(AuditAction::from_stored("transition:"), None);
    }
}
