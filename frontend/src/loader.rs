//! Data a page loads from the API: refetched whenever a signal the fetch reads changes,
//! and on demand (retry). Does what Leptos' `LocalResource` does for this app, with a
//! fraction of its code per loaded type (each `LocalResource<T>` instantiates the whole
//! async-derived machinery), which keeps the wasm within its size budget.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// One fetch under way.
type Request<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

pub struct Loader<T: 'static> {
    value: RwSignal<Option<Result<T, ApiError>>>,
    reload: RwSignal<u32>,
}

impl<T> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loader<T> {}

impl<T: Clone + Send + Sync + 'static> Loader<T> {
    /// Starts `fetch` now and again whenever a signal it reads (before its first
    /// `.await`) changes. Only the newest answer is kept.
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        // The work is done once per loaded type, not once per page that loads it.
        Self::start(Box::new(move || Box::pin(fetch())))
    }

    fn start(fetch: Box<dyn Fn() -> Request<T>>) -> Self {
        let value = RwSignal::new(None);
        let reload = RwSignal::new(0_u32);
        let latest = Rc::new(Cell::new(0_u64));
        Effect::new(move |_| {
            reload.track();
            let request = fetch();
            let this = latest.get() + 1;
            latest.set(this);
            if value.with_untracked(Option::is_some) {
                // A new question: show it loading rather than the old answer.
                value.set(None);
            }
            let latest = Rc::clone(&latest);
            spawn_local(async move {
                let answer = request.await;
                if latest.get() == this {
                    // The page may be gone by now; then there is nothing to update.
                    let _ = value.try_set(Some(answer));
                }
            });
        });
        Loader { value, reload }
    }

    /// `None` while loading.
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.value.get()
    }

    pub fn refetch(&self) {
        self.reload.update(|n| *n = n.wrapping_add(1));
    }
}
