//! Cordons: a tenant that crashes its worker process, or keeps hitting its CPU limit, is
//! moved away from its neighbours into a worker process of its own that runs at idle CPU
//! priority (`SCHED_IDLE`). Its further crashes then end only its own process, and its CPU
//! time is only what the other processes leave.
//!
//! Strikes are counted per tenant (its handlers' label). A crash is blamed on the tenant
//! whose isolate had just reached its heap limit when V8 said so, otherwise shared among the
//! tenants with requests in flight on the process; a CPU-limit stop is the tenant's own.
//! A cordoned tenant is paroled after a while (`[pool] cordon_parole_s`) without a crash or
//! a CPU-limit stop: its
//! isolates go back to the processes the pool chose for them, and it starts with no
//! strikes. Cordoning holds across reloads of its code.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::Weak;
use std::time::Duration;
use std::time::Instant;

use super::host::Slot;
use super::placement::Placement;
use super::wire::WorkerSettings;
use crate::pool::WorkerCommand;
use crate::pool::WorkerStats;

/// Crashes (each worth [`WHOLE`] when the tenant alone is blamed) within [`CRASH_WINDOW`]
/// that cordon a tenant.
const CRASHES: u32 = 2;
/// How long a crash counts against a tenant.
const CRASH_WINDOW: Duration = Duration::from_secs(600);
/// CPU-limit stops within [`CPU_WINDOW`] that cordon a tenant.
const CPU_STOPS: u32 = 3;
/// How long a CPU-limit stop counts against a tenant.
const CPU_WINDOW: Duration = Duration::from_secs(10);
/// Worker processes kept for cordoned tenants at most: one per tenant up to this many, then
/// the cordoned tenants share them (still apart from every other tenant).
const MOST_PROCESSES: usize = 4;
/// One whole strike; a crash shared by several tenants gives each a part.
const WHOLE: u32 = 1000;
/// How often cordoned tenants are looked at for parole.
const PAROLE_CHECK: Duration = Duration::from_secs(30);

/// What a strike is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strike {
    /// The tenant's worker process ended while the tenant was to blame.
    Crash,
    /// A request of the tenant was stopped by its CPU limit.
    Cpu,
}

/// The pool's cordon: who is kept apart, and the processes they are kept in.
#[derive(Debug)]
pub(crate) struct Cordon {
    command: WorkerCommand,
    settings: WorkerSettings,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Recent strikes by tenant: when, what for, and how much of one.
    strikes: HashMap<String, VecDeque<(Instant, Strike, u32)>>,
    /// Cordoned tenants: the process slot each is kept in, and when it was cordoned or
    /// last struck there.
    cordoned: HashMap<String, (Arc<Slot>, Instant)>,
    /// The cordon's process slots.
    slots: Vec<Arc<Slot>>,
    /// The placed isolates of every tenant, to move them when it is cordoned.
    placed: HashMap<String, Vec<Weak<Placement>>>,
}

