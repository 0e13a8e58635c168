//! 催缴 Dunning (§15): for every invoice still owing, the reminder due by today — three
//! days before its due date, the day after it, every seven days after — sent once per
//! invoice and day across instances (the spend guard's firing key, `dunning:{invoice}:
//! {day}`), as an in-app notification and, where e-mail is configured, an e-mail, written
//! in one transaction with the key. A reminder missed while no instance ran is sent once
//! when one runs again; one superseded by a later reminder is not sent. The first overdue
//! reminder's `invoice.overdue` webhook comes from the overdue marking, once per invoice.

use portal_domain::Month;
use portal_domain::guard::Notice;
use portal_domain::receivables::{Reminder, latest_reminder};
use tracing::instrument;

use super::{Receivables, ReceivablesError};
use crate::ports::Notification;
use crate::principal::PlatformCaller;

impl Receivables {
    /// Sends the reminders due by today; answers how many were sent.
    #[instrument(skip_all, fields(caller = %caller.name))]
    pub async fn send_reminders(&self, caller: &PlatformCaller) -> Result<u64, ReceivablesError> {
        let today = self.time.today();
        let until = today + chrono::Days::new(3);
        let mut sent = 0;
        for (customer, invoice) in self.receivables.reminder_candidates(until).await? {
            let Some((day, reminder)) = latest_reminder(invoice.due_date, today) else {
                continue;
            };
            let notice = Notice::PaymentReminder {
                invoice_id: invoice.id.to_string(),
                amount_due: invoice.amount_due,
                due_date: invoice.due_date,
                overdue: reminder != Reminder::DueSoon,
            };
            let mut outbox = Vec::new();
            if let Some(account) = self.customers.find(&customer).await? {
                let (subject, body) = notice.words(portal_domain::Language::Zh);
                outbox.extend(self.events.mail_to(&account, subject, body));
            }
            let notification = Notification::new(&customer, notice, self.time.now());
            let key = format!("dunning:{}:{day}", invoice.id);
            if self
                .guard
                .fire(
                    &customer,
                    Month::of(day),
                    &key,
                    Some(&notification),
                    &outbox,
                )
                .await?
            {
                sent += 1;
            }
        }
        tracing::info!(caller = %caller.name, sent, "payment reminders sent");
        Ok(sent)
    }
}
