//! Two `mugai serve` nodes on one PostgreSQL, as a prefecture's security
//! cloud runs them: each node has its own spool and data directory; the
//! index, originals, audit chain, sessions and the link key are shared.
//! A request link written by node A is requested on B, approved by an
//! approver signed in on A using B, and the original is delivered once;
//! the audit chain verifies from either node; a node killed in the middle
//! of a load delivers everything it acknowledged once it is back, while
//! the other node goes on taking mail.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::http::{Browser, login};
use common::load::{delivered_subjects, sender};
use common::postgres::Cluster;
use common::relay::{Relay, cli, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse battery";

/// One node's configuration: the shared database and key, its own name
/// and data directory.
fn node_config(dir: &Path, sink: &Sink, url: &str, key: &Path, name: &str) -> String {
    config(dir, sink.addr, "", "", "")
        .replace(
            "[storage]\n",
            &format!("[storage]\ndatabase = \"{url}\"\nnode = \"{name}\"\n"),
        )
        .replace(
            "[admin]\n",
            &format!("[admin]\nsecret_key_file = \"{}\"\n", key.display()),
        )
}

struct Nodes {
    cluster: Cluster,
    sink: Sink,
    _key_dir: tempfile::TempDir,
    key: PathBuf,
}

impl Nodes {
    fn new(database: &str) -> Nodes {
        let cluster = Cluster::start();
        cluster.create_database(database);
        let key_dir = tempfile::tempdir().unwrap();
        let key = key_dir.path().join("secret.key");
        std::fs::write(&key, (100..132u8).collect::<Vec<_>>()).unwrap();
        Nodes {
            cluster,
            sink: Sink::start(),
            _key_dir: key_dir,
            key,
        }
    }

    fn config(&self, dir: &Path, database: &str, name: &str) -> String {
        node_config(
            dir,
            &self.sink,
            &self.cluster.url(database),
            &self.key,
            name,
        )
    }
}

#[test]
fn a_link_from_node_a_approved_through_node_b_delivers_the_original_once() {
    let nodes = Nodes::new("mugai_two");
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Relay::start(
        a_dir.path(),
        &nodes.config(a_dir.path(), "mugai_two", "node-a"),
    );
    let b = Relay::start(
        b_dir.path(),
        &nodes.config(b_dir.path(), "mugai_two", "node-b"),
    );
    // Accounts made on A are accounts on B.
    let add = |name: &str, role: &str| {
        cli(
            &a.config_path,
            &[
                "user",
                "add",
                name,
                "--role",
                role,
                "--email",
                &format!("{name}@example.lg.jp"),
            ],
            Some(&format!("{PASSWORD}\n")),
        );
    };
    add("sato", "approver");
    add("kansa", "auditor");

    let original = common::mail_with_executable("taro@example.lg.jp", "from-node-a");
    let (mut c, _) = Client::connect(a.addr);
    c.command("EHLO client.example.com");
    let reply = c.send_message("s@example.com", &["taro@example.lg.jp"], &original);
    assert!(reply.starts_with("250"), "{reply}");
    let got = nodes.sink.wait_for(1, LIMIT);
    let text = common::read_output(&got[0].data).body;
    let link = text
        .lines()
        .find_map(|l| l.trim().split_once("/r/").map(|(_, t)| format!("/r/{t}")))
        .unwrap_or_else(|| panic!("no request link in the notice:\n{text}"));

    // The recipient requests on B.
    let mut taro = Browser::new(b.web.unwrap());
    let page = taro.get(&link);
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.input("csrf").unwrap();
    let r = taro.post(&link, &[("csrf", &csrf), ("reason", "取引先の請求書です")]);
    assert!(r.body.contains("依頼を受け付けました"), "{}", r.body);

    // The approver signs in on A; the same session works on B.
    let on_a = login(a.web.unwrap(), "sato", PASSWORD);
    let mut sato = Browser::new(b.web.unwrap());
    sato.cookies = on_a.cookies.clone();
    let requests = sato.get("/requests");
    assert_eq!(requests.status, 200, "{}", requests.body);
    let start = requests
        .body
        .find("action=\"/requests/")
        .expect("the request made on B is listed on B")
        + "action=\"/requests/".len();
    let id = &requests.body[start..start + requests.body[start..].find('"').unwrap()];
    let csrf = requests.input("csrf").unwrap();
    let r = sato.post(
        &format!("/requests/{id}"),
        &[
            ("csrf", &csrf),
            ("decision", "approve"),
            ("reason", "確認済み"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);

    // Both nodes look for releases every two seconds; one takes it.
    let got = nodes.sink.wait_for(2, LIMIT);
    let released = String::from_utf8_lossy(&got[1].data).to_string();
    assert!(released.starts_with("X-Mugai-Released: id="), "{released}");
    assert!(released.ends_with(&*String::from_utf8_lossy(&original)));
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(nodes.sink.count(), 2, "released once, by one node");

    // One chain for both nodes, verified from either.
    for node in [&a, &b] {
        let out = cli(&node.config_path, &["audit", "verify"], None);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.contains("chain intact"), "{text}");
    }
    let shown = cli(&b.config_path, &["audit", "show"], None);
    let shown = String::from_utf8_lossy(&shown.stdout);
    for event in [
        "received",
        "sanitized",
        "request",
        "login",
        "approve",
        "delivered",
    ] {
        assert!(shown.contains(event), "no {event} line:\n{shown}");
    }
    // Failed logins count on every node: an attacker spreading guesses
    // over both meets one limit (five by default).
    for n in 0..6 {
        let node = if n % 2 == 0 { &a } else { &b };
        let mut guess = Browser::new(node.web.unwrap());
        let csrf = guess.get("/login").input("csrf").unwrap();
        let r = guess.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("user", "kansa"),
                ("password", "wrong"),
                ("next", "/"),
            ],
        );
        let expected = if n < 5 { 401 } else { 429 };
        assert_eq!(r.status, expected, "guess {n} on node {}", n % 2);
    }
    // Signing out on B ends the session on A too.
    let page = sato.get("/requests");
    let csrf = page.input("csrf").unwrap();
    sato.post("/logout", &[("csrf", &csrf)]);
    let mut again = Browser::new(a.web.unwrap());
    again.cookies = on_a.cookies;
    assert_eq!(again.get("/requests").status, 303, "signed out everywhere");
}

