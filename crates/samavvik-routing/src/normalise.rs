//! Folding of names and free text into comparable word sequences.
//!
//! Staff type "notteroy", "NØTTERØY" and "Nøtterøy" for the same place, so
//! both the directory's names and the reporter's text are folded the same
//! way before they are compared: lowercase, NFKD with combining marks
//! stripped (é → e, å → a), the Norwegian letters without a decomposition
//! spelled out (ø → o, æ → ae), and everything that is not a letter or a
//! digit treated as a word break. Matching then works on whole words, so
//! "Re" (a former kommune) never matches inside "Reinlegg".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The folded words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    // Decompose first so that compatibility forms (ℌ, Ａ) are lowercased
    // too; lowercasing can itself produce combining marks (İ), hence the
    // filter after it.
    for c in text.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            // Neither letter decomposes under NFKD; these are the spellings
            // people use on a keyboard without them.
            'ø' => current.push('o'),
            'æ' => current.push_str("ae"),
            c if c.is_alphanumeric() => current.push(c),
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The folded form of `text` as one string, words separated by one space.
/// Two names are "the same" for the directory when this is equal.
pub fn fold(text: &str) -> String {
    words(text).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_norwegian_letters() {
        for typed in ["Nøtterøy", "NØTTERØY", "notteroy", "Nötteröy", " nøtterøy. "] {
            assert_eq!(fold(typed), "notteroy", "{typed}");
        }
        assert_eq!(fold("Færder"), "faerder");
        assert_eq!(fold("FÆRDER"), "faerder");
        assert_eq!(fold("Tjøme"), "tjome");
        assert_eq!(fold("Å"), "a");
        assert_eq!(fold("Tønsberg"), fold("tonsberg"));
    }

    #[test]
    fn splits_on_punctuation_and_keeps_digits() {
        assert_eq!(words("Kvinne-barn-klinikken"), ["kvinne", "barn", "klinikken"]);
        assert_eq!(
            words("Horten kommune, postmottak (3901)"),
            ["horten", "kommune", "postmottak", "3901"]
        );
        assert_eq!(words("AMK-sentralen"), ["amk", "sentralen"]);
        assert!(words("  ,;-- ").is_empty());
        assert!(words("").is_empty());
    }

    #[test]
    fn compatibility_forms_fold_too() {
        // Full-width digits and ligatures arrive from copy-paste.
        assert_eq!(fold("３８０３"), "3803");
        assert_eq!(fold("ﬁsk"), "fisk");
        assert_eq!(fold("ＴØＮＳＢＥＲＧ"), "tonsberg");
        assert_eq!(fold("İ"), "i");
    }
}
