//! Fapiao requests: the kind asked for, what a special fapiao needs of the profile, and the
//! statuses a request moves through.

use std::fmt;

use crate::error::FieldErrors;
use crate::wording::Language;

use super::profile::FapiaoProfile;

/// The kind of VAT fapiao asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FapiaoKind {
    /// 增值税普通发票: for any buyer, company or person.
    Normal,
    /// 增值税专用发票: lets a VAT-registered company deduct input tax, so it carries the
    /// buyer's full details (see [`special_requirements`]).
    Special,
}

impl FapiaoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FapiaoKind::Normal => "normal",
            FapiaoKind::Special => "special",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "normal" => Some(FapiaoKind::Normal),
            "special" => Some(FapiaoKind::Special),
            _ => None,
        }
    }

    pub fn name(self, language: Language) -> &'static str {
        match (self, language) {
            (FapiaoKind::Normal, Language::Zh) => "增值税普通发票",
            (FapiaoKind::Normal, Language::En) => "Normal VAT fapiao",
            (FapiaoKind::Special, Language::Zh) => "增值税专用发票",
            (FapiaoKind::Special, Language::En) => "Special VAT fapiao",
        }
    }

    /// Whether `profile` can receive a fapiao of this kind: always for a normal one,
    /// [`special_requirements`] for a special one.
    pub fn check_profile(self, profile: &FapiaoProfile) -> Result<(), FieldErrors> {
        match self {
            FapiaoKind::Normal => Ok(()),
            FapiaoKind::Special => special_requirements(profile),
        }
    }
}

/// A special fapiao is made out to a company only, and prints its address, phone, bank and
/// account: each one missing is named (`title_type` when not a company; `address`, `phone`,
/// `bank_name`, `bank_account`). The tax id is not checked again: a company profile has one.
pub fn special_requirements(profile: &FapiaoProfile) -> Result<(), FieldErrors> {
    const NEEDED: &str = "required for a special VAT fapiao";
    let mut errors = FieldErrors::default();
    if !profile.is_company() {
        errors.add(
            "title_type",
            "a special fapiao is made out to a company only",
        );
    }
    for (field, value) in [
        ("address", &profile.address),
        ("phone", &profile.phone),
        ("bank_name", &profile.bank_name),
        ("bank_account", &profile.bank_account),
    ] {
        if value.is_none() {
            errors.add(field, NEEDED);
        }
    }
    errors.into_result()
}

/// Where a request stands. Pending → Issued → Reversed, or Pending → Withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FapiaoRequestStatus {
    /// Asked for, waiting for the finance team.
    Pending,
    /// The fapiao was issued; its file can be downloaded.
    Issued,
    /// Taken back by the customer before it was issued.
    Withdrawn,
    /// The issued fapiao was cancelled by a red-letter fapiao (红冲).
    Reversed,
}

/// A status change a request's current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FapiaoTransitionError {
    #[error("only a pending fapiao request can be withdrawn; this one is {0}")]
    CannotWithdraw(FapiaoRequestStatus),
    #[error("only a pending fapiao request can be issued; this one is {0}")]
    CannotIssue(FapiaoRequestStatus),
    #[error("only an issued fapiao request can be reversed; this one is {0}")]
    CannotReverse(FapiaoRequestStatus),
}

impl FapiaoTransitionError {
    /// The status the request was in.
    pub fn current(self) -> FapiaoRequestStatus {
        match self {
            FapiaoTransitionError::CannotWithdraw(s)
            | FapiaoTransitionError::CannotIssue(s)
            | FapiaoTransitionError::CannotReverse(s) => s,
        }
    }
}

impl FapiaoRequestStatus {
    pub const ALL: [FapiaoRequestStatus; 4] = [
        FapiaoRequestStatus::Pending,
        FapiaoRequestStatus::Issued,
        FapiaoRequestStatus::Withdrawn,
        FapiaoRequestStatus::Reversed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FapiaoRequestStatus::Pending => "pending",
            FapiaoRequestStatus::Issued => "issued",
            FapiaoRequestStatus::Withdrawn => "withdrawn",
            FapiaoRequestStatus::Reversed => "reversed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The customer takes the request back: only while pending.
    pub fn withdraw(self) -> Result<Self, FapiaoTransitionError> {
        match self {
            FapiaoRequestStatus::Pending => Ok(FapiaoRequestStatus::Withdrawn),
            other => Err(FapiaoTransitionError::CannotWithdraw(other)),
        }
    }

    /// The finance team issued the fapiao: only while pending. (Whether a repeated call
    /// with the same fapiao number is answered as a replay is the use case's decision.)
    pub fn issue(self) -> Result<Self, FapiaoTransitionError> {
        match self {
            FapiaoRequestStatus::Pending => Ok(FapiaoRequestStatus::Issued),
            other => Err(FapiaoTransitionError::CannotIssue(other)),
        }
    }

    /// The issued fapiao was reversed by a red-letter fapiao: only once issued.
    pub fn reverse(self) -> Result<Self, FapiaoTransitionError> {
        match self {
            FapiaoRequestStatus::Issued => Ok(FapiaoRequestStatus::Reversed),
            other => Err(FapiaoTransitionError::CannotReverse(other)),
        }
    }

    /// Whether the request keeps its invoices: a pending or issued one does, and an invoice
    /// is in at most one such request. Withdrawn and reversed requests free them.
    pub fn holds_invoices(self) -> bool {
        matches!(
            self,
            FapiaoRequestStatus::Pending | FapiaoRequestStatus::Issued
        )
    }

    /// No transition leaves this status.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            FapiaoRequestStatus::Withdrawn | FapiaoRequestStatus::Reversed
        )
    }
}

