//! The report form: raw input as typed, and its validation into a
//! [`ValidatedReport`] ("parse, don't validate").
//!
//! [`RawReport`] keeps every value exactly as it arrived, so a form with
//! errors can be shown again with nothing lost. Checks that need the
//! directory (does the unit exist, is it the same organisation) belong to
//! the intake, which has the directory; here is everything else.

use chrono::NaiveDate;

use crate::sealed::SealedFields;
use crate::{AgreementClause, Category, Consequence, EventMonth, Kind, OrgId, PatientGroup, UnitId};

/// Form field names, in the order the form shows them (and the error summary lists them).
pub mod field {
    pub const KIND: &str = "kind";
    pub const EVENT_MONTH: &str = "event_month";
    pub const SENDER_UNIT: &str = "sender_unit";
    /// The reporter's ward or section under the sending unit (optional).
    pub const SENDER_SUBUNIT: &str = "sender_subunit";
    pub const RECEIVER_ORG: &str = "receiver_org";
    pub const RECEIVER_UNIT: &str = "receiver_unit";
    pub const RECEIVER_HINT: &str = "receiver_hint";
    pub const CATEGORY: &str = "category";
    /// The part of the samarbeidsavtale that was breached (optional, clear).
    pub const AGREEMENT_CLAUSE: &str = "agreement_clause";
    pub const CONSEQUENCE: &str = "consequence";
    pub const PATIENT_GROUP: &str = "patient_group";
    pub const DESCRIPTION: &str = "description";
    pub const EVENT_DATE: &str = "event_date";
    /// Time of day (optional, sealed).
    pub const EVENT_TIME: &str = "event_time";
    pub const EVENT_PLACE: &str = "event_place";
    pub const PATIENT_IDENTIFICATION: &str = "patient_identification";
    pub const IMMEDIATE_MEASURES: &str = "immediate_measures";
    pub const IMPROVEMENT_SUGGESTION: &str = "improvement_suggestion";
    /// The number in the organisation's own avvik system (optional, sealed).
    pub const INTERNAL_REFERENCE: &str = "internal_reference";
    pub const REPORTER_NAME: &str = "reporter_name";
    pub const REPORTER_EMAIL: &str = "reporter_email";
    pub const REPORTER_PHONE: &str = "reporter_phone";
}

/// Maximum lengths in characters, per field (kept here for existing
/// callers; the numbers live in [`crate::limits`]).
pub mod limit {
    pub use crate::limits::{DESCRIPTION, EMAIL, LONG_TEXT, MONTHS_BACK, PATIENT_IDENTIFICATION, PHONE, SHORT_TEXT};
}

/// The form exactly as submitted. Unknown fields are ignored.
#[derive(Clone, Default)]
pub struct RawReport {
    pub kind: String,
    pub event_month: String,
    pub sender_unit: String,
    pub sender_subunit: String,
    pub receiver_org: String,
    pub receiver_unit: String,
    pub receiver_hint: String,
    pub categories: Vec<String>,
    pub agreement_clause: String,
    pub consequence: String,
    pub patient_group: String,
    pub description: String,
    pub event_date: String,
    pub event_time: String,
    pub event_place: String,
    pub patient_identification: String,
    pub immediate_measures: String,
    pub improvement_suggestion: String,
    pub internal_reference: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub reporter_phone: String,
}

