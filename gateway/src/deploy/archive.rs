//! Version uploads and stored bundles as gzip-compressed tar archives. Unpacking refuses
//! what could reach outside the bundle or swell past its caps, before anything is kept:
//! names with `..` or a root, links and special files, more files or more bytes than the
//! limits allow, and archives that decompress past them (a decompression bomb stops at the
//! cap, never unpacked whole).

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use bytes::Bytes;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use isogate_runtime::BundleError;
use isogate_runtime::BundleLimits;

/// The entry of an upload holding its manifest (not one of the bundle's files).
pub const MANIFEST: &str = "isogate.manifest.json";

/// Largest manifest, in bytes.
const MOST_MANIFEST_BYTES: u64 = 1 << 20;

/// Why an archive is refused.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Not a gzip-compressed tar archive, or a damaged one.
    #[error("not a readable .tar.gz archive: {0}")]
    Malformed(String),
    /// An entry that may not be in a bundle.
    #[error("entry {path:?}: {why}")]
    Entry {
        /// The entry's name.
        path: String,
        /// Why it is refused.
        why: String,
    },
    /// More decompressed bytes than the caps allow.
    #[error("the archive decompresses to more than {0} bytes")]
    Bomb(u64),
    /// The files are not a bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// No manifest entry.
    #[error("the archive has no {MANIFEST}")]
    NoManifest,
}

/// An unpacked archive: the manifest's bytes (when it has one) and the bundle's files.
#[derive(Debug)]
pub struct Unpacked {
    /// The `isogate.manifest.json` entry.
    pub manifest: Option<Bytes>,
    /// Every regular file, by its name relative to the root.
    pub files: Vec<(String, Bytes)>,
}

/// A reader that fails once more than `left` bytes came through, and says so in `tripped`.
struct Capped<R> {
    inner: R,
    left: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        match self.left.checked_sub(read as u64) {
            Some(left) => self.left = left,
            None => {
                self.tripped.set(true);
                return Err(std::io::Error::other("past the decompression cap"));
            }
        }
        Ok(read)
    }
}

/// Unpacks `compressed` within `limits` (files and their bytes; tar's own headers get as
/// much room again).
pub fn unpack(compressed: &[u8], limits: &BundleLimits) -> Result<Unpacked, ArchiveError> {
    let cap = limits
        .most_bytes
        .saturating_mul(2)
        .saturating_add(MOST_MANIFEST_BYTES)
        .saturating_add((limits.most_files as u64).saturating_mul(1536));
    let tripped = Rc::new(Cell::new(false));
    let reader = Capped {
        inner: GzDecoder::new(compressed),
        left: cap,
        tripped: tripped.clone(),
    };
    let mut archive = tar::Archive::new(reader);
    let mut manifest = None;
    let mut files = Vec::new();
    let mut bytes = 0u64;
    let failed = |error: std::io::Error| {
        if tripped.get() {
            ArchiveError::Bomb(cap)
        } else {
            ArchiveError::Malformed(error.to_string())
        }
    };
    for entry in archive.entries().map_err(failed)? {
        let mut entry = entry.map_err(failed)?;
        let raw = entry.path_bytes();
        let name = String::from_utf8(raw.into_owned()).map_err(|error| ArchiveError::Entry {
            path: String::from_utf8_lossy(error.as_bytes()).into_owned(),
            why: "a name that is not UTF-8".to_owned(),
        })?;
        let name = name.strip_prefix("./").unwrap_or(&name).to_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(ArchiveError::Entry {
                path: name,
                why: "links and special files cannot be in a bundle".to_owned(),
            });
        }
        let size = entry.header().size().map_err(failed)?;
        if name == MANIFEST {
            if size > MOST_MANIFEST_BYTES {
                return Err(ArchiveError::Entry {
                    path: name,
                    why: format!("a manifest is at most {MOST_MANIFEST_BYTES} bytes"),
                });
            }
            manifest = Some(read_entry(&mut entry, size).map_err(failed)?);
            continue;
        }
        if files.len() == limits.most_files {
            return Err(BundleError::TooManyFiles {
                count: files.len() + 1,
                most: limits.most_files,
            }
            .into());
        }
        bytes = bytes.saturating_add(size);
        if bytes > limits.most_bytes {
            return Err(BundleError::TooLarge {
                most: limits.most_bytes,
            }
            .into());
        }
        let contents = read_entry(&mut entry, size).map_err(failed)?;
        files.push((name, contents));
    }
    Ok(Unpacked { manifest, files })
}

/// An entry's `size` bytes.
fn read_entry(entry: &mut impl Read, size: u64) -> std::io::Result<Bytes> {
    let mut contents = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
    entry.take(size).read_to_end(&mut contents)?;
    Ok(Bytes::from(contents))
}

/// Packs `files` (names relative to the root) as a `.tar.gz`, with `manifest` when given.
pub fn pack<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    manifest: Option<&[u8]>,
) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    let mut append = |name: &str, contents: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, contents)
    };
    if let Some(manifest) = manifest {
        append(MANIFEST, manifest)?;
    }
    for (name, contents) in files {
        append(name, contents)?;
    }
    builder.into_inner()?.finish()
}
