//! Where a handler's isolate runs among the worker processes. A [`Remote`] is what the
//! gateway's `WorkerHandle` holds for it; its [`Placement`] can move from one process slot to
//! another (when the cordon takes its tenant away from its neighbours) while requests keep
//! coming: each request goes to wherever the isolate is placed at that moment, and the load
//! state and usage figures carry over.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::Weak;

use tokio::sync::watch;

use super::cordon::Cordon;
use super::cordon::Strike;
use super::host::Slot;
use super::wire::HandlerId;
use crate::error::RuntimeError;
use crate::ext::fetch::Meters;
use crate::limits::LimitKind;
use crate::message::HandlerRequest;
use crate::message::HandlerResponse;
use crate::pool::HandlerSpec;
use crate::pool::LoadState;

/// What the gateway's `WorkerHandle` holds for a handler's isolate in a worker process.
#[derive(Debug)]
pub(crate) struct Remote {
    placement: Arc<Placement>,
    pub(crate) state: watch::Receiver<LoadState>,
}

/// A handler's isolate and the slot it is placed in now.
#[derive(Debug)]
pub(crate) struct Placement {
    spec: HandlerSpec,
    state: Arc<watch::Sender<LoadState>>,
    meters: Arc<Meters>,
    at: Mutex<(Arc<Slot>, HandlerId)>,
    /// The slot the pool chose for it, where it goes back when its tenant is paroled.
    home: Arc<Slot>,
    cordon: Weak<Cordon>,
}

impl Remote {
    /// Places the handler `spec` in `slot` (or in its tenant's cordon, if it has one),
    /// counting into `meters`.
    pub(crate) fn place(
        slot: &Arc<Slot>,
        spec: &HandlerSpec,
        cordon: &Arc<Cordon>,
        meters: Arc<Meters>,
    ) -> Self {
        let (state, receiver) = watch::channel(LoadState::Loading);
        let state = Arc::new(state);
        let home = slot.clone();
        let slot = cordon.slot_of(&spec.label).unwrap_or_else(|| slot.clone());
        let handler = slot.place(spec, state.clone(), meters.clone());
        let placement = Arc::new(Placement {
            spec: spec.clone(),
            state,
            meters,
            at: Mutex::new((slot, handler)),
            home,
            cordon: Arc::downgrade(cordon),
        });
        if let Some(kept) = cordon.track(&spec.label, &placement) {
            placement.move_to(&kept);
        }
        Self {
            placement,
            state: receiver,
        }
    }

    /// Runs `request` in the worker process the isolate is placed in, waiting for a restart
    /// in progress. A stop by the CPU limit counts against the tenant in the cordon.
    pub(crate) async fn dispatch(
        &self,
        request: HandlerRequest,
    ) -> Result<HandlerResponse, RuntimeError> {
        // A request that waited for a restart goes where the isolate is now: it may have
        // moved (its tenant cordoned, or paroled) in the meantime.
        let (link, handler) = loop {
            let (slot, handler) = self.placement.at();
            let link = slot.live().await?;
            let (now, moved_to) = self.placement.at();
            if Arc::ptr_eq(&now, &slot) && moved_to == handler {
                break (link, handler);
            }
        };
        let answer = link.dispatch(handler, request).await;
        if let Err(RuntimeError::LimitExceeded(breach)) = &answer {
            if breach.kind == LimitKind::Cpu {
                if let Some(cordon) = self.placement.cordon.upgrade() {
                    cordon.strike(&self.placement.spec.label, Strike::Cpu, 1000);
                }
            }
        }
        answer
    }
}

impl Placement {
    fn at(&self) -> (Arc<Slot>, HandlerId) {
        let at = self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (at.0.clone(), at.1)
    }

    /// Moves the isolate back to the slot the pool chose for it.
    pub(crate) fn go_home(&self) {
        self.move_to(&self.home.clone());
    }

    /// Starts the isolate in `slot` and stops it where it was (requests in flight there
    /// finish or fail as the process does); nothing when it is there already.
    pub(crate) fn move_to(&self, slot: &Arc<Slot>) {
        let mut at = self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if Arc::ptr_eq(&at.0, slot) {
            return;
        }
        let handler = slot.place(&self.spec, self.state.clone(), self.meters.clone());
        let (old_slot, old_handler) = std::mem::replace(&mut *at, (slot.clone(), handler));
        drop(at);
        old_slot.stop(old_handler);
    }
}

impl Drop for Placement {
    fn drop(&mut self) {
        let at = self
            .at
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        at.0.stop(at.1);
    }
}
