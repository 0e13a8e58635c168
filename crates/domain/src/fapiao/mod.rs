//! Fapiao (发票, contract §12): the unified social credit code, the customer's fapiao
//! profile, requests and their statuses, and the issued file.

mod uscc;

pub use uscc::{
    USCC_ALPHABET, USCC_EXCLUDED_LETTERS, USCC_LEN, UnifiedSocialCreditCode, UsccError,
    uscc_check_character,
};
