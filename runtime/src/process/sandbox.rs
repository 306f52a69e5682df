//! The worker process's sandbox, entered before any isolate exists: `no_new_privs`, a
//! seccomp filter that refuses what a worker never needs (running programs, tracing other
//! processes, mounting, changing namespaces, loading kernel code, and listening for or
//! accepting connections), and a Landlock ruleset under which nothing in the file system can
//! be written, created, removed or executed. The worker reads only its tenants' code.

use std::collections::BTreeMap;

use landlock::AccessFs;
use landlock::Ruleset;
use landlock::RulesetAttr;
use landlock::RulesetStatus;
use landlock::ABI;
use seccompiler::BpfProgram;
use seccompiler::SeccompAction;
use seccompiler::SeccompFilter;
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

/// Enters the sandbox for the rest of the process's life.
pub(crate) fn enter() -> Result<(), SandboxError> {
    restrict_files()?;
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let rules = REFUSED
        .iter()
        .map(|call| (*call, Vec::new()))
        .collect::<BTreeMap<_, _>>();
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

/// Refuses every write and execution in the file system (reads stay allowed: the module
/// loader reads tenant code, confined to each tenant's folder by the loader itself).
fn restrict_files() -> Result<(), SandboxError> {
    let abi = ABI::V2;
    let status = Ruleset::default()
        .handle_access(AccessFs::from_write(abi) | AccessFs::Execute)?
        .create()?
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
