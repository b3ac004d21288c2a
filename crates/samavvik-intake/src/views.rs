//! The template environment: web pages and mail, one engine, templates
//! embedded at compile time so the binary needs no files at run time.

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
    "mail/new_case_receiver.subject.txt",
    "mail/new_case_receiver.body.txt",
    "mail/new_case_sender.subject.txt",
    "mail/new_case_sender.body.txt",
    "mail/sign_in.subject.txt",
    "mail/sign_in.body.txt",
    "mail/case_answered.subject.txt",
    "mail/case_answered.body.txt",
    "mail/case_rerouted.subject.txt",
    "mail/case_rerouted.body.txt",
    "mail/new_message.subject.txt",
    "mail/new_message.body.txt",
    "mail/review_requested.subject.txt",
    "mail/review_requested.body.txt",
    "mail/deadline_reminder.subject.txt",
    "mail/deadline_reminder.body.txt",
    "mail/deadline_escalation.subject.txt",
    "mail/deadline_escalation.body.txt",
    "sign_in.html",
    "sign_in_sent.html",
    "sign_in_confirm.html",
    "inbox.html",
    "case.html",
    "audit.html",
    "reports.html",
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
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

pub fn env() -> &'static Environment<'static> {
    &ENV
}

/// Renders a page; a template error is a bug, reported as such.
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
