//! A throwaway PostgreSQL cluster for tests: Debian's `initdb` and
//! `pg_ctl` in a temporary directory, trust authentication, listening on
//! 127.0.0.1 only at a free port (its Unix socket in the same directory).
//! PostgreSQL refuses to run as root, so when the test runs as root the
//! cluster runs as the `postgres` user the package creates. Dropping the
//! cluster stops it by the PID in its own `postmaster.pid` (a process this
//! test started) and removes the directory.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

/// The newest `/usr/lib/postgresql/N/bin` there is.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL's server is not installed (apt-get install postgresql; .ci/run does)")
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program args…`, as the postgres user when this process is root.
fn run(program: &Path, args: &[&str]) {
    let mut command = if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let output = command
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        output.status.success(),
        "{} {args:?} failed: {}{}",
        program.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    /// Makes and starts a cluster; panics with the reason when it cannot.
    pub fn start() -> Cluster {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("mugai-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if running_as_root() {
            // The postgres user must reach its directory and own its data.
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data_arg = data.to_str().unwrap();
        run(
            &bin.join("initdb"),
            &[
                "-D", data_arg, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            ],
        );
        let port = super::sink::free_port().port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            dir.path().display()
        );
        let log = dir.path().join("server.log");
        run(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data_arg,
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        Cluster { dir, port }
    }

    /// The URL of database `name` (which [`Cluster::create_database`] made,
    /// or `postgres`).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database.
    pub fn create_database(&self, name: &str) {
        run(
            &bin_dir().join("psql"),
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                &format!("CREATE DATABASE {name}"),
            ],
        );
    }

    /// The postmaster's PID, from the first line of its pid file.
    fn pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let Some(pid) = self.pid() else { return };
        // SIGQUIT: PostgreSQL's immediate shutdown (the data is thrown away).
        // SAFETY: a signal to the postmaster this test started.
        unsafe { libc::kill(pid, libc::SIGQUIT) };
        let deadline = Instant::now() + Duration::from_secs(20);
        // SAFETY: signal 0 only asks whether the process exists.
        while unsafe { libc::kill(pid, 0) } == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
