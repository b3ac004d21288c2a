//! The kinds of sealed handling notes, and who besides the two units may
//! read each kind.
//!
//! Every note is sealed to the sending unit and the receiving unit (and to
//! the secretariat only where it may read the case: in its triage, or asked
//! for help), so both sides of a case read every note. What
//! varies by kind is whether the *reporter* reads it on the private
//! follow-up page; that rule lives in [`NoteKind::reporter_reads`] and
//! nowhere else.

/// What a sealed note is. The slugs are stored in existing databases and
/// must never change.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NoteKind {
    /// The receiver's answer with its measures.
    Answer,
    /// The learning point written when the case is closed.
    Lesson,
    /// Why the case was sent on to another unit.
    Reroute,
    /// Why the secretariat reopened a closed case.
    Reopen,
    /// A message in the dialogue between the sending and receiving side.
    Message,
    /// What the reporter added on the follow-up page.
    ReporterAddition,
    /// What the sender's leader asks the reporter to correct or add.
    Returned,
    /// Why the sender's leader withdrew the report.
    Withdraw,
    /// The sender's leader's supplement when forwarding.
    Supplement,
    /// Why a party asked the secretariat for help (the case was sealed to it).
    SecretariatHelp,
}

/// Whether the reporter reads a note of some kind on the follow-up page.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReporterReads {
    /// Never: it is for the two units only.
    Never,
    /// Always: it is written to the reporter.
    Always,
    /// Only if the person writing it ticks "share with the reporter".
    WhenShared,
}

impl NoteKind {
    pub const ALL: &'static [NoteKind] = &[
        NoteKind::Answer,
        NoteKind::Lesson,
        NoteKind::Reroute,
        NoteKind::Reopen,
        NoteKind::Message,
        NoteKind::ReporterAddition,
        NoteKind::Returned,
        NoteKind::Withdraw,
        NoteKind::Supplement,
        NoteKind::SecretariatHelp,
    ];

    /// What a note of unknown kind is called on the case page.
    pub const UNKNOWN_LABEL_NB: &'static str = "Notat";

    /// The stored name of the kind.
    pub fn slug(self) -> &'static str {
        match self {
            NoteKind::Answer => "answer",
            NoteKind::Lesson => "lesson",
            NoteKind::Reroute => "reroute",
            NoteKind::Reopen => "reopen",
            NoteKind::Message => "message",
            NoteKind::ReporterAddition => "reporter-addition",
            NoteKind::Returned => "returned",
            NoteKind::Withdraw => "withdraw",
            NoteKind::Supplement => "supplement",
            NoteKind::SecretariatHelp => "secretariat-help",
        }
    }

    /// The kind stored as `s`; `None` for a kind this version does not know.
    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.slug() == s)
    }

    /// The heading of the note on the case page.
    pub fn label_nb(self) -> &'static str {
        match self {
            NoteKind::Answer => "Svar",
            NoteKind::Lesson => "Læringspunkt",
            NoteKind::Reroute => "Begrunnelse for videresending",
            NoteKind::Reopen => "Begrunnelse for gjenåpning",
            NoteKind::Message => "Melding",
            NoteKind::ReporterAddition => "Tilleggsopplysninger fra melder",
            NoteKind::Returned => "Sendt tilbake til melder",
            NoteKind::Withdraw => "Begrunnelse for tilbaketrekking",
            NoteKind::Supplement => "Supplement fra nærmeste leder",
            NoteKind::SecretariatHelp => "Sekretariatet bedt om hjelp",
        }
    }

    /// The heading for a stored slug, "Notat" if the kind is unknown.
    pub fn label_nb_of_slug(s: &str) -> &'static str {
        Self::from_slug(s).map_or(Self::UNKNOWN_LABEL_NB, Self::label_nb)
    }

    /// Whether the reporter reads notes of this kind: the request to add
    /// information and the reason for withdrawing are written to the
    /// reporter; the answer only if the receiving leader chooses to share
    /// it; everything else stays between the units.
    pub fn reporter_reads(self) -> ReporterReads {
        match self {
            NoteKind::Returned | NoteKind::Withdraw => ReporterReads::Always,
            NoteKind::Answer => ReporterReads::WhenShared,
            NoteKind::Lesson
            | NoteKind::Reroute
            | NoteKind::Reopen
            | NoteKind::Message
            | NoteKind::ReporterAddition
            | NoteKind::Supplement
            | NoteKind::SecretariatHelp => ReporterReads::Never,
        }
    }

    /// Whether a note of this kind is stored as shareable without anyone
    /// choosing so.
    pub fn shareable_by_default(self) -> bool {
        self.reporter_reads() == ReporterReads::Always
    }

    /// The `shareable` flag to store with a new note: `chosen` is whether
    /// the writer ticked "share with the reporter" (ignored for kinds where
    /// there is no choice).
    pub fn shareable(self, chosen: bool) -> bool {
        match self.reporter_reads() {
            ReporterReads::Always => true,
            ReporterReads::WhenShared => chosen,
            ReporterReads::Never => false,
        }
    }

    /// Whether the follow-up page shows a stored note: its kind must be one
    /// the reporter may read at all, and it must have been stored shareable.
    pub fn shown_to_reporter(self, stored_shareable: bool) -> bool {
        stored_shareable && self.reporter_reads() != ReporterReads::Never
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_the_stored_ones_and_round_trip() {
        let slugs: Vec<&str> = NoteKind::ALL.iter().map(|k| k.slug()).collect();
        assert_eq!(
            slugs,
            [
                "answer",
                "lesson",
                "reroute",
                "reopen",
                "message",
                "reporter-addition",
                "returned",
                "withdraw",
                "supplement",
                "secretariat-help"
            ]
        );
        for &k in NoteKind::ALL {
            assert_eq!(NoteKind::from_slug(k.slug()), Some(k));
        }
        assert_eq!(NoteKind::from_slug("Answer"), None);
        assert_eq!(NoteKind::label_nb_of_slug("something-new"), "Notat");
        assert_eq!(NoteKind::label_nb_of_slug("answer"), "Svar");
    }

    #[test]
    fn the_reporter_reads_returns_withdrawals_and_shared_answers() {
        let for_reporter: Vec<&str> = NoteKind::ALL
            .iter()
            .filter(|k| k.shown_to_reporter(true))
            .map(|k| k.slug())
            .collect();
        assert_eq!(for_reporter, ["answer", "returned", "withdraw"]);
        assert!(NoteKind::ALL.iter().all(|k| !k.shown_to_reporter(false)));
        assert!(NoteKind::Answer.shareable(true) && !NoteKind::Answer.shareable(false));
        assert!(NoteKind::Returned.shareable(false) && NoteKind::Withdraw.shareable(false));
        assert!(!NoteKind::Message.shareable(true));
        let by_default: Vec<_> = NoteKind::ALL.iter().filter(|k| k.shareable_by_default()).collect();
        assert_eq!(by_default, [&NoteKind::Returned, &NoteKind::Withdraw]);
    }
}
