//! `isogate dev`: one handler from disk, reloaded whenever code in its folder changes (a
//! module, JSON or Wasm file; not a log or a database written next to it) or its env file
//! does.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

use isogate_runtime::HandlerSpec;
use isogate_runtime::IsolatePool;
use isogate_runtime::LoadState;
use notify::RecursiveMode;
use notify::Watcher;
use tokio::sync::mpsc;

use std::sync::Arc;

use crate::dispatch::Dispatcher;
use crate::error::SetupError;
use crate::routing::table::RoutingTable;

/// How long to wait for a burst of file events (an editor's save) to settle.
const SETTLE: Duration = Duration::from_millis(150);

/// The handler's `env` in dev mode: a wrangler project's `vars`, then its `.dev.vars` and
/// the `--env-file` (both read again on every reload), then the `--env` pairs, each
/// winning over what came before.
#[derive(Clone, Debug, Default)]
pub struct DevEnv {
    /// The project's `vars`.
    pub vars: BTreeMap<String, String>,
    /// `KEY=VALUE` files: `.dev.vars`, the `--env-file`.
    pub files: Vec<PathBuf>,
    /// The `--env` pairs.
    pub overrides: Vec<(String, String)>,
}

impl DevEnv {
    /// The variables now; an error names the file and line.
    pub fn read(&self) -> Result<BTreeMap<String, String>, String> {
        let mut env = self.vars.clone();
        for file in &self.files {
            env.extend(read_env_file(file)?);
        }
        env.extend(self.overrides.iter().cloned());
        Ok(env)
    }
}

/// Watches the handler's folder (and the env file) and swaps in a freshly loaded handler
/// after each change. Returns the watcher, which stops watching when dropped.
pub fn watch(
    spec: HandlerSpec,
    env: DevEnv,
    pool: Arc<IsolatePool>,
    dispatcher: Arc<Dispatcher>,
) -> Result<notify::RecommendedWatcher, SetupError> {
    let folder = watched_folder(&spec.entry);
    let folder = folder.canonicalize().unwrap_or(folder);
    let watch_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| SetupError::Watch { path, source }
    };
    let env_files: Vec<PathBuf> = env
        .files
        .iter()
        .map(|file| file.canonicalize().unwrap_or_else(|_| file.clone()))
        .collect();
    let inputs = env_files.clone();
    let (events, mut changes) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let changes_inputs = event
                .paths
                .iter()
                .any(|path| crate::reload::is_code(path) || inputs.contains(path));
            if (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
                && changes_inputs
            {
                let _ = events.send(());
            }
        }
    })
    .map_err(watch_error(&folder))?;
    watcher
        .watch(&folder, RecursiveMode::Recursive)
        .map_err(watch_error(&folder))?;
    // The project root's tsconfig.json, package.json and wrangler config, not its
    // node_modules.
    let real = spec
        .entry
        .canonicalize()
        .unwrap_or_else(|_| spec.entry.clone());
    let root = isogate_runtime::project_root(&real);
    if !root.starts_with(&folder) {
        watcher
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(watch_error(&root))?;
    }
    for file in &env_files {
        let parent = watched_folder(file);
        if !parent.starts_with(&folder) {
            watcher
                .watch(&parent, RecursiveMode::NonRecursive)
                .map_err(watch_error(&parent))?;
        }
    }
    tokio::spawn(async move {
        let mut spec = spec;
        while changes.recv().await.is_some() {
            tokio::time::sleep(SETTLE).await;
            while changes.try_recv().is_ok() {}
            match env.read() {
                Ok(variables) => spec.env = variables,
                Err(error) => {
                    tracing::error!(%error, "reloading the env file; the handler keeps its env");
                }
            }
            let table = match RoutingTable::single(spec.clone(), &pool) {
                Ok(table) => table,
                Err(error) => {
                    tracing::error!(%error, "reloading handler");
                    continue;
                }
            };
            table.settled().await;
            let failed = table
                .load_states()
                .into_iter()
                .find_map(|(_, _, state)| match state {
                    LoadState::Failed(error) => Some(error),
                    _ => None,
                });
            // Swapped in either way: in dev mode a failing module answers with its error.
            dispatcher.replace(table);
            match failed {
                Some(error) => tracing::error!(
                    entry = %spec.entry.display(),
                    "change detected; the handler failed to load: {error}"
                ),
                None => {
                    tracing::info!(entry = %spec.entry.display(), "change detected; handler reloaded")
                }
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

/// Parses a `KEY=VALUE` file; errors name the file and line.
fn read_env_file(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    let mut env = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "{}:{}: expected KEY=VALUE, found {line:?}",
                path.display(),
                number + 1
            ));
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "{}:{}: invalid variable name {key:?}",
                path.display(),
                number + 1
            ));
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        env.insert(key.to_owned(), value.to_owned());
    }
    Ok(env)
}