impl fmt::Display for FapiaoRequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An invoice's `fapiao_status` in the invoice list: that of the request holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvoiceFapiaoStatus {
    None,
    Pending,
    Issued,
}

impl InvoiceFapiaoStatus {
    /// From the status of the request holding the invoice, if any; a request that does not
    /// hold its invoices any more counts as none.
    pub fn of(holding: Option<FapiaoRequestStatus>) -> Self {
        match holding {
            Some(FapiaoRequestStatus::Pending) => InvoiceFapiaoStatus::Pending,
            Some(FapiaoRequestStatus::Issued) => InvoiceFapiaoStatus::Issued,
            Some(FapiaoRequestStatus::Withdrawn | FapiaoRequestStatus::Reversed) | None => {
                InvoiceFapiaoStatus::None
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceFapiaoStatus::None => "none",
            InvoiceFapiaoStatus::Pending => "pending",
            InvoiceFapiaoStatus::Issued => "issued",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::fapiao::profile::{RawFapiaoProfile, validate_profile};

    use FapiaoRequestStatus::{Issued, Pending, Reversed, Withdrawn};

    fn profile(title_type: &str, tax_id: Option<&str>, details: bool) -> FapiaoProfile {
        let detail = |v: &str| details.then(|| v.to_owned());
        validate_profile(&RawFapiaoProfile {
            title_type: Some(title_type.into()),
            title: Some("北京百度网讯科技有限公司".into()),
            tax_id: tax_id.map(Into::into),
            address: detail("北京市海淀区上地十街10号"),
            phone: detail("010-59928888"),
            bank_name: detail("招商银行北京上地支行"),
            bank_account: detail("110901234567890"),
            email: Some("fapiao@example.com".into()),
        })
        .unwrap()
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for kind in [FapiaoKind::Normal, FapiaoKind::Special] {
            assert_eq!(FapiaoKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FapiaoKind::parse("专票"), None);
        assert_eq!(FapiaoKind::Special.name(Language::Zh), "增值税专用发票");
        for status in FapiaoRequestStatus::ALL {
            assert_eq!(FapiaoRequestStatus::parse(status.as_str()), Some(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        assert_eq!(FapiaoRequestStatus::parse("Pending"), None);
    }

    #[test]
    fn transitions_follow_the_contract() {
        assert_eq!(Pending.withdraw(), Ok(Withdrawn));
        assert_eq!(Pending.issue(), Ok(Issued));
        assert_eq!(Issued.reverse(), Ok(Reversed));
        for status in [Issued, Withdrawn, Reversed] {
            assert_eq!(
                status.withdraw(),
                Err(FapiaoTransitionError::CannotWithdraw(status))
            );
            assert_eq!(
                status.issue(),
                Err(FapiaoTransitionError::CannotIssue(status))
            );
        }
        for status in [Pending, Withdrawn, Reversed] {
            let err = status.reverse().unwrap_err();
            assert_eq!(err.current(), status);
        }
        assert_eq!(
            Withdrawn.issue().unwrap_err().to_string(),
            "only a pending fapiao request can be issued; this one is withdrawn"
        );
        for status in FapiaoRequestStatus::ALL {
            let moves = [status.withdraw(), status.issue(), status.reverse()];
            assert_eq!(status.is_final(), moves.iter().all(Result::is_err));
        }
    }

    #[test]
    fn pending_and_issued_requests_hold_their_invoices() {
        let holding: Vec<_> = FapiaoRequestStatus::ALL
            .into_iter()
            .filter(|s| s.holds_invoices())
            .collect();
        assert_eq!(holding, [Pending, Issued]);
        assert_eq!(InvoiceFapiaoStatus::of(None).as_str(), "none");
        assert_eq!(InvoiceFapiaoStatus::of(Some(Pending)).as_str(), "pending");
        assert_eq!(InvoiceFapiaoStatus::of(Some(Issued)).as_str(), "issued");
        assert_eq!(InvoiceFapiaoStatus::of(Some(Reversed)).as_str(), "none");
        assert_eq!(InvoiceFapiaoStatus::of(Some(Withdrawn)).as_str(), "none");
    }

    #[test]
    fn a_special_fapiao_needs_a_company_with_every_detail() {
        let full = profile("company", Some("91110000802100433B"), true);
        assert_eq!(special_requirements(&full), Ok(()));
        assert_eq!(FapiaoKind::Special.check_profile(&full), Ok(()));

        let bare = profile("company", Some("91110000802100433B"), false);
        let err = special_requirements(&bare).unwrap_err();
        let fields: Vec<&str> = err.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["address", "bank_account", "bank_name", "phone"]);
        assert_eq!(FapiaoKind::Normal.check_profile(&bare), Ok(()));

        let person = profile("individual", None, true);
        let err = FapiaoKind::Special.check_profile(&person).unwrap_err();
        let fields: Vec<&str> = err.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["title_type"]);

        let partial = FapiaoProfile {
            phone: None,
            ..profile("individual", None, true)
        };
        let err = special_requirements(&partial).unwrap_err();
        let fields: Vec<&str> = err.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["phone", "title_type"]);
    }
}
