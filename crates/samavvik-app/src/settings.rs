//! Typed settings: defaults → `samavvik.toml` → `SAMAVVIK__SECTION__KEY`
//! environment variables. Secrets are file paths, never values.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub server: Server,
    pub database: Database,
    pub directory: DirectorySettings,
    pub keys: Keys,
    pub mail: Mail,
    pub outbox: Outbox,
    pub deadlines: Deadlines,
    pub scope: Scope,
    pub security: Security,
    /// How long sealed content is kept after a case closes (`[retention]`).
    pub retention: crate::retention::RetentionSettings,
    /// OpenID Connect providers (`[[oidc.provider]]`).
    pub oidc: crate::oidc::config::OidcSettings,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Server {
    pub bind: String,
    /// The address users reach the service at; used in links in e-mails and receipts.
    pub base_url: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Run the outbox worker inside `serve`.
    pub run_worker: bool,
    /// A connection that has not sent a whole request head within this
    /// many seconds (also between requests on a kept-alive connection) is
    /// closed, so slow clients cannot hold the service.
    pub header_read_timeout_secs: u64,
    /// A request body that has not arrived within this many seconds is refused.
    pub body_read_timeout_secs: u64,
    /// Connections served at once; further clients wait in the listen
    /// queue. Keep below the process's open-file limit (`LimitNOFILE`).
    pub max_connections: usize,
    /// Behind a reverse proxy: the header it puts the client's address in
    /// (e.g. `x-forwarded-for`; its last entry is used, the one the proxy
    /// added). Unset, the connection's address is the client's. Without it
    /// behind a proxy, every client shares the proxy's address and its limits.
    pub client_ip_header: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Database {
    /// `sqlite://data/samavvik.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a database connection before it is
    /// answered with "try again" (503). Bounds every wait while the
    /// database is down or overloaded.
    pub acquire_timeout_secs: u64,
    /// SQLite only: `full` (every commit reaches the disk) or `normal`
    /// (faster; a power cut may lose the last commits, a crash does not).
    pub sqlite_synchronous: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectorySettings {
    /// The directory file. Empty (the default): the shipped Vestfold
    /// directory built into the binary, so no command depends on the
    /// current directory.
    pub path: PathBuf,
}

/// The shipped Vestfold directory (`deploy/directory.toml`), used when
/// `directory.path` is empty.
pub const SHIPPED_DIRECTORY: &str = include_str!("../../../deploy/directory.toml");

impl DirectorySettings {
    /// Whether the shipped directory is used.
    pub fn is_shipped(&self) -> bool {
        self.path.as_os_str().is_empty()
    }

    /// What the directory is read from, for messages.
    pub fn describe(&self) -> String {
        if self.is_shipped() {
            "deploy/directory.toml (innebygd)".into()
        } else {
            self.path.display().to_string()
        }
    }

    /// The directory file's text.
    ///
    /// # Errors
    /// When the configured file cannot be read.
    pub fn text(&self) -> anyhow::Result<String> {
        if self.is_shipped() {
            return Ok(SHIPPED_DIRECTORY.to_owned());
        }
        std::fs::read_to_string(&self.path).map_err(|e| anyhow::anyhow!("kan ikke lese {}: {e}", self.path.display()))
    }

    /// Reads and checks the directory.
    ///
    /// # Errors
    /// When the file cannot be read or has problems.
    pub fn load(&self) -> anyhow::Result<samavvik_routing::Directory> {
        if self.is_shipped() {
            return samavvik_routing::Directory::from_toml_str(SHIPPED_DIRECTORY, &self.describe()).map_err(
                |problems| {
                    anyhow::anyhow!(
                        "the shipped directory has problems: {}",
                        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                    )
                },
            );
        }
        Ok(samavvik_routing::Directory::load(&self.path)?)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Keys {
    /// Holds `<unit id>.key` identity files (0600).
    pub dir: PathBuf,
    /// An offline recovery recipient (`age1…`) every document is also sealed to.
    pub recovery_recipient: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailBackend {
    Smtp,
    File,
    Memory,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Wrapper,
    /// STARTTLS, refusing to continue without it (port 587).
    Required,
    /// STARTTLS when offered. Only for relays on a trusted network.
    Opportunistic,
    /// Plain text. Only for a relay on localhost and for tests.
    None,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Mail {
    pub backend: MailBackend,
    pub from: String,
    /// Right-hand side of Message-IDs.
    pub message_id_domain: String,
    pub file_dir: PathBuf,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password_file: Option<PathBuf>,
    /// The most one message may take with the relay, all of it: connect,
    /// greeting, every command and the data. A relay that accepts the
    /// connection and then says nothing is given up on after this long.
    pub smtp_timeout_secs: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Outbox {
    pub poll_interval_ms: u64,
    /// After a new report wakes the worker, how long it waits for more
    /// before claiming, so a burst of reports makes few batches.
    pub gather_ms: u64,
    /// How many jobs a worker claims at once and sends side by side, each
    /// marked sent as soon as the relay accepts it.
    pub batch_size: u32,
    /// Marks of mails of one claim that the relay accepts within this many
    /// milliseconds of the first share one commit (0: no waiting; marks
    /// that queued behind a commit still share the next). Each commit is a
    /// write turn the intake needs on SQLite; the cost is a wider crash
    /// window: a crash in it repeats up to `batch_size` mails.
    pub mark_window_ms: u64,
    /// How long a claimed job is the worker's alone. Never less than twice
    /// `mail.smtp_timeout_secs` plus 2 s (the worker raises it), so a send
    /// and the retried marking of it always end before another worker may
    /// take the job.
    pub lease_secs: i64,
    /// After this many failed attempts a job is dead-lettered.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt, capped at `backoff_max_secs`.
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
}

/// Which reports are accepted at all.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Scope {
    /// Accept reports from one kommune to another. The procedure
    /// (D12402) covers SiV ↔ kommune only, so this is off by default; the
    /// form then says where such incidents go instead.
    pub kommune_to_kommune: bool,
}

/// Handling times. The procedure (D12402) sets no number of days: these
/// are the Helsefellesskap's own agreed handling times, configurable, and
/// receipts and mails say so.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Deadlines {
    /// Agreed time to acknowledge a case (default 5 working days).
    pub acknowledge_working_days: u32,
    /// Agreed time to answer a case (default 30 calendar days).
    pub answer_days: u32,
    /// How often the deadline sweep looks for reminders and escalations.
    pub sweep_interval_secs: u64,
    /// Remind the receiver this many days before the answer deadline.
    pub answer_reminder_days: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Security {
    /// 32 random bytes that key CSRF tokens and follow-up links. Created
    /// (0600) on first start if missing.
    pub secret_file: PathBuf,
    /// A session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// A session ends this long after sign-in, however active.
    pub session_max_hours: i64,
    /// How long a sign-in link in an e-mail works (once).
    pub login_link_minutes: i64,
    /// Work e-mails of the system owners (admin: the audit log). Leaders and
    /// the secretariat come from the directory.
    pub admin_emails: Vec<String>,
    /// Reports one client address may send within 10 minutes (per
    /// instance); 0 turns the limit off (load tests).
    pub reports_per_client: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: Server::default(),
            database: Database::default(),
            directory: DirectorySettings { path: PathBuf::new() },
            keys: Keys {
                dir: PathBuf::from("data/keys"),
                recovery_recipient: None,
            },
            mail: Mail::default(),
            outbox: Outbox::default(),
            deadlines: Deadlines::default(),
            scope: Scope::default(),
            retention: crate::retention::RetentionSettings::default(),
            oidc: crate::oidc::config::OidcSettings::default(),
            security: Security {
                secret_file: PathBuf::from("data/secret.key"),
                session_idle_minutes: 60,
                session_max_hours: 12,
                login_link_minutes: 15,
                admin_emails: Vec::new(),
                reports_per_client: samavvik_core::limits::REPORTS_PER_CLIENT,
            },
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            base_url: "http://127.0.0.1:8080".into(),
            max_body_bytes: 256 * 1024,
            run_worker: true,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            max_connections: 768,
            client_ip_header: None,
        }
    }
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: "sqlite://data/samavvik.db".into(),
            max_connections: 8,
            acquire_timeout_secs: 5,
            sqlite_synchronous: "full".into(),
        }
    }
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Settings::default().directory
    }
}

impl Default for Keys {
    fn default() -> Self {
        Settings::default().keys
    }
}

impl Default for Security {
    fn default() -> Self {
        Settings::default().security
    }
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            backend: MailBackend::File,
            from: "Samavvik <ikke-svar@samavvik.example.no>".into(),
            message_id_domain: "samavvik.example.no".into(),
            file_dir: PathBuf::from("data/mail"),
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Required,
            smtp_username: None,
            smtp_password_file: None,
            smtp_timeout_secs: 20,
        }
    }
}

