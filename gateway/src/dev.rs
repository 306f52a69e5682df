//! `isogate dev`: one handler from disk, reloaded whenever code in its folder changes (a
//! module, JSON or Wasm file; not a log or a database written next to it).

use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

use isogate_runtime::HandlerSpec;
use isogate_runtime::IsolatePool;
use notify::RecursiveMode;
use notify::Watcher;
use tokio::sync::mpsc;

use std::sync::Arc;

use crate::dispatch::Dispatcher;
use crate::error::GatewayError;
use crate::routing::table::RoutingTable;

/// How long to wait for a burst of file events (an editor's save) to settle.
const SETTLE: Duration = Duration::from_millis(150);

/// Watches the handler's folder and swaps in a freshly loaded handler after each change.
/// Returns the watcher, which stops watching when dropped.
pub fn watch(
    spec: HandlerSpec,
    pool: Arc<IsolatePool>,
    dispatcher: Arc<Dispatcher>,
) -> Result<notify::RecommendedWatcher, GatewayError> {
    let folder = watched_folder(&spec.entry);
    let watch_error = |source| GatewayError::Watch {
        path: folder.display().to_string(),
        source,
    };
    let (events, mut changes) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let changes_code = event.paths.iter().any(|path| crate::reload::is_code(path));
            if (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
                && changes_code
            {
                let _ = events.send(());
            }
        }
    })
    .map_err(watch_error)?;
    watcher
        .watch(&folder, RecursiveMode::Recursive)
        .map_err(watch_error)?;
    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            tokio::time::sleep(SETTLE).await;
            while changes.try_recv().is_ok() {}
            match RoutingTable::single(spec.clone(), &pool) {
                Ok(table) => {
                    dispatcher.replace(table);
                    tracing::info!(entry = %spec.entry.display(), "change detected; handler reloaded");
                }
                Err(error) => tracing::error!(%error, "reloading handler"),
            }
        }
    });
    Ok(watcher)
}

fn watched_folder(entry: &Path) -> PathBuf {
    entry
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
