//! Runs the real `mugai serve` binary as a child process with a config of
//! the test's own (listening on an ephemeral loopback port), collects its
//! log lines, and stops it by its PID (SIGTERM) or kills it (SIGKILL).

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Relay {
    pub addr: SocketAddr,
    /// The web page's address.
    pub web: Option<SocketAddr>,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
}

/// A config for a relay in `dir` delivering by SMTP to `next_hop`, plus
/// `extra` TOML (whole tables, e.g. "[queue]\nmax_backlog = 1\n"); keys
/// in `smtp_extra` and `delivery_extra` are added to those tables.
pub fn config(
    dir: &Path,
    next_hop: SocketAddr,
    smtp_extra: &str,
    delivery_extra: &str,
    extra: &str,
) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"mugai.test\"\naccept_domains = [\"example.lg.jp\"]\n{smtp_extra}\n\
         [delivery]\nmode = \"smtp\"\nnext_hop = \"{next_hop}\"\npostmaster = \"postmaster@example.lg.jp\"\n{delivery_extra}\n\
         [storage]\ndata_dir = \"{}\"\n[log]\nlevel = \"info\"\n[admin]\nlisten = \"127.0.0.1:0\"\n{extra}",
        dir.join("data").display()
    )
}

impl Relay {
    /// Writes `config` into `dir` and starts the relay; returns once it
    /// listens.
    pub fn start(dir: &Path, config: &str) -> Relay {
        Relay::start_with_umask(dir, config, None)
    }

    /// As [`start`](Self::start), the binary started by `sh` under
    /// `umask` (for checking the modes of what mugai creates).
    pub fn start_with_umask(dir: &Path, config: &str, umask: Option<&str>) -> Relay {
        let path = dir.join("mugai.toml");
        std::fs::write(&path, config).unwrap();
        let binary = env!("CARGO_BIN_EXE_mugai");
        let mut command = match umask {
            Some(mask) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
                    .arg(binary);
                sh
            }
            None => Command::new(binary),
        };
        let mut child = command
            .arg("serve")
            .arg("--config")
            .arg(&path)
            .env_remove("MUGAI_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mugai serve");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let (web_tx, web_rx) = std::sync::mpsc::channel();
        let l = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                // The start-up lines, in text or JSON format.
                let after = |needle: &str| {
                    let at = line.find(needle)? + needle.len();
                    line[at..].split([' ', ',', '"']).next().map(str::to_string)
                };
                if let Some(url) = after("web page on ") {
                    let address = url.split("://").nth(1).unwrap_or("");
                    let _ = web_tx.send(address.to_string());
                }
                if let Some(addr) = after(" listening on ") {
                    let _ = tx.send(addr);
                }
                l.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr.parse().expect("listening address"),
            Err(_) => {
                let _ = child.kill();
                panic!("relay did not start: {:?}", logs.lock().unwrap());
            }
        };
        let web = web_rx.try_recv().ok().and_then(|a| a.parse().ok());
        Relay {
            addr,
            web,
            config_path: path,
            data_dir: dir.join("data"),
            child,
            logs,
        }
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Waits (at most `limit`) for `n` log lines containing `needle`.
    pub fn wait_for_log(&self, needle: &str, n: usize, limit: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let found: Vec<String> = self
                .logs()
                .into_iter()
                .filter(|l| l.contains(needle))
                .collect();
            if found.len() >= n {
                return found;
            }
            assert!(
                start.elapsed() < limit,
                "{n} log lines with {needle:?} not seen in {limit:?}; logs:\n{}",
                self.logs().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM to the child (our own process, by PID).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits (bounded) for the child to exit.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("relay did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Files left in the spool queue.
    pub fn spool_entries(&self) -> Vec<String> {
        std::fs::read_dir(self.data_dir.join("spool/queue"))
            .map(|dir| {
                dir.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    // A state being rewritten exists for a moment as `-tmp`.
                    .filter(|name| !name.ends_with("-tmp"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `mugai ARGS --config CONFIG` (with `stdin` as its input) and
/// asserts it succeeded.
pub fn cli(config: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let out = run_cli(config, args, stdin);
    assert!(
        out.status.success(),
        "mugai {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `mugai ARGS --config CONFIG` (with `stdin` as its input),
/// whatever its exit status.
pub fn run_cli(config: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mugai"))
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}
