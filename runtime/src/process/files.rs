//! Tenant code over the link: a worker process's sandbox reads no files, so its module
//! loaders ask the gateway ([`RemoteFiles`]), which answers only for files under the code
//! folders of the tenants placed in that process ([`answer`]).

use std::collections::HashMap;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;
use serde::Serialize;

use super::wire::CallId;
use super::wire::ToGateway;
use crate::loader::files::within;
use crate::loader::files::CodeFiles;
use crate::loader::files::LocalFiles;

/// How long a loader waits for the gateway to answer.
const FILE_TIMEOUT: Duration = Duration::from_secs(10);

/// A module loader's question about a file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FileOp {
    /// Its real path.
    RealPath(PathBuf),
    /// Its real path and contents.
    Read(PathBuf),
    /// Whether it is a file.
    IsFile(PathBuf),
}

/// The answer to a [`FileOp`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FileAnswer {
    Path(PathBuf),
    Read(PathBuf, Vec<u8>),
    IsFile(bool),
    /// It failed: whether because nothing is there, and why.
    Failed {
        missing: bool,
        message: String,
    },
}

/// Answers `op` from the local file system for a worker whose tenants' code lies under
/// `roots` (real paths): a path outside them is answered as if nothing were there.
pub(crate) fn answer(op: FileOp, roots: &[PathBuf]) -> FileAnswer {
    let outside = |path: &Path| FileAnswer::Failed {
        missing: true,
        message: format!("{} is outside the tenants' code folders", path.display()),
    };
    let failed = |error: std::io::Error| FileAnswer::Failed {
        missing: error.kind() == std::io::ErrorKind::NotFound,
        message: error.to_string(),
    };
    match op {
        FileOp::RealPath(path) => match LocalFiles.real_path(&path) {
            Ok(real) if within(&real, roots) => FileAnswer::Path(real),
            Ok(_) => outside(&path),
            Err(error) => failed(error),
        },
        FileOp::Read(path) => match LocalFiles.real_path(&path) {
            Ok(real) if within(&real, roots) => match LocalFiles.read(&real) {
                Ok((real, bytes)) => FileAnswer::Read(real, bytes),
                Err(error) => failed(error),
            },
            Ok(_) => outside(&path),
            Err(error) => failed(error),
        },
        FileOp::IsFile(path) => FileAnswer::IsFile(
            LocalFiles
                .real_path(&path)
                .is_ok_and(|real| within(&real, roots) && LocalFiles.is_file(&real)),
        ),
    }
}

/// The worker's side: each question is a frame to the gateway, and the loader's thread
/// waits for the answer.
pub(crate) struct RemoteFiles {
    pub(crate) line: super::guest::CallLine,
    pub(crate) calls: Arc<Mutex<HashMap<CallId, std::sync::mpsc::Sender<FileAnswer>>>>,
    pub(crate) next: AtomicU64,
}

impl RemoteFiles {
    fn ask(&self, op: FileOp) -> std::io::Result<FileAnswer> {
        let call = self.next.fetch_add(1, Ordering::Relaxed);
        let (answer, waiting) = std::sync::mpsc::channel();
        lock(&self.calls).insert(call, answer);
        let sent = self.line.send(&ToGateway::File { call, op });
        let answer = sent.and_then(|_| waiting.recv_timeout(FILE_TIMEOUT).ok());
        lock(&self.calls).remove(&call);
        match answer {
            Some(FileAnswer::Failed { missing, message }) => Err(std::io::Error::new(
                if missing {
                    std::io::ErrorKind::NotFound
                } else {
                    std::io::ErrorKind::Other
                },
                message,
            )),
            Some(answer) => Ok(answer),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the gateway did not send the file",
            )),
        }
    }
}

fn unexpected() -> std::io::Error {
    std::io::Error::other("the gateway answered another question")
}

/// Whether `path` is in a bundle mounted in this process, which then answers for it.
fn mounted_here(path: &Path) -> bool {
    crate::loader::bundle::mounted_of(path).is_some()
}

