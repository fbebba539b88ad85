//! Attachments: what each one really is ([`kind`]) and, per kind, what
//! the policy does with it. Pure: bytes in, verdicts and new bytes out.

pub mod kind;

pub use kind::{Detection, Kind, detect};
