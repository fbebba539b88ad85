//! The quarantine over real HTTP and SMTP: the `mugai serve` binary with
//! its web page, accounts made with `mugai user add`, a mail with an
//! executable sent to it, the request link from its notice, the request
//! → approve → release workflow ending at the test's SMTP sink, and the
//! audit log checked with `mugai audit verify`.

mod common;

use std::io::Write;
use std::process::Output;
use std::time::Duration;

use common::http::Browser;
use common::relay::{Relay, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse battery";

fn mugai(relay: &Relay, args: &[&str], stdin: Option<&str>) -> Output {
    common::relay::run_cli(&relay.config_path, args, stdin)
}

fn add_user(relay: &Relay, name: &str, role: &str, email: &str) {
    let out = mugai(
        relay,
        &["user", "add", name, "--role", role, "--email", email],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Setup {
    _dir: tempfile::TempDir,
    sink: Sink,
    relay: Relay,
}

impl Setup {
    fn start(extra: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let sink = Sink::start();
        let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", extra));
        assert!(relay.web.is_some(), "the web page address is announced");
        add_user(&relay, "admin", "admin", "admin@example.lg.jp");
        add_user(&relay, "sato", "approver", "sato@example.lg.jp");
        add_user(&relay, "taro", "approver", "taro@example.lg.jp");
        add_user(&relay, "kansa", "auditor", "kansa@example.lg.jp");
        Setup {
            _dir: dir,
            sink,
            relay,
        }
    }

    fn web(&self) -> Browser {
        Browser::new(self.relay.web.unwrap())
    }

    /// Sends a mail and returns (original, the sanitized copy's link path).
    fn send(&self, to: &str, subject: &str, delivered_before: usize) -> (Vec<u8>, String) {
        let original = common::mail_with_executable(to, subject);
        let (mut c, _) = Client::connect(self.relay.addr);
        c.command("EHLO client.example.com");
        let r = c.send_message("sender@example.com", &[to], &original);
        assert!(r.starts_with("250"), "{r}");
        c.command("QUIT");
        let got = self.sink.wait_for(delivered_before + 1, LIMIT);
        let text = common::read_output(&got[delivered_before].data).body;
        let link = text
            .lines()
            .find(|l| l.contains("/r/"))
            .unwrap_or_else(|| panic!("no request link in the notice:\n{text}"));
        let path = link
            .trim()
            .split_once("/r/")
            .map(|(_, token)| format!("/r/{token}"))
            .unwrap();
        (original, path)
    }

    fn login(&self, user: &str) -> Browser {
        common::http::login(self.relay.web.unwrap(), user, PASSWORD)
    }
}

/// Requests the original through the link page; returns the request id.
fn request(b: &mut Browser, link: &str) {
    let page = b.get(link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("setup.exe"), "the report is shown");
    // What was done, in the notice's plain words and the page's language;
    // the codes an operator reads are not on the staff member's page.
    assert!(page.body.contains("削除（実行ファイル）"), "{}", page.body);
    assert!(!page.body.contains("kind-removed"), "{}", page.body);
    assert!(!page.body.contains(">removed<"), "{}", page.body);
    let en = b.get(&format!("{link}?lang=en"));
    assert!(en.body.contains("removed (executable)"), "{}", en.body);
    assert!(!en.body.contains("削除"), "{}", en.body);
    let page = b.get(&format!("{link}?lang=ja"));
    let csrf = page.input("csrf").unwrap();
    let r = b.post(
        link,
        &[("csrf", &csrf), ("reason", "申請書に記入が必要なため")],
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("依頼を受け付けました"), "{}", r.body);
}

/// The id of the first pending request on the requests page.
fn pending_request_id(b: &mut Browser) -> String {
    let page = b.get("/requests");
    let start = page
        .body
        .find("action=\"/requests/")
        .expect("a pending request")
        + "action=\"/requests/".len();
    page.body[start..start + page.body[start..].find('"').unwrap()].to_string()
}

fn decide(b: &mut Browser, request: &str, decision: &str) -> common::http::Response {
    let page = b.get("/requests");
    let csrf = page.input("csrf").expect("CSRF token on the page");
    b.post(
        &format!("/requests/{request}"),
        &[
            ("csrf", &csrf),
            ("decision", decision),
            ("reason", "確認済み"),
        ],
    )
}

#[test]
fn request_approve_release_delivers_the_original_once_to_the_requester() {
    let s = Setup::start("");
    let (original, link) = s.send("taro@example.lg.jp", "invoice", 0);

    // No account is needed for the request: the link is the proof.
    let mut recipient = s.web();
    request(&mut recipient, &link);

    // The requester (taro is also an approver) cannot approve his own request.
    let mut taro = s.login("taro");
    let id = pending_request_id(&mut taro);
    let r = decide(&mut taro, &id, "approve");
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("本人"), "{}", r.body);

    // An auditor cannot approve.
    let mut kansa = s.login("kansa");
    let r = kansa.get("/requests");
    assert!(
        !r.body.contains("value=\"approve\""),
        "no buttons for auditors"
    );
    let csrf = r.input("csrf").unwrap();
    let r = kansa.post(
        &format!("/requests/{id}"),
        &[("csrf", &csrf), ("decision", "approve"), ("reason", "")],
    );
    assert_eq!(r.status, 403);

    // A POST without the CSRF token is refused.
    let mut sato = s.login("sato");
    let r = sato.post(&format!("/requests/{id}"), &[("decision", "approve")]);
    assert_eq!(r.status, 403);
    assert_eq!(s.sink.count(), 1, "nothing released yet");

    // The approver approves: the original arrives, byte-identical under
    // one added X-Mugai-Released field, at the requester only.
    let r = decide(&mut sato, &id, "approve");
    assert_eq!(r.status, 303, "{}", r.body);
    let got = s.sink.wait_for(2, LIMIT);
    let released = &got[1];
    assert_eq!(released.to, ["taro@example.lg.jp"]);
    let text = String::from_utf8_lossy(&released.data).to_string();
    assert!(text.starts_with("X-Mugai-Released: id="), "{text}");
    assert!(text.contains("by=sato"), "{text}");
    let body_start = text.find("\r\nFrom: ").unwrap() + 2;
    assert_eq!(
        &released.data[body_start..],
        &original[..],
        "the original bytes, unchanged"
    );

    // A second approval delivers nothing more and says so.
    let r = decide(&mut sato, &id, "approve");
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("判断済み"), "{}", r.body);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(s.sink.count(), 2, "released once only");

    // The page shows the new state.
    let detail = sato.get(r#"/?state=released"#);
    assert!(detail.body.contains("invoice"), "{}", detail.body);

    // The audit log holds the whole story and its chain is intact.
    let out = mugai(&s.relay, &["audit", "show"], None);
    let log = String::from_utf8_lossy(&out.stdout);
    for event in [
        "received",
        "sanitized",
        "request",
        "approve",
        "delivered",
        "login",
    ] {
        assert!(log.contains(event), "{event} missing from:\n{log}");
    }
    let out = mugai(&s.relay, &["audit", "verify"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Editing any line breaks the chain at the next line.
    let path = s.relay.data_dir.join("audit.log");
    let log = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, log.replacen("\"sato\"", "\"suzuki\"", 1)).unwrap();
    let out = mugai(&s.relay, &["audit", "verify"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chain broken at line"), "{err}");
}

#[test]
fn logins_are_required_limited_and_tokens_checked() {
    // Keys after the helper's `[admin]` table land in it.
    let s = Setup::start("login_max_failures = 3\n");
    let mut b = s.web();

    // No session: every data page sends to the login page.
    for page in ["/", "/requests", "/audit", "/m/x"] {
        let r = b.get(page);
        assert_eq!(r.status, 303, "{page}");
        assert!(
            r.header("location").unwrap().starts_with("/login"),
            "{page}"
        );
    }
    let r = b.get("/login");
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );

    // Session cookies are HttpOnly and SameSite=Strict.
    let mut admin = s.web();
    let form = admin.get("/login");
    let csrf = form.input("csrf").unwrap();
    let r = admin.post(
        "/login",
        &[("csrf", &csrf), ("user", "admin"), ("password", PASSWORD)],
    );
    let cookie = r.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(admin.get("/audit").status, 200);

    // Wrong password: refused; after the limit, refused before checking.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let form = b.get("/login");
        let csrf = form.input("csrf").unwrap();
        let r = b.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("user", "sato"),
                ("password", "wrong password!"),
            ],
        );
        statuses.push(r.status);
        assert!(!r.body.contains("panicked"), "{}", r.body);
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    // The correct password too is refused while the account is limited.
    let form = b.get("/login");
    let csrf = form.input("csrf").unwrap();
    let r = b.post(
        "/login",
        &[("csrf", &csrf), ("user", "sato"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 429);
    // The address is limited too: another account from it is refused.
    let form = b.get("/login");
    let csrf = form.input("csrf").unwrap();
    let r = b.post(
        "/login",
        &[("csrf", &csrf), ("user", "kansa"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 429);
    // A login form posted without its token is refused.
    let r = s
        .web()
        .post("/login", &[("user", "admin"), ("password", PASSWORD)]);
    assert_eq!(r.status, 403);

    // Tampered and expired link tokens are refused.
    let (_, link) = s.send("hanako@example.lg.jp", "tokens", 0);
    let mut tampered: Vec<char> = link.chars().collect();
    tampered[6] = if tampered[6] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert_eq!(s.web().get(&tampered).status, 403);
    let signer = mugai::quarantine::Signer::load_or_create(&s.relay.data_dir).unwrap();
    let token = link.trim_start_matches("/r/");
    let claim = signer.verify(token, 0).unwrap();
    let expired = signer.token(&claim.message_id, &claim.recipient, 1000);
    let r = s.web().get(&format!("/r/{expired}"));
    assert_eq!(r.status, 403);
    assert!(r.body.contains("有効期限"), "{}", r.body);
    // The same message for another recipient: another token, not this one.
    let other = signer.token(&claim.message_id, "jiro@example.lg.jp", claim.expires);
    assert_ne!(other, token);
    let page = s.web().get(&format!("/r/{other}"));
    let csrf = page.input("csrf").unwrap();
    let r = s
        .web()
        .post(&format!("/r/{other}"), &[("csrf", &csrf), ("reason", "x")]);
    assert!(r.body.contains("not a recipient"), "{}", r.body);

    // An admin may release directly; the release is recorded the same way.
    let list = mugai(&s.relay, &["quarantine", "list", "--json"], None);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = rows[0]["id"].as_str().unwrap().to_string();
    // The 原本ID a notice shows finds the message too, in the CLI and on
    // the page's search.
    let sha = rows[0]["sha256"].as_str().unwrap().to_string();
    let shown = mugai(&s.relay, &["quarantine", "show", &sha], None);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&format!("id:         {id}")));
    let found = admin.get(&format!("/?q={sha}"));
    assert!(found.body.contains(&format!("/m/{id}")), "{}", found.body);
    let page = admin.get(&format!("/m/{id}"));
    assert!(page.body.contains("setup.exe"), "the report table");
    assert!(page.body.contains("削除（実行ファイル）"), "{}", page.body);
    assert!(
        page.body.contains("kind-removed"),
        "the code, for operators"
    );
    assert!(page.body.contains("添付ファイルを削除"), "{}", page.body);
    assert!(!page.body.contains("TVqQ"), "the original is never shown");
    let csrf = page.input("csrf").unwrap();
    let r = admin.post(&format!("/m/{id}/release"), &[("csrf", &csrf), ("to", "")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let got = s.sink.wait_for(2, LIMIT);
    assert!(String::from_utf8_lossy(&got[1].data).contains("by=admin"));
    // Export is byte-identical to what was sent.
    let out = mugai(&s.relay, &["quarantine", "export", &id], None);
    assert_eq!(
        out.stdout,
        common::mail_with_executable("hanako@example.lg.jp", "tokens")
    );
}

/// The page's own redirect after login cannot be pointed elsewhere.
#[test]
fn login_goes_only_to_the_pages_own_paths() {
    let s = Setup::start("");
    for (next, expected) in [
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/ /evil.example", "/"),
        ("/requests", "/requests"),
        ("/audit?actor=sato&page=2", "/audit?actor=sato&page=2"),
    ] {
        let mut b = s.web();
        let form = b.get(&format!("/login?next={}", common::http::encode(next)));
        let shown = form.input("next").map(|v| v.replace("&#38;", "&"));
        assert_eq!(shown.as_deref(), Some(expected), "{next:?}");
        let csrf = form.input("csrf").unwrap();
        let r = b.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("user", "admin"),
                ("password", PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some(expected), "{next:?}");
    }
}

/// A new password, a role change or disabling the account (from the CLI,
/// another process) ends that account's open sessions at once.
#[test]
fn account_changes_end_sessions_at_once() {
    let s = Setup::start("");
    let new_password = "another horse battery";
    for (change, args, stdin) in [
        (
            "passwd",
            vec!["user", "passwd", "sato"],
            Some(format!("{new_password}\n")),
        ),
        (
            "role",
            vec!["user", "update", "taro", "--role", "auditor"],
            None,
        ),
        ("disable", vec!["user", "disable", "kansa"], None),
    ] {
        let user = args[2];
        let mut b = s.login(user);
        assert_eq!(b.get("/").status, 200, "{change}: logged in");
        let out = mugai(&s.relay, &args, stdin.as_deref());
        assert!(
            out.status.success(),
            "{change}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = b.get("/");
        assert_eq!(r.status, 303, "{change}: the session ended");
        assert!(r.header("location").unwrap().starts_with("/login"));
    }
    // Admins and approvers need a mail address; aliases are recorded.
    let out = mugai(
        &s.relay,
        &["user", "add", "noaddr", "--role", "approver"],
        Some("long enough password\n"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--email"));
    let out = mugai(
        &s.relay,
        &[
            "user",
            "add",
            "suzuki",
            "--role",
            "approver",
            "--email",
            "suzuki@example.lg.jp",
            "--alias",
            "Soumu@Example.lg.jp",
        ],
        Some("long enough password\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = mugai(&s.relay, &["user", "list"], None);
    assert!(String::from_utf8_lossy(&list.stdout).contains("soumu@example.lg.jp"));
}

/// A password guesser cannot write the audit log full: names are cut to
/// 64 characters and, while the limit holds, one line per window counts
/// the refused attempts. The log is read from its end.
#[test]
fn failed_logins_cannot_flood_the_audit_log() {
    let s = Setup::start("");
    let mut admin = s.login("admin");
    let log = s.relay.data_dir.join("audit.log");
    let before = std::fs::metadata(&log).unwrap().len();
    let huge = "x".repeat(256 * 1024);
    let mut statuses = Vec::new();
    for n in 0..40 {
        let mut b = s.web();
        let form = b.get("/login");
        let csrf = form.input("csrf").unwrap();
        let name = format!("{huge}{n}");
        let r = b.post(
            "/login",
            &[("csrf", &csrf), ("user", &name), ("password", "wrong")],
        );
        statuses.push(r.status);
    }
    assert_eq!(statuses.iter().filter(|&&s| s == 401).count(), 5);
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 35);
    let grown = std::fs::metadata(&log).unwrap().len() - before;
    assert!(grown < 4096, "the audit log grew by {grown} bytes");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("\"login-failed\"").count(), 5);
    assert_eq!(text.matches("\"login-limited\"").count(), 1);
    // The pages read the newest lines first.
    let page = admin.get("/audit");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("login-limited"), "{}", page.body);
    let out = mugai(&s.relay, &["audit", "show", "--limit", "3"], None);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("older lines not shown"), "{shown}");
    assert_eq!(shown.lines().count(), 4, "{shown}");
    assert!(
        shown.lines().last().unwrap().contains("login-limited"),
        "{shown}"
    );
}

/// Whatever the umask, everything mugai creates is its user's alone.
#[test]
fn files_and_directories_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start_with_umask(
        dir.path(),
        &config(dir.path(), sink.addr, "", "", ""),
        Some("000"),
    );
    add_user(&relay, "admin", "admin", "admin@example.lg.jp");
    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    let r = c.send_message(
        "s@example.com",
        &["taro@example.lg.jp"],
        &common::mail_with_executable("taro@example.lg.jp", "modes"),
    );
    assert!(r.starts_with("250"), "{r}");
    sink.wait_for(1, LIMIT);
    let mut stack = vec![relay.data_dir.clone()];
    let mut seen = Vec::new();
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
        }
        seen.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    for expected in [
        "spool",
        "originals",
        "quarantine.db",
        "audit.log",
        "secret.key",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected} not created: {seen:?}"
        );
    }
    assert!(seen.iter().any(|s| s.ends_with(".orig")), "{seen:?}");
}

#[test]
fn purge_removes_only_what_retention_allows() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let original = common::mail_with_executable("taro@example.lg.jp", "old");
    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    assert!(
        c.send_message("s@example.com", &["taro@example.lg.jp"], &original)
            .starts_with("250")
    );
    sink.wait_for(1, LIMIT);
    drop(relay);
    let data = dir.path().join("data");
    let originals = std::fs::read_dir(data.join("originals")).unwrap().count();
    assert_eq!(originals, 1);
    // Purge as if 31 days had passed, with the library (the CLI uses the clock).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut cfg = mugai::config::Config::default();
        cfg.storage.data_dir = data.clone();
        let q = mugai::quarantine::Quarantine::open(
            &cfg,
            std::sync::Arc::new(mugai::durable::DirSync::start().unwrap()),
        )
        .await
        .unwrap();
        let now = mugai::units::unix_now();
        assert_eq!(q.purge(now, "test").await.unwrap(), 0, "kept for 30 days");
        assert_eq!(q.purge(now + 31 * 86400, "test").await.unwrap(), 1);
        let (rows, _) = q
            .index
            .list(&mugai::quarantine::Filter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rows[0].state, mugai::quarantine::MessageState::Purged);
    });
    assert_eq!(
        std::fs::read_dir(data.join("originals")).unwrap().count(),
        0
    );
    let log = std::fs::read_to_string(data.join("audit.log")).unwrap();
    assert!(log.contains("\"event\":\"purge\""));
}

