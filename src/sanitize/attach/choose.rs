//! Which action the policy's table gives a detected kind. The table is
//! plain data in `policy/`; the choice lives here, beside the kinds, so
//! that `policy/` never depends on the core it configures. Kinds the table
//! has no key for are always removed.

use super::Kind;
use crate::policy::{AttachmentAction, AttachmentPolicy};

/// The action for a detected kind.
pub fn action(policy: &AttachmentPolicy, kind: Kind) -> AttachmentAction {
    match kind {
        Kind::Image => policy.image,
        Kind::Pdf => policy.pdf,
        Kind::Ooxml | Kind::OoxmlMacro | Kind::Odf => policy.office,
        Kind::Text => policy.text,
        Kind::Calendar => policy.calendar,
        Kind::Zip => policy.zip,
        Kind::Tnef => policy.tnef,
        Kind::Svg => policy.svg,
        Kind::Script | Kind::Html => policy.script,
        _ => AttachmentAction::Remove,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttachmentAction::{Rasterise, Reencode, Remove, Text, Unpack};

    #[test]
    fn defaults_follow_municipal_practice_and_the_rest_is_removed() {
        let policy = AttachmentPolicy::default();
        assert_eq!(action(&policy, Kind::Image), Reencode);
        assert_eq!(action(&policy, Kind::Pdf), Rasterise);
        assert_eq!(action(&policy, Kind::OoxmlMacro), Text);
        assert_eq!(action(&policy, Kind::Zip), Unpack);
        assert_eq!(action(&policy, Kind::Svg), Rasterise);
        assert_eq!(action(&policy, Kind::Script), Remove);
        for kind in [
            Kind::Executable,
            Kind::LegacyOffice,
            Kind::Encrypted,
            Kind::Unknown,
        ] {
            assert_eq!(action(&policy, kind), Remove, "{kind:?}");
        }
    }
}