impl CodeFiles for RemoteFiles {
    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        if mounted_here(path) {
            return LocalFiles.real_path(path);
        }
        match self.ask(FileOp::RealPath(path.to_path_buf()))? {
            FileAnswer::Path(real) => Ok(real),
            _ => Err(unexpected()),
        }
    }

    fn read(&self, path: &Path) -> std::io::Result<(PathBuf, Vec<u8>)> {
        if mounted_here(path) {
            return LocalFiles.read(path);
        }
        match self.ask(FileOp::Read(path.to_path_buf()))? {
            FileAnswer::Read(real, bytes) => Ok((real, bytes)),
            _ => Err(unexpected()),
        }
    }

    fn is_file(&self, path: &Path) -> bool {
        if mounted_here(path) {
            return LocalFiles.is_file(path);
        }
        matches!(
            self.ask(FileOp::IsFile(path.to_path_buf())),
            Ok(FileAnswer::IsFile(true))
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How long a stopped handler's code stays readable for the worker it was stopped in (the
/// requests already sent there drain on an isolate that may still be loading).
const STOPPED_ROOTS_LIFE: std::time::Duration = std::time::Duration::from_secs(30);

/// The code folders of handlers stopped in one worker a moment ago (moved elsewhere, or
/// replaced), which that worker may still read for [`STOPPED_ROOTS_LIFE`].
#[derive(Debug, Default)]
pub(super) struct StoppedRoots(std::sync::Mutex<Vec<(PathBuf, std::time::Instant)>>);

impl StoppedRoots {
    /// Notes that the handler with code folder `root` was stopped now.
    pub(super) fn add(&self, root: PathBuf) {
        if let Ok(mut stopped) = self.0.lock() {
            stopped.push((root, std::time::Instant::now()));
        }
    }

    /// The folders still readable.
    pub(super) fn current(&self) -> Vec<PathBuf> {
        self.0.lock().map_or_else(
            |_| Vec::new(),
            |mut stopped| {
                stopped.retain(|(_, at)| at.elapsed() < STOPPED_ROOTS_LIFE);
                stopped.iter().map(|(root, _)| root.clone()).collect()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_answers_only_inside_the_code_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("tenant");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("handler.js"), "export default {}").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.js")).unwrap();
        let roots = [root.clone()];

        match answer(FileOp::Read(root.join("handler.js")), &roots) {
            FileAnswer::Read(real, bytes) => {
                assert_eq!(real, root.join("handler.js"));
                assert_eq!(bytes, b"export default {}");
            }
            other => panic!("{other:?}"),
        }
        for op in [
            FileOp::Read(dir.path().join("secret.txt")),
            FileOp::Read(root.join("link.js")),
            FileOp::Read(root.join("../secret.txt")),
            FileOp::RealPath(root.join("link.js")),
        ] {
            assert!(
                matches!(answer(op, &roots), FileAnswer::Failed { missing: true, .. }),
                "a file outside the code folder was answered"
            );
        }
        assert!(matches!(
            answer(FileOp::IsFile(root.join("handler.js")), &roots),
            FileAnswer::IsFile(true)
        ));
        assert!(matches!(
            answer(FileOp::IsFile(dir.path().join("secret.txt")), &roots),
            FileAnswer::IsFile(false)
        ));
    }

    #[test]
    fn a_workers_reads_of_bundles_are_answered_for_its_own_bundles_only() {
        use crate::loader::bundle;
        let make = |text: &'static str| {
            let files = [(
                "src/index.js".to_owned(),
                bytes::Bytes::from_static(text.as_bytes()),
            )];
            bundle::mount(bundle::Bundle::new(files, &bundle::BundleLimits::default()).unwrap())
        };
        let own = make("export default {} // own");
        let other = make("export default {} // other");
        let roots = [own.root()];
        match answer(FileOp::Read(own.root().join("src/index.js")), &roots) {
            FileAnswer::Read(_, bytes) => assert_eq!(bytes, b"export default {} // own"),
            answered => panic!("{answered:?}"),
        }
        assert!(matches!(
            answer(FileOp::IsFile(own.root().join("src/index.js")), &roots),
            FileAnswer::IsFile(true)
        ));
        let escape = own
            .root()
            .join("..")
            .join(other.digest())
            .join("src/index.js");
        for op in [
            FileOp::Read(other.root().join("src/index.js")),
            FileOp::Read(escape.clone()),
            FileOp::RealPath(escape),
            FileOp::Read(own.root().join("src/missing.js")),
        ] {
            assert!(
                matches!(answer(op, &roots), FileAnswer::Failed { missing: true, .. }),
                "a file outside the worker's bundles was answered"
            );
        }
    }
}
