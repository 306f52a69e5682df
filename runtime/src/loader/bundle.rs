//! Code held in memory: a bundle is a version's module files (the project's files and the
//! packages its modules reach) under names relative to the project's root, identified by the
//! SHA-256 of those names and contents. A mounted bundle appears to the module loaders at
//! `/isogate-bundle/<digest>/…`: paths there are answered from memory only, never from the
//! disk, and the bundle's root is the furthest up its project may reach. Identical bundles
//! mounted twice share one copy; a bundle no handler holds any more is unmounted.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::Component;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::Weak;

use bytes::Bytes;
use sha2::Digest;
use sha2::Sha256;

/// Where mounted bundles appear to the module loaders.
pub const BUNDLES: &str = "/isogate-bundle";

/// How large a bundle may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// Files at most.
    pub most_files: usize,
    /// Bytes of all files together at most.
    pub most_bytes: u64,
}

impl Default for BundleLimits {
    /// 10,000 files and 64 MiB.
    fn default() -> Self {
        Self {
            most_files: 10_000,
            most_bytes: 64 << 20,
        }
    }
}

/// Why files are not a bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// A name that is not a plain relative path inside the bundle.
    #[error("{path:?}: {why}")]
    Path {
        /// The name as given.
        path: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The same name twice.
    #[error("{0:?} is in the bundle twice")]
    Duplicate(String),
    /// More files than the limit.
    #[error("{count} files is more than a bundle may have ({most})")]
    TooManyFiles {
        /// Files given.
        count: usize,
        /// The limit.
        most: usize,
    },
    /// More bytes than the limit.
    #[error("more than {most} bytes of files (a bundle may have {most})")]
    TooLarge {
        /// The limit.
        most: u64,
    },
    /// No files.
    #[error("a bundle has at least one file")]
    Empty,
}

/// A version's module files, by name relative to the project root.
#[derive(Debug)]
pub struct Bundle {
    digest: String,
    files: BTreeMap<String, Bytes>,
    bytes: u64,
}

/// Checks that `path` is a plain relative path: no root, no `.` or `..`, no empty parts.
fn check_path(path: &str) -> Result<(), BundleError> {
    let refuse = |why| {
        Err(BundleError::Path {
            path: path.to_owned(),
            why,
        })
    };
    if path.is_empty() || path.len() > 1024 {
        return refuse("a name is 1 to 1024 bytes");
    }
    if path.contains('\0') || path.contains('\\') {
        return refuse("a name has no NUL or backslash");
    }
    if path.starts_with('/') {
        return refuse("an absolute name; names are relative to the bundle's root");
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return refuse("a name has no empty, `.` or `..` parts (nothing outside the root)");
    }
    if !Path::new(path)
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        return refuse("not a plain relative name");
    }
    Ok(())
}

impl Bundle {
    /// The bundle of `files` (name and contents), refused when a name could reach outside
    /// it or when it passes `limits`.
    pub fn new(
        files: impl IntoIterator<Item = (String, Bytes)>,
        limits: &BundleLimits,
    ) -> Result<Self, BundleError> {
        let mut kept = BTreeMap::new();
        let mut bytes = 0u64;
        for (path, contents) in files {
            check_path(&path)?;
            if kept.len() == limits.most_files {
                return Err(BundleError::TooManyFiles {
                    count: kept.len() + 1,
                    most: limits.most_files,
                });
            }
            bytes = bytes.saturating_add(contents.len() as u64);
            if bytes > limits.most_bytes {
                return Err(BundleError::TooLarge {
                    most: limits.most_bytes,
                });
            }
            if kept.contains_key(&path) {
                return Err(BundleError::Duplicate(path));
            }
            kept.insert(path, contents);
        }
        if kept.is_empty() {
            return Err(BundleError::Empty);
        }
        // Names and contents, each length-prefixed, in name order: one digest per content.
        let mut hasher = Sha256::new();
        for (path, contents) in &kept {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((contents.len() as u64).to_le_bytes());
            hasher.update(contents);
        }
        let digest = hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Ok(Self {
            digest,
            files: kept,
            bytes,
        })
    }

    /// The SHA-256 of the bundle's names and contents, in hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Where the mounted bundle's root appears to the module loaders.
    pub fn root(&self) -> PathBuf {
        Path::new(BUNDLES).join(&self.digest)
    }

    /// The bytes of all its files.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// How many files it has.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it has no files (never, once made).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Its files: names relative to its root, and contents.
    pub(crate) fn files(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.files
            .iter()
            .map(|(name, contents)| (name.as_str(), contents))
    }

    /// Whether it has the file `path` (relative to its root).
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
}

/// The bundles mounted now, by digest.
static MOUNTED: Mutex<Option<HashMap<String, Weak<Bundle>>>> = Mutex::new(None);

/// Mounts `bundle` where the module loaders see it (see [`Bundle::root`]) for as long as
/// the returned handle lives; an identical bundle already mounted is shared instead.
pub fn mount(bundle: Bundle) -> Arc<Bundle> {
    let mut mounted = MOUNTED.lock().unwrap_or_else(PoisonError::into_inner);
    let mounted = mounted.get_or_insert_with(HashMap::new);
    mounted.retain(|_, held| held.strong_count() > 0);
    if let Some(existing) = mounted.get(&bundle.digest).and_then(Weak::upgrade) {
        return existing;
    }
    let bundle = Arc::new(bundle);
    mounted.insert(bundle.digest.clone(), Arc::downgrade(&bundle));
    bundle
}

