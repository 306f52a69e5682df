//! A project packed for upload: its manifest (isogate's `isogate.manifest.json`, or one
//! made from a wrangler config's `main`, `vars` and `compatibility_flags`) and exactly the
//! files its module graph reaches, found by loading every entry module here first, so that
//! a load error is reported before anything is uploaded.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use anyhow::Context as _;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerSpec;
use isogate_runtime::Limits;
use isogate_runtime::LogLevel;

use crate::config::NODE_FLAGS;
use crate::deploy::archive;
use crate::deploy::archive::MANIFEST;
use crate::deploy::spec::Manifest;

/// A packed project.
#[derive(Debug)]
pub struct Packed {
    /// The `.tar.gz` to upload.
    pub archive: Vec<u8>,
    /// Files in it (the manifest aside).
    pub files: usize,
    /// Their bytes, uncompressed.
    pub bytes: u64,
}

/// Reads the project in `folder` and packs it with `message` and `tag` (when given) in its
/// manifest.
pub async fn pack(
    folder: &Path,
    message: Option<String>,
    tag: Option<String>,
) -> anyhow::Result<Packed> {
    let folder = folder
        .canonicalize()
        .with_context(|| format!("{}: no such folder", folder.display()))?;
    let mut manifest = read_manifest(&folder)?;
    if message.is_some() {
        manifest.message = message;
    }
    if tag.is_some() {
        manifest.tag = tag;
    }
    let mut entries: BTreeSet<String> = manifest.main.iter().cloned().collect();
    entries.extend(
        manifest
            .routes
            .iter()
            .filter_map(|route| route.handler.clone()),
    );
    if entries.is_empty() {
        bail!(
            "{}: the manifest names no `main` and no route handler",
            folder.display()
        );
    }
    let node_compat = manifest
        .compatibility_flags
        .iter()
        .any(|flag| NODE_FLAGS.contains(&flag.as_str()));
    let specs: Vec<HandlerSpec> = entries
        .iter()
        .map(|entry| HandlerSpec {
            label: "deploy".to_owned(),
            entry: folder.join(entry),
            env: manifest.vars.clone(),
            fetch: FetchPolicy::default(),
            drain: Duration::ZERO,
            limits: Limits::default(),
            log_level: LogLevel::Off,
            cache: None,
            node_compat,
        })
        .collect();
    for spec in &specs {
        if !spec.entry.is_file() {
            bail!(
                "{}: the module {} does not exist",
                folder.display(),
                spec.entry.display()
            );
        }
    }
    let reached = isogate_runtime::reached_files(&specs)
        .await
        .map_err(|error| anyhow::anyhow!("the project does not load: {error}"))?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // The project's own package.json and tsconfig.json say how its modules are read (module
    // type, JSX, paths) wherever the loader looks for them.
    let markers = ["package.json", "tsconfig.json"]
        .iter()
        .map(|marker| folder.join(marker))
        .filter(|marker| marker.is_file());
    for path in reached.into_iter().chain(markers) {
        let Ok(relative) = path.strip_prefix(&folder) else {
            continue;
        };
        let name = relative
            .to_str()
            .with_context(|| format!("{}: a name that is not UTF-8", path.display()))?
            .to_owned();
        let contents =
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        files.insert(name, contents);
    }
    let bytes = files.values().map(|contents| contents.len() as u64).sum();
    let manifest_json = serde_json::to_vec_pretty(&manifest)?;
    let archive = archive::pack(
        files
            .iter()
            .map(|(name, contents)| (name.as_str(), contents.as_slice())),
        Some(&manifest_json),
    )?;
    Ok(Packed {
        archive,
        files: files.len(),
        bytes,
    })
}

/// The project's manifest: `isogate.manifest.json`, else one from its wrangler config.
fn read_manifest(folder: &Path) -> anyhow::Result<Manifest> {
    let own = folder.join(MANIFEST);
    if own.is_file() {
        let text = std::fs::read(&own).with_context(|| format!("reading {}", own.display()))?;
        return crate::deploy::spec::from_json(&text)
            .map_err(|error| anyhow::anyhow!("{}: {error}", own.display()));
    }
    if crate::wrangler::config_in(folder).is_none() {
        bail!(
            "{}: no {MANIFEST} and no wrangler config (wrangler.toml, wrangler.json or \
             wrangler.jsonc): write one naming the project's `main` module",
            folder.display()
        );
    }
    let project = crate::wrangler::load(folder).map_err(|error| anyhow::anyhow!(error))?;
    let main = relative_to(&project.main, folder)?;
    Ok(Manifest {
        main: Some(main),
        vars: project.vars,
        compatibility_flags: project.compatibility_flags,
        ..Manifest::default()
    })
}

fn relative_to(path: &Path, folder: &Path) -> anyhow::Result<String> {
    let real: PathBuf = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let relative = real.strip_prefix(folder).with_context(|| {
        format!(
            "{} is outside the project {}",
            real.display(),
            folder.display()
        )
    })?;
    relative
        .to_str()
        .map(str::to_owned)
        .with_context(|| format!("{}: a name that is not UTF-8", real.display()))
}
