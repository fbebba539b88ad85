//! RCPT TO: only recipients in the accepted domains (never an open
//! relay), at most `max_recipients` per message, all of one tenant, and no local part with
//! routing syntax: `user%other.example@`, `user!other.example@`, a quoted
//! `"user@other.example"@` or a source route `<@a,@b:user@>` could make a
//! next hop that honours the old routing conventions relay the mail on.

use super::session::{Next, Session};
use crate::config::Config;

/// True when `line` (a RCPT command) gives a source route (`<@host,…:`),
/// which the parser drops silently.
pub fn has_source_route(line: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', line) else {
        return false;
    };
    let rest = &line[colon + 1..];
    let start = rest.iter().take_while(|b| **b == b' ').count();
    rest[start..].starts_with(b"<@")
}

/// An address as a reply may quote it: no control or invisible
/// characters, at most 256 of them.
fn shown(address: &str) -> String {
    address
        .chars()
        .filter(|&c| !c.is_control() && !crate::sanitize::is_invisible(c))
        .take(256)
        .collect()
}

/// The routing character in a local part, if any.
fn routing_syntax(address: &str) -> Option<char> {
    let local = address.rsplit_once('@').map_or(address, |(local, _)| local);
    local.chars().find(|c| matches!(c, '%' | '!' | '@'))
}

pub fn rcpt(session: &mut Session, address: &str, source_route: bool) -> Next {
    let Some(transaction) = &session.transaction else {
        session.refuse("503 5.5.1 Error: need MAIL command");
        return Next::Continue;
    };
    let config = &session.ctx.config;
    // RFC 5321 4.5.1: "postmaster" without a domain must be accepted.
    let address = if address.eq_ignore_ascii_case("postmaster") {
        config.delivery.postmaster.clone()
    } else {
        address.to_string()
    };
    if address.chars().any(char::is_control) {
        session.refuse("501 5.1.3 Bad recipient address syntax (control characters)");
        return Next::Continue;
    }
    let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    if !config.accepts(domain) {
        session.refuse(&format!(
            "550 5.7.1 <{}>: Relay access denied (this server accepts mail only for its own domains)",
            shown(&address)
        ));
        return Next::Continue;
    }
    if !config.smtp.allow_routing_localparts {
        let routing = if source_route {
            Some("a source route")
        } else {
            routing_syntax(&address).map(|c| match c {
                '%' => "'%' routing",
                '!' => "'!' (UUCP) routing",
                _ => "an '@' inside the local part",
            })
        };
        if let Some(what) = routing {
            session.refuse(&format!(
                "550 5.1.3 <{}>: Recipient address has {what}; this server does not relay",
                shown(&address)
            ));
            return Next::Continue;
        }
    }
    if !transaction.smtputf8 && !address.is_ascii() {
        session.refuse("553 5.6.7 Non-ASCII recipient address requires SMTPUTF8");
        return Next::Continue;
    }
    let max = config.smtp.max_recipients;
    if transaction.recipients.len() >= max {
        session.defer(&format!(
            "452 4.5.3 Too many recipients (at most {max} per message)"
        ));
        return Next::Continue;
    }
    // One municipality per message: each has its own policy, next hop
    // and staff. The sending server tries the others again in a
    // transaction of their own (as for any 452).
    if !config.tenant.is_empty() {
        let tenant = |address: &str| {
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
            Config::tenant_name(config.tenant_of_domain(domain)).to_string()
        };
        if let Some(first) = transaction.recipients.first()
            && tenant(first) != tenant(&address)
        {
            session.defer(&format!(
                "452 4.5.3 <{}>: another municipality's recipient; send it in a separate transaction",
                shown(&address)
            ));
            return Next::Continue;
        }
    }
    if let Some(transaction) = session.transaction.as_mut()
        && !transaction
            .recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&address))
    {
        transaction.recipients.push(address);
    }
    session.reply("250 2.1.5 Ok");
    Next::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_syntax_is_found_in_the_local_part_only() {
        assert_eq!(routing_syntax("user%evil.example@example.lg.jp"), Some('%'));
        assert_eq!(routing_syntax("evil.example!user@example.lg.jp"), Some('!'));
        assert_eq!(routing_syntax("user@evil.example@example.lg.jp"), Some('@'));
        assert_eq!(routing_syntax("taro.yamada+tag@example.lg.jp"), None);
        assert!(has_source_route(
            b"RCPT TO: <@a.example,@b.example:u@example.lg.jp>\r\n"
        ));
        assert!(!has_source_route(b"RCPT TO:<u@example.lg.jp>\r\n"));
    }
}
