//! The report form's template context: choices from the directory and the
//! vocabularies, the values as typed, and the errors.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use samavvik_core::report::{FieldError, limit};
use samavvik_core::{AgreementClause, Category, Consequence, EventMonth, Kind, PatientGroup, RawReport};
use samavvik_routing::{Directory, OrgKind};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Serialize)]
struct Choice {
    slug: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct Group {
    id: String,
    name: String,
    units: Vec<Value>,
}

macro_rules! choices {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| Choice {
                slug: v.slug(),
                label: v.label(),
            })
            .collect::<Vec<_>>()
    };
}

/// Everything `form.html` needs.
pub struct FormView<'a> {
    pub raw: &'a RawReport,
    pub errors: &'a [FieldError],
    pub csrf_token: String,
    pub idempotency_key: String,
    pub notice: Option<String>,
    /// Whether reports between two kommuner are accepted (setting
    /// `scope.kommune_to_kommune`); when not, the form says where they go.
    pub kommune_to_kommune: bool,
}

impl FormView<'_> {
    pub fn context(&self, dir: &Directory, today: NaiveDate) -> Value {
        let r = self.raw;
        let values = json!({
            "kind": r.kind, "event_month": r.event_month, "sender_unit": r.sender_unit, "sender_subunit": r.sender_subunit,
            "receiver_org": r.receiver_org, "receiver_unit": r.receiver_unit, "receiver_hint": r.receiver_hint,
            "categories": r.categories, "agreement_clause": r.agreement_clause, "consequence": r.consequence, "patient_group": r.patient_group,
            "description": r.description, "event_date": r.event_date, "event_time": r.event_time, "event_place": r.event_place,
            "patient_identification": r.patient_identification, "immediate_measures": r.immediate_measures,
            "improvement_suggestion": r.improvement_suggestion, "internal_reference": r.internal_reference, "reporter_name": r.reporter_name,
            "reporter_email": r.reporter_email, "reporter_phone": r.reporter_phone,
        });
        let mut by_field: BTreeMap<&str, String> = BTreeMap::new();
        for e in self.errors {
            by_field
                .entry(e.field)
                .and_modify(|m| {
                    m.push(' ');
                    m.push_str(&e.message);
                })
                .or_insert_with(|| e.message.clone());
        }
        // The directory's categories in use today, with their one-line hint.
        let categories: Vec<Value> = dir
            .categories()
            .valid_on(today)
            .map(|c| json!({"slug": c.slug, "label": c.label, "description": c.description}))
            .collect();
        let first_category = dir.categories().valid_on(today).next().map(|c| c.slug.clone());
        let error_list: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({"anchor": anchor(e.field, first_category.as_ref()), "message": e.message}))
            .collect();

        let mut months = Vec::new();
        let mut m = EventMonth::of(today);
        for _ in 0..13 {
            months.push(json!({"value": m.to_string(), "label": m.label_nb()}));
            m = m.prev();
        }
        // The title is the first thing a screen reader says on the new page.
        let title = if !self.errors.is_empty() {
            format!("Feil i skjemaet ({}) – Meld avvik", self.errors.len())
        } else if self.notice.is_some() {
            "Meldingen er ikke sendt – Meld avvik".to_owned()
        } else {
            "Meld avvik".to_owned()
        };

        json!({
            "title": title,
            "values": values,
            "errors": by_field,
            "error_list": error_list,
            "notice": self.notice,
            "kommune_to_kommune": self.kommune_to_kommune,
            "csrf_token": self.csrf_token,
            "idempotency_key": self.idempotency_key,
            "kinds": choices!(Kind),
            "categories": categories,
            "consequences": Consequence::ALL.iter().map(|c| json!({"slug": c.slug(), "label": c.label(), "description": c.description()})).collect::<Vec<_>>(),
            "agreement_clauses": choices!(AgreementClause),
            "patient_groups": choices!(PatientGroup),
            "months": months,
            "sender_groups": groups(dir, today, |o| o != OrgKind::Secretariat),
            "sender_subunits": subunits(dir, today),
            "receiver_orgs": dir.organisations().iter().filter(|o| o.kind != OrgKind::Secretariat)
                .map(|o| json!({"id": o.id.as_str(), "name": o.name})).collect::<Vec<_>>(),
            "receiver_groups": groups(dir, today, |o| o != OrgKind::Secretariat),
            "limits": {"description": limit::DESCRIPTION, "long": limit::LONG_TEXT, "short": limit::SHORT_TEXT, "patient": limit::PATIENT_IDENTIFICATION, "internal_reference": samavvik_core::limits::INTERNAL_REFERENCE},
        })
    }
}

/// Units valid today, grouped by organisation in directory order.
fn groups(dir: &Directory, today: NaiveDate, keep: impl Fn(OrgKind) -> bool) -> Vec<Group> {
    dir.organisations()
        .iter()
        .filter(|o| keep(o.kind))
        .map(|o| Group {
            id: o.id.to_string(),
            name: o.name.clone(),
            units: dir
                .units_valid_on(today)
                .filter(|u| u.organisation == o.id)
                .map(|u| json!({"id": u.id.as_str(), "name": u.name}))
                .collect(),
        })
        .filter(|g| !g.units.is_empty())
        .collect()
}

/// The wards and sections the reporter may name today (their
/// `valid_from`/`valid_to`), for the datalist (a
/// browser's own suggestions: no script needed). The server matches the
/// text within the chosen unit with routing's folding, so aliases work too.
fn subunits(dir: &Directory, today: NaiveDate) -> Vec<Value> {
    dir.units_valid_on(today)
        .flat_map(|u| {
            dir.subunits_of(&u.id)
                .filter(move |s| s.valid_on(today))
                .map(|s| json!({"name": s.name, "parent": u.id.as_str(), "parent_name": u.name}))
        })
        .collect()
}

/// Where an error summary link should land: the field, or the first
/// option of a radio or checkbox group (`first_category`: the first box the
/// form shows today).
fn anchor(field: &str, first_category: Option<&Category>) -> String {
    use samavvik_core::report::field as f;
    match field {
        f::KIND => format!("kind-{}", Kind::ALL[0].slug()),
        f::CATEGORY => first_category.map_or_else(|| "category".to_owned(), |c| format!("category-{c}")),
        f::CONSEQUENCE => format!("consequence-{}", Consequence::ALL[0].slug()),
        other => other.to_owned(),
    }
}
