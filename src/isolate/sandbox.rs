//! What a converter process gives up before it reads any mail: memory
//! beyond `memory_limit` (RLIMIT_AS), its privileges (root becomes
//! `nobody`; no new privileges), every file and network access (Landlock,
//! where the kernel has it), and the system calls that would reach
//! outside the process (seccomp).
//!
//! seccomp is applied with `seccompiler` (Firecracker's, pure Rust, no
//! libseccomp): a deny list answering EPERM, since the allocator, threads
//! and the standard library need a long and kernel-dependent list of
//! ordinary calls that an allow list would have to chase. Denied: making
//! or using sockets, exec, ptrace and reading other processes' memory,
//! signals to anyone but itself, opening files for writing, changing the
//! file system, io_uring (which would bypass the filter), BPF, perf,
//! keyrings, namespaces, mounts, modules and clocks. Landlock
//! (`landlock`, best effort) denies all file-system access and, on
//! kernels with its network rules, TCP bind and connect as well.

use std::io;

use seccompiler::{
    SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
};

/// The user a converter runs as when started as root.
const NOBODY: libc::uid_t = 65534;

/// Sets a resource limit (soft and hard).
pub fn set_limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: a valid rlimit for a valid resource.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// CPU seconds this process has used.
pub fn cpu_seconds() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec).max(0) as u64
}

/// Allows `seconds` more CPU time from now (SIGXCPU past it).
pub fn allow_cpu(seconds: u64) -> io::Result<()> {
    set_limit(
        libc::RLIMIT_CPU,
        cpu_seconds().saturating_add(seconds),
        libc::RLIM_INFINITY,
    )
}

/// Everything above, in order. Errors are returned: a converter that
/// cannot restrict itself must not run.
pub fn restrict(memory_limit: u64) -> io::Result<()> {
    // A converter never outlives the relay that started it.
    // SAFETY: prctl with constant arguments.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    set_limit(libc::RLIMIT_AS, memory_limit, memory_limit)?;
    // No core files of mail.
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    // SAFETY: prctl with constant arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    drop_root()?;
    landlock()?;
    seccomp()
}

/// Root becomes nobody (a converter never needs a privilege).
fn drop_root() -> io::Result<()> {
    // SAFETY: plain identity calls; each result is checked.
    unsafe {
        if libc::geteuid() != 0 {
            return Ok(());
        }
        if libc::setgroups(0, std::ptr::null()) != 0
            || libc::setgid(NOBODY) != 0
            || libc::setuid(NOBODY) != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// No file-system access at all, and no TCP where the kernel can say so.
fn landlock() -> io::Result<()> {
    use landlock::{ABI, Access, AccessFs, AccessNet, Ruleset, RulesetAttr};
    let abi = ABI::V5;
    Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
        .and_then(|r| r.create())
        .and_then(|r| r.restrict_self())
        .map(|_| ())
        .map_err(io::Error::other)
}

fn masked(arg: u8, mask: u64) -> io::Result<SeccompRule> {
    let condition = SeccompCondition::new(
        arg,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::MaskedEq(mask),
        mask,
    )
    .map_err(io::Error::other)?;
    SeccompRule::new(vec![condition]).map_err(io::Error::other)
}

fn not_equal(arg: u8, value: u64) -> io::Result<SeccompRule> {
    let condition = SeccompCondition::new(arg, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, value)
        .map_err(io::Error::other)?;
    SeccompRule::new(vec![condition]).map_err(io::Error::other)
}

fn seccomp() -> io::Result<()> {
    let always: &[i64] = &[
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept,
        libc::SYS_accept4,
        libc::SYS_sendto,
        libc::SYS_sendmsg,
        libc::SYS_sendmmsg,
        libc::SYS_execve,
        libc::SYS_execveat,
        libc::SYS_fork,
        libc::SYS_vfork,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_pidfd_open,
        libc::SYS_pidfd_getfd,
        libc::SYS_pidfd_send_signal,
        libc::SYS_creat,
        libc::SYS_unlink,
        libc::SYS_unlinkat,
        libc::SYS_rename,
        libc::SYS_renameat,
        libc::SYS_renameat2,
        libc::SYS_mkdir,
        libc::SYS_mkdirat,
        libc::SYS_rmdir,
        libc::SYS_link,
        libc::SYS_linkat,
        libc::SYS_symlink,
        libc::SYS_symlinkat,
        libc::SYS_mknod,
        libc::SYS_mknodat,
        libc::SYS_chmod,
        libc::SYS_fchmodat,
        libc::SYS_chown,
        libc::SYS_lchown,
        libc::SYS_fchownat,
        libc::SYS_truncate,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_acct,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_sethostname,
        libc::SYS_setdomainname,
        libc::SYS_setuid,
        libc::SYS_setgid,
        libc::SYS_setreuid,
        libc::SYS_setregid,
        libc::SYS_setresuid,
        libc::SYS_setresgid,
        libc::SYS_setgroups,
    ];
    let mut rules: std::collections::BTreeMap<i64, Vec<SeccompRule>> =
        always.iter().map(|&call| (call, Vec::new())).collect();
    // Opening for writing, creating, truncating or appending.
    let writes = [
        libc::O_WRONLY,
        libc::O_RDWR,
        libc::O_CREAT,
        libc::O_TRUNC,
        libc::O_APPEND,
    ];
    rules.insert(
        libc::SYS_open,
        writes
            .iter()
            .map(|&flag| masked(1, flag as u64))
            .collect::<io::Result<_>>()?,
    );
    rules.insert(
        libc::SYS_openat,
        writes
            .iter()
            .map(|&flag| masked(2, flag as u64))
            .collect::<io::Result<_>>()?,
    );
    // openat2 passes its flags in a struct the filter cannot read.
    rules.insert(libc::SYS_openat2, Vec::new());
    // Signals to itself only (abort raises SIGABRT on itself).
    let me = std::process::id() as u64;
    rules.insert(libc::SYS_kill, vec![not_equal(0, me)?]);
    rules.insert(libc::SYS_tgkill, vec![not_equal(0, me)?]);
    rules.insert(libc::SYS_tkill, Vec::new());
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|_| io::Error::other("seccomp: unsupported architecture"))?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(io::Error::other)?;
    let program: seccompiler::BpfProgram = filter.try_into().map_err(io::Error::other)?;
    seccompiler::apply_filter(&program).map_err(io::Error::other)
}
