//! The messages the portal's changes cause (contract §11): the webhook events
//! `usage.threshold_crossed`, `invoice.issued`, `invoice.overdue`,
//! `subscription.changed`, `credit_note.issued`, `payment.received`, and the spend
//! alert's e-mail. Built here, written to the
//! outbox by the unit of work of the change. [`Events`] is the collaborator every
//! capability that causes a message builds it with: it knows which channels this server
//! sends on (a message nobody would send is never written).

use portal_domain::guard::{AlertCondition, AlertRule, Notice};
use portal_domain::receivables::Settlement;
use portal_domain::{
    Customer, CustomerId, DocumentKind, Invoice, InvoiceId, Language, Month, Subscription,
};
use serde_json::{Value, json};

use crate::ports::outbox::Delivery;
use crate::ports::{
    EventType, FapiaoRequest, LedgerTxn, Mail, Notification, OutboxMessage, PaymentRecord,
    RepositoryError, WebhookEvent,
};
use crate::time::BusinessTime;

/// A money amount as the API writes it: a decimal string with its currency.
fn money(m: portal_domain::Money) -> Value {
    json!({"amount": format!("{:.2}", m.amount()), "currency": m.currency().code()})
}

fn invoice_data(invoice: &Invoice) -> Value {
    json!({
        "invoice_id": invoice.id.as_str(),
        "period": invoice.period.to_string(),
        "kind": invoice.kind.as_str(),
        "status": invoice.status.as_str(),
        "amount": money(invoice.amount),
        "due_date": invoice.due_date.to_string(),
    })
}

/// How a subscription changed, in `subscription.changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionChange {
    Upgraded,
    DowngradeScheduled,
    DowngradeCancelled,
    /// Set by the platform (`PUT /api/internal/customers/{id}`).
    Provisioned,
}

impl SubscriptionChange {
    fn as_str(self) -> &'static str {
        match self {
            SubscriptionChange::Upgraded => "upgraded",
            SubscriptionChange::DowngradeScheduled => "downgrade_scheduled",
            SubscriptionChange::DowngradeCancelled => "downgrade_cancelled",
            SubscriptionChange::Provisioned => "provisioned",
        }
    }
}

/// Builds the outbox messages of changes, for the channels this server sends on.
#[derive(Clone)]
pub struct Events {
    time: BusinessTime,
    webhooks: bool,
    mail: bool,
}

impl Events {
    /// `webhooks`, `mail`: whether this server sends webhooks and e-mail.
    pub fn new(time: BusinessTime, webhooks: bool, mail: bool) -> Self {
        Self {
            time,
            webhooks,
            mail,
        }
    }

    /// Whether e-mail is sent (a rule on the `email` channel is refused otherwise).
    pub fn sends_mail(&self) -> bool {
        self.mail
    }

    /// Whether webhooks are sent.
    pub fn sends_webhooks(&self) -> bool {
        self.webhooks
    }

    /// A webhook message, when this server sends webhooks.
    pub fn webhook(
        &self,
        customer: &CustomerId,
        event_type: EventType,
        data: serde_json::Value,
    ) -> Option<OutboxMessage> {
        self.webhooks.then(|| OutboxMessage {
            id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            created_at: self.time.now(),
            delivery: Delivery::Webhook(WebhookEvent { event_type, data }),
        })
    }

    /// An e-mail to the account's contact, when this server sends e-mail.
    pub fn mail_to(
        &self,
        customer: &Customer,
        subject: String,
        body: String,
    ) -> Option<OutboxMessage> {
        self.mail(
            &customer.id,
            Mail {
                to: customer.contact_email.as_str().to_owned(),
                subject,
                body,
                attachment: None,
            },
        )
    }

