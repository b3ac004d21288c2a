//! The bokmål sentences that explain a decision.
//!
//! An explanation is stored in a clear database column and shown on the
//! receipt, so it may only quote directory data: names as the directory
//! writes them, the matched alias as written in the directory, category
//! labels, dates. Nothing here takes the reporter's text as an argument,
//! which is how that rule is kept.
//!
//! Each function returns the reason (a subordinate clause after "fordi");
//! [`sentence`] wraps it.

use chrono::NaiveDate;

use crate::model::{Organisation, Unit};

/// "Sendt til X, fordi …." plus, for triage, what happens next.
pub fn sentence(unit_name: &str, because: &str, triage: bool) -> String {
    let mut s = format!("Sendt til {unit_name}, fordi {because}.");
    if triage {
        s.push_str(" Sekretariatet sender saken videre til riktig mottaker.");
    }
    s
}

fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// "A", "A, B": commas only, because names such as "Klinikk for psykisk
/// helse og avhengighet" contain "og" themselves, and "A og B og C" would
/// not say where one name ends.
fn join(names: &[String]) -> String {
    names.join(", ")
}

pub fn explicit() -> String {
    "enheten ble valgt som mottaker".into()
}

pub fn service_area(org: &Organisation, chosen: &Unit) -> String {
    format!(
        "avvik til {} går til kommunens postmottak for helse og omsorg, også når {} er valgt",
        org.name, chosen.name
    )
}

pub fn kommune_chosen(org: &Organisation) -> String {
    format!(
        "{} ble valgt som mottaker, og avvik til kommunen går til postmottaket for helse og omsorg",
        org.name
    )
}

pub fn mentions(term: &str) -> String {
    format!("mottakerteksten nevner «{term}»")
}

pub fn kommune_alias(term: &str, org: &Organisation) -> String {
    format!("«{term}» er et annet navn på {}", org.name)
}

pub fn former_kommune(term: &str, org: &Organisation) -> String {
    format!("«{term}» er en tidligere kommune som nå er del av {}", org.short_name())
}

pub fn kommune_number(term: &str, org: &Organisation) -> String {
    format!("{term} er et kommunenummer for {}", org.name)
}

pub fn klinikk_alias(term: &str) -> String {
    format!("«{term}» hører til denne klinikken")
}

pub fn category(org: &Organisation, label: &str) -> String {
    format!(
        "mottakeren er {} uten at klinikk er oppgitt, og kategorien «{label}» hører til denne klinikken",
        org.name
    )
}

pub fn secretariat_chosen(org: &Organisation) -> String {
    format!("{} ble valgt som mottaker", org.name)
}

/// `term` is the matched directory name, `None` when the unit was chosen.
pub fn successor(term: Option<&str>, chain: &[&Unit]) -> String {
    let (Some(first), Some(last)) = (chain.first(), chain.last()) else {
        return String::new();
    };
    let start = match term {
        Some(t) if t == first.name => format!("mottakerteksten nevner {}, som", first.name),
        Some(t) => format!("«{t}» viser til {}, som", first.name),
        None => format!("den valgte enheten {}", first.name),
    };
    let ended = first
        .valid_to
        .map(|d| format!(" (siste dag {})", date(d)))
        .unwrap_or_default();
    let via = match chain.get(1..chain.len() - 1) {
        Some(mid) if !mid.is_empty() => format!(
            " (via {})",
            join(&mid.iter().map(|u| u.name.clone()).collect::<Vec<_>>())
        ),
        _ => String::new(),
    };
    format!(
        "{start} ikke lenger er i bruk{ended}, og etterfølgeren er {}{via}",
        last.name
    )
}

pub fn hospital_without_klinikk(org: &Organisation) -> String {
    format!(
        "mottakeren er {}, men det går ikke fram hvilken klinikk saken gjelder",
        org.name
    )
}

pub fn hospital_postmottak(org: &Organisation) -> String {
    format!(
        "mottakeren er {}, men det går ikke fram hvilken klinikk saken gjelder; postmottaket sender saken videre til klinikkledelsen ved aktuell klinikk",
        org.name
    )
}

pub fn ambiguous(names: &[String]) -> String {
    format!("mottakerteksten passer på flere mottakere: {}", join(names))
}

pub fn org_conflict(org: &Organisation, names: &[String]) -> String {
    format!(
        "valgt mottaker er {}, mens mottakerteksten viser til {}",
        org.name,
        join(names)
    )
}

pub fn unit_conflict(unit: &Unit, unit_org: &str, chosen_org: Option<&Organisation>) -> String {
    let chosen = chosen_org.map_or("en annen organisasjon", |o| o.name.as_str());
    format!(
        "den valgte enheten {} hører til {unit_org}, mens valgt mottaker er {chosen}",
        unit.name
    )
}

pub fn unknown_text() -> String {
    "mottakeren ikke kunne bestemmes ut fra mottakerteksten".into()
}

pub fn unknown_unit() -> String {
    "den valgte enheten ikke finnes i katalogen".into()
}

pub fn unknown_org() -> String {
    "den valgte mottakeren ikke finnes i katalogen".into()
}

pub fn no_receiver() -> String {
    "ingen mottaker er oppgitt".into()
}

pub fn not_valid(unit: &Unit, on: NaiveDate) -> String {
    format!(
        "{} ikke tar imot avvik per {}, og ingen etterfølger gjør det",
        unit.name,
        date(on)
    )
}

pub fn no_postmottak(org: &Organisation, on: NaiveDate) -> String {
    format!("{} ikke har noe postmottak i bruk per {}", org.name, date(on))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_names_apart() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join(&s(&[])), "");
        assert_eq!(join(&s(&["A"])), "A");
        assert_eq!(
            join(&s(&["Klinikk for psykisk helse og avhengighet", "Tønsberg kommune"])),
            "Klinikk for psykisk helse og avhengighet, Tønsberg kommune"
        );
    }

    #[test]
    fn triage_sentences_say_what_happens_next() {
        assert_eq!(
            sentence("X", "ingen mottaker er oppgitt", false),
            "Sendt til X, fordi ingen mottaker er oppgitt."
        );
        assert!(sentence("X", "y", true).ends_with("Sekretariatet sender saken videre til riktig mottaker."));
    }
}
