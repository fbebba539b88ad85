//! mugai (無害): an SMTP relay that makes internet mail harmless before it
//! reaches a municipality's LGWAN side.
//!
//! The library holds everything; `main.rs` only calls [`cli::main`].
//! - [`sanitize`]: the pure conversion core (bytes + policy → message + report).
//! - [`policy`]: the knobs the core obeys; [`config`]: the TOML file.
//! - [`ingress`] (SMTP in) → [`spool`] (fsync, then 250) → [`pipeline`]
//!   (sanitizer pool) → [`quarantine`] (originals) and [`delivery`] (SMTP
//!   or Maildir out); [`server`] wires them together for `mugai serve`.
//! - [`render`]: 画面で見る, original parts drawn as pictures in jails.
//! - [`cli`]: the command line; [`send`]: a one-message SMTP client.
//!
//! ```
//! use mugai::policy::Policy;
//! use mugai::sanitize::{sanitize, Stamp};
//!
//! let original = b"From: sender@example.com\r\nTo: taro@example.lg.jp\r\n\
//! Subject: hello\r\nContent-Type: text/html\r\n\r\n\
//! <p>Click <a href=\"https://evil.example/\">here</a></p><script>x()</script>\r\n";
//! let stamp = Stamp { hostname: "mugai.example.lg.jp".into(), received_at: 0, queue_id: None, request_link: None };
//! let sanitized = sanitize(original, &Policy::default(), &stamp).expect("not refused");
//! assert_eq!(sanitized.report.actions_header(), "text-converted links-defanged");
//! let text = String::from_utf8(sanitized.message).unwrap();
//! assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
//! assert!(!text.contains("<script"));
//! ```

pub mod admin;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod durable;
pub mod fonts;
pub mod ingress;
pub mod isolate;
pub mod metrics;
pub mod pipeline;
pub mod policy;
pub mod quarantine;
pub mod render;
pub mod sanitize;
pub mod send;
pub mod server;
pub mod spool;
pub mod tls;
pub mod units;
