//! The quarantine index on PostgreSQL, in a throwaway cluster each test
//! starts (`common::postgres`), against the embedded SQLite: the same
//! statements give the same answers on both, the schema steps run once
//! however many nodes start together, and `mugai serve` keeps its index
//! there.

mod common;

use std::path::Path;

use base64::Engine as _;
use common::postgres::Cluster;
use mugai::audit::{Audit, AuditTable, Event, Verification};
use mugai::policy::Policy;
use mugai::quarantine::requests::{Decided, Decision};
use mugai::quarantine::{
    Filter, Index, MessageState, NewMessage, ReleaseRow, ReleaseState, RequestRow, RequestState,
    Role, User,
};
use mugai::sanitize;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("index.db").display())
}

/// Runs the index through its statements (every kind of row, filters,
/// a decision, purging) and writes down every answer, for comparing two
/// databases. Times are fixed, so the answers are too.
async fn transcript(index: &Index) -> Vec<String> {
    let mut out = Vec::new();
    let mut rows = Vec::new();
    for (n, (to, subject)) in [
        ("hanako@example.lg.jp", "見積書の送付"),
        ("taro@example.lg.jp", "Weekly report 100%_done"),
        ("hanako@example.lg.jp", "会議のご案内"),
    ]
    .into_iter()
    .enumerate()
    {
        let sha = format!("{n}").repeat(64);
        let mail = format!(
            "From: Sender {n} <s{n}@example.com>\r\nTo: {to}\r\nSubject: =?UTF-8?B?{}?=\r\n\r\nbody {n}\r\n",
            base64::engine::general_purpose::STANDARD.encode(subject)
        );
        let report = sanitize::sanitize(mail.as_bytes(), &Policy::default(), &common::stamp())
            .unwrap()
            .report;
        rows.push(
            NewMessage {
                id: &format!("M{n}"),
                received_at: 1_700_000_000 + n as i64,
                sender: &format!("s{n}@example.com"),
                recipients: &[to.to_string()],
                to,
                sha256: &sha,
                report: &report,
                sanitized_text: &format!("本文 {n}"),
                tenant: if n == 1 { "city-b" } else { "default" },
            }
            .row()
            .unwrap(),
        );
    }
    // The second batch repeats one row: it is left as it was.
    out.push(format!("{:?}", index.insert_rows(&rows).await.unwrap()));
    out.push(format!(
        "{:?}",
        index.insert_rows(&rows[1..2]).await.unwrap()
    ));

    let list = |filter: Filter| async move {
        let (rows, total) = index.list(&filter).await.unwrap();
        let ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
        format!("{total} {ids:?}")
    };
    let all = Filter {
        limit: 10,
        ..Filter::default()
    };
    out.push(list(all.clone()).await);
    out.push(
        list(Filter {
            rcpt: Some("HANAKO".into()),
            ..all.clone()
        })
        .await,
    );
    // LIKE's wildcards in the search text are literal.
    out.push(
        list(Filter {
            text: Some("100%_d".into()),
            ..all.clone()
        })
        .await,
    );
    out.push(
        list(Filter {
            subject: Some("会議".into()),
            ..all.clone()
        })
        .await,
    );
    out.push(
        list(Filter {
            limit: 1,
            offset: 1,
            ..all.clone()
        })
        .await,
    );
    let m1 = index.get("M1").await.unwrap().unwrap();
    out.push(format!(
        "{} {} {:?} {} {} {:?}",
        m1.subject,
        m1.from,
        m1.recipients,
        m1.sanitized_text,
        m1.state.as_str(),
        m1.report().map(|r| r.original_size)
    ));
    // One municipality's staff see its rows only.
    out.push(
        list(Filter {
            tenant: Some("city-b".into()),
            ..all.clone()
        })
        .await,
    );
    index.set_state("M2", MessageState::Released).await.unwrap();
    out.push(
        list(Filter {
            state: Some(MessageState::Released),
            ..all.clone()
        })
        .await,
    );

    index
        .add_request(&RequestRow {
            id: "Q1".into(),
            message_id: "M0".into(),
            recipient: "hanako@example.lg.jp".into(),
            reason: "取引先からの見積書です".into(),
            requested_at: 1_700_000_100,
            state: RequestState::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            subject: String::new(),
            tenant: String::new(),
        })
        .await
        .unwrap();
    let release = ReleaseRow {
        id: "R1".into(),
        message_id: "M0".into(),
        recipient: "hanako@example.lg.jp".into(),
        released_by: "suzuki".into(),
        released_at: 1_700_000_200,
        request_id: Some("Q1".into()),
        state: ReleaseState::Queued,
    };
    let decide = || Decision {
        request_id: "Q1",
        approve: true,
        by: "suzuki",
        reason: "ok",
        now: 1_700_000_200,
        release: Some(&release),
    };
    // The audit chain as a table, on either database: the decision's
    // line goes in with it; the second decision writes none.
    let audit = Audit::Table(AuditTable::new(index.pool().clone(), index.is_postgres()));
    let line = || Event::new("approve", "suzuki").id("M0");
    let first = index.decide(&decide(), &audit, line()).await.unwrap();
    let second = index.decide(&decide(), &audit, line()).await.unwrap();
    audit
        .append_all(vec![
            Event::new("received", "mugai").id("M9"),
            Event::new("sanitized", "mugai").id("M9"),
        ])
        .await
        .unwrap();
    let chain = audit.read_newest(|_| true, |_| false, 0, 10).await.unwrap();
    out.push(format!(
        "{:?} {:?}",
        chain
            .entries
            .iter()
            .map(|e| (e.seq, e.event.clone(), e.id.clone()))
            .collect::<Vec<_>>(),
        match audit.verify().await.unwrap() {
            Verification::Intact { lines, .. } => lines,
            Verification::Broken { .. } => 0,
        }
    ));
    out.push(format!(
        "{} {}",
        first == Decided::Done,
        matches!(second, Decided::AlreadyDecided { .. })
    ));
    let request = index.request("Q1").await.unwrap().unwrap();
    out.push(format!(
        "{} {:?} {:?}",
        request.state.as_str(),
        request.decided_by,
        request.decided_at
    ));
    index
        .mark_release("R1", ReleaseState::Spooled)
        .await
        .unwrap();
    let releases = index.releases(Some("M0"), None).await.unwrap();
    out.push(format!(
        "{:?}",
        releases
            .iter()
            .map(|r| (r.id.clone(), r.state.as_str()))
            .collect::<Vec<_>>()
    ));

    index
        .add_user(&User {
            name: "suzuki".into(),
            role: Role::Approver,
            email: "suzuki@example.lg.jp".into(),
            aliases: Vec::new(),
            password_hash: "x".into(),
            disabled: false,
            created_at: 1_700_000_000,
            tenant: None,
        })
        .await
        .unwrap();
    index
        .add_alias("suzuki", "soumu@example.lg.jp")
        .await
        .unwrap();
    out.push(format!(
        "{}",
        index.set_role("suzuki", Role::Auditor).await.unwrap()
    ));
    out.push(format!(
        "{}",
        index.set_disabled("nobody", true).await.unwrap()
    ));
    let user = index.user("suzuki").await.unwrap().unwrap();
    out.push(format!(
        "{} {:?} {:?}",
        user.role.as_str(),
        user.aliases,
        user.disabled
    ));

    out.push(format!(
        "{:?}",
        index.purgeable(1_700_000_002).await.unwrap()
    ));
    index.mark_purged("M0", 1_700_100_000).await.unwrap();
    out.push(format!(
        "{:?}",
        index.purged_since(1_700_000_000).await.unwrap()
    ));
    out.push(format!(
        "{}",
        index
            .bytes_in_use(&"2".repeat(64), 1_700_000_000)
            .await
            .unwrap()
    ));
    out
}

