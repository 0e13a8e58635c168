//! The app's session (contract §16): who is signed in, and until when.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The signed-in user of a session (`POST`/`GET /api/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    pub customer_id: String,
    pub user_id: String,
    /// `admin` or `member`.
    pub role: String,
    /// When the session ends with its token: seconds since the Unix epoch.
    pub expires_at: u64,
}