/// Debian's chromium and chromedriver (installed by `.ci/run`), headless,
/// driven over WebDriver by fantoccini: an approver logs in, opens the
/// pending request, approves it and sees the state change on the page.
#[test]
fn an_approver_approves_in_a_real_browser() {
    let s = Setup::start("");
    let (_, link) = s.send("taro@example.lg.jp", "browser", 0);
    request(&mut s.web(), &link);

    let driver = common::webdriver::Driver::start();
    let web = format!("http://{}", s.relay.web.unwrap());
    let result = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(approve_in_browser(&driver, &web));
    drop(driver);
    let (state, request_state) = result.unwrap();
    assert_eq!(state, "配信済み");
    assert_eq!(request_state, "承認");
    s.sink.wait_for(2, LIMIT);
}

async fn approve_in_browser(
    driver: &common::webdriver::Driver,
    web: &str,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    use fantoccini::Locator;
    let browser = driver.browser().await?;
    let outcome = async {
        browser.goto(&format!("{web}/requests")).await?;
        // Not logged in: the login page, then back to the requests.
        browser
            .find(Locator::Id("user"))
            .await?
            .send_keys("sato")
            .await?;
        browser
            .find(Locator::Id("password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        browser.find(Locator::Id("login")).await?.click().await?;
        // Clicks return before the next page loads: wait for its elements.
        let form = browser
            .wait()
            .at_most(LIMIT)
            .for_element(Locator::Css("form.decide"))
            .await?;
        form.find(Locator::Css("input[name=reason]"))
            .await?
            .send_keys("記入用の様式のため")
            .await?;
        form.find(Locator::Css("button.approve"))
            .await?
            .click()
            .await?;
        let state = browser
            .wait()
            .at_most(LIMIT)
            .for_element(Locator::Id("state"))
            .await?
            .text()
            .await?;
        let request_state = browser
            .find(Locator::Css("#requests td.state"))
            .await?
            .text()
            .await?;
        Ok::<_, Box<dyn std::error::Error>>((state, request_state))
    }
    .await;
    let _ = browser.close().await;
    outcome
}

/// With `tls_cert`/`tls_key` the page is served over HTTPS (rustls) and
/// its cookies are marked Secure.
#[test]
fn the_page_can_be_served_over_tls() {
    use std::io::Read;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("web.crt"), dir.path().join("web.key"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let sink = Sink::start();
    let extra = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        cert_path.display(),
        key_path.display()
    );
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", &extra));
    assert!(
        relay
            .logs()
            .iter()
            .any(|l| l.contains("web page on https://")),
        "{:?}",
        relay.logs()
    );
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(std::sync::Arc::new(client), name).unwrap();
    let mut tcp = std::net::TcpStream::connect(relay.web.unwrap()).unwrap();
    tcp.set_read_timeout(Some(LIMIT)).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    tls.write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let cookie = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