    /// `mail` as an outbox message of the customer, when this server sends e-mail.
    pub fn mail(&self, customer: &CustomerId, mail: Mail) -> Option<OutboxMessage> {
        self.mail.then(|| OutboxMessage {
            id: format!("mail_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            created_at: self.time.now(),
            delivery: Delivery::Email(mail),
        })
    }

    /// `invoice.issued`, when webhooks are sent.
    pub fn invoice_issued(&self, invoice: &Invoice) -> Option<OutboxMessage> {
        match invoice.document {
            DocumentKind::Invoice => self.webhook(
                &invoice.customer_id,
                EventType::InvoiceIssued,
                invoice_data(invoice),
            ),
            DocumentKind::CreditNote => self.webhook(
                &invoice.customer_id,
                EventType::CreditNoteIssued,
                json!({
                    "credit_note_id": invoice.id.as_str(),
                    "period": invoice.period.to_string(),
                    "status": invoice.status.as_str(),
                    "amount": money(invoice.amount.negated()),
                }),
            ),
        }
    }

    /// What an issued invoice or credit note sends, written in the transaction that
    /// issues it: its webhook (when sent) and its in-app notification (§16; none for a
    /// document of nothing).
    pub async fn document_issued(
        &self,
        txn: &mut dyn LedgerTxn,
        invoice: &Invoice,
    ) -> Result<(), RepositoryError> {
        Self::enqueue(txn, [self.invoice_issued(invoice)]).await?;
        if invoice.amount.is_zero() {
            return Ok(());
        }
        let amount = match invoice.document {
            DocumentKind::Invoice => invoice.amount,
            DocumentKind::CreditNote => invoice.amount.negated(),
        };
        let notice = Notice::DocumentIssued {
            document: invoice.document,
            id: invoice.id.to_string(),
            amount,
            due_date: invoice.due_date,
        };
        txn.notify(&Notification::new(
            &invoice.customer_id,
            notice,
            self.time.now(),
        ))
        .await
    }

    /// What a received payment sends, written in the transaction that records it: its
    /// webhook (when sent; with what it paid) and its in-app notification (§16).
    /// `reference` is the payer's reference (or the platform's memo).
    pub async fn payment_recorded(
        &self,
        txn: &mut dyn LedgerTxn,
        payment: &PaymentRecord,
        applied: &[Settlement],
        reference: &str,
    ) -> Result<(), RepositoryError> {
        Self::enqueue(txn, [self.payment_received(payment, applied)]).await?;
        let notice = Notice::PaymentReceived {
            payment_id: payment.id.clone(),
            amount: payment.amount,
            reference: reference.to_owned(),
        };
        txn.notify(&Notification::new(
            &payment.customer_id,
            notice,
            self.time.now(),
        ))
        .await
    }

    /// `payment.received` (§15), when webhooks are sent: the payment and what it paid.
    pub fn payment_received(
        &self,
        payment: &PaymentRecord,
        applied: &[Settlement],
    ) -> Option<OutboxMessage> {
        self.webhook(
            &payment.customer_id,
            EventType::PaymentReceived,
            json!({
                "payment_id": payment.id,
                "amount": money(payment.amount),
                "reference": payment.reference,
                "paid_at": payment.paid_at.to_rfc3339(),
                "applications": applied.iter().map(|s| json!({
                    "invoice_id": s.invoice_id.as_str(),
                    "amount": money(s.amount),
                })).collect::<Vec<_>>(),
            }),
        )
    }

    /// `invoice.overdue`, when webhooks are sent.
    pub fn invoice_overdue(&self, invoice: &Invoice) -> Option<OutboxMessage> {
        self.webhook(
            &invoice.customer_id,
            EventType::InvoiceOverdue,
            invoice_data(invoice),
        )
    }

    /// `fapiao.issued` (§12), when webhooks are sent.
    pub fn fapiao_issued(&self, request: &FapiaoRequest) -> Option<OutboxMessage> {
        let issuance = request.issuance.as_ref()?;
        self.webhook(
            &request.customer_id,
            EventType::FapiaoIssued,
            json!({
                "request_id": request.id,
                "kind": request.kind.as_str(),
                "fapiao_number": issuance.fapiao_number.as_str(),
                "issued_on": issuance.issued_on.to_string(),
                "amount": money(request.amount),
                "invoice_ids": request.invoice_ids.iter().map(InvoiceId::as_str).collect::<Vec<_>>(),
            }),
        )
    }

    /// `subscription.changed`, when webhooks are sent.
    pub fn subscription_changed(
        &self,
        subscription: &Subscription,
        change: SubscriptionChange,
    ) -> Option<OutboxMessage> {
        let today = self.time.today();
        let segments: Vec<Value> = subscription
            .segments
            .iter()
            .filter(|s| s.to >= today)
            .map(|s| {
                json!({
                    "plan_id": s.plan_id.as_str(),
                    "from": s.from.to_string(),
                    "to": s.to.to_string(),
                })
            })
            .collect();
        self.webhook(
            &subscription.customer_id,
            EventType::SubscriptionChanged,
            json!({
                "subscription_id": subscription.id.as_str(),
                "change": change.as_str(),
                "plan_id": subscription.plan_on(today).map(|p| p.as_str()),
                "segments": segments,
            }),
        )
    }

    /// Writes the messages (those that exist) in the unit of work.
    pub async fn enqueue(
        txn: &mut dyn LedgerTxn,
        messages: impl IntoIterator<Item = Option<OutboxMessage>>,
    ) -> Result<(), RepositoryError> {
        for message in messages.into_iter().flatten() {
            txn.enqueue(&message).await?;
        }
        Ok(())
    }

    /// What a fired rule sends besides the notification: its webhook and its e-mail
    /// (each on the rule's channels, when this server sends it).
    pub fn alert_messages(
        &self,
        customer: &Customer,
        month: Month,
        rule: &AlertRule,
        crossing: &Notice,
    ) -> Vec<OutboxMessage> {
        use portal_domain::guard::Channel;
        let mut messages = Vec::new();
        if rule.channels.contains(&Channel::Webhook) {
            messages.extend(self.webhook(
                &customer.id,
                EventType::UsageThresholdCrossed,
                threshold_data(month, rule, crossing),
            ));
        }
        if rule.channels.contains(&Channel::Email) {
            let (zh_title, zh_body) = crossing.words(Language::Zh);
            let (en_title, en_body) = crossing.words(Language::En);
            let subject = format!("【费用预警】{zh_title} / Spend alert: {en_title}");
            let body = format!(
                "{company}：\n\n{zh_title}\n{zh_body}\n\
                 可在客户控制台的“费用预警”页面修改预警规则。\n\n\
                 ---\n\n{en_title}\n{en_body}\n\
                 Change your alert rules on the Alerts page of the customer portal.\n",
                company = customer.company_name,
            );
            messages.extend(self.mail_to(customer, subject, body));
        }
        messages
    }
}

/// `usage.threshold_crossed`'s data: the rule and what crossed it.
fn threshold_data(month: Month, rule: &AlertRule, crossing: &Notice) -> Value {
    let (product, threshold) = match &rule.condition {
        AlertCondition::QuotaPercent { product, percent } => {
            (Some(product.as_str()), json!(percent))
        }
        AlertCondition::ProjectedAmount { amount } => (None, money(*amount)),
    };
    let crossed = match crossing {
        Notice::Quota { used, included, .. } => json!({"used": used, "included": included}),
        Notice::ProjectedBill { projected, .. } => json!({"projected": money(*projected)}),
        Notice::FapiaoIssued { .. }
        | Notice::PaymentReminder { .. }
        | Notice::DocumentIssued { .. }
        | Notice::PaymentReceived { .. } => json!({}),
    };
    json!({
        "month": month.to_string(),
        "rule": {"kind": rule.kind(), "product": product, "threshold": threshold},
        "crossed": crossed,
    })
}
