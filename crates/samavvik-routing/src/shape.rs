//! Structural checks of the directory's addresses and keys.
//!
//! The routing crate does not import `age` (only the seal crate does), so an
//! age recipient is checked by shape: the `age1` prefix, lowercase bech32
//! characters, the length of an X25519 key (62 characters) and the bech32
//! checksum. That catches the typos and truncated copy-pastes that happen
//! when a key is pasted into the file; the server parses each recipient
//! with `age` itself when it loads the keys.

/// A day in the directory file: a TOML date (`2027-01-01`) or a string of
/// the same form. Used for units', sub-units' and categories' validity.
pub fn toml_date(v: &toml::Value) -> Option<chrono::NaiveDate> {
    match v {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
            .date
            .and_then(|d| chrono::NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))),
        toml::Value::String(s) => s.parse::<chrono::NaiveDate>().ok(),
        _ => None,
    }
}

/// A plausible work e-mail address: one `@`, a local part of ordinary
/// characters, a domain of at least two labels. Deliverability is the mail
/// server's business; this stops typos and pasted display names.
pub fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    s.len() <= 254 && local_ok && domain_ok
}

const BECH32_CHARSET: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Whether `s` has the shape of an age X25519 recipient (see module docs).
pub fn plausible_age_recipient(s: &str) -> bool {
    let Some(data) = s.strip_prefix("age1") else {
        return false;
    };
    if s.len() != 62 {
        return false;
    }
    let Some(values) = data
        .chars()
        .map(|c| BECH32_CHARSET.find(c).map(|i| i as u8))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let hrp = b"age";
    let mut all: Vec<u8> = hrp.iter().map(|c| c >> 5).collect();
    all.push(0);
    all.extend(hrp.iter().map(|c| c & 31));
    all.extend(values);
    bech32_polymod(&all) == 1
}

/// The BIP-173 checksum function; a valid bech32 string yields 1.
fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example recipient from age's own documentation.
    const REAL: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    #[test]
    fn accepts_a_real_recipient() {
        assert!(plausible_age_recipient(REAL));
    }

    #[test]
    fn refuses_typos_and_other_shapes() {
        let typo = REAL.replace("ql3z", "ql3x");
        let upper = REAL.to_uppercase();
        let short = &REAL[..61];
        let b_char = REAL.replace('q', "b"); // 'b' is not in the bech32 charset
        for bad in [
            typo.as_str(),
            upper.as_str(),
            short,
            b_char.as_str(),
            "",
            "age1",
            "ssh-ed25519 AAAA",
        ] {
            assert!(!plausible_age_recipient(bad), "{bad}");
        }
    }

    #[test]
    fn emails() {
        for ok in [
            "postmottak@siv.example",
            "postmottak.helse@horten.kommune.example",
            "a+b@x-y.no",
        ] {
            assert!(plausible_email(ok), "{ok}");
        }
        for bad in [
            "",
            "postmottak",
            "@siv.no",
            "a@no",
            "a@@siv.no",
            "a b@siv.no",
            "Ola <ola@siv.no>",
            "a@siv..no",
            "a@-siv.no",
            ".a@siv.no",
            "a@siv.n0",
            "ø@siv.no",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
