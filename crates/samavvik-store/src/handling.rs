//! Case handling: sign-in tokens and sessions, the audit log, work lists,
//! lifecycle transitions and the sealed items added while a case is handled
//! (answers, supplements, messages).
//!
//! People are stored as an opaque `principal` (e.g. `u-<hex>`, a keyed hash
//! of the work e-mail made by the intake), never as an address: the clear
//! columns hold no personal data.

use chrono::{DateTime, NaiveDate, Utc};
use samavvik_core::{CaseNumber, CaseState, Category, EventMonth, MeasureCategory, UnitId};

use crate::{CaseRecord, Ciphertext, NewEvent, NewMailJob, Result, TokenHash};

/// One row of the append-only audit log. Never holds content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// A principal, or "melder" / "system".
    pub actor: String,
    /// A stable action name: "view-sealed", "transition:acknowledge", "denied", "sign-in", "export", ...
    pub action: String,
    pub case_number: Option<CaseNumber>,
    pub unit: Option<UnitId>,
    /// Short technical detail without content (e.g. the route of a denied request).
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub case_number: Option<CaseNumber>,
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    /// Page size; 0 gives an empty page (the total is still counted).
    pub limit: u32,
    pub offset: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Newest first (default).
    #[default]
    Newest,
    Oldest,
    /// Earliest acknowledge deadline first.
    AckDeadline,
    /// Earliest answer deadline first.
    AnswerDeadline,
}

/// A work list query. A case matches when its receiving unit is in
/// `receiving_units` (and it has been sent on: not `submitted`,
/// `sender_review` or `withdrawn`) or its sending unit is in
/// `sending_units`, and every other given condition holds.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub receiving_units: Vec<UnitId>,
    pub sending_units: Vec<UnitId>,
    /// Sub-units (wards, sections) whose cases match as sent from them,
    /// in any state: their leaders review and follow their reports.
    pub sending_subunits: Vec<UnitId>,
    /// Sub-units whose own leaders review their reports: a case from one
    /// of them does not match through `sending_units` while it waits for
    /// review (`submitted`, `sender_review`), so the review is on the
    /// nearest leader's list only, not also on the level above's.
    pub reviewed_elsewhere: Vec<UnitId>,
    /// Empty means any state.
    pub states: Vec<CaseState>,
    /// Only cases open on this date with a deadline before it not met:
    /// not acknowledged by `ack_deadline` or not answered by `answer_deadline`.
    pub overdue_on: Option<NaiveDate>,
    pub category: Option<Category>,
    pub month_from: Option<EventMonth>,
    pub month_to: Option<EventMonth>,
    /// Only cases given to this handler (a principal) by the unit that
    /// now receives them ("mine" on the work list).
    pub assigned_to: Option<String>,
    pub sort: CaseSort,
    /// Page size; 0 gives an empty page (the total is still counted).
    pub limit: u32,
    pub offset: u32,
}

/// Which sealed document a re-encrypted ciphertext replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealedRef {
    /// The report itself (`case_documents`).
    Report,
    /// An item added during handling.
    Item(i64),
}

/// A new receiving unit, with every sealed document of the case sealed
/// again to the new recipient set (the old unit loses access).
#[derive(Clone, Debug)]
pub struct Reroute {
    pub receiver_unit: UnitId,
    /// The new unit's organisation, and the direction that gives.
    pub receiver_org: samavvik_core::OrgId,
    pub direction: samavvik_core::Direction,
    pub routing_rule: String,
    pub routing_explanation: String,
    pub ack_deadline: NaiveDate,
    pub answer_deadline: NaiveDate,
    pub resealed: Vec<(SealedRef, Ciphertext)>,
}

/// A sealed item added to a case: an answer, a leader's supplement, a
/// message in the dialogue, information added by the reporter.
#[derive(Clone, Debug)]
pub struct NewSealedItem {
    /// "answer", "supplement", "message", "reporter-addition", "lesson".
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The receiving leader marked it as one the reporter may read.
    pub shareable: bool,
    pub ciphertext: Ciphertext,
}

#[derive(Clone, Debug)]
pub struct SealedItem {
    pub id: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub shareable: bool,
    pub ciphertext: Ciphertext,
}

/// Everything one transition writes, in one transaction, guarded by the
/// state the case is expected to be in.
#[derive(Clone, Debug)]
pub struct TransitionWrite {
    pub number: CaseNumber,
    pub from: CaseState,
    pub to: CaseState,
    pub event: NewEvent,
    /// Set these clear handling timestamps (None leaves them as they are).
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Reopening clears `closed_at`; rerouting clears `acknowledged_at` and `answered_at`.
    pub clear_closed_at: bool,
    pub clear_acknowledged_and_answered: bool,
    pub reroute: Option<Reroute>,
    /// Every sealed document sealed again to more readers (asking the
    /// secretariat for help); checked like a reroute's. Empty: unchanged.
    pub resealed: Vec<(SealedRef, Ciphertext)>,
    /// Records that a party asked the secretariat for help (at the event's time).
    pub secretariat_help: bool,
    /// Due dates of the measures in `measures` (the earliest per category).
    pub measure_dues: Vec<(MeasureCategory, NaiveDate)>,
    /// New (acknowledge, answer) deadlines, e.g. when a reviewed report is
    /// sent on and its deadlines start. A reroute's own deadlines win.
    pub deadlines: Option<(NaiveDate, NaiveDate)>,
    pub new_items: Vec<NewSealedItem>,
    /// When `Some`, replaces the case's measure categories.
    pub measures: Option<Vec<MeasureCategory>>,
    pub mail: Vec<NewMailJob>,
}

