//! What Samavvik's handling rests on, cited the same way on the case page,
//! in the case PDF and in the reports: the shared procedure and the laws it
//! names (procedure D12402, section 5 "Referanser"), with links to Lovdata.

/// The procedure the service digitises.
pub const PROCEDURE: &str =
    "Prosedyre «Samhandlingsavvik», dok.nr. D12402, godkjent av Strategisk samhandlingsutvalg (SSU) 22.09.2022";

/// A law or regulation the procedure names, with its Lovdata address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegalBasis {
    pub name: &'static str,
    pub url: &'static str,
}

/// The legal basis the procedure names, in its order.
pub const LEGAL_BASIS: &[LegalBasis] = &[
    LegalBasis {
        name: "Pasient- og brukerrettighetsloven",
        url: "https://lovdata.no/dokument/NL/lov/1999-07-02-63",
    },
    LegalBasis {
        name: "Helsepersonelloven",
        url: "https://lovdata.no/dokument/NL/lov/1999-07-02-64",
    },
    LegalBasis {
        name: "Spesialisthelsetjenesteloven",
        url: "https://lovdata.no/dokument/NL/lov/1999-07-02-61",
    },
    LegalBasis {
        name: "Forskrift om ledelse og kvalitetsforbedring i helse- og omsorgstjenesten",
        url: "https://lovdata.no/dokument/SF/forskrift/2016-10-28-1250",
    },
];

/// One line for print (PDF), where a link is its address: "Grunnlag: …".
pub fn citation_line() -> String {
    let laws: Vec<String> = LEGAL_BASIS.iter().map(|l| format!("{} ({})", l.name, l.url)).collect();
    format!("Grunnlag: {PROCEDURE}. Lovgrunnlag: {}.", laws.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_law_links_to_lovdata() {
        assert_eq!(LEGAL_BASIS.len(), 4);
        for l in LEGAL_BASIS {
            assert!(l.url.starts_with("https://lovdata.no/dokument/"), "{}", l.name);
        }
        let line = citation_line();
        assert!(line.contains("D12402") && line.contains("SSU") && line.contains("Helsepersonelloven"));
    }
}
