//! Compiled code of modules, kept for the life of the process: a module loaded again (by
//! another isolate of the handler, an isolate that replaces a retired one, or another
//! tenant importing the same package or Node.js built-in) is not parsed and compiled from
//! nothing. Entries are keyed by the module's URL and a hash of its source, so an edited
//! file gets a new one; V8 checks the source again when it takes a cache, and produces every
//! cache itself. Bounded: past [`MOST_BYTES`], the cache starts over.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;
use std::hash::Hasher;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;

use deno_core::ModuleSpecifier;
use deno_core::SourceCodeCacheInfo;

/// Bytes of compiled code kept at most.
const MOST_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Cache {
    entries: HashMap<String, (u64, Arc<[u8]>)>,
    bytes: usize,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The hash the cache keys `code` by.
fn hash_of(code: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    code.hash(&mut hasher);
    hasher.finish()
}

/// What deno_core is told of the module at `specifier` with `code`: its hash, and the
/// compiled code kept for exactly that source, if any.
pub(super) fn lookup(specifier: &ModuleSpecifier, code: &str) -> SourceCodeCacheInfo {
    let hash = hash_of(code);
    let cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    let data = cache
        .as_ref()
        .and_then(|cache| cache.entries.get(specifier.as_str()))
        .filter(|(kept, _)| *kept == hash)
        .map(|(_, bytes)| Cow::Owned(bytes.to_vec()));
    SourceCodeCacheInfo { hash, data }
}

/// Keeps `code_cache`, which V8 made for the module at `specifier` with source `hash`.
pub(super) fn store(specifier: &ModuleSpecifier, hash: u64, code_cache: &[u8]) {
    let mut slot = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    let cache = slot.get_or_insert_with(Cache::default);
    if cache.bytes + code_cache.len() > MOST_BYTES {
        *cache = Cache::default();
    }
    let previous = cache
        .entries
        .insert(specifier.to_string(), (hash, Arc::from(code_cache)));
    cache.bytes += code_cache.len();
    if let Some((_, old)) = previous {
        cache.bytes = cache.bytes.saturating_sub(old.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_is_given_back_for_the_same_source_only() {
        let url = ModuleSpecifier::parse("file:///cache-test/a.js").unwrap();
        let first = lookup(&url, "export const a = 1;");
        assert!(first.data.is_none());
        store(&url, first.hash, b"compiled");
        let again = lookup(&url, "export const a = 1;");
        assert_eq!(again.data.as_deref(), Some(&b"compiled"[..]));
        assert!(lookup(&url, "export const a = 2;").data.is_none());
    }
}
