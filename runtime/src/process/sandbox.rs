//! The worker process's sandbox, entered before any isolate exists: `no_new_privs`, a
//! seccomp filter that refuses what a worker never needs (running programs, tracing other
//! processes, mounting, changing namespaces, loading kernel code, and listening for or
//! accepting connections, and, when its fetches go through the gateway, opening any
//! network socket), and a Landlock ruleset under which nothing in the file system can
//! be written, created, removed or executed, and nothing read but the few system files name
//! resolution and local time need: tenant code comes over the link (`files.rs`), so the
//! worker cannot read another tenant's files, the gateway's configuration, its secrets or
//! its keys.

use std::collections::BTreeMap;

use landlock::path_beneath_rules;
use landlock::Access;
use landlock::AccessFs;
use landlock::Ruleset;
use landlock::RulesetAttr;
use landlock::RulesetCreatedAttr;
use landlock::RulesetStatus;
use landlock::ABI;
use seccompiler::BpfProgram;
use seccompiler::SeccompAction;
use seccompiler::SeccompCmpArgLen;
use seccompiler::SeccompCmpOp;
use seccompiler::SeccompCondition;
use seccompiler::SeccompFilter;
use seccompiler::SeccompRule;
use seccompiler::TargetArch;

/// System calls a worker may not make; each fails with `EPERM`.
const REFUSED: &[libc::c_long] = &[
    libc::SYS_execve,
    libc::SYS_execveat,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_setns,
    libc::SYS_unshare,
    libc::SYS_bind,
    libc::SYS_listen,
    libc::SYS_accept,
    libc::SYS_accept4,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_kexec_load,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
];

/// Why the sandbox could not be entered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SandboxError {
    #[error("building the seccomp filter")]
    Seccomp(#[from] seccompiler::Error),
    #[error("building the seccomp filter: {0}")]
    Backend(#[from] seccompiler::BackendError),
    #[error("restricting the file system with Landlock")]
    Landlock(#[from] landlock::RulesetError),
}

/// Socket families a worker whose fetches go through the gateway may not open: it reaches
/// the network only through the gateway's egress socket (a Unix one).
const NETWORK_FAMILIES: &[libc::c_int] = &[libc::AF_INET, libc::AF_INET6, libc::AF_PACKET];

/// Enters the sandbox for the rest of the process's life; with `no_network`, no network
/// socket can be opened either.
pub(crate) fn enter(no_network: bool) -> Result<(), SandboxError> {
    restrict_files()?;
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let mut rules = REFUSED
        .iter()
        .map(|call| (*call, Vec::new()))
        .collect::<BTreeMap<_, _>>();
    if no_network {
        let families = NETWORK_FAMILIES
            .iter()
            .map(|family| {
                let family = u64::try_from(*family).unwrap_or_default();
                let condition =
                    SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, family)?;
                SeccompRule::new(vec![condition])
            })
            .collect::<Result<Vec<_>, _>>()?;
        rules.insert(libc::SYS_socket, families);
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )?;
    let program: BpfProgram = filter.try_into()?;
    // Sets no_new_privs first, as a filter from an unprivileged process requires.
    seccompiler::apply_filter_all_threads(&program)?;
    Ok(())
}

/// What a worker reads itself: name resolution for outbound fetch, local time, the CPU and
/// cgroup figures runtimes size themselves by, and its own `/proc` entry (its memory
/// figures). Missing ones are skipped.
const READABLE: &[&str] = &[
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/localtime",
    "/usr/share/zoneinfo",
    "/proc/self",
    "/proc/cpuinfo",
    "/sys/devices/system/cpu",
    "/sys/fs/cgroup",
    "/dev/null",
    "/dev/urandom",
];

/// Refuses every write and execution in the file system, and every read but of
/// [`READABLE`].
fn restrict_files() -> Result<(), SandboxError> {
    let abi = ABI::V2;
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))?
        .create()?
        .add_rules(path_beneath_rules(READABLE, AccessFs::from_read(abi)))?
        .restrict_self()?;
    if status.ruleset != RulesetStatus::FullyEnforced {
        tracing::warn!(
            status = ?status.ruleset,
            "the kernel does not fully enforce Landlock: the worker's file system access is \
             not restricted beyond what seccomp refuses"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;
    use std::path::Path;

    use super::*;

    const CHILD: &str = "process::sandbox::tests::sandboxed_child";

    /// Enters the sandbox and tries what it refuses; run in a child process by the test
    /// below (the sandbox is for the rest of the process's life).
    #[test]
    #[ignore = "run in a child process by the_sandbox_refuses_reads_writes_programs_and_listeners"]
    fn sandboxed_child() {
        let secret = std::env::var("SANDBOX_SECRET").unwrap();
        let scratch = std::env::var("SANDBOX_SCRATCH").unwrap();
        enter(true).unwrap();
        let read = std::fs::read(&secret).unwrap_err();
        assert_eq!(read.kind(), ErrorKind::PermissionDenied, "{read}");
        assert!(std::fs::read("/etc/passwd").is_err());
        assert!(std::fs::write(Path::new(&scratch).join("written"), "x").is_err());
        assert!(std::process::Command::new("/bin/true").status().is_err());
        assert!(std::net::TcpListener::bind("127.0.0.1:0").is_err());
        // No network socket at all: neither TCP out, nor UDP (a DNS query), nor IPv6.
        let connect = std::net::TcpStream::connect("127.0.0.1:9").unwrap_err();
        assert_eq!(connect.kind(), ErrorKind::PermissionDenied, "{connect}");
        assert!(std::net::UdpSocket::bind("0.0.0.0:0").is_err());
        assert!(std::net::TcpStream::connect("[::1]:9").is_err());
        // A Unix socket (the way to the gateway) still opens.
        assert!(std::os::unix::net::UnixStream::pair().is_ok());
        assert!(std::fs::read_to_string("/proc/self/statm").is_ok());
        if Path::new("/etc/hosts").exists() {
            assert!(std::fs::read_to_string("/etc/hosts").is_ok());
        }
    }

    #[test]
    fn the_sandbox_refuses_reads_writes_programs_and_listeners() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "a tenant's secret").unwrap();
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", CHILD, "--ignored", "--test-threads", "1"])
            .env("SANDBOX_SECRET", &secret)
            .env("SANDBOX_SCRATCH", dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("1 passed"), "{stdout}");
        assert!(!dir.path().join("written").exists());
    }
}
