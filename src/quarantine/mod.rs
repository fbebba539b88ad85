//! Quarantine: where every original is kept on the internet side.
//!
//! For now this is the original store (files named by SHA-256); the index,
//! retention and the request → approve → release workflow build on it.

mod store;

pub use store::OriginalStore;
