//! Rendered PDFs kept and rendering kept fair (§17): a bounded cache of documents keyed
//! by their ETag (which covers the document's content and version, its language and the
//! renderer), and one render at a time per customer — a caller that cannot start within
//! [`RENDER_WAIT`] is answered 503 with `Retry-After`, and a customer asking for many PDFs
//! at once cannot take every renderer from the others.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a request waits for its customer's render slot.
pub const RENDER_WAIT: Duration = Duration::from_secs(5);
/// The most bytes of rendered PDFs kept.
const KEPT_BYTES: u64 = 64 * 1024 * 1024;
/// How long a rendered PDF is kept.
const KEPT_FOR: Duration = Duration::from_secs(3600);

/// Why a document was not rendered.
#[derive(Debug)]
pub(crate) enum RenderRefusal<E> {
    /// The customer's render slot stayed taken for [`RENDER_WAIT`].
    Busy,
    Failed(E),
}

pub(crate) struct Renders {
    kept: moka::future::Cache<String, Arc<Vec<u8>>>,
    slots: moka::sync::Cache<String, Arc<Semaphore>>,
    wait: Duration,
}

impl Default for Renders {
    fn default() -> Self {
        Self::waiting(RENDER_WAIT)
    }
}

impl Renders {
    /// Renders that wait `wait` for a customer's slot.
    pub(crate) fn waiting(wait: Duration) -> Self {
        Self {
            kept: moka::future::Cache::builder()
                .weigher(|_, pdf: &Arc<Vec<u8>>| u32::try_from(pdf.len()).unwrap_or(u32::MAX))
                .max_capacity(KEPT_BYTES)
                .time_to_live(KEPT_FOR)
                .build(),
            slots: moka::sync::Cache::builder()
                .time_to_idle(Duration::from_secs(600))
                .build(),
            wait,
        }
    }

    /// The document of `etag` for `customer`: kept, else rendered by `render` in the
    /// customer's slot (then kept).
    pub(crate) async fn get<E, F>(
        &self,
        customer: &str,
        etag: &str,
        render: impl FnOnce() -> F,
    ) -> Result<Arc<Vec<u8>>, RenderRefusal<E>>
    where
        F: Future<Output = Result<Vec<u8>, E>>,
    {
        let key = format!("{customer}/{etag}");
        if let Some(pdf) = self.kept.get(&key).await {
            return Ok(pdf);
        }
        let slot = self
            .slots
            .get_with(customer.to_owned(), || Arc::new(Semaphore::new(1)));
        let _turn = match tokio::time::timeout(self.wait, slot.acquire()).await {
            Ok(Ok(turn)) => turn,
            _ => return Err(RenderRefusal::Busy),
        };
        // Rendered meanwhile by the request this one waited for.
        if let Some(pdf) = self.kept.get(&key).await {
            return Ok(pdf);
        }
        let pdf = Arc::new(render().await.map_err(RenderRefusal::Failed)?);
        self.kept.insert(key, pdf.clone()).await;
        Ok(pdf)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_document_is_rendered_once_and_a_customer_renders_one_at_a_time() {
        let renders = Arc::new(Renders::waiting(Duration::from_millis(200)));
        let count = AtomicU32::new(0);
        let render = || async {
            count.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(b"%PDF-1.7".to_vec())
        };
        for _ in 0..3 {
            assert_eq!(
                renders.get("cust_a", "\"e1\"", render).await.unwrap().len(),
                8
            );
        }
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "kept after the first render"
        );
        // Another version (another ETag) is rendered.
        renders.get("cust_a", "\"e2\"", render).await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);

        // While one render of cust_a runs, another of cust_a waits, then is refused;
        // cust_b renders meanwhile.
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let renders = renders.clone();
            tokio::spawn(async move {
                renders
                    .get("cust_a", "\"slow\"", || async move {
                        let _ = started_tx.send(());
                        let _ = finish_rx.await;
                        Ok::<_, ()>(b"%PDF-slow".to_vec())
                    })
                    .await
                    .map(|pdf| pdf.len())
            })
        };
        started_rx.await.unwrap();
        let waited = renders.get("cust_a", "\"e3\"", render).await;
        assert!(matches!(waited, Err(RenderRefusal::Busy)));
        assert!(renders.get("cust_b", "\"e3\"", render).await.is_ok());
        finish_tx.send(()).unwrap();
        assert_eq!(slow.await.unwrap().unwrap(), 9);
        // The slot is free again.
        assert!(renders.get("cust_a", "\"e3\"", render).await.is_ok());
    }
}
