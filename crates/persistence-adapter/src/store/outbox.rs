//! The outbox's rows: written by the transactions that cause them (`insert`), claimed by
//! the delivery runner with a lease. On PostgreSQL a claim skips rows another instance
//! holds (`FOR UPDATE SKIP LOCKED`); SQLite runs one writer at a time.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Utc};
use portal_billing::RepositoryError;
use portal_billing::ports::outbox::{
    Delivery, DueMessage, EventType, Mail, MailAttachment, Outbox, OutboxMessage, WebhookEvent,
};
use portal_domain::CustomerId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement,
};
use serde::{Deserialize, Serialize};

use super::SeaOrmStore;
use crate::convert::{corrupt, db_err};
use crate::entity::outbox;

#[derive(Serialize, Deserialize)]
struct MailRow {
    to: String,
    subject: String,
    body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attachment: Option<AttachmentRow>,
}

/// A file attached to a mail, its bytes in base64.
#[derive(Serialize, Deserialize)]
struct AttachmentRow {
    filename: String,
    content_type: String,
    base64: String,
}

#[derive(Serialize, Deserialize)]
struct WebhookRow {
    #[serde(rename = "type")]
    event_type: String,
    data: serde_json::Value,
}

fn json_err(e: serde_json::Error) -> RepositoryError {
    RepositoryError::Other(anyhow::Error::new(e))
}

/// The row of `message`, due at once.
pub(crate) fn row(message: &OutboxMessage) -> Result<outbox::ActiveModel, RepositoryError> {
    let (channel, payload) = match &message.delivery {
        Delivery::Email(mail) => (
            "email",
            serde_json::to_string(&MailRow {
                to: mail.to.clone(),
                subject: mail.subject.clone(),
                body: mail.body.clone(),
                attachment: mail.attachment.as_ref().map(|a| AttachmentRow {
                    filename: a.filename.clone(),
                    content_type: a.content_type.clone(),
                    base64: base64::engine::general_purpose::STANDARD.encode(&a.bytes),
                }),
            }),
        ),
        Delivery::Webhook(event) => (
            "webhook",
            serde_json::to_string(&WebhookRow {
                event_type: event.event_type.as_str().to_owned(),
                data: event.data.clone(),
            }),
        ),
    };
    Ok(outbox::ActiveModel {
        id: Set(message.id.clone()),
        customer_id: Set(message.customer_id.to_string()),
        channel: Set(channel.to_owned()),
        payload: Set(payload.map_err(json_err)?),
        created_at: Set(message.created_at),
        attempts: Set(0),
        next_attempt_at: Set(Some(message.created_at)),
        delivered_at: Set(None),
        last_error: Set(None),
    })
}

/// Writes `message` (due at once) on `db`: the transaction of the change that causes it.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    message: &OutboxMessage,
) -> Result<(), RepositoryError> {
    outbox::Entity::insert(row(message)?)
        .exec_without_returning(db)
        .await
        .map_err(db_err)?;
    Ok(())
}

fn due_message(row: outbox::Model) -> Result<DueMessage, RepositoryError> {
    let delivery = match row.channel.as_str() {
        "email" => {
            let m: MailRow = serde_json::from_str(&row.payload).map_err(json_err)?;
            let attachment = match m.attachment {
                Some(a) => Some(MailAttachment {
                    bytes: base64::engine::general_purpose::STANDARD
                        .decode(&a.base64)
                        .map_err(|e| corrupt("outbox attachment", e))?,
                    filename: a.filename,
                    content_type: a.content_type,
                }),
                None => None,
            };
            Delivery::Email(Mail {
                to: m.to,
                subject: m.subject,
                body: m.body,
                attachment,
            })
        }
        "webhook" => {
            let w: WebhookRow = serde_json::from_str(&row.payload).map_err(json_err)?;
            let event_type = EventType::parse(&w.event_type)
                .ok_or_else(|| corrupt("outbox event type", &w.event_type))?;
            Delivery::Webhook(WebhookEvent {
                event_type,
                data: w.data,
            })
        }
        other => return Err(corrupt("outbox channel", other)),
    };
    Ok(DueMessage {
        message: OutboxMessage {
            id: row.id,
            customer_id: CustomerId::parse(&row.customer_id)
                .map_err(|e| corrupt("outbox customer", e))?,
            created_at: row.created_at,
            delivery,
        },
        attempts: u32::try_from(row.attempts).unwrap_or(0),
    })
}

#[async_trait]
impl Outbox for SeaOrmStore {
    #[tracing::instrument(name = "store.outbox.claim_due", level = "debug", skip_all)]
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<DueMessage>, RepositoryError> {
        let until = now + chrono::Duration::from_std(lease).map_err(anyhow::Error::new)?;
        let backend = self.db.get_database_backend();
        // One statement: the due rows are picked and leased at once, so a concurrent
        // claim (another instance) never gets the same row.
        let sql = match backend {
            DbBackend::Postgres => {
                "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (\
                   SELECT id FROM outbox WHERE next_attempt_at <= $2 \
                   ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING *"
            }
            _ => {
                "UPDATE outbox SET next_attempt_at = ? WHERE id IN (\
                   SELECT id FROM outbox WHERE next_attempt_at <= ? \
                   ORDER BY next_attempt_at LIMIT ?) \
                 RETURNING *"
            }
        };
        let rows = outbox::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(
                backend,
                sql,
                [until.into(), now.into(), i64::from(limit).into()],
            ))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut due = rows
            .into_iter()
            .map(due_message)
            .collect::<Result<Vec<_>, _>>()?;
        due.sort_by_key(|d| d.message.created_at);
        Ok(due)
    }

    #[tracing::instrument(name = "store.outbox.delivered", level = "debug", skip_all)]
    async fn delivered(&self, id: &str, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(outbox::Column::DeliveredAt, Expr::value(Some(at)))
            .filter(outbox::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(name = "store.outbox.failed", level = "debug", skip_all)]
    async fn failed(
        &self,
        id: &str,
        attempts: u32,
        next: Option<DateTime<Utc>>,
        error: &str,
    ) -> Result<(), RepositoryError> {
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Attempts,
                Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)),
            )
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(Some(error.chars().take(500).collect::<String>())),
            )
            .filter(outbox::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
