//! The fixed vocabularies of the form: kind, category, consequence, patient
//! group. This is the one place to change them.
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
    /// What the avvik concerns. A report has one or more.
    Category {
        Innleggelse => ("innleggelse", "Innleggelse"),
        VarselKommunaleTjenester => ("varsel-kommunale-tjenester", "Varsel om behov for kommunale tjenester / innleggelsesrapport"),
        Utskrivningsklar => ("utskrivningsklar", "Utskrivningsklar pasient og varsling"),
        UtskrivningOverforing => ("utskrivning-overforing", "Utskrivning og overføring"),
        Epikrise => ("epikrise", "Epikrise og sykepleieopplysninger"),
        Legemidler => ("legemidler", "Legemidler (legemiddelliste, resepter, utlevering)"),
        Pasientinformasjon => ("pasientinformasjon", "Pasientinformasjon og medvirkning"),
        KontaktDialog => ("kontakt-dialog", "Kontakt og dialog under oppholdet"),
        Meldingsutveksling => ("meldingsutveksling", "Elektronisk meldingsutveksling (PLO-meldinger)"),
        Hjelpemidler => ("hjelpemidler", "Hjelpemidler og utstyr"),
        Akuttkjeden => ("akuttkjeden", "Akuttkjeden (AMK, legevakt, ambulanse)"),
        BruddAvtale => ("brudd-avtale", "Brudd på samarbeidsavtale eller delavtale"),
        Henvisning => ("henvisning", "Henvisning"),
        Ohd => ("ohd", "Øyeblikkelig hjelp døgntilbud (ØHD)"),
        Tud => ("tud", "Tverrfaglig utvidet døgntilbud (TUD)"),
        DiagnostiskSloyfe => ("diagnostisk-sloyfe", "Diagnostisk sløyfe"),
        Annet => ("annet", "Annet"),
    }
);

impl Category {
    /// One line shown under the category in the form, so the reporter
    /// picks the same category for the same kind of incident. The last
    /// four are topics the Helsefellesskap's meeting papers work on.
    pub fn description(self) -> &'static str {
        match self {
            Category::Innleggelse => "Innleggelse i sykehus: henvendelse, opplysninger som fulgte pasienten, mottak.",
            Category::VarselKommunaleTjenester => {
                "Sykehusets varsel til kommunen om at pasienten trenger kommunale tjenester, og innleggelsesrapporten."
            }
            Category::Utskrivningsklar => {
                "Melding om at pasienten er utskrivningsklar, og varsling mellom sykehus og kommune."
            }
            Category::UtskrivningOverforing => "Selve utskrivningen eller overføringen mellom sykehus og kommune.",
            Category::Epikrise => {
                "Epikrise, sykepleiesammenfatning eller andre opplysninger som skulle følge pasienten."
            }
            Category::Legemidler => "Legemiddelliste, resepter, utlevering eller medisiner som ikke fulgte pasienten.",
            Category::Pasientinformasjon => "Informasjon til pasient og pårørende, og pasientens medvirkning.",
            Category::KontaktDialog => "Kontakt og dialog mellom tjenestene mens pasienten er innlagt.",
            Category::Meldingsutveksling => {
                "Elektroniske meldinger (PLO-meldinger) som mangler, kom for sent eller var feil."
            }
            Category::Hjelpemidler => "Hjelpemidler og utstyr pasienten trenger, ved utskrivning eller overføring.",
            Category::Akuttkjeden => "AMK, legevakt og ambulanse: samarbeidet i akuttkjeden.",
            Category::BruddAvtale => {
                "Brudd på samarbeidsavtalen eller en av delavtalene mellom sykehuset og kommunene."
            }
            Category::Henvisning => "Henvisning fra fastlege eller kommune til sykehuset: innhold, mottak eller svar.",
            Category::Ohd => {
                "Kommunalt øyeblikkelig hjelp døgntilbud (KAD/ØHD): innleggelse, overføring eller samarbeid."
            }
            Category::Tud => "Tverrfaglig utvidet døgntilbud (TUD) innen psykisk helse og rus.",
            Category::DiagnostiskSloyfe => {
                "Diagnostisk sløyfe: undersøkelse på sykehuset uten innleggelse, og svar tilbake til kommunen."
            }
            Category::Annet => "Noe annet i samarbeidet mellom sykehuset og kommunen.",
        }
    }
}

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
        check(Category::ALL, Category::slug, Category::from_slug);
        check(Consequence::ALL, Consequence::slug, Consequence::from_slug);
        check(PatientGroup::ALL, PatientGroup::slug, PatientGroup::from_slug);
        check(MeasureCategory::ALL, MeasureCategory::slug, MeasureCategory::from_slug);
        assert_eq!(Category::ALL.len(), 17);
        for c in Category::ALL {
            assert!(!c.description().is_empty(), "{c:?}");
        }
        assert_eq!(PatientGroup::ALL.len(), 8);
    }

    #[test]
    fn unknown_slug_is_none() {
        assert_eq!(Category::from_slug("Innleggelse"), None);
        assert!(serde_json::from_str::<Consequence>("\"katastrofal\"").is_err());
    }
}
