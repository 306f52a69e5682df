//! A routing table's handlers, indexed by tenant and module so that building the next table
//! finds the handler to reuse in constant time, whatever the number of tenants.

use std::collections::HashMap;
use std::path::PathBuf;

use isogate_runtime::HandlerSpec;
use isogate_runtime::WorkerHandle;

/// What a handler runs and on how many isolates.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Placement {
    /// What it runs.
    pub(super) spec: HandlerSpec,
    /// Isolates it may spread over.
    pub(super) isolates: usize,
}

/// Handlers in the order they were added, with an index by tenant and module.
#[derive(Debug, Default)]
pub(super) struct Workers {
    list: Vec<(Placement, WorkerHandle)>,
    by_entry: HashMap<(String, PathBuf), Vec<usize>>,
}

impl Workers {
    /// Adds a handler.
    pub(super) fn push(&mut self, placement: Placement, worker: WorkerHandle) {
        let key = (placement.spec.label.clone(), placement.spec.entry.clone());
        self.by_entry.entry(key).or_default().push(self.list.len());
        self.list.push((placement, worker));
    }

    /// The handler running exactly `placement`, if there is one.
    pub(super) fn find(&self, placement: &Placement) -> Option<WorkerHandle> {
        let key = (placement.spec.label.clone(), placement.spec.entry.clone());
        self.by_entry
            .get(&key)?
            .iter()
            .map(|index| &self.list[*index])
            .find(|(running, _)| running == placement)
            .map(|(_, worker)| worker.clone())
    }

    /// Every handler.
    pub(super) fn iter(&self) -> impl Iterator<Item = &(Placement, WorkerHandle)> {
        self.list.iter()
    }
}
