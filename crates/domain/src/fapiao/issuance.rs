//! An issued fapiao as the finance service reports it: its number, its date and its file.

use std::fmt;

use chrono::NaiveDate;

use crate::error::{FieldErrors, ParseError};

/// The largest file accepted, in bytes once decoded from base64.
pub const MAX_FAPIAO_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Digits of a fully digital e-fapiao number (全电发票号码).
pub const FAPIAO_NUMBER_LEN: usize = 20;

/// The format of an issued fapiao's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FapiaoFileType {
    Pdf,
    /// OFD (GB/T 33190), the format the tax bureau's platform issues e-fapiao in.
    Ofd,
}

impl FapiaoFileType {
    pub fn as_str(self) -> &'static str {
        match self {
            FapiaoFileType::Pdf => "pdf",
            FapiaoFileType::Ofd => "ofd",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pdf" => Some(FapiaoFileType::Pdf),
            "ofd" => Some(FapiaoFileType::Ofd),
            _ => None,
        }
    }

    /// The `Content-Type` the file is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FapiaoFileType::Pdf => "application/pdf",
            FapiaoFileType::Ofd => "application/ofd",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// Whether `bytes` start the way a file of this type does (`%PDF-`; an OFD file is a
    /// ZIP archive, `PK\x03\x04`). Not part of [`validate_issuance`], which sees only the
    /// length: for a use case that holds the decoded bytes.
    pub fn matches_signature(self, bytes: &[u8]) -> bool {
        match self {
            FapiaoFileType::Pdf => bytes.starts_with(b"%PDF-"),
            FapiaoFileType::Ofd => bytes.starts_with(b"PK\x03\x04"),
        }
    }
}

/// A fapiao number: 20 ASCII digits, the number of a fully digital e-fapiao (全电发票).
/// The older 8-digit numbers, which need their 10- or 12-digit fapiao code beside them, are
/// not accepted: the contract does not carry a code, and new fapiao are issued fully digital.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FapiaoNumber(String);

