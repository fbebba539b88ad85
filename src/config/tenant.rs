//! `[[tenant]]`: one municipality in a deployment shared by many (a
//! prefecture's security cloud). A tenant owns its recipient domains;
//! mail to them goes to its own next hop, under its own policy, with
//! request links on its own address, and only its own staff see it.
//! Without any `[[tenant]]` block everything belongs to the tenant named
//! `default`, and a single-municipality configuration stays as it was.
//!
//! A tenant's `[tenant.sanitize]` holds only what may differ between
//! municipalities (links, notice language, subject prefix, wrap width,
//! attachments); it is laid over `[sanitize]`, key by key, so a tenant
//! states only where it differs. Limits and isolation are the node's.

use serde::{Deserialize, Serialize};

use super::Config;
use crate::policy::Policy;

/// The tenant of mail and staff when no `[[tenant]]` claims them.
pub const DEFAULT_TENANT: &str = "default";

/// The `[sanitize]` keys a tenant may set.
const OVERRIDABLE: [&str; 6] = [
    "links",
    "html_snapshot",
    "notice_language",
    "subject_prefix",
    "wrap_width",
    "attachments",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Short name, `[a-z0-9_-]`: in accounts (`mugai user add --tenant`),
    /// metrics labels and audit lines.
    pub name: String,
    /// The name staff read on the page, e.g. `"札幌市"`.
    #[serde(default)]
    pub display_name: String,
    /// Recipient domains of this tenant (accepted in addition to
    /// `smtp.accept_domains`).
    pub domains: Vec<String>,
    /// Where its sanitized mail goes; unset: `delivery.next_hop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_hop: Option<String>,
    /// Who gets its refusal reports; unset: `delivery.postmaster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmaster: Option<String>,
    /// The address its request links use; unset: `admin.public_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Overrides of `[sanitize]`, as written.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub sanitize: toml::Table,
    /// `[sanitize]` with the overrides laid over it (made on load).
    #[serde(skip)]
    pub policy: Policy,
}

impl TenantConfig {
    /// The name shown to people: the display name, or the short name.
    pub fn shown(&self) -> &str {
        if self.display_name.is_empty() {
            &self.name
        } else {
            &self.display_name
        }
    }
}

