//! Stable identifiers of organisations and units in the directory.
//!
//! Ids are lowercase ASCII slugs (`siv-kpa`, `kommune-faerder`) so they are
//! safe in URLs, file names (key files are named after units) and logs.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid id «{0}»: use 1–64 characters a–z, 0–9 and '-'")]
pub struct InvalidId(pub String);

pub(crate) fn check_slug(s: &str) -> Result<(), InvalidId> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok { Ok(()) } else { Err(InvalidId(s.to_owned())) }
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id `s`, if it is a slug.
            ///
            /// # Errors
            ///
            /// [`InvalidId`] when `s` is empty, longer than 64 bytes, has
            /// anything but lowercase ASCII letters, digits and `-`, or
            /// starts or ends with `-`.
            pub fn new(s: impl Into<String>) -> Result<Self, InvalidId> {
                let s = s.into();
                check_slug(&s)?;
                Ok(Self(s))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_id!(
    /// A unit: a SiV klinikk, a kommune's postmottak, the secretariat's triage.
    UnitId
);
slug_id!(
    /// An organisation: SiV or one kommune.
    OrgId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_refuses_others() {
        assert!(UnitId::new("siv-kpa").is_ok());
        assert!(OrgId::new("kommune-3911").is_ok());
        for bad in ["", "-a", "a-", "Siv", "siv kpa", "siv/kpa", "ø", &"a".repeat(65)] {
            assert!(UnitId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<UnitId>("\"../etc\"").is_err());
        assert_eq!(
            serde_json::from_str::<UnitId>("\"siv-med\"").unwrap().as_str(),
            "siv-med"
        );
    }
}