impl Default for Outbox {
    fn default() -> Self {
        Self {
            poll_interval_ms: 2000,
            gather_ms: 200,
            batch_size: 8,
            mark_window_ms: 50,
            lease_secs: 120,
            max_attempts: 12,
            backoff_base_secs: 30,
            backoff_max_secs: 3600,
        }
    }
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            acknowledge_working_days: 5,
            answer_days: 30,
            sweep_interval_secs: 600,
            answer_reminder_days: 3,
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` if it exists, then the environment.
    ///
    /// # Errors
    /// When the file cannot be read or a value has the wrong type.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("samavvik.toml"));
        if file.exists() {
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(Env::prefixed("SAMAVVIK__").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// Whether cookies must be `Secure` (and may use the `__Host-` prefix).
    pub fn https(&self) -> bool {
        self.server.base_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "samavvik.toml",
                "[server]\nbind = \"0.0.0.0:9000\"\n[deadlines]\nanswer_days = 20\n",
            )?;
            jail.set_env("SAMAVVIK__DEADLINES__ANSWER_DAYS", "14");
            jail.set_env("SAMAVVIK__MAIL__BACKEND", "smtp");
            let s = Settings::load(None).unwrap();
            assert_eq!(s.server.bind, "0.0.0.0:9000");
            assert_eq!(s.deadlines.answer_days, 14);
            assert_eq!(s.deadlines.acknowledge_working_days, 5);
            assert_eq!(s.mail.backend, MailBackend::Smtp);
            Ok(())
        });
    }
}
