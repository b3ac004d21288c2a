//! The page templates, embedded at compile time so the binary needs no
//! files at run time. Pages that carry a form are rendered through
//! [`crate::render`], which adds the CSRF token.

use std::sync::LazyLock;

use minijinja::{AutoEscape, Environment};

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "form.html",
    "receipt.html",
    "follow_up.html",
    "error.html",
    "sign_in.html",
    "sign_in_sent.html",
    "sign_in_confirm.html",
    "inbox.html",
    "case.html",
    "fsu.html",
    "case_oversight.html",
    "_raise_to_fsu.html",
    "_legal_hold.html",
    "_shared_lesson.html",
    "lessons.html",
    "case_shredded.html",
    "audit.html",
    "sessions.html",
    "reports.html",
    "notifications.html",
    "archive.html",
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // What the handling rests on, cited on the case page (one source with
    // the case PDF and the reports: samavvik_core::procedure).
    env.add_global("procedure", samavvik_core::procedure::PROCEDURE);
    env.add_global(
        "legal_basis",
        minijinja::Value::from_serialize(
            samavvik_core::procedure::LEGAL_BASIS
                .iter()
                .map(|l| serde_json::json!({"name": l.name, "url": l.url}))
                .collect::<Vec<_>>(),
        ),
    );
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// The page environment (HTML auto-escaped).
pub fn env() -> &'static Environment<'static> {
    &ENV
}

/// Renders a page; a template error is a bug, reported as such.
///
/// # Errors
/// A template error (a bug).
pub fn page(name: &str, ctx: impl serde::Serialize) -> Result<String, minijinja::Error> {
    env().get_template(name)?.render(ctx)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        for (name, _) in super::TEMPLATES {
            assert!(super::env().get_template(name).is_ok(), "{name}");
        }
    }
}
