//! Where mail goes: an SMTP relay, `.eml` files (demo), or memory (tests).
//!
//! Every send is bounded as a whole: lettre's own timeout covers the TCP
//! connect and each read, but a relay that accepts the connection and then
//! never says a word held a worker for as long as the socket lived. So the
//! whole exchange (connect, greeting, every command, the data) runs under
//! one `tokio::time::timeout` of `mail.smtp_timeout_secs`. Connections are
//! pooled (lettre's pool), so a burst pays the greeting and TLS once per
//! connection, not once per message.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::settings::{Mail, MailBackend, SmtpTls};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Worth retrying: the relay is down, busy or answered 4xx.
    #[error("temporary: {0}")]
    Transient(String),
    /// Retrying will not help: a bad address or a 5xx refusal.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// A message as the memory backend keeps it (tests read these).
#[derive(Clone, Debug)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub raw: String,
}

/// Most SMTP connections kept open to the relay.
const POOL_SIZE: u32 = 16;

/// The bound on writing one message to a file (the demo backend).
const FILE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: String,
        /// The bound on one whole exchange with the relay.
        timeout: Duration,
    },
    File {
        dir: PathBuf,
        from: String,
    },
    Memory {
        sent: Arc<Mutex<Vec<SentMail>>>,
        from: String,
    },
}

impl Mailer {
    /// The mail backend the settings name.
    ///
    /// # Errors
    /// When the sender address is invalid, the SMTP settings are unusable, or
    /// the mail folder cannot be created.
    pub fn from_settings(s: &Mail) -> anyhow::Result<Self> {
        let from = s.from.clone();
        from.parse::<lettre::message::Mailbox>()
            .map_err(|e| anyhow::anyhow!("mail.from «{from}» is not a valid address: {e}"))?;
        Ok(match s.backend {
            MailBackend::File => {
                // Mail files carry sign-in links: owner-only, whatever the umask.
                crate::files::private_dir(&s.file_dir)?;
                Mailer::File {
                    dir: s.file_dir.clone(),
                    from,
                }
            }
            MailBackend::Memory => Mailer::Memory {
                sent: Arc::default(),
                from,
            },
            MailBackend::Smtp => {
                let tls = || TlsParameters::new(s.smtp_host.clone());
                let mut builder =
                    match s.smtp_tls {
                        SmtpTls::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host)
                            .tls(Tls::Wrapper(tls()?)),
                        SmtpTls::Required => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host)
                            .tls(Tls::Required(tls()?)),
                        SmtpTls::Opportunistic => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host)
                            .tls(Tls::Opportunistic(tls()?)),
                        SmtpTls::None => {
                            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host).tls(Tls::None)
                        }
                    }
                    .port(s.smtp_port)
                    .timeout(Some(Duration::from_secs(s.smtp_timeout_secs)));
                if let Some(user) = &s.smtp_username {
                    let path = s.smtp_password_file.as_ref().ok_or_else(|| {
                        anyhow::anyhow!("mail.smtp_username is set but mail.smtp_password_file is not")
                    })?;
                    let password = std::fs::read_to_string(path)
                        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
                    builder = builder.credentials(Credentials::new(user.clone(), password.trim_end().to_owned()));
                }
                let timeout = Duration::from_secs(s.smtp_timeout_secs.max(1));
                Mailer::Smtp {
                    // One pooled connection per message sent side by side
                    // (`outbox.batch_size`, 8 by default), kept open a minute.
                    transport: builder
                        .pool_config(
                            PoolConfig::new()
                                .max_size(POOL_SIZE)
                                .idle_timeout(Duration::from_secs(60)),
                        )
                        .build(),
                    from,
                    timeout,
                }
            }
        })
    }

    /// Builds and sends one message with the given Message-ID (without angle brackets).
    ///
    /// # Errors
    /// [`MailError::Transient`] when the relay or the disk may accept it later,
    /// [`MailError::Permanent`] when it never will (a bad address).
    pub async fn send(&self, to: &str, subject: &str, body: &str, message_id: &str) -> Result<(), MailError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::File { from, .. } | Mailer::Memory { from, .. } => from,
        };
        let message = Message::builder()
            .from(
                from.parse()
                    .map_err(|e| MailError::Permanent(format!("from address: {e}")))?,
            )
            .to(to
                .parse()
                .map_err(|e| MailError::Permanent(format!("recipient address: {e}")))?)
            .subject(subject)
            .message_id(Some(format!("<{message_id}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| MailError::Permanent(format!("building message: {e}")))?;
        match self {
            Mailer::Smtp { transport, timeout, .. } => {
                match tokio::time::timeout(*timeout, transport.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
                    Ok(Err(e)) => Err(MailError::Transient(e.to_string())),
                    // Dropping the send drops its connection too: it never goes
                    // back to the pool half-way through a message.
                    Err(_) => Err(MailError::Transient(format!(
                        "the relay did not finish within {} s",
                        timeout.as_secs()
                    ))),
                }
            }
            Mailer::File { dir, .. } => {
                // The file name comes from the deterministic Message-ID, so a
                // resend after a crash overwrites instead of duplicating.
                let name: String = message_id
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let tmp = dir.join(format!(".{name}.tmp"));
                let path = dir.join(format!("{name}.eml"));
                let bytes = message.formatted();
                let write = async {
                    // 0600 whatever the umask: the file may hold a sign-in link.
                    let target = tmp.clone();
                    tokio::task::spawn_blocking(move || crate::files::write_private(&target, &bytes))
                        .await
                        .map_err(|e| MailError::Transient(format!("writing mail file: {e}")))?
                        .map_err(|e| MailError::Transient(format!("writing mail file: {e}")))?;
                    tokio::fs::rename(&tmp, &path)
                        .await
                        .map_err(|e| MailError::Transient(format!("renaming mail file: {e}")))
                };
                tokio::time::timeout(FILE_TIMEOUT, write)
                    .await
                    .unwrap_or_else(|_| Err(MailError::Transient("writing mail file took too long".into())))
            }
            Mailer::Memory { sent, .. } => {
                let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
                sent.lock().expect("mail lock").push(SentMail {
                    to: to.to_owned(),
                    subject: subject.to_owned(),
                    body: body.to_owned(),
                    message_id: message_id.to_owned(),
                    raw,
                });
                Ok(())
            }
        }
    }

    /// The most one [`Mailer::send`] may take before it gives up.
    pub fn send_timeout(&self) -> Duration {
        match self {
            Mailer::Smtp { timeout, .. } => *timeout,
            Mailer::File { .. } | Mailer::Memory { .. } => FILE_TIMEOUT,
        }
    }

    /// Messages kept by the memory backend (empty for the others).
    pub fn sent(&self) -> Vec<SentMail> {
        match self {
            Mailer::Memory { sent, .. } => sent.lock().expect("mail lock").clone(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mailer;
    use crate::settings::{Mail, MailBackend};

    /// Under the default umask (022) a plain write gives 0644 and 0755;
    /// mail files carry sign-in links and must be owner-only.
    #[cfg(unix)]
    #[tokio::test]
    async fn mail_files_and_their_folder_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("mail");
        let settings = Mail {
            backend: MailBackend::File,
            file_dir: dir.clone(),
            ..Mail::default()
        };
        let mailer = Mailer::from_settings(&settings).unwrap();
        mailer
            .send(
                "leder@horten.example.no",
                "Logg inn",
                "lenke",
                "sign-in.1@samavvik.test",
            )
            .await
            .unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].extension().is_some_and(|e| e == "eml"));
        assert_eq!(mode(&files[0]), 0o600);
    }
}
