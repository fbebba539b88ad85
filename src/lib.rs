//! mugai (無害): an SMTP relay that makes internet mail harmless before it
//! reaches a municipality's LGWAN side.
//!
//! The library holds everything; `main.rs` only calls [`cli::main`].
//! - [`sanitize`]: the pure conversion core (bytes + policy → message + report).
//! - [`policy`]: the knobs the core obeys; [`config`]: the TOML file.
//! - [`cli`]: the command line.

pub mod cli;
pub mod config;
pub mod policy;
pub mod sanitize;
