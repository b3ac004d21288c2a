//! The mail templates (`templates/mail/<name>.subject.txt` and
//! `.body.txt`), embedded at compile time and rendered without escaping:
//! mail is plain text, and a notice carries clear data only.

use std::sync::LazyLock;

use minijinja::Environment;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(
            (concat!($name, ".subject.txt"), include_str!(concat!("../../templates/mail/", $name, ".subject.txt"))),
            (concat!($name, ".body.txt"), include_str!(concat!("../../templates/mail/", $name, ".body.txt"))),
        )+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "new_case_receiver",
    "new_case_sender",
    "sign_in",
    "case_answered",
    "case_rerouted",
    "new_message",
    "review_requested",
    "deadline_reminder",
    "deadline_escalation",
    "deadline_digest",
    "secretariat_help",
    "reporter_status",
    "review_resubmitted",
    "follow_up_link",
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("mail template {name}: {e}"));
    }
    env
});

/// Renders `<name>.subject.txt` and `<name>.body.txt` with `ctx`.
pub fn render(name: &str, ctx: impl serde::Serialize) -> Result<(String, String), minijinja::Error> {
    let subject = ENV.get_template(&format!("{name}.subject.txt"))?.render(&ctx)?;
    let body = ENV.get_template(&format!("{name}.body.txt"))?.render(&ctx)?;
    Ok((subject.trim().to_owned(), body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_mail_template_parses() {
        for (name, _) in super::TEMPLATES {
            assert!(super::ENV.get_template(name).is_ok(), "{name}");
        }
    }
}
