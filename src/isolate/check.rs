//! `mugai check-sandbox`: locks this process down exactly as a converter
//! is, then tries what a converter must never do, and says for each
//! whether this machine's kernel stopped it. For operators (does the
//! sandbox hold on this kernel?) and for the tests.

use std::ffi::CString;
use std::io;

use super::sandbox;

/// One thing tried: what, and whether the kernel refused it.
pub struct Probe {
    pub what: &'static str,
    pub denied: bool,
    /// A converter must be denied this; otherwise it is defence in depth.
    pub essential: bool,
}

fn refused(result: libc::c_int) -> bool {
    result < 0
}

/// Restricts this process (irreversibly) and probes it.
pub fn run(memory_limit: u64) -> io::Result<Vec<Probe>> {
    let was_root = unsafe { libc::geteuid() } == 0;
    sandbox::restrict(memory_limit)?;
    let mut probes = Vec::new();
    // SAFETY: plain system calls on constant or checked arguments; every
    // descriptor one of them returns is closed at once.
    unsafe {
        let socket = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        if socket >= 0 {
            libc::close(socket);
        }
        probes.push(Probe {
            what: "open a network socket",
            denied: refused(socket),
            essential: true,
        });
        let unix = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
        if unix >= 0 {
            libc::close(unix);
        }
        probes.push(Probe {
            what: "open a local socket",
            denied: refused(unix),
            essential: true,
        });
        let path = CString::new(format!("/tmp/mugai-sandbox-check-{}", std::process::id()))
            .map_err(io::Error::other)?;
        let created = libc::open(
            path.as_ptr(),
            libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
            0o600,
        );
        if created >= 0 {
            libc::close(created);
            libc::unlink(path.as_ptr());
        }
        probes.push(Probe {
            what: "create a file",
            denied: refused(created),
            essential: true,
        });
        let root = CString::new("/").map_err(io::Error::other)?;
        let read = libc::open(root.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if read >= 0 {
            libc::close(read);
        }
        probes.push(Probe {
            what: "read the file system (Landlock)",
            denied: refused(read),
            essential: false,
        });
        let program = CString::new("/bin/true").map_err(io::Error::other)?;
        let argv = [program.as_ptr(), std::ptr::null()];
        let envp = [std::ptr::null()];
        let exec = libc::execve(program.as_ptr(), argv.as_ptr(), envp.as_ptr());
        probes.push(Probe {
            what: "run another program",
            denied: refused(exec),
            essential: true,
        });
        let signal = libc::kill(libc::getppid(), 0);
        probes.push(Probe {
            what: "signal another process",
            denied: refused(signal),
            essential: true,
        });
        probes.push(Probe {
            what: "keep root privileges",
            denied: !was_root || libc::geteuid() != 0,
            essential: true,
        });
    }
    let too_much = std::panic::catch_unwind(|| {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(memory_limit as usize).is_err()
    })
    .unwrap_or(true);
    probes.push(Probe {
        what: "allocate more than memory_limit",
        denied: too_much,
        essential: true,
    });
    Ok(probes)
}
