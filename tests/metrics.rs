//! `/metrics` of a real `mugai serve`: the counts match what was sent and
//! delivered, and only the addresses `admin.metrics_allow` lists may read
//! them.

mod common;

use std::time::{Duration, Instant};

use common::http::{Browser, metric as value};
use common::relay::{Relay, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn the_metrics_count_what_was_received_converted_and_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    let plain = b"From: s@example.com\r\nTo: taro@example.lg.jp\r\nSubject: hello\r\n\r\nhello\r\n";
    let with_program = common::sample("attachments-encoded-names.eml");
    let refused = common::sample("deep-nesting.eml");
    for mail in [&plain[..], &plain[..], &with_program, &refused] {
        let reply = c.send_message("s@example.com", &["taro@example.lg.jp"], mail);
        assert!(reply.starts_with("250"), "{reply}");
    }
    // Three copies, a notice for the refused message and its report to
    // the postmaster.
    sink.wait_for(5, LIMIT);
    let mut page = Browser::new(relay.web.expect("the page listens"));
    // The spool empties once every row is recorded.
    let deadline = Instant::now() + LIMIT;
    let metrics = loop {
        let response = page.get("/metrics");
        assert_eq!(response.status, 200, "{}", response.body);
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/openmetrics-text"))
        );
        let body = response.body;
        if value(&body, "mugai_queue_messages", "") == 0.0 || Instant::now() > deadline {
            break body;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let tenant = "tenant=\"default\"";
    assert_eq!(
        value(&metrics, "mugai_messages_received_total", tenant),
        4.0
    );
    assert_eq!(
        value(&metrics, "mugai_messages_sanitized_total", tenant),
        3.0
    );
    assert_eq!(value(&metrics, "mugai_messages_refused_total", tenant), 1.0);
    assert_eq!(
        value(&metrics, "mugai_conversion_seconds_count", tenant),
        4.0
    );
    assert!(value(&metrics, "mugai_parts_total", "action=\"removed\"") >= 1.0);
    assert!(value(&metrics, "mugai_parts_total", "action=\"kept\"") >= 3.0);
    assert_eq!(
        value(&metrics, "mugai_deliveries_total", "outcome=\"sent\""),
        sink.count() as f64
    );
    assert_eq!(value(&metrics, "mugai_queue_messages", ""), 0.0);
    assert_eq!(value(&metrics, "mugai_backlog_messages", ""), 0.0);
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
}

#[test]
fn only_the_allowed_addresses_read_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let toml = config(dir.path(), sink.addr, "", "", "").replace(
        "[admin]\n",
        "[admin]\nmetrics_allow = [\"192.0.2.0/24\", \"2001:db8::1\"]\n",
    );
    let relay = Relay::start(dir.path(), &toml);
    let mut page = Browser::new(relay.web.expect("the page listens"));
    let response = page.get("/metrics");
    assert_eq!(response.status, 403);
    assert!(response.body.contains("metrics_allow"), "{}", response.body);
    assert!(!response.body.contains("mugai_"));
}

#[test]
fn a_listener_of_its_own_serves_the_metrics_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let own = common::sink::free_port();
    let toml = config(dir.path(), sink.addr, "", "", "").replace(
        "[admin]\n",
        &format!("[admin]\nmetrics_listen = \"{own}\"\n"),
    );
    let relay = Relay::start(dir.path(), &toml);
    relay.wait_for_log("metrics on http://", 1, LIMIT);
    let mut monitor = Browser::new(own);
    let response = monitor.get("/metrics");
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response.body.contains("# TYPE mugai_queue_messages gauge"),
        "{}",
        response.body
    );
    assert_eq!(monitor.get("/").status, 404);
    assert_eq!(monitor.get("/login").status, 404);
}
