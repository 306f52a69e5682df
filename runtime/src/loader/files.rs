//! Where module loaders read code. In the gateway (thread isolation, `isogate dev`) that is
//! the local file system, and the bundles mounted in memory (`bundle.rs`, under their own
//! root, never from the disk). In a worker process it is the gateway, over the link: the
//! worker's sandbox lets it read no tenant's files itself, and the gateway answers only for
//! files under the code folders of the tenants placed in that process.

use std::path::Path;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::bundle;

/// The largest file a module loader reads (the largest frame on the link, with room).
pub(crate) const MOST_BYTES: u64 = 48 * 1024 * 1024;

/// Reads code for the module loaders of one process.
pub(crate) trait CodeFiles: Send + Sync {
    /// The real path of `path` (symlinks resolved).
    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf>;
    /// The real path of the file at `path` and its contents.
    fn read(&self, path: &Path) -> std::io::Result<(PathBuf, Vec<u8>)>;
    /// Whether `path` is a file.
    fn is_file(&self, path: &Path) -> bool;
}

/// The local file system.
pub(crate) struct LocalFiles;

fn not_in_bundle(path: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!("{}: not in the bundle", path.display()),
    )
}

impl CodeFiles for LocalFiles {
    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        if let Some(found) = bundle::real_path(path) {
            return found.ok_or_else(|| not_in_bundle(path));
        }
        std::fs::canonicalize(path)
    }

    fn read(&self, path: &Path) -> std::io::Result<(PathBuf, Vec<u8>)> {
        if let Some(found) = bundle::read(path) {
            let contents = found.ok_or_else(|| not_in_bundle(path))?;
            return Ok((path.to_path_buf(), contents.to_vec()));
        }
        let real = std::fs::canonicalize(path)?;
        let size = std::fs::metadata(&real)?.len();
        if size > MOST_BYTES {
            return Err(std::io::Error::other(format!(
                "{size} bytes is more than a module may have ({MOST_BYTES})"
            )));
        }
        let bytes = std::fs::read(&real)?;
        Ok((real, bytes))
    }

    fn is_file(&self, path: &Path) -> bool {
        match bundle::read(path) {
            Some(found) => found.is_some(),
            None => path.is_file(),
        }
    }
}

static PROCESS_FILES: OnceLock<Box<dyn CodeFiles>> = OnceLock::new();

/// Makes `files` where every module loader of this process reads (once; a worker process
/// sets it before its first isolate); whether it is.
pub(crate) fn read_through(files: Box<dyn CodeFiles>) -> bool {
    PROCESS_FILES.set(files).is_ok()
}

/// Where this process's module loaders read.
pub(crate) fn files() -> &'static dyn CodeFiles {
    match PROCESS_FILES.get() {
        Some(files) => files.as_ref(),
        None => &LocalFiles,
    }
}

/// Whether `path` lies under one of `roots` (all real paths), for the side that answers.
pub(crate) fn within(path: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|root| path.starts_with(root))
}
