//! Keys a relay's configuration file must set. Their defaults make the
//! quick start work on one machine, and are wrong anywhere else: a file
//! that configures the relay (has an `[smtp]` or `[delivery]` table) and
//! leaves one of them out would silently send mail to 127.0.0.1, accept
//! mail only for example.lg.jp, or put the spool wherever mugai happened
//! to start. `check-config` and `serve` refuse such a file, one sentence
//! per key. Read from the file's text, since a parsed default cannot say
//! whether it was written.

use toml::Table;

/// One sentence per relay key the file should set but does not.
pub fn problems(text: &str) -> Vec<String> {
    let Ok(file) = text.parse::<Table>() else {
        return Vec::new();
    };
    let table = |name: &str| file.get(name).and_then(|v| v.as_table());
    let smtp = table("smtp");
    let delivery = table("delivery");
    if smtp.is_none() && delivery.is_none() {
        return Vec::new();
    }
    let has = |t: Option<&Table>, key: &str| t.is_some_and(|t| t.contains_key(key));
    let mut out = Vec::new();
    for (key, what) in [
        (
            "hostname",
            "the relay would call itself mugai.example.lg.jp",
        ),
        (
            "accept_domains",
            "only mail for example.lg.jp would be accepted",
        ),
    ] {
        if !has(smtp, key) {
            out.push(format!("smtp.{key} is not set: {what}"));
        }
    }
    let mode = delivery
        .and_then(|d| d.get("mode"))
        .and_then(|m| m.as_str())
        .unwrap_or("maildir");
    if mode == "smtp" && !has(delivery, "next_hop") {
        out.push(
            "delivery.mode = \"smtp\" needs delivery.next_hop (the LGWAN-side server, host:port)"
                .into(),
        );
    }
    if !has(delivery, "postmaster") {
        out.push(
            "delivery.postmaster is not set: reports would go to postmaster@example.lg.jp".into(),
        );
    }
    match table("storage").and_then(|s| s.get("data_dir")) {
        None => out.push(
            "storage.data_dir is not set: the spool would be ./mugai-data under whatever \
             directory mugai starts in"
                .into(),
        ),
        Some(dir) if dir.as_str().is_some_and(|d| !d.starts_with('/')) => out.push(format!(
            "storage.data_dir = {dir} must be an absolute path (a relative one depends on \
             the directory mugai starts in)"
        )),
        Some(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLETE: &str = "[smtp]\nhostname = \"mx.city.lg.jp\"\naccept_domains = [\"city.lg.jp\"]\n\
        [delivery]\nmode = \"smtp\"\nnext_hop = \"10.0.0.2:25\"\npostmaster = \"pm@city.lg.jp\"\n\
        [storage]\ndata_dir = \"/var/lib/mugai\"\n";

    #[test]
    fn a_relay_file_must_set_what_has_no_right_default() {
        assert!(problems(COMPLETE).is_empty(), "{:?}", problems(COMPLETE));
        // A file with only a [sanitize] table configures no relay.
        assert!(problems("[sanitize]\nlinks = \"remove\"\n").is_empty());
        for (key, needle) in [
            ("next_hop = \"10.0.0.2:25\"\n", "delivery.next_hop"),
            ("accept_domains = [\"city.lg.jp\"]\n", "smtp.accept_domains"),
            ("hostname = \"mx.city.lg.jp\"\n", "smtp.hostname"),
            ("postmaster = \"pm@city.lg.jp\"\n", "delivery.postmaster"),
            ("data_dir = \"/var/lib/mugai\"\n", "storage.data_dir"),
        ] {
            let found = problems(&COMPLETE.replace(key, ""));
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].contains(needle), "{found:?}");
        }
        let relative = problems(&COMPLETE.replace("/var/lib/mugai", "./data"));
        assert!(relative[0].contains("absolute"), "{relative:?}");
        // Maildir delivery needs no next hop.
        let maildir = COMPLETE.replace("mode = \"smtp\"\nnext_hop = \"10.0.0.2:25\"\n", "");
        assert!(problems(&maildir).is_empty(), "{:?}", problems(&maildir));
    }
}
