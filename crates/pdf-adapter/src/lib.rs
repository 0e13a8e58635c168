//! The invoice renderer: [`KrillaInvoiceRenderer`] implements the billing service's
//! `InvoiceRenderer` port with krilla. The layout is computed first as plain drawing
//! operations per page ([`layout`]), then painted into a PDF ([`paint`]); the font
//! (WenQuanYi Micro Hei, embedded in the binary) is parsed once, and only the glyphs a
//! document uses are embedded in it.

mod format;
pub mod layout;
mod metrics;
mod paint;
pub mod sample;
mod words;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use portal_billing::{InvoiceDocument, InvoiceRenderer, RenderError};

pub use layout::Seller;
use metrics::FontMetrics;

/// WenQuanYi Micro Hei (Apache-2.0 or GPL-3+ with the font exception; see
/// `fonts/LICENSE-wqy-microhei.txt`): Simplified Chinese and Latin in one face.
static FONT_DATA: &[u8] = include_bytes!("../fonts/wqy-microhei.ttc");

/// Bumped whenever the layout changes, so cached copies are not reused (ETag).
const LAYOUT_VERSION: &str = "invoice-layout-3";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("the embedded font cannot be read")]
    Unreadable,
}

struct Inner {
    font: krilla::text::Font,
    metrics: FontMetrics,
    seller: Seller,
    /// Renders at once: a render takes a core for milliseconds to a second (a long
    /// invoice), so the rest wait their turn and the server keeps answering.
    renders: tokio::sync::Semaphore,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

/// Renders invoices to PDF; cheap to clone and share.
#[derive(Clone)]
pub struct KrillaInvoiceRenderer {
    inner: Arc<Inner>,
}

impl KrillaInvoiceRenderer {
    /// Parses the embedded font once; call at start-up. Renders one invoice at a time
    /// per core but one (at least one).
    pub fn new(seller: Seller) -> Result<Self, FontError> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_concurrency(seller, cores.saturating_sub(1).max(1))
    }

    /// At most `renders` invoices rendered at once.
    pub fn with_concurrency(seller: Seller, renders: usize) -> Result<Self, FontError> {
        let font = krilla::text::Font::new(krilla::Data::from(FONT_DATA), 0)
            .ok_or(FontError::Unreadable)?;
        let metrics = FontMetrics::new(FONT_DATA).ok_or(FontError::Unreadable)?;
        Ok(Self {
            inner: Arc::new(Inner {
                font,
                metrics,
                seller,
                renders: tokio::sync::Semaphore::new(renders.max(1)),
                in_flight: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
            }),
        })
    }

    /// The most renders that ran at once so far.
    pub fn peak_renders(&self) -> usize {
        self.inner.peak.load(Ordering::SeqCst)
    }

    /// Renders synchronously (a few milliseconds of CPU).
    pub fn render_now(&self, document: &InvoiceDocument) -> Result<Vec<u8>, RenderError> {
        let pages = layout::lay_out(document, &self.inner.seller, &self.inner.metrics)
            .map_err(|e| RenderError(anyhow::Error::new(e)))?;
        paint::paint(&pages, document, &self.inner.font)
            .map_err(|e| RenderError(anyhow::anyhow!("{e}")))
    }
}

#[async_trait]
impl InvoiceRenderer for KrillaInvoiceRenderer {
    fn fingerprint(&self) -> String {
        format!("{LAYOUT_VERSION}/{}", self.inner.seller.fingerprint())
    }

    async fn render(&self, document: InvoiceDocument) -> Result<Vec<u8>, RenderError> {
        let _turn = self
            .inner
            .renders
            .acquire()
            .await
            .map_err(|e| RenderError(anyhow::Error::new(e)))?;
        let now = self.inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.peak.fetch_max(now, Ordering::SeqCst);
        // CPU work off the async workers.
        let renderer = self.clone();
        let rendered = tokio::task::spawn_blocking(move || renderer.render_now(&document)).await;
        self.inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        rendered.map_err(|e| RenderError(anyhow::Error::new(e)))?
    }
}