impl FapiaoNumber {
    /// Surrounding whitespace is trimmed.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        if raw.len() == FAPIAO_NUMBER_LEN && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ParseError::new(
                "fapiao_number",
                format!("must be the {FAPIAO_NUMBER_LEN} digits of a fully digital e-fapiao"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FapiaoNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the finance service reported about an issued fapiao, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuance {
    pub fapiao_number: FapiaoNumber,
    pub issued_on: NaiveDate,
    pub file_type: FapiaoFileType,
}

impl Issuance {
    /// The name the file is downloaded under.
    pub fn filename(&self) -> String {
        safe_filename(&self.fapiao_number, self.file_type)
    }
}

/// Validates an issuance report, every bad field named:
///
/// - `fapiao_number`: 20 digits (a fully digital e-fapiao number), trimmed.
/// - `issued_on`: a calendar date written `YYYY-MM-DD`.
/// - `file_type`: `pdf` or `ofd`.
/// - `file_base64`: `file_len`, the decoded length, is 1 to [`MAX_FAPIAO_FILE_BYTES`].
pub fn validate_issuance(
    fapiao_number: &str,
    issued_on: &str,
    file_type: &str,
    file_len: usize,
) -> Result<Issuance, FieldErrors> {
    let mut errors = FieldErrors::default();
    let number = FapiaoNumber::parse(fapiao_number)
        .map_err(|e| errors.add("fapiao_number", e.why))
        .ok();
    let date = parse_date(issued_on);
    if date.is_none() {
        errors.add("issued_on", "must be a date written YYYY-MM-DD");
    }
    let kind = FapiaoFileType::parse(file_type);
    if kind.is_none() {
        errors.add("file_type", "must be pdf or ofd");
    }
    if file_len == 0 {
        errors.add("file_base64", "must not be empty");
    } else if file_len > MAX_FAPIAO_FILE_BYTES {
        errors.add(
            "file_base64",
            format!("must be at most 5 MB ({MAX_FAPIAO_FILE_BYTES} bytes) once decoded"),
        );
    }
    match (number, date, kind) {
        (Some(fapiao_number), Some(issued_on), Some(file_type)) if errors.is_empty() => {
            Ok(Issuance {
                fapiao_number,
                issued_on,
                file_type,
            })
        }
        _ => Err(errors),
    }
}

/// Exactly `YYYY-MM-DD` (chrono alone would also take `2025-1-5`), a real calendar date.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    let shape = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape
        .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .flatten()
}

/// `fapiao-<number>.<extension>`: the number is digits only, so the name needs no quoting
/// in a `Content-Disposition` header and cannot name a path.
pub fn safe_filename(number: &FapiaoNumber, file_type: FapiaoFileType) -> String {
    format!("fapiao-{}.{}", number.as_str(), file_type.extension())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const NUMBER: &str = "25112000000012345678";

    fn fields(err: &FieldErrors) -> Vec<&str> {
        err.0.keys().map(String::as_str).collect()
    }

    #[test]
    fn a_good_report_is_accepted() {
        let issuance = validate_issuance(NUMBER, "2025-12-19", "ofd", 48_213).unwrap();
        assert_eq!(issuance.fapiao_number.as_str(), NUMBER);
        assert_eq!(
            issuance.issued_on,
            NaiveDate::from_ymd_opt(2025, 12, 19).unwrap()
        );
        assert_eq!(issuance.file_type, FapiaoFileType::Ofd);
        assert_eq!(issuance.filename(), "fapiao-25112000000012345678.ofd");
        let trimmed = validate_issuance(&format!(" {NUMBER}\n"), "2024-02-29", "pdf", 1).unwrap();
        assert_eq!(trimmed.fapiao_number.to_string(), NUMBER);
    }

    #[test]
    fn every_bad_field_is_named() {
        let err = validate_issuance("12345678", "2025-02-30", "png", 0).unwrap_err();
        assert_eq!(
            fields(&err),
            ["fapiao_number", "file_base64", "file_type", "issued_on"]
        );
        assert_eq!(
            err.0["fapiao_number"],
            "must be the 20 digits of a fully digital e-fapiao"
        );
    }

    #[test]
    fn fapiao_numbers_are_exactly_twenty_digits() {
        for bad in [
            "",
            "12345678",
            "2511200000001234567",
            "251120000000123456789",
            "2511200000001234567A",
            "２５１１２０００００００１２３４５６７８",
            "25112000000-12345678",
        ] {
            assert!(FapiaoNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_must_be_written_in_full() {
        for bad in [
            "2025-1-05",
            "2025-01-5",
            "20250105",
            "2025/01/05",
            "2025-13-01",
            "",
        ] {
            let err = validate_issuance(NUMBER, bad, "pdf", 10).unwrap_err();
            assert_eq!(fields(&err), ["issued_on"], "{bad}");
        }
    }

    #[test]
    fn files_are_one_byte_to_five_megabytes() {
        assert!(validate_issuance(NUMBER, "2025-12-19", "pdf", MAX_FAPIAO_FILE_BYTES).is_ok());
        let err =
            validate_issuance(NUMBER, "2025-12-19", "pdf", MAX_FAPIAO_FILE_BYTES + 1).unwrap_err();
        assert_eq!(
            err.0["file_base64"],
            "must be at most 5 MB (5242880 bytes) once decoded"
        );
    }

    #[test]
    fn file_types_name_their_content_type_and_extension() {
        for (raw, content_type) in [("pdf", "application/pdf"), ("ofd", "application/ofd")] {
            let t = FapiaoFileType::parse(raw).unwrap();
            assert_eq!(t.content_type(), content_type);
            assert_eq!(t.extension(), raw);
            assert_eq!(t.as_str(), raw);
        }
        assert_eq!(FapiaoFileType::parse("PDF"), None);
        assert!(FapiaoFileType::Pdf.matches_signature(b"%PDF-1.7\n"));
        assert!(FapiaoFileType::Ofd.matches_signature(b"PK\x03\x04rest"));
        assert!(!FapiaoFileType::Ofd.matches_signature(b"%PDF-1.7"));
        assert!(!FapiaoFileType::Pdf.matches_signature(b""));
    }

    #[test]
    fn filenames_are_digits_and_an_extension() {
        let number = FapiaoNumber::parse(NUMBER).unwrap();
        let name = safe_filename(&number, FapiaoFileType::Pdf);
        assert_eq!(name, "fapiao-25112000000012345678.pdf");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        );
    }
}
