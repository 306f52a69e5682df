//! The files a handler's module graph reaches, found by loading it: `isogate deploy` packs
//! exactly these (modules, the `package.json` and `tsconfig.json` files resolution read,
//! JSON and Wasm), and reports a load error before anything is uploaded.

use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::PoisonError;

use super::files;
use super::files::CodeFiles;
use super::files::LocalFiles;
use crate::pool::HandlerSpec;
use crate::pool::LoadState;
use crate::pool::WorkerHandle;

/// Every file read since the last [`reached_files`] began.
static READ: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Whether the recorder is where this process's loaders read.
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// The local file system, noting each file read.
struct Recording;

impl CodeFiles for Recording {
    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        LocalFiles.real_path(path)
    }

    fn read(&self, path: &Path) -> std::io::Result<(PathBuf, Vec<u8>)> {
        let (real, bytes) = LocalFiles.read(path)?;
        READ.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(real.clone());
        Ok((real, bytes))
    }

    fn is_file(&self, path: &Path) -> bool {
        LocalFiles.is_file(path)
    }
}

/// Loads the handler of each of `specs` in an isolate of its own and gives the real paths
/// of every file their module graphs read, or the first load error. Only for a process
/// that runs no other handlers (the command line's): its module loaders read through the
/// recorder from then on.
pub async fn reached_files(specs: &[HandlerSpec]) -> Result<Vec<PathBuf>, String> {
    let installed = *INSTALLED.get_or_init(|| files::read_through(Box::new(Recording)));
    if !installed {
        return Err("this process already reads code through another source".to_owned());
    }
    READ.lock().unwrap_or_else(PoisonError::into_inner).clear();
    for spec in specs {
        let worker = WorkerHandle::spawn(spec).map_err(|error| error.to_string())?;
        if let LoadState::Failed(error) = worker.loaded().await {
            return Err(error);
        }
    }
    let read = std::mem::take(&mut *READ.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(read.into_iter().collect())
}
