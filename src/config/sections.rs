//! The tables of the configuration file other than `[sanitize]`, each with
//! its defaults and its own checks. Defaults run on one machine for trying
//! mugai out: listen on 127.0.0.1:2525, accept `example.lg.jp`, deliver into
//! a Maildir under `./mugai-data/`.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::units::{ByteSize, Seconds};

/// `[smtp]`: the listener the internet-facing MX delivers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Our name in the greeting, EHLO reply and Received fields.
    pub hostname: String,
    /// Recipient domains we accept; everything else gets 550 5.7.1.
    pub accept_domains: Vec<String>,
    /// Largest message accepted (SIZE is advertised with it).
    pub max_message_size: ByteSize,
    /// Recipients per message; more get 452 4.5.3.
    pub max_recipients: usize,
    /// Simultaneous connections in total; more get 421 4.3.2.
    pub max_connections: usize,
    /// Simultaneous connections from one address.
    pub max_connections_per_ip: usize,
    /// A client silent this long between commands is dropped (421 4.4.2).
    pub idle_timeout: Seconds,
    /// A DATA transfer may not stall longer than this between reads.
    pub data_timeout: Seconds,
    /// Errors tolerated in one session before it is closed.
    pub max_errors: usize,
    /// PEM certificate chain for STARTTLS; STARTTLS is offered only with one.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Refuse MAIL until the client has used STARTTLS.
    pub require_tls: bool,
    /// What a bare CR or LF (a line end other than CRLF) in a command or
    /// in DATA does: `reject` (default) refuses it; `normalize` reads it
    /// as CRLF. Either way only `<CR><LF>.<CR><LF>` ends DATA.
    pub bare_newline: BareNewline,
    /// Accept recipients whose local part has routing syntax
    /// (`user%host@`, `user!host@`, `@a,@b:user@`). Off: 550 5.1.3, so the
    /// next hop can never be made to relay.
    pub allow_routing_localparts: bool,
}

/// `[smtp] bare_newline`: a line end other than CRLF from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BareNewline {
    /// Refuse the command or the whole message (like Postfix's
    /// `smtpd_forbid_bare_newline = yes`).
    #[default]
    Reject,
    /// Read it as CRLF (it still never ends DATA).
    Normalize,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            listen: "127.0.0.1:2525".into(),
            hostname: "mugai.example.lg.jp".into(),
            accept_domains: vec!["example.lg.jp".into()],
            max_message_size: ByteSize(25 << 20),
            max_recipients: 100,
            max_connections: 200,
            max_connections_per_ip: 20,
            idle_timeout: Seconds(300),
            data_timeout: Seconds(180),
            max_errors: 10,
            tls_cert: None,
            tls_key: None,
            require_tls: false,
            bare_newline: BareNewline::Reject,
            allow_routing_localparts: false,
        }
    }
}

impl SmtpConfig {
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen.parse().ok()
    }

    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        if self.listen_addr().is_none() {
            out.push(format!(
                "smtp.listen = {:?} is not an address:port such as \"127.0.0.1:2525\"",
                self.listen
            ));
        }
        if !is_hostname(&self.hostname) {
            out.push(format!(
                "smtp.hostname = {:?} is not a host name",
                self.hostname
            ));
        }
        for domain in &self.accept_domains {
            if !is_hostname(domain) {
                out.push(format!("smtp.accept_domains: {domain:?} is not a domain"));
            }
        }
        for (name, value) in [
            ("max_recipients", self.max_recipients),
            ("max_connections", self.max_connections),
            ("max_connections_per_ip", self.max_connections_per_ip),
            ("max_errors", self.max_errors),
        ] {
            if value == 0 {
                out.push(format!("smtp.{name} must be at least 1"));
            }
        }
        if self.max_message_size.bytes() < 1024 {
            out.push("smtp.max_message_size must be at least 1KiB".into());
        }
        if self.idle_timeout.0 == 0 || self.data_timeout.0 == 0 {
            out.push("smtp.idle_timeout and smtp.data_timeout must be longer than 0".into());
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) | (None, Some(_)) => {
                out.push("smtp.tls_cert and smtp.tls_key must be set together".into())
            }
            (Some(cert), Some(key)) => {
                for path in [cert, key] {
                    if let Err(e) = std::fs::read(path) {
                        out.push(format!("smtp TLS file {}: {e}", path.display()));
                    }
                }
            }
            (None, None) if self.require_tls => {
                out.push("smtp.require_tls needs smtp.tls_cert and smtp.tls_key".into())
            }
            (None, None) => {}
        }
    }

    /// True when `domain` (of a recipient) is one we accept.
    pub fn accepts(&self, domain: &str) -> bool {
        self.accept_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
    }
}

/// Where sanitized mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryMode {
    /// SMTP to `next_hop` (the LGWAN-side mail server).
    Smtp,
    /// Files in a local Maildir.
    Maildir,
}

/// How the connection to the next hop is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NextHopTls {
    /// Plain SMTP.
    None,
    /// STARTTLS when the server offers it.
    Opportunistic,
    /// STARTTLS, or the delivery fails (temporarily).
    Required,
    /// TLS from the first byte (port 465 style).
    Wrapper,
}