impl RawReport {
    /// Reads the report fields from `application/x-www-form-urlencoded` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut r = RawReport::default();
        for (k, v) in pairs {
            let v = v.to_owned();
            match k {
                field::KIND => r.kind = v,
                field::EVENT_MONTH => r.event_month = v,
                field::SENDER_UNIT => r.sender_unit = v,
                field::SENDER_SUBUNIT => r.sender_subunit = v,
                field::RECEIVER_ORG => r.receiver_org = v,
                field::RECEIVER_UNIT => r.receiver_unit = v,
                field::RECEIVER_HINT => r.receiver_hint = v,
                field::CATEGORY => r.categories.push(v),
                field::AGREEMENT_CLAUSE => r.agreement_clause = v,
                field::CONSEQUENCE => r.consequence = v,
                field::PATIENT_GROUP => r.patient_group = v,
                field::DESCRIPTION => r.description = v,
                field::EVENT_DATE => r.event_date = v,
                field::EVENT_TIME => r.event_time = v,
                field::EVENT_PLACE => r.event_place = v,
                field::PATIENT_IDENTIFICATION => r.patient_identification = v,
                field::IMMEDIATE_MEASURES => r.immediate_measures = v,
                field::IMPROVEMENT_SUGGESTION => r.improvement_suggestion = v,
                field::INTERNAL_REFERENCE => r.internal_reference = v,
                field::REPORTER_NAME => r.reporter_name = v,
                field::REPORTER_EMAIL => r.reporter_email = v,
                field::REPORTER_PHONE => r.reporter_phone = v,
                _ => {}
            }
        }
        r
    }

    pub fn from_urlencoded(body: &[u8]) -> Self {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// One problem with one field, in bokmål, for the error summary and the field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The clear (non-identifying) part of a valid report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearReport {
    pub kind: Kind,
    pub event_month: EventMonth,
    pub sender_unit: UnitId,
    /// What the reporter typed or picked for their ward or section; the
    /// intake finds it among the sending unit's sub-units (directory).
    pub sender_subunit: Option<String>,
    pub receiver_org: OrgId,
    pub receiver_unit: Option<UnitId>,
    /// Free text the routing reads to find the unit; never stored.
    pub receiver_hint: Option<String>,
    pub categories: Vec<Category>,
    /// The part of the samarbeidsavtale breached; `None` when not chosen.
    pub agreement_clause: Option<AgreementClause>,
    pub consequence: Consequence,
    pub patient_group: PatientGroup,
}

/// A report that passed every check that needs no directory.
#[derive(Clone)]
pub struct ValidatedReport {
    pub clear: ClearReport,
    pub sealed: SealedFields,
}

struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn err(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }

    fn choice<T>(
        &mut self,
        field: &'static str,
        raw: &str,
        parse: impl Fn(&str) -> Option<T>,
        missing: &str,
    ) -> Option<T> {
        let raw = raw.trim();
        if raw.is_empty() {
            self.err(field, missing);
            return None;
        }
        let v = parse(raw);
        if v.is_none() {
            self.err(field, "Velg et av alternativene i listen.");
        }
        v
    }

    /// A text meant to be free of identifiers: as [`Checker::text`], and a
    /// fødselsnummer or D-number in it is refused (docs/SECURITY.md).
    fn free_text(&mut self, field: &'static str, raw: &str, max: usize, what: &str) -> String {
        let t = self.text(field, raw, max, what);
        if crate::identity::contains_national_id(&t) {
            self.err(field, crate::identity::NOT_HERE);
        }
        t
    }

    fn text(&mut self, field: &'static str, raw: &str, max: usize, what: &str) -> String {
        let t = raw.trim();
        let n = t.chars().count();
        if n > max {
            self.err(field, format!("{what} kan være høyst {max} tegn. Nå er det {n} tegn."));
        }
        t.to_owned()
    }
}

fn months_between(from: EventMonth, to: EventMonth) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        && !domain.contains('@')
}

/// Checks a submitted form. `today` is the reporter's date (Europe/Oslo).
///
/// # Errors
///
/// Every [`FieldError`] found, when any field is missing, out of range or
/// malformed (for example an event month after `today`), sorted in the
/// form's field order so the error summary reads top to bottom.
pub fn validate(raw: &RawReport, today: NaiveDate) -> Result<ValidatedReport, Vec<FieldError>> {
    let mut c = Checker { errors: Vec::new() };
    let event_month = c.event_month(&raw.event_month, today);
    let clear = c.clear(raw, event_month);
    let sealed = c.sealed(raw, today, event_month);
    if !c.errors.is_empty() {
        // Stable: a field's own messages keep the order they were found in.
        let order = |f: &str| FIELD_ORDER.iter().position(|&x| x == f).unwrap_or(usize::MAX);
        c.errors.sort_by_key(|e| order(e.field));
        return Err(c.errors);
    }
    let clear = clear.expect("every choice without an error was made");
    let sealed = SealedFields {
        receiver_hint: clear.receiver_hint.clone().unwrap_or_default(),
        ..sealed
    };
    Ok(ValidatedReport { clear, sealed })
}

