//! Pushed work (timer ticks, background results, messages, updates from app code): run on
//! the component's task like an action, then published the same way.

use super::instance::Actor;
use crate::component::push::BoxJob;
use crate::component::{Identity, LiveComponent};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

impl<C: LiveComponent> Actor<C> {
    /// Runs one pushed job as the component's creator with no caller identity, then sends
    /// its events and state delta to every viewer. A panic is logged; the component keeps
    /// serving.
    pub(super) async fn run_job(&mut self, job: BoxJob<C>) {
        if self.is_proxy() {
            // The component runs on the owning server: app messages are forwarded there by
            // the sender (`SingletonRef`), and a proxy never subscribes or starts timers.
            tracing::debug!(component = C::NAME, id = %self.id, "push dropped on a singleton proxy");
            return;
        }
        let mut ctx = self.ctx(Arc::clone(&self.owner), Identity::anonymous());
        let outcome = AssertUnwindSafe(job.run(&mut self.component, &mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        if outcome.is_err() {
            tracing::error!(component = C::NAME, id = %self.id, "pushed work panicked");
        }
    }
}