/// `[delivery]`: the next hop, retries and the postmaster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    pub mode: DeliveryMode,
    /// `host:port` of the LGWAN-side mail server.
    pub next_hop: String,
    pub next_hop_tls: NextHopTls,
    /// PEM file of CA certificates to trust for the next hop (a private
    /// CA on the LGWAN side) instead of the public web roots.
    pub next_hop_ca: Option<PathBuf>,
    /// AUTH user name at the next hop (with `password_file`).
    pub username: Option<String>,
    /// File holding the AUTH password (kept out of this file).
    pub password_file: Option<PathBuf>,
    /// Maildir for `mode = "maildir"`; unset: `maildir` under `data_dir`.
    pub maildir: Option<PathBuf>,
    /// Receives reports of refused messages and permanent failures.
    pub postmaster: String,
    /// Waits between attempts; the last one repeats.
    pub retry_schedule: Vec<Seconds>,
    /// Give up (and report to the postmaster) after this long.
    pub max_queue_lifetime: Seconds,
    /// Simultaneous deliveries to the next hop.
    pub concurrency: usize,
    /// A next hop silent this long during one command fails the attempt.
    pub timeout: Seconds,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            mode: DeliveryMode::Maildir,
            next_hop: "127.0.0.1:2526".into(),
            next_hop_tls: NextHopTls::None,
            next_hop_ca: None,
            username: None,
            password_file: None,
            maildir: None,
            postmaster: "postmaster@example.lg.jp".into(),
            // Postfix-like: minutes at first, growing to an hour.
            retry_schedule: [300, 600, 1200, 2400, 3600]
                .into_iter()
                .map(Seconds)
                .collect(),
            max_queue_lifetime: Seconds(5 * 86400),
            concurrency: 8,
            timeout: Seconds(300),
        }
    }
}

impl DeliveryConfig {
    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        if self.mode == DeliveryMode::Smtp {
            let valid = self.next_hop.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
            });
            if !valid {
                out.push(format!(
                    "delivery.next_hop = {:?} is not host:port",
                    self.next_hop
                ));
            }
        }
        if let Some(path) = &self.next_hop_ca {
            if let Err(e) = std::fs::read(path) {
                out.push(format!("delivery.next_hop_ca {}: {e}", path.display()));
            }
            if self.next_hop_tls == NextHopTls::None {
                out.push("delivery.next_hop_ca is set but next_hop_tls = \"none\"".into());
            }
        }
        if self.username.is_some() != self.password_file.is_some() {
            out.push("delivery.username and delivery.password_file must be set together".into());
        }
        if let Some(path) = &self.password_file
            && let Err(e) = std::fs::read(path)
        {
            out.push(format!("delivery.password_file {}: {e}", path.display()));
        }
        if !self.postmaster.contains('@')
            || self
                .postmaster
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>')
        {
            out.push(format!(
                "delivery.postmaster = {:?} is not a mail address",
                self.postmaster
            ));
        }
        if self.retry_schedule.is_empty() || self.retry_schedule.iter().any(|s| s.0 == 0) {
            out.push("delivery.retry_schedule needs at least one wait longer than 0".into());
        }
        if self.concurrency == 0 {
            out.push("delivery.concurrency must be at least 1".into());
        }
        if self.timeout.0 == 0 {
            out.push("delivery.timeout must be longer than 0".into());
        }
    }
}

/// `[storage]`: where the spool and the originals live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
    /// The shared engine: `postgres://user@host/db` puts the quarantine
    /// index there (so several nodes can share it); unset, an embedded
    /// SQLite file at `data_dir/quarantine.db`. A `sqlite:` URL names
    /// another SQLite file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Below this much free space new transactions get `452 4.3.1`;
    /// unset: four times `smtp.max_message_size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_free: Option<ByteSize>,
    /// This node's name among nodes sharing a database: a release taken
    /// into this node's spool is marked with it. Unset: the host name.
    /// Each node needs its own (a release claimed under a name is
    /// delivered by the node of that name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from("./mugai-data"),
            database: None,
            min_free: None,
            node: None,
        }
    }
}

impl StorageConfig {
    /// [`StorageConfig::node`], or the host name.
    pub fn node_name(&self) -> String {
        match &self.node {
            Some(name) => name.clone(),
            None => std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|name| name.trim().to_string())
                .ok()
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "mugai".to_string()),
        }
    }
}

/// `[queue]`: the sanitizer pool and back-pressure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Sanitizer threads; 0 means one per core.
    pub workers: usize,
    /// Messages waiting to be sanitized or delivered beyond which new mail
    /// gets 451 4.3.2.
    pub max_backlog: usize,
    /// On SIGTERM, how long sessions and deliveries in progress may take
    /// to finish before mugai exits (what is left stays in the spool).
    pub shutdown_grace: Seconds,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            workers: 0,
            max_backlog: 10_000,
            shutdown_grace: Seconds(30),
        }
    }
}

impl QueueConfig {
    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        if self.max_backlog == 0 {
            out.push("queue.max_backlog must be at least 1".into());
        }
    }

    /// Worker threads to start.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// tracing filter, e.g. `"info"` or `"mugai=debug"`; `MUGAI_LOG` overrides it.
    pub level: String,
    /// The zone times are shown in (logs, CLI, web page): an IANA name
    /// such as `"Asia/Tokyo"`; empty for the system's.
    pub timezone: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            level: "info".into(),
            timezone: String::new(),
        }
    }
}

/// A syntactically plausible DNS name (letters, digits, hyphens, dots).
pub(super) fn is_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}