/// The checks of [`validate`], one group of fields each. Every method
/// records its problems in `errors`; a choice that is `None` has one.
impl Checker {
    fn event_month(&mut self, raw: &str, today: NaiveDate) -> Option<EventMonth> {
        use field::EVENT_MONTH;
        let event_month = self.choice(
            EVENT_MONTH,
            raw,
            |s| s.parse::<EventMonth>().ok(),
            "Velg måneden hendelsen skjedde.",
        );
        event_month.filter(|&m| {
            let this = EventMonth::of(today);
            if m > this {
                self.err(EVENT_MONTH, "Måneden kan ikke være fram i tid.");
                false
            } else if months_between(m, this) > limit::MONTHS_BACK {
                self.err(
                    EVENT_MONTH,
                    "Hendelsen er mer enn fem år gammel. Kontakt sekretariatet for eldre saker.",
                );
                false
            } else {
                true
            }
        })
    }

    /// The clear part; `None` if a choice is missing or invalid.
    fn clear(&mut self, raw: &RawReport, event_month: Option<EventMonth>) -> Option<ClearReport> {
        use field::*;
        let kind = self.choice(
            KIND,
            &raw.kind,
            Kind::from_slug,
            "Velg om det er et avvik eller en uønsket hendelse.",
        );
        let sender_unit = self.choice(
            SENDER_UNIT,
            &raw.sender_unit,
            |s| UnitId::new(s).ok(),
            "Velg enheten du melder fra.",
        );
        let receiver_org = self.choice(
            RECEIVER_ORG,
            &raw.receiver_org,
            |s| OrgId::new(s).ok(),
            "Velg hvem avviket gjelder: en kommune eller sykehuset.",
        );
        let subunit = self.free_text(
            SENDER_SUBUNIT,
            &raw.sender_subunit,
            limit::SHORT_TEXT,
            "Avdelingen eller seksjonen",
        );
        let receiver_unit = match raw.receiver_unit.trim() {
            "" => None,
            s => self.choice(RECEIVER_UNIT, s, |s| UnitId::new(s).ok(), ""),
        };
        let hint = self.free_text(
            RECEIVER_HINT,
            &raw.receiver_hint,
            limit::SHORT_TEXT,
            "Beskrivelsen av mottakeren",
        );
        let categories = self.categories(&raw.categories);
        let agreement_clause = match raw.agreement_clause.trim() {
            "" => None,
            s => {
                let clause = AgreementClause::from_slug(s);
                if clause.is_none() {
                    self.err(AGREEMENT_CLAUSE, "Velg delavtale fra listen, eller «Vet ikke».");
                }
                clause
            }
        };
        let consequence = self.choice(
            CONSEQUENCE,
            &raw.consequence,
            Consequence::from_slug,
            "Velg konsekvens for pasienten. Velg «Ukjent» hvis du ikke vet.",
        );
        let patient_group = self.choice(
            PATIENT_GROUP,
            &raw.patient_group,
            PatientGroup::from_slug,
            "Velg pasientgruppe. Velg «Ukjent» hvis du ikke vet.",
        );
        Some(ClearReport {
            kind: kind?,
            event_month: event_month?,
            sender_unit: sender_unit?,
            sender_subunit: (!subunit.is_empty()).then_some(subunit),
            receiver_org: receiver_org?,
            receiver_unit,
            receiver_hint: (!hint.is_empty()).then_some(hint),
            categories,
            agreement_clause,
            consequence: consequence?,
            patient_group: patient_group?,
        })
    }

    /// Well-formed category slugs, each once, sorted; at least one. Whether
    /// the directory's list offers them on the report's date is the intake's
    /// check (the list is directory data).
    fn categories(&mut self, raw: &[String]) -> Vec<Category> {
        let mut categories = Vec::new();
        for s in raw {
            match Category::from_slug(s.trim()) {
                Some(cat) if !categories.contains(&cat) => categories.push(cat),
                Some(_) => {}
                None => {
                    self.err(
                        field::CATEGORY,
                        "En av de valgte kategoriene finnes ikke. Velg fra listen.",
                    );
                    break;
                }
            }
        }
        if raw.is_empty() {
            self.err(field::CATEGORY, "Velg minst én kategori.");
        }
        categories.sort();
        categories
    }

