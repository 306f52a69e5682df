//! A value made on first use: a tenant's moka caches cost tens of KiB each, so a tenant
//! that never stores (or was never asked for) keeps none of them.

use std::fmt;
use std::sync::OnceLock;

/// A value made by its maker on first use.
pub(super) struct Lazy<T> {
    cell: OnceLock<T>,
    make: Box<dyn Fn() -> T + Send + Sync>,
}

impl<T> Lazy<T> {
    /// A value `make` makes when it is first needed.
    pub(super) fn new(make: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Self {
            cell: OnceLock::new(),
            make: Box::new(make),
        }
    }

    /// The value, made now if it was not.
    pub(super) fn get(&self) -> &T {
        self.cell.get_or_init(|| (self.make)())
    }

    /// The value, if it has been made (reads that find nothing where nothing was made).
    pub(super) fn made(&self) -> Option<&T> {
        self.cell.get()
    }
}

impl<T: fmt::Debug> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.get() {
            Some(value) => value.fmt(f),
            None => f.write_str("(not made yet)"),
        }
    }
}
