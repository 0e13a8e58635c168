//! The issuer printed on invoice PDFs: `PORTAL_SELLER_*`.

/// `PORTAL_SELLER_NAME`, `_ADDRESS`, `_TAX_ID`, `_BANK_NAME`, `_BANK_ACCOUNT`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SellerSettings {
    pub name: Option<String>,
    pub address: Option<String>,
    pub tax_id: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
}

impl SellerSettings {
    /// The settings `get` finds; unset fields use demo values where printed.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            name: get("PORTAL_SELLER_NAME"),
            address: get("PORTAL_SELLER_ADDRESS"),
            tax_id: get("PORTAL_SELLER_TAX_ID"),
            bank_name: get("PORTAL_SELLER_BANK_NAME"),
            bank_account: get("PORTAL_SELLER_BANK_ACCOUNT"),
        }
    }
}
