//! Runs an outside renderer (Chromium, LibreOffice) the way converters
//! run: with no route out (a network namespace of its own, made by
//! util-linux `unshare`: only a loopback that is down), as `nobody` when
//! mugai runs as root, with CPU, memory and file-size limits, no core
//! dumps, an empty environment and a private working directory as HOME,
//! in a process group of its own that is killed whole when the time
//! limit passes (and after it ends, so no helper process lingers).
//!
//! The memory limit is RLIMIT_DATA, per process: Chromium reserves a
//! large address space up front, so RLIMIT_AS would stop it before it
//! starts. A namespace that cannot be made is an error: nothing is
//! rendered with a route out.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The user a renderer runs as when mugai runs as root.
const NOBODY: u32 = 65534;

/// Limits for one run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time: Duration,
    pub cpu_seconds: u64,
    /// RLIMIT_DATA of each process.
    pub memory: u64,
    /// Largest file it may write.
    pub file_size: u64,
}

/// Runs `program` with `args` in `dir` (which it may write) under
/// `limits`. `Err` says why in plain English.
pub fn run(program: &str, args: &[String], dir: &Path, limits: Limits) -> Result<(), String> {
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        chown_all(dir).map_err(|e| format!("cannot prepare the renderer's directory: {e}"))?;
    }
    let mut command = Command::new("unshare");
    command.arg("--net");
    if root {
        command.args([
            "--setuid",
            &NOBODY.to_string(),
            "--setgid",
            &NOBODY.to_string(),
        ]);
    } else {
        command.arg("--map-root-user");
    }
    command
        .arg("--")
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("TMPDIR", dir)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let Limits {
        cpu_seconds,
        memory,
        file_size,
        ..
    } = limits;
    // SAFETY: only async-signal-safe calls (setsid, setrlimit) between
    // fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            for (resource, value) in [
                (libc::RLIMIT_CPU, cpu_seconds),
                (libc::RLIMIT_DATA, memory),
                (libc::RLIMIT_FSIZE, file_size),
                (libc::RLIMIT_CORE, 0),
            ] {
                let limit = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                if libc::setrlimit(resource, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {program} (through unshare): {e}"))?;
    let group = child.id() as libc::pid_t;
    let deadline = Instant::now() + limits.time;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                kill_group(group);
                let _ = child.wait();
                return Err(format!("cannot wait for {program}: {e}"));
            }
        }
    };
    // Helpers it started die with it.
    kill_group(group);
    match status {
        None => {
            let _ = child.wait();
            Err(format!(
                "{program} did not finish within {}s and was stopped",
                limits.time.as_secs()
            ))
        }
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!("{program} ended with {status}")),
    }
}

fn kill_group(group: libc::pid_t) {
    // SAFETY: a signal to a process group we made.
    unsafe { libc::kill(-group, libc::SIGKILL) };
}

/// Gives `dir` and what is in it to `nobody`.
fn chown_all(dir: &Path) -> std::io::Result<()> {
    std::os::unix::fs::chown(dir, Some(NOBODY), Some(NOBODY))?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            chown_all(&path)?;
        } else {
            std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY))?;
        }
    }
    Ok(())
}
