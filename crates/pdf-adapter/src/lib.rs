//! The invoice renderer: [`KrillaInvoiceRenderer`] implements the billing service's
//! `InvoiceRenderer` port with krilla. The layout is computed first as plain drawing
//! operations per page ([`layout`]), then painted into a PDF ([`paint`]); the font
//! (WenQuanYi Micro Hei, embedded in the binary) is parsed once, and only the glyphs a
//! document uses are embedded in it.

mod format;
pub mod layout;
mod metrics;
mod paint;

use std::sync::Arc;

use async_trait::async_trait;
use portal_billing::{InvoiceDocument, InvoiceRenderer, RenderError};

pub use layout::Seller;
use metrics::FontMetrics;

/// WenQuanYi Micro Hei (Apache-2.0 or GPL-3+ with the font exception; see
/// `fonts/LICENSE-wqy-microhei.txt`): Simplified Chinese and Latin in one face.
static FONT_DATA: &[u8] = include_bytes!("../fonts/wqy-microhei.ttc");

/// Bumped whenever the layout changes, so cached copies are not reused (ETag).
const LAYOUT_VERSION: &str = "invoice-layout-1";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("the embedded font cannot be read")]
    Unreadable,
}

struct Inner {
    font: krilla::text::Font,
    metrics: FontMetrics,
    seller: Seller,
}

/// Renders invoices to PDF; cheap to clone and share.
#[derive(Clone)]
pub struct KrillaInvoiceRenderer {
    inner: Arc<Inner>,
}

impl KrillaInvoiceRenderer {
    /// Parses the embedded font once; call at start-up.
    pub fn new(seller: Seller) -> Result<Self, FontError> {
        let font = krilla::text::Font::new(krilla::Data::from(FONT_DATA), 0)
            .ok_or(FontError::Unreadable)?;
        let metrics = FontMetrics::new(FONT_DATA).ok_or(FontError::Unreadable)?;
        Ok(Self {
            inner: Arc::new(Inner {
                font,
                metrics,
                seller,
            }),
        })
    }

    /// Renders synchronously (a few milliseconds of CPU).
    pub fn render_now(&self, document: &InvoiceDocument) -> Result<Vec<u8>, RenderError> {
        let pages = layout::lay_out(document, &self.inner.seller, &self.inner.metrics);
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
        // CPU work off the async workers.
        let renderer = self.clone();
        tokio::task::spawn_blocking(move || renderer.render_now(&document))
            .await
            .map_err(|e| RenderError(anyhow::Error::new(e)))?
    }
}
