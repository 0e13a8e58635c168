//! Fapiao (发票, contract §12): the unified social credit code, the customer's fapiao
//! profile, requests and their statuses, and the issued file.

mod issuance;
mod profile;
mod request;
mod uscc;

pub use issuance::{
    FAPIAO_NUMBER_LEN, FapiaoFileType, FapiaoNumber, Issuance, MAX_FAPIAO_FILE_BYTES,
    safe_filename, validate_issuance,
};
pub use profile::{
    ADDRESS_MAX, BANK_ACCOUNT_MAX, BANK_NAME_MAX, FapiaoProfile, PHONE_LEN, PHONE_MIN_DIGITS,
    RawFapiaoProfile, TITLE_MAX, TitleType, validate_profile,
};
pub use request::{
    FapiaoKind, FapiaoRequestStatus, FapiaoTransitionError, InvoiceFapiaoStatus,
    special_requirements,
};
pub use uscc::{
    USCC_ALPHABET, USCC_EXCLUDED_LETTERS, USCC_LEN, UnifiedSocialCreditCode, UsccError,
    uscc_check_character,
};