/// `over` laid over `base`, tables merged key by key.
fn overlay(base: &mut toml::Table, over: &toml::Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => overlay(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

impl Config {
    /// The tenant owning recipient domain `domain`, if any.
    pub fn tenant_of_domain(&self, domain: &str) -> Option<&TenantConfig> {
        self.tenant
            .iter()
            .find(|t| t.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)))
    }

    /// The tenant of a message: its first recipient's (a message never
    /// mixes tenants: ingress defers the recipients of a second one).
    pub fn tenant_of(&self, recipients: &[String]) -> Option<&TenantConfig> {
        let domain = recipients.first()?.rsplit_once('@')?.1;
        self.tenant_of_domain(domain)
    }

    /// The tenant's short name, `default` for none.
    pub fn tenant_name(tenant: Option<&TenantConfig>) -> &str {
        tenant.map_or(DEFAULT_TENANT, |t| t.name.as_str())
    }

    /// The policy for mail of `tenant`.
    pub fn policy_for<'a>(&'a self, tenant: Option<&'a TenantConfig>) -> &'a Policy {
        tenant.map_or(&self.sanitize, |t| &t.policy)
    }

    /// Which policy a converter uses for `tenant`: 0 the default, n the
    /// n-th `[[tenant]]`.
    pub fn policy_index(&self, tenant: Option<&TenantConfig>) -> usize {
        tenant
            .and_then(|t| self.tenant.iter().position(|x| x.name == t.name))
            .map_or(0, |n| n + 1)
    }

    /// Every tenant's policy, in order (for the converters).
    pub fn tenant_policies(&self) -> Vec<Policy> {
        self.tenant.iter().map(|t| t.policy.clone()).collect()
    }

    /// A tenant by short name.
    pub fn tenant_named(&self, name: &str) -> Option<&TenantConfig> {
        self.tenant.iter().find(|t| t.name == name)
    }

    /// Whether mail for `domain` is accepted: the accepted domains and
    /// every tenant's.
    pub fn accepts(&self, domain: &str) -> bool {
        self.smtp.accepts(domain) || self.tenant_of_domain(domain).is_some()
    }

    /// Makes each tenant's policy; returns what is wrong with the blocks.
    pub(super) fn resolve_tenants(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let base = match toml::Table::try_from(&self.sanitize) {
            Ok(base) => base,
            Err(e) => return vec![format!("sanitize: {e}")],
        };
        let mut seen_domains: Vec<String> = Vec::new();
        for n in 0..self.tenant.len() {
            let tenant = &self.tenant[n];
            let name = &tenant.name;
            if name.is_empty()
                || name == DEFAULT_TENANT
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b))
            {
                problems.push(format!(
                    "tenant name {name:?}: use lower-case letters, digits, '-' or '_' (and not \"default\")"
                ));
            }
            if self.tenant[..n].iter().any(|t| &t.name == name) {
                problems.push(format!("tenant {name} is defined twice"));
            }
            if tenant.domains.is_empty() {
                problems.push(format!("tenant {name} has no domains"));
            }
            for domain in &tenant.domains {
                if !super::sections::is_hostname(domain) {
                    problems.push(format!("tenant {name}: {domain:?} is not a domain"));
                }
                let lower = domain.to_ascii_lowercase();
                if seen_domains.contains(&lower) {
                    problems.push(format!("domain {domain} belongs to two tenants"));
                }
                seen_domains.push(lower);
            }
            if tenant.next_hop.is_some() && self.delivery.mode != super::DeliveryMode::Smtp {
                problems.push(format!(
                    "tenant {name}: next_hop needs delivery.mode = \"smtp\""
                ));
            }
            for key in tenant.sanitize.keys() {
                if !OVERRIDABLE.contains(&key.as_str()) {
                    problems.push(format!(
                        "tenant {name}: sanitize.{key} is the same for every tenant; a tenant may set {}",
                        OVERRIDABLE.join(", ")
                    ));
                }
            }
            if let Some(toml::Value::Table(a)) = tenant.sanitize.get("attachments")
                && a.contains_key("cjk_font")
            {
                problems.push(format!(
                    "tenant {name}: sanitize.attachments.cjk_font is the same for every tenant"
                ));
            }
            let mut merged = base.clone();
            overlay(&mut merged, &tenant.sanitize);
            match merged.try_into::<Policy>() {
                Ok(policy) => self.tenant[n].policy = policy,
                Err(e) => problems.push(format!(
                    "tenant {name}: sanitize: {}",
                    e.message().replace('\n', " ").trim()
                )),
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::policy::AttachmentAction;

    const BASE: &str = "[smtp]\nhostname = \"mugai.test\"\naccept_domains = [\"example.lg.jp\"]\n\
        [delivery]\npostmaster = \"pm@example.lg.jp\"\n[storage]\ndata_dir = \"/var/lib/mugai\"\n\
        [sanitize]\nsubject_prefix = \"[外部]\"\n";

    #[test]
    fn a_tenant_states_only_where_it_differs() {
        let text = format!(
            "{BASE}[[tenant]]\nname = \"town-b\"\ndomains = [\"Town-B.lg.jp\"]\n\
             [tenant.sanitize]\nlinks = \"remove\"\n[tenant.sanitize.attachments]\noffice = \"remove\"\n"
        );
        let config = Config::parse(&text, Path::new("t.toml")).unwrap();
        let b = config
            .tenant_of_domain("town-b.LG.jp")
            .expect("domains ignore case");
        assert_eq!(b.policy.subject_prefix, "[外部]", "kept from [sanitize]");
        assert_eq!(b.policy.links, crate::policy::LinkMode::Remove);
        assert_eq!(b.policy.attachments.office, AttachmentAction::Remove);
        assert_eq!(b.policy.attachments.pdf, config.sanitize.attachments.pdf);
        assert_eq!(config.policy_index(Some(b)), 1);
        assert!(config.accepts("town-b.lg.jp") && config.accepts("example.lg.jp"));
        assert_eq!(
            Config::tenant_name(config.tenant_of(&["x@example.lg.jp".into()])),
            "default"
        );
    }

    #[test]
    fn what_a_tenant_may_not_set_is_said() {
        let text = format!(
            "{BASE}[[tenant]]\nname = \"default\"\ndomains = [\"a.lg.jp\"]\n\
             [[tenant]]\nname = \"b\"\ndomains = [\"A.lg.jp\"]\n[tenant.sanitize.limits]\nmax_depth = 99\n"
        );
        let Err(super::super::ConfigError::Problems { problems, .. }) =
            Config::parse(&text, Path::new("t.toml"))
        else {
            panic!("accepted");
        };
        let all = problems.join("\n");
        for needle in [
            "\"default\"",
            "A.lg.jp belongs to two tenants",
            "sanitize.limits",
        ] {
            assert!(all.contains(needle), "{needle}: {all}");
        }
    }
}
