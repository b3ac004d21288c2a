//! Every limit the service enforces, written once: text lengths (in
//! characters, counted after trimming), how far back a report may go, the
//! sign-in rate and the suppression threshold of the reports.
//!
//! The report form's limits are also reachable as [`crate::report::limit`],
//! which re-exports them from here.

/// The report's description.
pub const DESCRIPTION: usize = 10_000;
/// Longer optional report texts: immediate measures, improvement suggestion.
pub const LONG_TEXT: usize = 5_000;
/// How the reporter identifies the patient.
pub const PATIENT_IDENTIFICATION: usize = 500;
/// One-line texts: place, reporter's name, the receiver hint.
pub const SHORT_TEXT: usize = 200;
/// The number of an event in the organisation's own avvik system (EQS, Synergi).
pub const INTERNAL_REFERENCE: usize = 40;
/// A phone number.
pub const PHONE: usize = 40;
/// An e-mail address (RFC 5321's limit).
pub const EMAIL: usize = 254;
/// How far back an event month may lie, in months.
pub const MONTHS_BACK: i32 = 60;

/// A handling text: answer, lesson, a reason (reroute, reopen, return,
/// withdraw), a dialogue message, the leader's supplement.
pub const HANDLING_TEXT: usize = 10_000;
/// Who is responsible for a planned measure.
pub const MEASURE_RESPONSIBLE: usize = 200;
/// What a planned measure is (its description).
pub const MEASURE_DESCRIPTION: usize = 2_000;
/// What the reporter adds on the follow-up page.
pub const REPORTER_ADDITION: usize = 5_000;

/// Sign-in links sent to one person within [`SIGN_IN_WINDOW_MINUTES`].
pub const SIGN_IN_LINKS: u64 = 3;
/// The fixed window for [`SIGN_IN_LINKS`], in minutes.
pub const SIGN_IN_WINDOW_MINUTES: i64 = 15;

/// Follow-up links mailed to one case's reporter per hour: whoever holds
/// the link can ask, so without a limit the link could flood the
/// reporter's mailbox.
pub const FOLLOW_UP_LINK_MAILS_PER_HOUR: u64 = 3;

/// Sign-in link requests from one client address within [`SIGN_IN_WINDOW_MINUTES`].
pub const SIGN_IN_PER_CLIENT: u64 = 20;
/// Sign-in link requests from everyone together within
/// [`SIGN_IN_WINDOW_MINUTES`]: a ceiling on the mail a flood can cause.
/// Links already sent and sessions keep working when it is reached.
pub const SIGN_IN_GLOBAL: u64 = 600;
/// Reports from one client address within [`REPORT_WINDOW_MINUTES`].
/// Generous: a ward's shared PC sends many reports from one address.
pub const REPORTS_PER_CLIENT: u64 = 60;
/// The window for [`REPORTS_PER_CLIENT`], in minutes.
pub const REPORT_WINDOW_MINUTES: i64 = 10;

/// Counts from 1 to this − 1 are shown as "<5" in published reports,
/// unless the person making the report chooses another threshold.
pub const SUPPRESSION_THRESHOLD: u64 = 5;
/// The lowest threshold a report accepts: with 1 nothing would be hidden.
pub const MIN_SUPPRESSION_THRESHOLD: u64 = 2;
