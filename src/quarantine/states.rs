//! The states a kept message, a request and a release move through, as
//! enums in code; their lower-case names appear only at the SQL boundary,
//! in the CLI and in the page's query strings. A row holding a name no
//! version of mugai writes is an error, not a silent default.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

macro_rules! state_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every state, in the order of the workflow.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the index.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<$name, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?} (one of: {})",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

state_enum! {
    /// Where a kept original stands.
    MessageState {
        /// In the store; nobody asked for it.
        Kept = "kept",
        /// A recipient asked for it; a decision is due.
        Requested = "requested",
        /// Released to at least one recipient.
        Released = "released",
        /// Removed from the store after the retention period.
        Purged = "purged",
    }
}

state_enum! {
    /// A recipient's request for an original.
    RequestState {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

state_enum! {
    /// A release of an original to one recipient.
    ReleaseState {
        /// Recorded; waiting for the relay to spool it.
        Queued = "queued",
        /// Taken by one node (named in the row) to put in its spool.
        Claimed = "claimed",
        /// In the relay's delivery queue.
        Spooled = "spooled",
        /// The original could not be read; nothing was sent.
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_unknown_names_are_refused() {
        for state in MessageState::ALL {
            assert_eq!(state.as_str().parse::<MessageState>(), Ok(*state));
        }
        for state in RequestState::ALL {
            assert_eq!(state.to_string().parse::<RequestState>(), Ok(*state));
        }
        for state in ReleaseState::ALL {
            assert_eq!(state.as_str().parse::<ReleaseState>(), Ok(*state));
        }
        let err = "Kept".parse::<MessageState>().unwrap_err();
        assert!(err.contains("kept, requested, released, purged"), "{err}");
    }
}