impl Cordon {
    /// A cordon whose processes run `command` with `settings`, at idle priority; a tenant
    /// quiet for `parole` is let back among its neighbours.
    pub(crate) fn new(
        command: WorkerCommand,
        settings: WorkerSettings,
        parole: Option<Duration>,
    ) -> Arc<Self> {
        let cordon = Arc::new(Self {
            command,
            settings: WorkerSettings {
                idle_priority: true,
                ..settings
            },
            state: Mutex::new(State::default()),
        });
        if let Some(quiet) = parole {
            let weak = Arc::downgrade(&cordon);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(PAROLE_CHECK.min(quiet));
                loop {
                    ticks.tick().await;
                    let Some(cordon) = weak.upgrade() else { return };
                    cordon.parole(quiet);
                }
            });
        }
        cordon
    }

    /// Releases the tenants cordoned for `quiet` or longer without a strike.
    fn parole(&self, quiet: Duration) {
        let mut state = self.state();
        let due: Vec<String> = state
            .cordoned
            .iter()
            .filter(|(_, (_, since))| since.elapsed() >= quiet)
            .map(|(label, _)| label.clone())
            .collect();
        let mut going = Vec::new();
        for label in due {
            state.cordoned.remove(&label);
            let placements: Vec<Arc<Placement>> = state
                .placed
                .get(&label)
                .map(|placed| placed.iter().filter_map(Weak::upgrade).collect())
                .unwrap_or_default();
            going.push((label, placements));
        }
        drop(state);
        for (label, placements) in going {
            tracing::info!(
                tenant = %label,
                quiet_s = quiet.as_secs(),
                isolates = placements.len(),
                "tenant paroled: no crash or CPU-limit stop for a while; its isolates move back"
            );
            for placement in placements {
                placement.go_home();
            }
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The slot a cordoned tenant is kept in; `None` for a tenant that is not cordoned.
    pub(crate) fn slot_of(&self, label: &str) -> Option<Arc<Slot>> {
        self.state()
            .cordoned
            .get(label)
            .map(|(slot, _)| slot.clone())
    }

    /// The cordoned tenants, sorted.
    pub(crate) fn cordoned(&self) -> Vec<String> {
        let mut labels: Vec<String> = self.state().cordoned.keys().cloned().collect();
        labels.sort();
        labels
    }

    /// The figures of the cordon's processes.
    pub(crate) fn stats(&self) -> Vec<WorkerStats> {
        self.state().slots.iter().map(|slot| slot.stats()).collect()
    }

    /// The process ids of the cordon's processes running now.
    pub(crate) fn pids(&self) -> Vec<Option<u32>> {
        self.state().slots.iter().map(|slot| slot.pid()).collect()
    }

    /// Remembers a placed isolate of `label`, to move it if the tenant is cordoned; returns
    /// the cordon's slot when the tenant already is (it was cordoned while being placed).
    pub(crate) fn track(&self, label: &str, placement: &Arc<Placement>) -> Option<Arc<Slot>> {
        let mut state = self.state();
        let placed = state.placed.entry(label.to_owned()).or_default();
        placed.retain(|weak| weak.strong_count() > 0);
        placed.push(Arc::downgrade(placement));
        state.cordoned.get(label).map(|(slot, _)| slot.clone())
    }

    /// A worker process ended with `blamed` tenants to blame (the one named by a heap-limit
    /// note, else those with requests in flight): each gets its share of a crash.
    pub(crate) fn crashed(self: &Arc<Self>, blamed: &[String]) {
        let Ok(count @ 1..) = u32::try_from(blamed.len()) else {
            return;
        };
        for label in blamed {
            self.strike(label, Strike::Crash, WHOLE / count);
        }
    }

    /// Counts a strike of `weight` (thousandths) against `label`; cordons it at the limit.
    pub(crate) fn strike(self: &Arc<Self>, label: &str, kind: Strike, weight: u32) {
        let now = Instant::now();
        let mut state = self.state();
        if let Some((_, since)) = state.cordoned.get_mut(label) {
            // Kept apart already: the strike puts its parole off.
            *since = now;
            return;
        }
        let strikes = state.strikes.entry(label.to_owned()).or_default();
        strikes.push_back((now, kind, weight));
        strikes.retain(|(at, kind, _)| {
            let window = match kind {
                Strike::Crash => CRASH_WINDOW,
                Strike::Cpu => CPU_WINDOW,
            };
            now.duration_since(*at) < window
        });
        let sum = |of: Strike| -> u32 {
            strikes
                .iter()
                .filter(|(_, kind, _)| *kind == of)
                .map(|(_, _, weight)| weight)
                .sum()
        };
        let (crashes, cpu_stops) = (sum(Strike::Crash), sum(Strike::Cpu));
        let reason = if crashes >= CRASHES * WHOLE {
            format!(
                "it crashed its worker process {CRASHES} times within {} s",
                CRASH_WINDOW.as_secs()
            )
        } else if cpu_stops >= CPU_STOPS * WHOLE {
            format!(
                "its requests were stopped by its CPU limit {CPU_STOPS} times within {} s",
                CPU_WINDOW.as_secs()
            )
        } else {
            return;
        };
        state.strikes.remove(label);
        let slot = self.slot_for_new(&mut state);
        state.cordoned.insert(label.to_owned(), (slot.clone(), now));
        let placements: Vec<Arc<Placement>> = state
            .placed
            .get(label)
            .map(|placed| placed.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default();
        drop(state);
        tracing::warn!(
            tenant = label,
            reason = %reason,
            cordon_slot = slot.index(),
            isolates = placements.len(),
            "tenant cordoned: its isolates move to a worker process of their own at idle CPU priority"
        );
        for placement in placements {
            placement.move_to(&slot);
        }
    }

    /// A process slot for a tenant being cordoned: an empty one, a new one while there are
    /// fewer than [`MOST_PROCESSES`], else the one kept for the fewest tenants.
    fn slot_for_new(self: &Arc<Self>, state: &mut State) -> Arc<Slot> {
        let users: Vec<usize> = state
            .slots
            .iter()
            .map(|slot| {
                state
                    .cordoned
                    .values()
                    .filter(|(kept, _)| Arc::ptr_eq(kept, slot))
                    .count()
            })
            .collect();
        let least = users
            .iter()
            .enumerate()
            .min_by_key(|(_, users)| **users)
            .map(|(index, users)| (index, *users));
        match least {
            Some((index, 0)) => state.slots[index].clone(),
            Some((index, _)) if state.slots.len() >= MOST_PROCESSES => state.slots[index].clone(),
            _ => {
                let slot = Slot::start(
                    CORDON_SLOTS + state.slots.len(),
                    self.command.clone(),
                    self.settings.clone(),
                    Arc::downgrade(self),
                );
                state.slots.push(slot.clone());
                slot
            }
        }
    }

    /// Stops the cordon's processes.
    pub(crate) fn close(&self) {
        for slot in &self.state().slots {
            slot.close();
        }
    }
}

/// Cordon slots are numbered from here in logs, apart from the pool's own.
const CORDON_SLOTS: usize = 1000;
