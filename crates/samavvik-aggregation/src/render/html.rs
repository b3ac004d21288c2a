//! One self-contained HTML file: inline CSS, inline SVG, no JavaScript,
//! `lang="nb"`, every table with a `<caption>` and `<th scope>`, and print
//! rules so it makes tidy meeting papers from the browser.

use std::fmt::Write as _;

use super::common;
use super::svg::{chart, escape};
use crate::build::Report;
use crate::table::Table;

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1b;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
h1{font-size:1.7rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #005b7f;padding-bottom:.2rem}\
.lead{color:#444}.key{display:flex;gap:2rem;flex-wrap:wrap}.key div{background:#eef5f8;padding:.6rem 1rem;border-radius:4px}\
.key strong{display:block;font-size:1.6rem}table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}\
caption{text-align:left;font-weight:600;padding:.3rem 0}th,td{border:1px solid #c9d3d8;padding:.25rem .5rem}\
thead th{background:#e3edf1;vertical-align:bottom}td{text-align:right;font-variant-numeric:tabular-nums}\
tbody th{text-align:left;font-weight:normal}tr.total th,tr.total td{font-weight:700;background:#f4f7f8}\
.note{font-size:.85rem;color:#444;margin-top:-.6rem}.chart{max-width:100%;height:auto;display:block}\
.chart .b{fill:#005b7f}.chart .p{fill:#9ec4d4;stroke:#005b7f;stroke-dasharray:3 2}.chart .h{fill:none;stroke:#888;stroke-dasharray:3 2}\
.chart text{font-size:12px;fill:#1b1b1b}.legend{font-size:.92rem}.legend dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.3rem 0}\
.legend dt{font-weight:700;text-align:right}.legend dd{margin:0}\
.warn{background:#fff4e5;border-left:4px solid #c77700;padding:.5rem 1rem}.wide{overflow-x:auto}\
code{word-break:break-all}footer{margin-top:3rem;font-size:.85rem;color:#555}\
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}section{break-inside:avoid}\
.wide{overflow:visible}a{color:inherit;text-decoration:none}}\
";

fn table_html(out: &mut String, r: &Report, t: &Table) {
    let _ = write!(out, r#"<section id="{}"><h2>{}</h2>"#, escape(&t.id), escape(&t.title));
    if let Some((svg, note)) = chart(r, t) {
        out.push_str(&svg);
        if let Some(n) = note {
            let _ = write!(out, r#"<p class="note">{}</p>"#, escape(&n));
        }
    }
    let _ = write!(
        out,
        r#"<div class="wide"><table><caption>{}</caption><thead><tr><th scope="col">{}</th>"#,
        escape(&t.title),
        escape(&t.row_header)
    );
    for c in &t.columns {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(c));
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        let class = if r.total { r#" class="total""# } else { "" };
        let _ = write!(out, r#"<tr{class}><th scope="row">{}</th>"#, escape(&r.label));
        for c in &r.cells {
            let _ = write!(out, "<td>{}</td>", escape(&c.text()));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if let Some(n) = &t.note {
        let _ = write!(out, r#"<p class="note">{}</p>"#, escape(n));
    }
    out.push_str("</section>\n");
}

/// The procedure and the laws it names, with links to Lovdata.
fn basis_html(out: &mut String) {
    let laws: Vec<String> = samavvik_core::procedure::LEGAL_BASIS
        .iter()
        .map(|l| format!("<a href=\"{}\">{}</a>", escape(l.url), escape(l.name)))
        .collect();
    let _ = write!(
        out,
        "<p>Grunnlag: {}. Lovgrunnlag som prosedyren viser til: {}.</p>",
        escape(samavvik_core::procedure::PROCEDURE),
        laws.join(", ")
    );
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        escape(&r.title),
        escape(&r.title)
    );
    let _ = writeln!(
        out,
        "<p class=\"lead\">Helsefellesskapet i Vestfold – samhandlingsavvik mellom Sykehuset i Vestfold og \
         kommunene. Anonymisert sammenstilling for {}. Små tall er skjult (under {}).</p>",
        escape(&r.period.label),
        r.threshold
    );
    if let Some(notice) = common::incomplete_notice(r) {
        let _ = writeln!(out, "<p class=\"warn\">{}</p>", escape(&notice));
    }
    out.push_str("<div class=\"legend\"><p><strong>Slik leser du tallene</strong></p><dl>");
    for (mark, meaning) in common::legend(r) {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(&mark), escape(&meaning));
    }
    out.push_str(
        "</dl><p class=\"note\">I diagrammene er et skjult tall en tom, stiplet boks – aldri en søyle med \
         lengde null.</p></div>\n</header>\n<main>\n",
    );
    for w in &r.warnings {
        let _ = writeln!(out, "<p class=\"warn\">{}</p>", escape(w));
    }
    out.push_str("<section id=\"nokkeltall\"><h2>Nøkkeltall</h2><div class=\"key\">");
    for (label, value) in common::key_figures(r) {
        let _ = write!(out, "<div>{}<strong>{}</strong></div>", escape(&label), escape(&value));
    }
    out.push_str("</div></section>\n");
    for t in &r.tables {
        table_html(&mut out, r, t);
    }
    out.push_str("<section id=\"metode\"><h2>Metode og definisjoner</h2><ul>");
    for m in &r.methods {
        let _ = write!(out, "<li>{}</li>", escape(m));
    }
    out.push_str("</ul>");
    basis_html(&mut out);
    let _ = write!(
        out,
        "<p>Sjekksum (SHA-256) av inndata: <code>{}</code></p></section>\n</main>\n\
         <footer>Laget av Samavvik. Datagrunnlag per {}.</footer>\n</body>\n</html>\n",
        r.input_sha256,
        escape(r.data_cutoff.as_deref().unwrap_or("–"))
    );
    out
}
