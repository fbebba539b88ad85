//! Two municipalities in one deployment (`[[tenant]]`), through the real
//! `mugai serve`: each tenant's mail goes to its own next hop under its
//! own policy; a message never mixes tenants; each tenant's approver sees
//! only its own mail, requests and audit lines on the page, and an
//! operator sees both; the metrics count per tenant. Run on the embedded
//! SQLite and on PostgreSQL.

mod common;

use std::path::Path;
use std::time::Duration;

use common::http::{Browser, login, metric};
use common::postgres::Cluster;
use common::relay::{Relay, cli, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse battery";

fn add_user(config: &Path, name: &str, role: &str, tenant: Option<&str>) {
    let email = format!("{name}@staff.example.lg.jp");
    let mut args = vec!["user", "add", name, "--role", role, "--email", &email];
    if let Some(tenant) = tenant {
        args.extend(["--tenant", tenant]);
    }
    cli(config, &args, Some(&format!("{PASSWORD}\n")));
}

fn two_municipalities(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (sink_a, sink_b) = (Sink::start(), Sink::start());
    let tenants = format!(
        "[[tenant]]\nname = \"city-a\"\ndisplay_name = \"A市\"\ndomains = [\"city-a.lg.jp\"]\npublic_url = \"https://mugai.city-a.example/\"\n\
         [[tenant]]\nname = \"town-b\"\ndisplay_name = \"B町\"\ndomains = [\"town-b.lg.jp\"]\n\
         next_hop = \"{}\"\n[tenant.sanitize]\nsubject_prefix = \"[B町 外部]\"\nlinks = \"remove\"\n",
        sink_b.addr
    );
    let mut toml = config(dir.path(), sink_a.addr, "", "", "") + &tenants;
    if let Some(url) = &database {
        toml = toml.replace("[storage]\n", &format!("[storage]\ndatabase = \"{url}\"\n"));
    }
    let relay = Relay::start(dir.path(), &toml);
    add_user(&relay.config_path, "sato-a", "approver", Some("city-a"));
    add_user(&relay.config_path, "suzuki-b", "approver", Some("town-b"));
    add_user(&relay.config_path, "kansa-b", "auditor", Some("town-b"));
    add_user(&relay.config_path, "ops", "admin", None);
    add_user(&relay.config_path, "admin-b", "admin", Some("town-b"));

    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    // One message never mixes municipalities.
    c.command("MAIL FROM:<s@example.com>");
    assert!(c.command("RCPT TO:<taro@city-a.lg.jp>").starts_with("250"));
    let mixed = c.command("RCPT TO:<hanako@town-b.lg.jp>");
    assert!(mixed.starts_with("452 4.5.3"), "{mixed}");
    c.command("RSET");
    let to_a = common::mail_with_executable("taro@city-a.lg.jp", "for-city-a");
    let to_b = b"From: s@example.com\r\nTo: hanako@town-b.lg.jp\r\nSubject: for-town-b\r\n\r\nsee https://example.com/x\r\n";
    assert!(
        c.send_message("s@example.com", &["taro@city-a.lg.jp"], &to_a)
            .starts_with("250")
    );
    assert!(
        c.send_message("s@example.com", &["hanako@town-b.lg.jp"], to_b)
            .starts_with("250")
    );

    // Each to its own next hop, B's under its own policy.
    let a = sink_a.wait_for(1, LIMIT);
    let b = sink_b.wait_for(1, LIMIT);
    assert_eq!(a[0].to, ["taro@city-a.lg.jp"]);
    assert_eq!(b[0].to, ["hanako@town-b.lg.jp"]);
    let subject = |data: &[u8]| {
        let parsed = mail_parser::MessageParser::default().parse(data).unwrap();
        parsed.subject().unwrap_or("").to_string()
    };
    let b_out = common::read_output(&b[0].data);
    assert!(
        subject(&b[0].data).starts_with("[B町 外部]"),
        "{}",
        subject(&b[0].data)
    );
    assert!(
        !b_out.body.contains("example.com/x"),
        "links removed: {}",
        b_out.body
    );
    let a_out = common::read_output(&a[0].data);
    assert!(
        !subject(&a[0].data).contains("B町"),
        "{}",
        subject(&a[0].data)
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!((sink_a.count(), sink_b.count()), (1, 1));

    // A's request link is on A's own page address.
    assert!(
        a_out.body.contains("https://mugai.city-a.example/r/"),
        "{}",
        a_out.body
    );
    // A's recipient requests the original.
    let link = a_out
        .body
        .lines()
        .find_map(|l| l.trim().split_once("/r/").map(|(_, t)| format!("/r/{t}")))
        .unwrap_or_else(|| panic!("no request link:\n{}", a_out.body));
    let web = relay.web.unwrap();
    let mut taro = Browser::new(web);
    let csrf = taro.get(&link).input("csrf").unwrap();
    let r = taro.post(&link, &[("csrf", &csrf), ("reason", "必要です")]);
    assert!(r.body.contains("依頼を受け付けました"), "{}", r.body);

    // Wait until both rows are indexed (the operator sees both).
    let mut ops = login(web, "ops", PASSWORD);
    let deadline = std::time::Instant::now() + LIMIT;
    let all = loop {
        let page = ops.get("/");
        if (page.body.contains("for-city-a") && page.body.contains("for-town-b"))
            || std::time::Instant::now() > deadline
        {
            break page.body;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        all.contains("for-city-a") && all.contains("for-town-b"),
        "{all}"
    );
    let id_of = |subject: &str| {
        let at = all.find(subject).unwrap();
        let start = all[..at].rfind("href=\"/m/").unwrap() + "href=\"/m/".len();
        all[start..start + all[start..].find('"').unwrap()].to_string()
    };
    let (id_a, id_b) = (id_of("for-city-a"), id_of("for-town-b"));

    // A's approver: A's mail and request, nothing of B's.
    let mut sato = login(web, "sato-a", PASSWORD);
    let list = sato.get("/").body;
    assert!(
        list.contains("for-city-a") && !list.contains("for-town-b"),
        "{list}"
    );
    assert_eq!(sato.get(&format!("/m/{id_b}")).status, 404);
    assert_eq!(sato.get(&format!("/m/{id_a}")).status, 200);
    assert!(sato.get("/requests").body.contains("for-city-a"));

    // B's approver: B's mail only; A's request neither listed nor decidable.
    let mut suzuki = login(web, "suzuki-b", PASSWORD);
    let list = suzuki.get("/").body;
    assert!(
        list.contains("for-town-b") && !list.contains("for-city-a"),
        "{list}"
    );
    assert_eq!(suzuki.get(&format!("/m/{id_a}")).status, 404);
    let requests = sato.get("/requests");
    let start = requests.body.find("action=\"/requests/").unwrap() + "action=\"/requests/".len();
    let request = &requests.body[start..start + requests.body[start..].find('"').unwrap()];
    let page = suzuki.get("/requests");
    assert!(!page.body.contains("for-city-a"), "{}", page.body);
    let csrf = page.input("csrf").unwrap();
    let r = suzuki.post(
        &format!("/requests/{request}"),
        &[("csrf", &csrf), ("decision", "approve"), ("reason", "x")],
    );
    assert_eq!(r.status, 404, "{}", r.body);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink_a.count(), 1, "nothing released by another tenant");

    // B's admin releases B's mail only into B's domains.
    let mut admin_b = login(web, "admin-b", PASSWORD);
    let page = admin_b.get(&format!("/m/{id_b}"));
    let csrf = page.input("csrf").unwrap();
    let r = admin_b.post(
        &format!("/m/{id_b}/release"),
        &[("csrf", &csrf), ("to", "taro@city-a.lg.jp")],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = admin_b.post(&format!("/m/{id_a}/release"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 404, "another municipality's original: {}", r.body);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!((sink_a.count(), sink_b.count()), (1, 1), "nothing released");

    // B's auditor reads B's lines only; the operator reads both.
    let mut kansa = login(web, "kansa-b", PASSWORD);
    let lines = kansa.get("/audit").body;
    assert!(lines.contains(&id_b) && !lines.contains(&id_a), "{lines}");
    let ops_lines = ops.get("/audit").body;
    assert!(ops_lines.contains(&id_a) && ops_lines.contains(&id_b));

    // The metrics count per tenant.
    let metrics = Browser::new(web).get("/metrics").body;
    for tenant in ["city-a", "town-b"] {
        let label = format!("tenant=\"{tenant}\"");
        assert_eq!(
            metric(&metrics, "mugai_messages_received_total", &label),
            1.0,
            "{metrics}"
        );
        assert_eq!(
            metric(&metrics, "mugai_messages_sanitized_total", &label),
            1.0,
            "{metrics}"
        );
        assert_eq!(
            metric(
                &metrics,
                "mugai_deliveries_total",
                &format!("{label},outcome=\"sent\"")
            ),
            1.0,
            "{metrics}"
        );
    }
}

#[test]
fn two_municipalities_on_sqlite_see_only_their_own() {
    two_municipalities(None);
}

#[test]
fn two_municipalities_on_postgresql_see_only_their_own() {
    let cluster = Cluster::start();
    cluster.create_database("mugai_tenants");
    two_municipalities(Some(cluster.url("mugai_tenants")));
}
