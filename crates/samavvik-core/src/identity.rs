//! Norwegian national identity numbers typed into free text.
//!
//! A fødselsnummer is eleven digits: the birth date as `DDMMYY`, three
//! individual digits and two mod-11 control digits. A D-number is the same
//! with 4 added to the first digit (day 41–71). Typed by hand it often has a
//! space after the date part (`010190 12345`); both forms are found. The
//! check is on digits that stand alone (no digit right before or after), so
//! a longer number (an account or an order number) is not taken for one.
//!
//! Found in a field meant to be free of identifiers, the text is refused
//! with [`NOT_HERE`] (report form), [`NOT_IN_ADDITION`] (follow-up) or
//! [`NOT_IN_HANDLING`] (case handling);
//! see docs/SECURITY.md for which field does what.

/// The label of the one form field where patient identity belongs.
pub const PATIENT_FIELD_LABEL: &str = "Pasientens navn og fødselsdato";

/// The refusal for a report field other than the patient field.
pub const NOT_HERE: &str = "Pasientens identitet skal ikke skrives her. Fjern fødselsnummeret eller D-nummeret. \
     Trenger mottakeren å vite hvem pasienten er, skriv det i feltet «Pasientens navn og fødselsdato».";

/// The refusal for information the reporter adds through the follow-up link.
pub const NOT_IN_ADDITION: &str = "Pasientens identitet skal ikke skrives her. Fjern fødselsnummeret eller \
     D-nummeret. Trenger mottakeren å vite hvem pasienten er, tar de kontakt med deg.";

/// The refusal for a text written while handling a case.
pub const NOT_IN_HANDLING: &str = "Pasientens identitet skal ikke skrives i saksbehandlingen. Fjern fødselsnummeret \
     eller D-nummeret. Pasienten står i meldingen, i feltet «Pasientens navn og fødselsdato».";

const WEIGHTS_1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const WEIGHTS_2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The mod-11 control digit for `digits` with `weights`; `None` when the
/// remainder makes it 10 (no number has that).
fn control(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

/// Whether eleven digits are a fødselsnummer or D-number: a plausible day
/// (1–31, or 41–71 for a D-number) and month (1–12; +40 and +80 are used for
/// help numbers and synthetic test numbers), and both control digits right.
pub fn is_national_id(digits: &[u32; 11]) -> bool {
    let day = digits[0] * 10 + digits[1];
    let month = (digits[2] * 10 + digits[3]) % 40;
    let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
    let month_ok = (1..=12).contains(&month) && digits[2] * 10 + digits[3] < 93;
    day_ok
        && month_ok
        && control(&digits[..9], &WEIGHTS_1) == Some(digits[9])
        && control(&digits[..10], &WEIGHTS_2) == Some(digits[10])
}

/// Whether `text` contains a fødselsnummer or D-number, written as eleven
/// digits in a row or with one space after the six date digits.
pub fn contains_national_id(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).and_then(|c| c.to_digit(10));
    (0..chars.len()).any(|start| {
        if digit(start).is_none() || start.checked_sub(1).and_then(digit).is_some() {
            return false;
        }
        let mut found = [0u32; 11];
        let mut at = start;
        for (n, slot) in found.iter_mut().enumerate() {
            if n == 6 && matches!(chars.get(at), Some(' ' | '\u{a0}')) {
                at += 1;
            }
            match digit(at) {
                Some(d) => *slot = d,
                None => return false,
            }
            at += 1;
        }
        digit(at).is_none() && is_national_id(&found)
    })
}

#[cfg(test)]
mod tests {
    // Tests may unwrap: a panic is the failure report.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    /// A valid number from a date and individual digits, if the control
    /// digits exist for them.
    fn make(day: u32, month: u32, year: u32, individual: u32) -> Option<String> {
        let mut d: Vec<u32> = format!("{day:02}{month:02}{year:02}{individual:03}")
            .chars()
            .map(|c| c.to_digit(10).unwrap())
            .collect();
        d.push(control(&d, &WEIGHTS_1)?);
        d.push(control(&d, &WEIGHTS_2)?);
        Some(d.iter().map(u32::to_string).collect())
    }

    #[test]
    fn known_numbers_are_found_in_text() {
        // Made up here from the rule (no known person).
        for n in ["01010150074", "15076500565", "41010150068"] {
            assert!(contains_national_id(n), "{n}");
        }
        assert!(contains_national_id("Pasient 150765 00565 ble sendt hjem"));
        assert!(contains_national_id("fnr:15076500565."));
        assert!(contains_national_id("(150765\u{a0}00565)"));
    }

    #[test]
    fn near_misses_are_not_found() {
        // One control digit wrong.
        assert!(!contains_national_id("15076500566"));
        // Part of a longer number.
        assert!(!contains_national_id("115076500565"));
        assert!(!contains_national_id("150765005651"));
        // Split somewhere other than after the date.
        assert!(!contains_national_id("1507 6500565"));
        // Day 32 and month 13 are no dates, whatever the control digits.
        assert!(make(32, 1, 90, 123).is_none_or(|n| !contains_national_id(&n)));
        assert!(make(1, 13, 90, 123).is_none_or(|n| !contains_national_id(&n)));
        // Phone numbers, dates and case numbers.
        assert!(!contains_national_id(
            "Ring 33 34 20 00 eller 91234567, sak SA-2026-000123, 01.01.2026"
        ));
        assert!(!contains_national_id(""));
    }

    proptest! {
        #[test]
        fn generated_numbers_are_found(
            day in 1u32..=28,
            d_number in any::<bool>(),
            month in 1u32..=12,
            year in 0u32..=99,
            individual in 0u32..=999,
            spaced in any::<bool>(),
            before in "[a-zæøå ,.:(]{0,12}",
            after in "[a-zæøå ,.:)]{0,12}",
        ) {
            let day = if d_number { day + 40 } else { day };
            if let Some(n) = make(day, month, year, individual) {
                let written = if spaced { format!("{} {}", &n[..6], &n[6..]) } else { n };
                let text = format!("{before}{written}{after}");
                prop_assert!(contains_national_id(&text), "{text}");
            }
        }

        #[test]
        fn eleven_digits_failing_mod_11_are_not_found(digits in "[0-9]{11}", spaced in any::<bool>()) {
            let d: Vec<u32> = digits.chars().map(|c| c.to_digit(10).unwrap()).collect();
            prop_assume!(control(&d[..9], &WEIGHTS_1) != Some(d[9]) || control(&d[..10], &WEIGHTS_2) != Some(d[10]));
            let written = if spaced { format!("{} {}", &digits[..6], &digits[6..]) } else { digits };
            prop_assert!(!contains_national_id(&written), "{written}");
        }
    }
}