impl TransitionWrite {
    /// A transition from `from` to `to` that writes `event` and nothing
    /// else yet; callers set what their step adds.
    pub fn new(number: CaseNumber, from: CaseState, to: CaseState, event: NewEvent) -> Self {
        Self {
            number,
            from,
            to,
            event,
            acknowledged_at: None,
            answered_at: None,
            closed_at: None,
            clear_closed_at: false,
            clear_acknowledged_and_answered: false,
            reroute: None,
            resealed: Vec::new(),
            secretariat_help: false,
            measure_dues: Vec::new(),
            deadlines: None,
            new_items: Vec::new(),
            measures: None,
            mail: Vec::new(),
        }
    }
}

#[allow(async_fn_in_trait)]
pub trait HandlingStore {
    // ── sign-in ──────────────────────────────────────────────────────────
    async fn create_login_token(
        &self,
        hash: &TokenHash,
        principal: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        mail: &NewMailJob,
    ) -> Result<()>;
    /// Marks the token used and returns its principal, if it exists, is
    /// unused and has not expired. A second call for the same token gets `None`.
    async fn consume_login_token(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>>;
    async fn create_session(
        &self,
        hash: &TokenHash,
        principal: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The session's principal if it has not expired and was last seen at
    /// or after `idle_cutoff`; records `now` as last seen.
    async fn touch_session(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<Option<String>>;
    async fn delete_session(&self, hash: &TokenHash) -> Result<()>;

    // ── audit ────────────────────────────────────────────────────────────
    async fn append_audit(&self, entry: &AuditEntry) -> Result<()>;
    /// Newest first, with the total count matching the filter.
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64)>;

    // ── work lists and cases ─────────────────────────────────────────────
    /// Matching cases in the requested order, with the total count.
    async fn list_cases(&self, filter: &CaseFilter) -> Result<(Vec<CaseRecord>, u64)>;
    /// The measure categories recorded for a case. An unknown case is
    /// [`crate::StoreError::NotFound`].
    async fn case_measures(&self, number: CaseNumber) -> Result<Vec<MeasureCategory>>;
    /// The clear handling timestamps (acknowledged, answered, closed);
    /// `None` for an unknown case.
    #[cfg(any(test, feature = "test-support"))]
    async fn handling_times(
        &self,
        number: CaseNumber,
    ) -> Result<Option<(Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>>;

    // ── transitions and sealed items ─────────────────────────────────────
    /// Applies a transition if the case is still in `from`; `false` (and
    /// nothing written) if someone else moved it first. An unknown case is
    /// [`crate::StoreError::NotFound`] (and nothing written).
    /// A reroute whose `resealed` does not name exactly the case's sealed
    /// documents (the report if present, every item) is refused with
    /// [`crate::StoreError::Corrupt`] and writes nothing.
    async fn apply_transition(&self, write: &TransitionWrite) -> Result<bool>;
    /// Adds a sealed item outside a transition (a message, a reporter's
    /// addition), with its notifications, in one transaction. Returns the
    /// item's id; an unknown case is [`crate::StoreError::NotFound`].
    async fn add_sealed_item(&self, number: CaseNumber, item: &NewSealedItem, mail: &[NewMailJob]) -> Result<i64>;
    /// The case's sealed items, oldest first. An unknown case is
    /// [`crate::StoreError::NotFound`].
    async fn sealed_items(&self, number: CaseNumber) -> Result<Vec<SealedItem>>;
    /// Replaces every sealed document of case `number` (report and notes)
    /// with `resealed`, in one transaction, without an event: the same
    /// content sealed to fewer readers (`samavvik keys unwrap-secretariat`).
    /// Refused unless `resealed` names exactly the case's documents, so a
    /// note added meanwhile is never lost.
    async fn reseal_case(&self, number: CaseNumber, resealed: &[(SealedRef, Ciphertext)]) -> Result<()>;
    /// Every case number, oldest case first (for commands that walk all cases).
    async fn all_case_numbers(&self) -> Result<Vec<CaseNumber>>;
    /// Records an item raised to FSU (status "ny"); returns its id.
    async fn raise_to_fsu(
        &self,
        case_number: Option<CaseNumber>,
        title: &str,
        reason: &str,
        raised_by_unit: &UnitId,
        at: DateTime<Utc>,
    ) -> Result<i64>;
    /// Every item raised to FSU, newest first.
    async fn fsu_items(&self) -> Result<Vec<crate::FsuItem>>;
    /// Sets an item's status and FSU's decision; `false` for an unknown item.
    async fn update_fsu_item(
        &self,
        id: i64,
        status: samavvik_core::fsu::FsuStatus,
        decision: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Gives case `number` to `principal` as its handler in `unit` (the
    /// receiving unit), or takes it back (`None`); `by` is who did it.
    /// `false` for an unknown case.
    async fn assign_case(
        &self,
        number: CaseNumber,
        unit: &UnitId,
        principal: Option<&str>,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<bool>;
    /// The handlers of `numbers` as (case, unit it was given in, principal);
    /// cases without one are left out.
    async fn case_assignees(&self, numbers: &[CaseNumber]) -> Result<Vec<(CaseNumber, UnitId, String)>>;
    /// The case's measures with their due and done dates, in vocabulary order.
    async fn measure_follow_ups(&self, number: CaseNumber) -> Result<Vec<crate::MeasureFollowUp>>;
    /// Marks the case's measure of `category` done on `done_on` and writes
    /// `event`, in one transaction; `false` (nothing written) when the case
    /// is not in `state`, has no such measure, or it is already done.
    async fn mark_measure_done(
        &self,
        number: CaseNumber,
        state: CaseState,
        category: MeasureCategory,
        done_on: NaiveDate,
        event: &NewEvent,
    ) -> Result<bool>;
}