#[test]
fn the_index_answers_the_same_on_sqlite_and_postgresql() {
    let cluster = Cluster::start();
    cluster.create_database("mugai_index");
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let on_sqlite = runtime
        .block_on(async { transcript(&Index::open(&sqlite_url(dir.path())).await.unwrap()).await });
    let on_postgres = runtime.block_on(async {
        transcript(&Index::open(&cluster.url("mugai_index")).await.unwrap()).await
    });
    for (n, (s, p)) in on_sqlite.iter().zip(&on_postgres).enumerate() {
        assert_eq!(s, p, "answer {n}");
    }
    assert_eq!(on_sqlite.len(), on_postgres.len());
    // The transcript says something: rows went in and were found.
    assert_eq!(on_sqlite[0], "[true, true, true]");
    assert_eq!(on_sqlite[1], "[false]");
    assert_eq!(on_sqlite[2], r#"3 ["M2", "M1", "M0"]"#);
    assert_eq!(on_sqlite[4], r#"1 ["M1"]"#);
}

#[test]
fn nodes_starting_together_run_each_schema_step_once() {
    let cluster = Cluster::start();
    cluster.create_database("mugai_nodes");
    let url = cluster.url("mugai_nodes");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let opens = (0..4).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Index::open(&url).await.map(|_| ()) })
        });
        for open in opens.collect::<Vec<_>>() {
            open.await.unwrap().unwrap();
        }
        let index = Index::open(&url).await.unwrap();
        assert_eq!(index.schema_steps().await.unwrap(), vec![1, 2, 3, 4]);
    });
}

