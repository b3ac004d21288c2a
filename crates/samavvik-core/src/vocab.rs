//! The fixed vocabularies of the form: kind, consequence, patient group.
//! This is the one place to change them. (Categories are data in the
//! directory file: see [`crate::category`].)
//!
//! Each value has a stable `slug` (stored in the database, used in forms and
//! statistics; never change one) and a bokmål `label` shown to users.

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => ($slug:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_slug(s: &str) -> Option<Self> {
                match s { $($slug => Some($name::$variant),)+ _ => None }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.slug())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::from_slug(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown {}: {s}", stringify!($name))))
            }
        }
    };
}

vocabulary!(
    /// Avvik: a breach of law, regulation or agreed routine. Uønsket hendelse:
    /// something that could have led to harm.
    Kind {
        Avvik => ("avvik", "Avvik"),
        UonsketHendelse => ("uonsket-hendelse", "Uønsket hendelse"),
    }
);

vocabulary!(
    /// The consequence for the patient, as the reporter judges it.
    Consequence {
        Ingen => ("ingen", "Ingen"),
        Lav => ("lav", "Lav"),
        Moderat => ("moderat", "Moderat"),
        Alvorlig => ("alvorlig", "Alvorlig"),
        Ukjent => ("ukjent", "Ukjent"),
    }
);

impl Consequence {
    /// One line shown under the level in the form (its radio's hint), so
    /// reporters judge the same incident the same way.
    pub fn description(self) -> &'static str {
        match self {
            Consequence::Ingen => "Pasienten fikk ingen skade eller ulempe.",
            Consequence::Lav => "Liten ulempe uten skade, for eksempel forsinkelse eller en ekstra undersøkelse.",
            Consequence::Moderat => {
                "Skade eller forverring som gikk over, men som trengte ekstra oppfølging eller behandling."
            }
            Consequence::Alvorlig => "Betydelig eller varig skade, livstruende situasjon eller dødsfall.",
            Consequence::Ukjent => "Du vet ikke om hendelsen fikk følger for pasienten.",
        }
    }
}

vocabulary!(
    /// The part of the samarbeidsavtale between SiV and the kommuner that
    /// was breached: the overall agreement, the delavtaler the law asks for
    /// (helse- og omsorgstjenesteloven § 6-2, points 1–11, as the national
    /// guidance names them), "don't know" and "none". A category, not
    /// personal data: a clear column (migration 0027) for statistics.
    AgreementClause {
        Overordnet => ("overordnet", "Overordnet samarbeidsavtale"),
        Oppgavefordeling => ("oppgavefordeling", "Ansvars- og oppgavefordeling"),
        KoordinerteTjenester => ("koordinerte-tjenester", "Pasienter med behov for koordinerte tjenester (habilitering, rehabilitering, læring og mestring)"),
        Innleggelse => ("innleggelse", "Innleggelse i sykehus"),
        Ohd => ("ohd", "Døgnopphold for øyeblikkelig hjelp i kommunen (KAD/ØHD)"),
        Utskrivningsklare => ("utskrivningsklare", "Utskrivningsklare pasienter"),
        Kunnskapsoverforing => ("kunnskapsoverforing", "Kunnskapsoverføring, informasjonsutveksling og hospitering"),
        ForskningUtdanning => ("forskning-utdanning", "Forskning, utdanning, praksis og læretid"),
        Jordmor => ("jordmor", "Jordmortjenester (svangerskap, fødsel og barsel)"),
        Ikt => ("ikt", "IKT-løsninger og elektronisk samhandling"),
        Forebygging => ("forebygging", "Forebygging"),
        Beredskap => ("beredskap", "Beredskap og den akuttmedisinske kjeden"),
        VetIkke => ("vet-ikke", "Vet ikke"),
        IkkeRelevant => ("ikke-relevant", "Ingen / ikke relevant"),
    }
);

vocabulary!(
    /// The Helsefellesskap's priority patient groups, a report dimension.
    PatientGroup {
        BarnOgUnge => ("barn-og-unge", "Barn og unge"),
        PsykiskRus => ("psykisk-rus", "Alvorlige psykiske lidelser og rus"),
        SkrobeligeEldre => ("skrobelige-eldre", "Skrøpelige eldre"),
        FlereKroniske => ("flere-kroniske", "Flere kroniske lidelser"),
        Rehabilitering => ("rehabilitering", "Rehabilitering/habilitering"),
        Svangerskap => ("svangerskap", "Svangerskap, fødsel og barsel"),
        Annet => ("annet", "Annet"),
        Ukjent => ("ukjent", "Ukjent"),
    }
);

vocabulary!(
    /// What the receiver did about the case, recorded on closing. A closed case
    /// has one or more.
    MeasureCategory {
        Rutineendring => ("rutineendring", "Rutineendring"),
        Opplaering => ("opplaering", "Opplæring"),
        Samarbeidsmote => ("samarbeidsmote", "Samarbeidsmøte"),
        SystemTeknisk => ("system-teknisk", "System- eller teknisk endring"),
        IngenTiltak => ("ingen-tiltak", "Ingen tiltak nødvendig"),
        Annet => ("annet", "Annet"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn slugs_are_unique_and_round_trip() {
        fn check<T: Copy + Eq + std::fmt::Debug>(all: &[T], slug: fn(T) -> &'static str, parse: fn(&str) -> Option<T>) {
            let mut seen = HashSet::new();
            for &v in all {
                assert!(seen.insert(slug(v)), "duplicate slug {}", slug(v));
                assert_eq!(parse(slug(v)), Some(v));
            }
        }
        check(Kind::ALL, Kind::slug, Kind::from_slug);
        check(Consequence::ALL, Consequence::slug, Consequence::from_slug);
        check(PatientGroup::ALL, PatientGroup::slug, PatientGroup::from_slug);
        check(MeasureCategory::ALL, MeasureCategory::slug, MeasureCategory::from_slug);
        assert_eq!(PatientGroup::ALL.len(), 8);
        check(AgreementClause::ALL, AgreementClause::slug, AgreementClause::from_slug);
        assert!(AgreementClause::from_slug("vet-ikke").is_some());
        assert!(AgreementClause::from_slug("ikke-relevant").is_some());
        for c in Consequence::ALL {
            assert!(!c.description().is_empty(), "{c:?}");
        }
    }

    #[test]
    fn unknown_slug_is_none() {
        assert_eq!(Kind::from_slug("Avvik"), None);
        assert!(serde_json::from_str::<Consequence>("\"katastrofal\"").is_err());
    }
}
