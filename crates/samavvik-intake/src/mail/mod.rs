//! Content-free notifications: rendering, the three backends, and the
//! outbox worker that sends them.

mod backend;
mod worker;

pub use backend::{MailError, Mailer, SentMail};
pub use worker::{WorkerHandle, run_once, spawn_worker};

use serde::{Deserialize, Serialize};

/// What a notification may contain: clear data only. The payload stored in
/// the outbox is exactly this struct, so nothing else can reach a mail.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Notice {
    pub case_number: String,
    pub receiving_unit: String,
    pub sending_unit: String,
    /// Formatted in bokmål, e.g. "mandag 30. november 2026".
    pub deadline: String,
    pub link: String,
}

/// Mail templates: `mail/<name>.subject.txt` and `mail/<name>.body.txt`.
pub const TEMPLATE_NEW_CASE_RECEIVER: &str = "new_case_receiver";
pub const TEMPLATE_NEW_CASE_SENDER: &str = "new_case_sender";

/// Renders subject and body of a notice.
pub fn render(template: &str, notice: &Notice) -> Result<(String, String), minijinja::Error> {
    let env = crate::views::env();
    let subject = env
        .get_template(&format!("mail/{template}.subject.txt"))?
        .render(notice)?;
    let body = env.get_template(&format!("mail/{template}.body.txt"))?.render(notice)?;
    Ok((subject.trim().to_owned(), body))
}
