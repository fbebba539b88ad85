//! `[admin]` (the approvers' web page) and `[quarantine]` (how long
//! originals are kept and where their index lives).

use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use serde::{Deserialize, Serialize};

use crate::units::Seconds;

/// `[admin]`: the web page for approvers, auditors and admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve the page from `mugai serve`.
    pub enabled: bool,
    /// Address the page listens on; loopback by default (put a reverse
    /// proxy or `tls_cert` in front before opening it to the LAN).
    pub listen: String,
    /// The page's address as staff reach it, used in the request links of
    /// notices (e.g. "https://mugai.example.lg.jp"). Default: built from
    /// the address the page listens on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// PEM certificate chain and key: serve the page over TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// A login lasts at most this long.
    pub session_lifetime: Seconds,
    /// A login unused for this long ends.
    pub session_idle: Seconds,
    /// Failed logins allowed per account, and per client address, within
    /// `login_window`; more are refused until the window passes.
    pub login_max_failures: u32,
    pub login_window: Seconds,
    /// How long the request link in a notice works (at most as long as
    /// the original is kept).
    pub request_link_lifetime: Seconds,
    /// Networks (or single addresses) that may read `/metrics` without a
    /// login; others get 403. Loopback by default; an empty list shuts
    /// it for everyone.
    pub metrics_allow: Vec<String>,
    /// Also serve `/metrics` (only that) on a listener of its own, e.g.
    /// "10.0.0.5:9525" for a monitoring network; `metrics_allow` applies
    /// there too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    /// The key that signs request links and CSRF tokens, as a file of at
    /// least 32 random bytes copied to every node, so a link written by
    /// one node works on another. Default: `data_dir/secret.key`, made on
    /// first use (one node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key_file: Option<PathBuf>,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            enabled: true,
            listen: "127.0.0.1:8025".into(),
            public_url: None,
            tls_cert: None,
            tls_key: None,
            session_lifetime: Seconds(8 * 3600),
            session_idle: Seconds(30 * 60),
            login_max_failures: 5,
            login_window: Seconds(15 * 60),
            request_link_lifetime: Seconds(30 * 86400),
            metrics_allow: vec!["127.0.0.0/8".into(), "::1/128".into()],
            metrics_listen: None,
            secret_key_file: None,
        }
    }
}

impl AdminConfig {
    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        if self.enabled && self.listen.parse::<std::net::SocketAddr>().is_err() {
            out.push(format!(
                "admin.listen = \"{}\" is not an address with a port (e.g. \"127.0.0.1:8025\")",
                self.listen
            ));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            out.push(format!(
                "admin.public_url = \"{url}\" must start with https:// or http://"
            ));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            out.push("admin.tls_cert and admin.tls_key must be set together".into());
        }
        if self.login_max_failures == 0 {
            out.push("admin.login_max_failures must be at least 1".into());
        }
        for (name, value) in [
            ("session_lifetime", self.session_lifetime),
            ("session_idle", self.session_idle),
            ("login_window", self.login_window),
            ("request_link_lifetime", self.request_link_lifetime),
        ] {
            if value.0 == 0 {
                out.push(format!("admin.{name} must be longer than 0"));
            }
        }
        if let Some(listen) = &self.metrics_listen
            && listen.parse::<std::net::SocketAddr>().is_err()
        {
            out.push(format!(
                "admin.metrics_listen = \"{listen}\" is not an address with a port (e.g. \"10.0.0.5:9525\")"
            ));
        }
        for entry in &self.metrics_allow {
            if parse_network(entry).is_none() {
                out.push(format!(
                    "admin.metrics_allow: \"{entry}\" is not a network or an address (e.g. \"10.0.0.0/8\", \"192.0.2.7\")"
                ));
            }
        }
    }

    /// May `client` read `/metrics`?
    pub fn metrics_allowed(&self, client: IpAddr) -> bool {
        let client = client.to_canonical();
        self.metrics_allow
            .iter()
            .filter_map(|entry| parse_network(entry))
            .any(|network| network.contains(&client))
    }
}

/// A network (`10.0.0.0/8`) or a single address (`192.0.2.7`, `::1`).
fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// `[quarantine]`: the originals' retention and index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuarantineConfig {
    /// Days an original is kept; a daily purge removes older ones unless
    /// a request for them is pending.
    pub retention_days: u32,
    /// Where `storage.database` was first configured; still read, so
    /// older files stay valid (setting both is an error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

impl Default for QuarantineConfig {
    fn default() -> Self {
        QuarantineConfig {
            retention_days: 30,
            database: None,
        }
    }
}

impl QuarantineConfig {
    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        if self.retention_days == 0 {
            out.push("quarantine.retention_days must be at least 1".into());
        }
    }
}
