//! Quarantine: every original kept on the internet side, its index, and
//! the request → approve → release workflow over it.
//!
//! - `originals`: the bytes, content-addressed (SHA-256) and durable:
//!   files (`store`) on one node, tables (`original_table`) on PostgreSQL;
//! - `index`, `requests`, `users`: the SQL index (sqlx: SQLite by default,
//!   PostgreSQL for several nodes; schema steps under `migrations/`);
//! - `token`: signed, expiring request links and CSRF tokens;
//! - `unlocks`: copies delivered with a password-protected part opened;
//! - `workflow`: the actions people take, each recorded in the audit log.
//!
//! It may call `audit`, `config`, `spool` (for the durable-directory
//! helpers) and the `Report` type of `sanitize`; `admin/` and the CLI
//! reach originals only through here.

pub mod index;
mod node_lock;
mod original_table;
mod originals;
pub mod requests;
pub mod states;
mod store;
pub mod token;
mod unlocks;
pub mod users;
pub mod workflow;

pub use index::{Filter, Index, IndexError, MessageRow, NewMessage, NewRow, redact};
pub use original_table::OriginalTable;
pub use originals::{Originals, is_sha256};
pub use requests::{ReleaseRow, RequestRow};
pub use states::{MessageState, ReleaseState, RequestState};
pub use store::OriginalStore;
pub use token::{Claim, Signer, TokenError};
pub use unlocks::UnlockLimiter;
pub use users::{Role, User};
pub use workflow::{Quarantine, Requested, UnlockAttempt, WorkflowError};