#[test]
fn a_wrong_database_url_says_which_and_hides_the_password() {
    let runtime = runtime();
    let err = runtime
        .block_on(Index::open("postgres://mugai:secret@127.0.0.1:1/none"))
        .err()
        .expect("nothing listens on port 1");
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:1/none"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn serve_keeps_its_index_in_postgresql_and_the_cli_reads_it_there() {
    use common::relay::{Relay, config};
    use common::sink::Sink;
    use common::smtp::Client;
    let cluster = Cluster::start();
    cluster.create_database("mugai_serve");
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let toml = config(dir.path(), sink.addr, "", "", "").replace(
        "[storage]\n",
        &format!("[storage]\ndatabase = \"{}\"\n", cluster.url("mugai_serve")),
    );
    let relay = Relay::start(dir.path(), &toml);
    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    let mail =
        b"From: s@example.com\r\nTo: taro@example.lg.jp\r\nSubject: postgres-kept\r\n\r\nhello\r\n";
    assert!(
        c.send_message("s@example.com", &["taro@example.lg.jp"], mail)
            .starts_with("250")
    );
    sink.wait_for(1, std::time::Duration::from_secs(30));
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_mugai"))
        .args(["quarantine", "list", "--json", "--config"])
        .arg(&relay.config_path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(text.contains("postgres-kept"), "{text}");
    // The rows are in PostgreSQL, not in a SQLite file beside the spool.
    assert!(!dir.path().join("data/quarantine.db").exists());
    let runtime = runtime();
    let (rows, total) = runtime.block_on(async {
        let index = Index::open(&cluster.url("mugai_serve")).await.unwrap();
        index
            .list(&Filter {
                limit: 10,
                ..Filter::default()
            })
            .await
            .unwrap()
    });
    assert_eq!(total, 1);
    assert_eq!(rows[0].subject, "postgres-kept");
    // The original is in the database too, not under this node's data
    // directory: another node (its own data directory, the same
    // database) exports it byte for byte.
    let originals = dir.path().join("data/originals");
    assert!(
        std::fs::read_dir(&originals).map_or(true, |mut d| d.next().is_none()),
        "an original was written to {}",
        originals.display()
    );
    let other = tempfile::tempdir().unwrap();
    let other_config = other.path().join("mugai.toml");
    std::fs::create_dir_all(other.path().join("data")).unwrap();
    std::fs::write(
        &other_config,
        toml.replace(
            &dir.path().display().to_string(),
            &other.path().display().to_string(),
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mugai"))
            .args(args)
            .arg("--config")
            .arg(&other_config)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(cli(&["quarantine", "export", &rows[0].id]), mail);
    // One chain for every node, in the database: the relay's lines and
    // the other node's export.
    let verified = String::from_utf8(cli(&["audit", "verify"])).unwrap();
    assert!(verified.starts_with("the audit_log table: "), "{verified}");
    assert!(verified.contains("chain intact"), "{verified}");
    let shown = String::from_utf8(cli(&["audit", "show"])).unwrap();
    for event in ["received", "sanitized", "delivered", "export"] {
        assert!(shown.contains(event), "no {event} line: {shown}");
    }
    drop(relay);
    let sql = |statement: &str| {
        runtime.block_on(async {
            let index = Index::open(&cluster.url("mugai_serve")).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
                .execute(index.pool())
                .await
                .unwrap()
                .rows_affected()
        })
    };
    // A damaged chunk is refused, not exported.
    assert_eq!(
        sql("UPDATE original_chunks SET data = data || '\\x00'::bytea"),
        1
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mugai"))
        .args(["quarantine", "export", &rows[0].id, "--config"])
        .arg(&other_config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("damaged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Retention, run from the other node, deletes the rows of an old
    // original.
    assert_eq!(
        sql("UPDATE messages SET received_at = received_at - 100 * 86400"),
        1
    );
    assert_eq!(
        sql("UPDATE originals SET stored_at = stored_at - 100 * 86400"),
        1
    );
    cli(&["quarantine", "purge"]);
    assert_eq!(
        sql("DELETE FROM originals"),
        0,
        "the original's row is left"
    );
    assert_eq!(sql("DELETE FROM original_chunks"), 0, "its chunks are left");
}

#[test]
fn a_request_link_written_by_one_node_opens_on_another_that_shares_the_key() {
    use common::http::Browser;
    use common::relay::{Relay, config};
    use common::sink::Sink;
    use common::smtp::Client;
    let cluster = Cluster::start();
    cluster.create_database("mugai_nodes");
    let url = cluster.url("mugai_nodes");
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("secret.key");
    std::fs::write(&key, (0..32u8).collect::<Vec<_>>()).unwrap();
    let sink = Sink::start();
    let node = |name: &str, shared_key: bool| {
        let dir = tempfile::tempdir().unwrap();
        let admin = if shared_key {
            format!("[admin]\nsecret_key_file = \"{}\"\n", key.display())
        } else {
            "[admin]\n".to_string()
        };
        let toml = config(dir.path(), sink.addr, "", "", "")
            .replace("[storage]\n", &format!("[storage]\ndatabase = \"{url}\"\n"))
            .replace("[admin]\n", &admin)
            .replace("mugai.test", &format!("{name}.mugai.test"));
        let relay = Relay::start(dir.path(), &toml);
        (dir, relay)
    };
    let (_a_dir, a) = node("a", true);
    let (_b_dir, b) = node("b", true);
    let (_c_dir, c) = node("c", false);
    let (mut client, _) = Client::connect(a.addr);
    client.command("EHLO client.example.com");
    let reply = client.send_message(
        "s@example.com",
        &["taro@example.lg.jp"],
        &common::mail_with_executable("taro@example.lg.jp", "from-node-a"),
    );
    assert!(reply.starts_with("250"), "{reply}");
    let got = sink.wait_for(1, std::time::Duration::from_secs(30));
    let text = common::read_output(&got[0].data).body;
    let link = text
        .lines()
        .find_map(|l| l.trim().split_once("/r/").map(|(_, t)| format!("/r/{t}")))
        .unwrap_or_else(|| panic!("no request link in the notice:\n{text}"));
    // Node B shares the database and the key: the link opens there.
    let page = Browser::new(b.web.unwrap()).get(&link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("setup.exe"), "{}", page.body);
    assert!(
        page.input("csrf").is_some(),
        "the request form: {}",
        page.body
    );
    // Node C shares the database but not the key: the link is not valid.
    let page = Browser::new(c.web.unwrap()).get(&link);
    assert!(page.input("csrf").is_none(), "{}", page.body);
    assert!(!page.body.contains("setup.exe"), "{}", page.body);
}

#[test]
fn nodes_appending_at_once_extend_one_audit_chain_and_an_edit_is_found() {
    let cluster = Cluster::start();
    cluster.create_database("mugai_chain");
    let url = cluster.url("mugai_chain");
    runtime().block_on(async {
        // Two nodes (two pools), four writers each, at the same time.
        let mut writers = Vec::new();
        for node in 0..2 {
            let index = Index::open(&url).await.unwrap();
            for writer in 0..4 {
                let audit = Audit::Table(AuditTable::new(index.pool().clone(), true));
                writers.push(tokio::spawn(async move {
                    for n in 0..25 {
                        audit
                            .append_all(vec![
                                Event::new("received", format!("node{node}")).id(format!("{writer}-{n}")),
                                Event::new("sanitized", format!("node{node}")).id(format!("{writer}-{n}")),
                            ])
                            .await
                            .unwrap();
                    }
                }));
            }
        }
        for writer in writers {
            writer.await.unwrap();
        }
        let index = Index::open(&url).await.unwrap();
        let audit = Audit::Table(AuditTable::new(index.pool().clone(), true));
        assert!(matches!(
            audit.verify().await.unwrap(),
            Verification::Intact { lines: 400, .. }
        ));
        // A message's two lines stay together: each append is one unit.
        let page = audit.read_newest(|_| true, |_| false, 0, 400).await.unwrap();
        for pair in page.entries.rchunks(2) {
            assert_eq!(pair[0].id, pair[1].id);
        }
        // Someone with write access to the table edits a line.
        sqlx::query("UPDATE audit_log SET line = replace(line, 'node1', 'node9') WHERE seq = (SELECT min(seq) FROM audit_log WHERE line LIKE '%node1%')")
            .execute(index.pool())
            .await
            .unwrap();
        let Verification::Broken { line, problem } = audit.verify().await.unwrap() else {
            panic!("an edited line was not found");
        };
        assert!(problem.contains("prev hash"), "{line}: {problem}");
    });
}

#[test]
fn each_release_is_taken_by_one_node_and_one_node_purges_at_a_time() {
    let cluster = Cluster::start();
    cluster.create_database("mugai_claims");
    let url = cluster.url("mugai_claims");
    runtime().block_on(async {
        let index = Index::open(&url).await.unwrap();
        for n in 0..200 {
            index
                .add_release(&ReleaseRow {
                    id: format!("R{n:03}"),
                    message_id: "M0".into(),
                    recipient: "hanako@example.lg.jp".into(),
                    released_by: "suzuki".into(),
                    released_at: 1_700_000_000 + n,
                    request_id: None,
                    state: ReleaseState::Queued,
                })
                .await
                .unwrap();
        }
        // Four nodes on pools of their own take small rounds at once.
        let mut nodes = Vec::new();
        for node in 0..4 {
            let index = Index::open(&url).await.unwrap();
            nodes.push(tokio::spawn(async move {
                let name = format!("node{node}");
                let mut taken = Vec::new();
                loop {
                    let claimed = index.claim_releases(&name, 7).await.unwrap();
                    if claimed.is_empty() {
                        return taken;
                    }
                    for r in claimed {
                        index
                            .mark_release(&r.id, ReleaseState::Spooled)
                            .await
                            .unwrap();
                        taken.push(r.id);
                    }
                }
            }));
        }
        let mut all = Vec::new();
        for node in nodes {
            all.extend(node.await.unwrap());
        }
        all.sort();
        let expected: Vec<String> = (0..200).map(|n| format!("R{n:03}")).collect();
        assert_eq!(all, expected, "every release once, by one node");
        // A release claimed and not marked (the node died) stays with
        // that node: it finds it again, no other node takes it.
        index
            .add_release(&ReleaseRow {
                id: "R999".into(),
                message_id: "M0".into(),
                recipient: "hanako@example.lg.jp".into(),
                released_by: "suzuki".into(),
                released_at: 1_700_001_000,
                request_id: None,
                state: ReleaseState::Queued,
            })
            .await
            .unwrap();
        assert_eq!(index.claim_releases("node0", 7).await.unwrap().len(), 1);
        assert!(index.claim_releases("node1", 7).await.unwrap().is_empty());
        assert_eq!(
            index.claim_releases("node0", 7).await.unwrap()[0].id,
            "R999"
        );

        // The purge lock: held by one node, refused to another.
        let other = Index::open(&url).await.unwrap();
        let held = index
            .try_lock(7)
            .await
            .unwrap()
            .expect("the first node takes it");
        assert!(other.try_lock(7).await.unwrap().is_none());
        held.release().await;
        other
            .try_lock(7)
            .await
            .unwrap()
            .expect("free again")
            .release()
            .await;
    });
}