    /// The sealed part: the story, the patient and the reporter.
    fn sealed(&mut self, raw: &RawReport, today: NaiveDate, event_month: Option<EventMonth>) -> SealedFields {
        use field::*;
        let description = self.free_text(DESCRIPTION, &raw.description, limit::DESCRIPTION, "Beskrivelsen");
        if description.is_empty() {
            self.err(DESCRIPTION, "Beskriv hva som skjedde.");
        }
        let event_date = self.event_date(&raw.event_date, today, event_month);
        let event_time = self.event_time(&raw.event_time);
        let event_place = self.free_text(EVENT_PLACE, &raw.event_place, limit::SHORT_TEXT, "Stedet");
        // The one field where identity belongs (sealed): accepted, even a
        // fødselsnummer; the form only notes that name and birth date suffice.
        let patient_identification = self.text(
            PATIENT_IDENTIFICATION,
            &raw.patient_identification,
            limit::PATIENT_IDENTIFICATION,
            "Pasientidentifikasjonen",
        );
        let immediate_measures = self.free_text(
            IMMEDIATE_MEASURES,
            &raw.immediate_measures,
            limit::LONG_TEXT,
            "Strakstiltakene",
        );
        let improvement_suggestion = self.free_text(
            IMPROVEMENT_SUGGESTION,
            &raw.improvement_suggestion,
            limit::LONG_TEXT,
            "Forslaget",
        );
        let internal_reference = self.internal_reference(&raw.internal_reference);
        let (reporter_name, reporter_email, reporter_phone) = self.reporter(raw);
        SealedFields {
            description,
            event_date,
            event_place,
            patient_identification,
            immediate_measures,
            improvement_suggestion,
            reporter_name,
            reporter_email,
            reporter_phone,
            receiver_hint: String::new(),
            event_time,
            internal_reference,
        }
    }

    /// An optional date, not in the future and inside the chosen month.
    fn event_date(&mut self, raw: &str, today: NaiveDate, event_month: Option<EventMonth>) -> Option<NaiveDate> {
        use field::EVENT_DATE;
        match raw.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    self.err(EVENT_DATE, "Datoen kan ikke være fram i tid.");
                    None
                }
                Ok(d) => {
                    if let Some(m) = event_month
                        && !m.contains(d)
                    {
                        self.err(
                            EVENT_DATE,
                            format!("Datoen er ikke i {}, som du valgte som måned.", m.label_nb()),
                        );
                    }
                    Some(d)
                }
                Err(_) => {
                    self.err(
                        EVENT_DATE,
                        "Skriv datoen som dag, måned og år, for eksempel 2026-11-23.",
                    );
                    None
                }
            },
        }
    }

    /// An optional time of day, as a time field sends it ("14:05", or
    /// "14:05:00"); "14.05" is accepted as Norwegians write it. Kept to
    /// the minute: seconds would only narrow it further.
    fn event_time(&mut self, raw: &str) -> Option<chrono::NaiveTime> {
        use chrono::{NaiveTime, Timelike};
        let s = raw.trim();
        if s.is_empty() {
            return None;
        }
        let t = s.replace('.', ":");
        let parsed = NaiveTime::parse_from_str(&t, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&t, "%H:%M:%S"))
            .ok();
        if parsed.is_none() {
            self.err(
                field::EVENT_TIME,
                "Skriv klokkeslettet som timer og minutter, for eksempel 14:30.",
            );
        }
        parsed.and_then(|t| NaiveTime::from_hms_opt(t.hour(), t.minute(), 0))
    }

    /// An optional number from the organisation's own avvik system (EQS,
    /// Synergi): letters, digits and a few separators, nothing that could
    /// be a story or a fødselsnummer.
    fn internal_reference(&mut self, raw: &str) -> String {
        use field::INTERNAL_REFERENCE;
        let t = self.text(
            INTERNAL_REFERENCE,
            raw,
            crate::limits::INTERNAL_REFERENCE,
            "Saksnummeret i eget avvikssystem",
        );
        if !t.is_empty() && !t.chars().all(|c| c.is_alphanumeric() || " -/._#:".contains(c)) {
            self.err(
                INTERNAL_REFERENCE,
                "Saksnummeret i eget avvikssystem kan bare inneholde bokstaver, sifre, mellomrom og tegnene - / . _ # :",
            );
        } else if crate::identity::contains_national_id(&t) {
            self.err(INTERNAL_REFERENCE, crate::identity::NOT_HERE);
        }
        t
    }

    /// Name, e-mail and phone: a name and at least one way to reach the reporter.
    fn reporter(&mut self, raw: &RawReport) -> (String, String, String) {
        use field::*;
        let reporter_name = self.text(REPORTER_NAME, &raw.reporter_name, limit::SHORT_TEXT, "Navnet");
        if reporter_name.is_empty() {
            self.err(REPORTER_NAME, "Skriv navnet ditt, slik at mottakeren kan kontakte deg.");
        }
        let reporter_email = self.text(REPORTER_EMAIL, &raw.reporter_email, limit::EMAIL, "E-postadressen");
        if !reporter_email.is_empty() && !plausible_email(&reporter_email) {
            self.err(
                REPORTER_EMAIL,
                "Skriv en gyldig e-postadresse, for eksempel navn@kommune.no.",
            );
        }
        let reporter_phone = self.text(REPORTER_PHONE, &raw.reporter_phone, limit::PHONE, "Telefonnummeret");
        if !reporter_phone.is_empty()
            && !reporter_phone
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch))
        {
            self.err(
                REPORTER_PHONE,
                "Telefonnummeret kan bare inneholde sifre, mellomrom, + og -.",
            );
        }
        if reporter_email.is_empty() && reporter_phone.is_empty() {
            self.err(
                REPORTER_EMAIL,
                "Skriv e-postadressen din på jobb eller et telefonnummer, slik at mottakeren kan kontakte deg.",
            );
        }
        (reporter_name, reporter_email, reporter_phone)
    }
}