#[test]
fn a_node_killed_under_load_delivers_its_spool_when_back_and_the_other_keeps_taking_mail() {
    let nodes = Nodes::new("mugai_kill");
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a_config = nodes.config(a_dir.path(), "mugai_kill", "node-a");
    let mut a = Relay::start(a_dir.path(), &a_config);
    let b = Relay::start(
        b_dir.path(),
        &nodes.config(b_dir.path(), "mugai_kill", "node-b"),
    );

    let acked = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let acked = Arc::clone(&acked);
            let addr = a.addr;
            std::thread::spawn(move || sender(addr, &format!("node-a-{t}"), 60, acked))
        })
        .collect();
    let start = Instant::now();
    while acked.lock().unwrap().len() < 40 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    a.kill();
    for t in threads {
        t.join().unwrap();
    }
    let acked: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(acked.len() >= 40, "only {} acknowledged", acked.len());
    assert!(acked.len() < 180, "the kill came after everything was sent");

    // While A is down, the MX's other choice takes the mail.
    let on_b = Arc::new(Mutex::new(Vec::new()));
    sender(b.addr, "node-b", 10, Arc::clone(&on_b));
    assert_eq!(on_b.lock().unwrap().len(), 10);

    // A is back on the same data directory: its spool is delivered.
    let _a = Relay::start(a_dir.path(), &a_config);
    let deadline = Instant::now() + Duration::from_secs(90);
    let missing = loop {
        let delivered = delivered_subjects(&nodes.sink);
        let missing: Vec<String> = acked
            .iter()
            .chain(on_b.lock().unwrap().iter())
            .filter(|t| !delivered.contains(*t))
            .cloned()
            .collect();
        if missing.is_empty() || Instant::now() > deadline {
            break missing;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        missing.is_empty(),
        "{} acknowledged messages lost: {missing:?}",
        missing.len()
    );
    // And every one of them is indexed once in the shared database.
    let out = cli(
        &b.config_path,
        &["quarantine", "list", "--json", "--limit", "1000"],
        None,
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    for subject in acked.iter().chain(on_b.lock().unwrap().iter()) {
        assert!(
            listed.contains(&format!("\"{subject}\"")),
            "{subject} is not indexed"
        );
    }
}