/// Where `path` is in a mounted bundle: the bundle's root's parts, `None` when `path` is
/// not under [`BUNDLES`]; `Some((None, _))` when it is, but in no bundle mounted now.
fn locate(path: &Path) -> Option<(Option<Arc<Bundle>>, String)> {
    let rest = path.strip_prefix(BUNDLES).ok()?;
    let mut parts = rest.components();
    let digest = match parts.next() {
        Some(Component::Normal(digest)) => digest.to_str().unwrap_or_default().to_owned(),
        _ => return Some((None, String::new())),
    };
    let relative = parts.as_path().to_str().unwrap_or_default().to_owned();
    let mounted = MOUNTED.lock().unwrap_or_else(PoisonError::into_inner);
    let bundle = mounted
        .as_ref()
        .and_then(|mounted| mounted.get(&digest))
        .and_then(Weak::upgrade);
    Some((bundle, relative))
}

/// What the bundles answer for `path`: `None` when it is not under [`BUNDLES`] (the disk
/// answers), else the file's contents if a mounted bundle has it.
pub(crate) fn read(path: &Path) -> Option<Option<Bytes>> {
    let (bundle, relative) = locate(path)?;
    Some(bundle.and_then(|bundle| bundle.files.get(&relative).cloned()))
}

/// What the bundles answer for the real path of `path`: `None` when it is not under
/// [`BUNDLES`], else `path` itself if it is a file or a folder of a mounted bundle (bundles
/// have no links).
pub(crate) fn real_path(path: &Path) -> Option<Option<PathBuf>> {
    let (bundle, relative) = locate(path)?;
    // Under the bundles' root but in no mounted bundle: missing, not a question for the disk.
    let Some(bundle) = bundle else {
        return Some(None);
    };
    let folder = format!("{relative}/");
    let found = relative.is_empty()
        || bundle.files.contains_key(&relative)
        || bundle
            .files
            .range(folder.clone()..)
            .next()
            .is_some_and(|(name, _)| name.starts_with(&folder));
    Some(found.then(|| path.to_path_buf()))
}

/// The bundle mounted now that holds `path` (or whose root it is), if any.
pub(crate) fn mounted_of(path: &Path) -> Option<Arc<Bundle>> {
    locate(path)?.0
}

/// The root of the bundle `path` is in, if it is under [`BUNDLES`].
pub(crate) fn root_of(path: &Path) -> Option<PathBuf> {
    let rest = path.strip_prefix(BUNDLES).ok()?;
    match rest.components().next() {
        Some(Component::Normal(digest)) => Some(Path::new(BUNDLES).join(digest)),
        _ => Some(PathBuf::from(BUNDLES)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(String, Bytes)> {
        names
            .iter()
            .map(|name| ((*name).to_owned(), Bytes::from_static(b"x")))
            .collect()
    }

    #[test]
    fn names_that_could_reach_outside_the_bundle_are_refused() {
        let limits = BundleLimits::default();
        for name in [
            "../secret",
            "a/../../b",
            "/etc/passwd",
            "./a",
            "a//b",
            "a/./b",
            "",
            "a\\..\\b",
            "a\0b",
        ] {
            let refused = Bundle::new(files(&[name]), &limits);
            assert!(matches!(refused, Err(BundleError::Path { .. })), "{name:?}");
        }
        assert!(Bundle::new(files(&["src/index.ts", "package.json"]), &limits).is_ok());
        assert!(matches!(
            Bundle::new(files(&["a", "a"]), &limits),
            Err(BundleError::Duplicate(_))
        ));
        assert!(matches!(
            Bundle::new(Vec::new(), &limits),
            Err(BundleError::Empty)
        ));
    }

    #[test]
    fn bundles_are_bounded_before_they_are_kept() {
        let few = BundleLimits {
            most_files: 2,
            most_bytes: 10,
        };
        assert!(matches!(
            Bundle::new(files(&["a", "b", "c"]), &few),
            Err(BundleError::TooManyFiles { count: 3, most: 2 })
        ));
        let big = vec![("a".to_owned(), Bytes::from(vec![0u8; 11]))];
        assert!(matches!(
            Bundle::new(big, &few),
            Err(BundleError::TooLarge { most: 10 })
        ));
    }

    #[test]
    fn identical_bundles_share_a_digest_and_a_mount_and_others_do_not() {
        let limits = BundleLimits::default();
        let one = mount(Bundle::new(files(&["a", "b"]), &limits).unwrap_or_else(|e| panic!("{e}")));
        let two = mount(Bundle::new(files(&["b", "a"]), &limits).unwrap_or_else(|e| panic!("{e}")));
        assert!(Arc::ptr_eq(&one, &two));
        let other = Bundle::new(vec![("a".to_owned(), Bytes::from_static(b"y"))], &limits)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(other.digest(), one.digest());
        assert_eq!(
            read(&one.root().join("a")),
            Some(Some(Bytes::from_static(b"x")))
        );
        assert_eq!(read(&one.root().join("missing")), Some(None));
        assert_eq!(read(Path::new("/etc/passwd")), None);
        assert_eq!(
            real_path(&one.root().join("a")),
            Some(Some(one.root().join("a")))
        );
        assert_eq!(
            real_path(&Path::new(BUNDLES).join("0".repeat(64)).join("a")),
            Some(None)
        );
        let root = one.root();
        drop((one, two));
        assert_eq!(read(&root.join("a")), Some(None), "unmounted once unheld");
    }
}