/// Every field in form order.
pub const FIELD_ORDER: &[&str] = &[
    field::KIND,
    field::EVENT_MONTH,
    field::SENDER_UNIT,
    field::SENDER_SUBUNIT,
    field::RECEIVER_ORG,
    field::RECEIVER_UNIT,
    field::RECEIVER_HINT,
    field::CATEGORY,
    field::AGREEMENT_CLAUSE,
    field::CONSEQUENCE,
    field::PATIENT_GROUP,
    field::DESCRIPTION,
    field::EVENT_DATE,
    field::EVENT_TIME,
    field::EVENT_PLACE,
    field::PATIENT_IDENTIFICATION,
    field::IMMEDIATE_MEASURES,
    field::IMPROVEMENT_SUGGESTION,
    field::INTERNAL_REFERENCE,
    field::REPORTER_NAME,
    field::REPORTER_EMAIL,
    field::REPORTER_PHONE,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn good() -> RawReport {
        RawReport {
            kind: "avvik".into(),
            event_month: "2026-11".into(),
            sender_unit: "kommune-horten".into(),
            receiver_org: "siv".into(),
            receiver_unit: "siv-med".into(),
            categories: vec!["legemidler".into(), "epikrise".into(), "legemidler".into()],
            consequence: "lav".into(),
            patient_group: "skrobelige-eldre".into(),
            description: "  Epikrisen manglet.  ".into(),
            event_date: "2026-11-20".into(),
            reporter_name: "Kari".into(),
            reporter_email: "kari@horten.kommune.no".into(),
            ..Default::default()
        }
    }

    fn fields(errs: &[FieldError]) -> Vec<&'static str> {
        errs.iter().map(|e| e.field).collect()
    }

    #[test]
    fn accepts_a_good_report() {
        let v = validate(&good(), today()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            v.clear.categories,
            vec![Category::from_static("epikrise"), Category::from_static("legemidler")]
        );
        assert_eq!(v.sealed.description, "Epikrisen manglet.");
        assert_eq!(v.clear.receiver_unit.unwrap().as_str(), "siv-med");
    }

    #[test]
    fn a_national_id_is_refused_outside_the_patient_field_and_accepted_in_it() {
        let fnr = "150765 00565";
        let mut r = good();
        r.description = format!("Pasient {fnr} fikk feil dose.");
        r.event_place = format!("rom 3, {fnr}");
        r.receiver_hint = fnr.into();
        r.immediate_measures = "15076500565".into();
        r.improvement_suggestion = "D-nummer 41010150068".into();
        r.patient_identification = fnr.into();
        let errs = validate(&r, today()).err().unwrap();
        assert_eq!(
            fields(&errs),
            vec![
                field::RECEIVER_HINT,
                field::DESCRIPTION,
                field::EVENT_PLACE,
                field::IMMEDIATE_MEASURES,
                field::IMPROVEMENT_SUGGESTION
            ]
        );
        assert!(errs.iter().all(|e| e.message == crate::identity::NOT_HERE));
        assert!(crate::identity::NOT_HERE.contains(crate::identity::PATIENT_FIELD_LABEL));
        let mut only_patient = good();
        only_patient.patient_identification = fnr.into();
        let v = validate(&only_patient, today()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.sealed.patient_identification, fnr);
    }

    #[test]
    fn empty_form_lists_required_fields_in_form_order() {
        let errs = validate(&RawReport::default(), today()).err().unwrap();
        assert_eq!(
            fields(&errs),
            vec![
                KIND_,
                "event_month",
                "sender_unit",
                "receiver_org",
                "category",
                "consequence",
                "patient_group",
                "description",
                "reporter_name",
                "reporter_email"
            ]
        );
        assert!(errs.iter().all(|e| !e.message.is_empty()));
    }
    const KIND_: &str = "kind";

    #[test]
    fn refuses_future_and_mismatched_dates() {
        let mut r = good();
        r.event_month = "2026-12".into();
        assert_eq!(fields(&validate(&r, today()).err().unwrap()), vec!["event_month"]);
        let mut r = good();
        r.event_date = "2026-10-03".into();
        let errs = validate(&r, today()).err().unwrap();
        assert_eq!(fields(&errs), vec!["event_date"]);
        assert!(errs[0].message.contains("november 2026"));
        let mut r = good();
        r.event_date = "23.11.2026".into();
        assert_eq!(fields(&validate(&r, today()).err().unwrap()), vec!["event_date"]);
    }

    #[test]
    fn refuses_overlong_text_with_counts() {
        let mut r = good();
        r.description = "å".repeat(limit::DESCRIPTION + 1);
        let errs = validate(&r, today()).err().unwrap();
        assert_eq!(fields(&errs), vec!["description"]);
        assert!(errs[0].message.contains("10001"), "{}", errs[0].message);
    }

    #[test]
    fn refuses_unknown_choices() {
        let mut r = good();
        r.kind = "katastrofe".into();
        // A well-formed slug the list lacks is the intake's refusal (the list
        // is directory data); a malformed one is refused here.
        r.categories = vec!["innleggelse".into(), "Ukjent kategori!".into()];
        r.sender_unit = "../../etc/passwd".into();
        assert_eq!(
            fields(&validate(&r, today()).err().unwrap()),
            vec!["kind", "sender_unit", "category"]
        );
    }

    #[test]
    fn needs_a_way_to_reach_the_reporter() {
        let mut r = good();
        r.reporter_email.clear();
        assert_eq!(fields(&validate(&r, today()).err().unwrap()), vec!["reporter_email"]);
        r.reporter_phone = "33 34 20 00".into();
        assert!(validate(&r, today()).is_ok());
        r.reporter_email = "ikke-en-adresse".into();
        assert_eq!(fields(&validate(&r, today()).err().unwrap()), vec!["reporter_email"]);
    }

    #[test]
    fn reads_the_extra_fields_of_issue_17() {
        let mut r = good();
        r.event_time = "14.05".into();
        r.internal_reference = " EQS-2026/123 ".into();
        r.agreement_clause = "utskrivningsklare".into();
        let v = validate(&r, today()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.sealed.event_time, chrono::NaiveTime::from_hms_opt(14, 5, 0));
        assert_eq!(v.sealed.internal_reference, "EQS-2026/123");
        assert_eq!(v.clear.agreement_clause, Some(AgreementClause::Utskrivningsklare));
        // All three are optional.
        let v = validate(&good(), today()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (
                v.sealed.event_time,
                v.sealed.internal_reference.as_str(),
                v.clear.agreement_clause
            ),
            (None, "", None)
        );
    }

    #[test]
    fn refuses_bad_extra_fields_in_form_order() {
        let mut r = good();
        r.agreement_clause = "delavtale-99".into();
        r.event_time = "25:70".into();
        r.internal_reference = "<script>".into();
        let errs = validate(&r, today()).err().unwrap();
        assert_eq!(
            fields(&errs),
            vec![field::AGREEMENT_CLAUSE, field::EVENT_TIME, field::INTERNAL_REFERENCE]
        );
        let mut r = good();
        r.internal_reference = "15076500565".into();
        let errs = validate(&r, today()).err().unwrap();
        assert_eq!(errs[0].message, crate::identity::NOT_HERE);
    }

    #[test]
    fn parses_repeated_categories_from_urlencoded() {
        let r = RawReport::from_urlencoded(b"category=innleggelse&category=annet&description=a%20b&x=y");
        assert_eq!(r.categories, vec!["innleggelse", "annet"]);
        assert_eq!(r.description, "a b");
    }
}
