//! The platform finance's side of fapiao requests: the pending list, issuance with the
//! file (its notification and `fapiao.issued` webhook in the same transaction), and
//! reversal (红冲).

use portal_domain::fapiao::validate_issuance;
use portal_domain::guard::Notice;
use portal_domain::{AuditAction, FapiaoRequestId, FapiaoRequestStatus, FieldErrors};
use tracing::instrument;

use super::FapiaoError;
use super::{Fapiao, Step};
use crate::ports::{FapiaoRequest, Mail, MailAttachment, Notification, OutboxMessage};
use crate::principal::PlatformCaller;

/// The longest reversal reason kept.
const MAX_REASON_CHARS: usize = 200;

impl Fapiao {
    /// The request, whichever customer's (the platform's finance).
    async fn any_request(&self, id: &FapiaoRequestId) -> Result<FapiaoRequest, FapiaoError> {
        self.fapiao
            .request(None, id.as_str())
            .await?
            .ok_or(FapiaoError::NotFound("fapiao request"))
    }

    /// Every customer's pending requests, oldest first (the platform's finance).
    pub async fn pending_fapiao_requests(
        &self,
        _caller: &PlatformCaller,
    ) -> Result<Vec<FapiaoRequest>, FapiaoError> {
        Ok(self
            .fapiao
            .requests_in(FapiaoRequestStatus::Pending)
            .await?)
    }

    /// Finance issued the fapiao of a pending request: its number, date and file.
    #[instrument(skip_all, fields(caller = %caller.name, request = %id))]
    pub async fn issue_fapiao(
        &self,
        caller: &PlatformCaller,
        id: &FapiaoRequestId,
        fapiao_number: &str,
        issued_on: &str,
        file_type: &str,
        file: &[u8],
    ) -> Result<FapiaoRequest, FapiaoError> {
        let issuance = validate_issuance(fapiao_number, issued_on, file_type, file.len())?;
        // The file must be what it says it is (§17): a PDF starts `%PDF-`, an OFD is a ZIP.
        if !issuance.file_type.matches_signature(file) {
            return Err(FieldErrors::single(
                "file_base64",
                format!("is not a {} file", issuance.file_type.as_str()),
            )
            .into());
        }
        let number = issuance.fapiao_number.to_string();
        let current = self.any_request(id).await?;
        let status = current
            .status
            .issue()
            .map_err(|e| FapiaoError::Conflict(e.to_string()))?;
        let changed = FapiaoRequest {
            status,
            issuance: Some(issuance),
            ..current
        };
        let audit = self.fapiao_audit(
            &changed.customer_id,
            (&caller.audit_user()?, None),
            AuditAction::FapiaoIssued,
            Some(&changed),
        );
        let mut outbox: Vec<OutboxMessage> =
            self.events.fapiao_issued(&changed).into_iter().collect();
        outbox.extend(self.fapiao_mail(&changed, file).await?);
        let notification = Notification::new(
            &changed.customer_id,
            Notice::FapiaoIssued {
                fapiao_number: number,
                amount: changed.amount,
            },
            self.time.now(),
        );
        self.fapiao_transition(
            &changed,
            FapiaoRequestStatus::Pending,
            Step {
                file: Some(file),
                audit: &audit,
                outbox: &outbox,
                notification: Some(&notification),
            },
        )
        .await?;
        Ok(changed)
    }

    /// Finance reversed (红冲) an issued fapiao: its invoices are free again.
    #[instrument(skip_all, fields(caller = %caller.name, request = %id))]
    pub async fn reverse_fapiao(
        &self,
        caller: &PlatformCaller,
        id: &FapiaoRequestId,
        reason: &str,
    ) -> Result<FapiaoRequest, FapiaoError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(FieldErrors::single(
                "reason",
                format!("must be 1 to {MAX_REASON_CHARS} characters"),
            )
            .into());
        }
        let current = self.any_request(id).await?;
        let status = current
            .status
            .reverse()
            .map_err(|e| FapiaoError::Conflict(e.to_string()))?;
        let changed = FapiaoRequest {
            status,
            reversal_reason: Some(reason.to_owned()),
            ..current
        };
        let audit = self.fapiao_audit(
            &changed.customer_id,
            (&caller.audit_user()?, None),
            AuditAction::FapiaoReversed,
            Some(&changed),
        );
        self.fapiao_transition(&changed, FapiaoRequestStatus::Issued, Step::audited(&audit))
            .await?;
        Ok(changed)
    }
}

impl Fapiao {
    /// The e-fapiao, attached to an e-mail to the profile's address (contract §12), when
    /// this server sends e-mail.
    async fn fapiao_mail(
        &self,
        request: &FapiaoRequest,
        file: &[u8],
    ) -> Result<Option<OutboxMessage>, FapiaoError> {
        let Some(issuance) = &request.issuance else {
            return Ok(None);
        };
        if !self.events.sends_mail() {
            return Ok(None);
        }
        let Some(profile) = self.fapiao.profile(&request.customer_id).await? else {
            return Ok(None);
        };
        let number = issuance.fapiao_number.as_str();
        let amount = request.amount.amount();
        let on = issuance.issued_on;
        let mail = Mail {
            to: profile.email.as_str().to_owned(),
            subject: format!("【发票】{number} 已开具 / Fapiao no. {number} issued"),
            body: format!(
                "{title}：\n\n您申请的{kind_zh}已开具：发票号码 {number}，开票日期 {on}，\
                 金额 ¥{amount}。电子发票见附件，也可在客户控制台的“发票”页面下载。\n\n\
                 ---\n\nYour {kind_en} is issued: no. {number} of {on}, ¥{amount}. The \
                 e-fapiao is attached; it can also be downloaded on the Fapiao page of the \
                 customer portal.\n",
                title = request.title,
                kind_zh = request.kind.name(portal_domain::Language::Zh),
                kind_en = request
                    .kind
                    .name(portal_domain::Language::En)
                    .to_lowercase(),
            ),
            attachment: Some(MailAttachment {
                filename: issuance.filename(),
                content_type: issuance.file_type.content_type().to_owned(),
                bytes: file.to_vec(),
            }),
        };
        Ok(self.events.mail(&request.customer_id, mail))
    }
}
