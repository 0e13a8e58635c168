//! The spend guard (contract §11): alert rules, caps, notifications and entitlements.

use actix_web::{HttpResponse, get, post, put, web};
use portal_api_types::{
    AlertRule, AlertRules, Cap, Caps, ErrorBody, Notification, Notifications, NotificationsRead,
    Threshold,
};
use portal_billing::DocumentLanguage;
use portal_domain::guard::{self as rules, AlertCondition, Notice, RawAlertRule, RawThreshold};

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::handlers::lang::{Lang, LangQuery, worded};
use crate::{AppState, dto};

fn rule(r: &rules::AlertRule) -> AlertRule {
    let (product, threshold) = match &r.condition {
        AlertCondition::QuotaPercent { product, percent } => (
            Some(product.as_str().to_owned()),
            Threshold::Percent(*percent),
        ),
        AlertCondition::ProjectedAmount { amount } => (None, Threshold::Amount(amount.amount())),
    };
    AlertRule {
        kind: r.kind().to_owned(),
        product,
        threshold,
        channels: r.channels.iter().map(|c| c.as_str().to_owned()).collect(),
    }
}

fn rule_set(list: &[rules::AlertRule]) -> AlertRules {
    AlertRules {
        rules: list.iter().map(rule).collect(),
    }
}

/// The customer's alert rules.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    responses((status = 200, body = AlertRules))
)]
#[get("/portal/alerts")]
pub async fn get_alerts(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<AlertRules>, ApiError> {
    Ok(web::Json(rule_set(
        &state.portal.spend_guard.alert_rules(&user).await?,
    )))
}

/// Replaces the alert rules (admins only): at most 20; each fires once a month when
/// ingested usage crosses it. `email` and `webhook` channels are refused (422) on a
/// server without `PORTAL_SMTP_URL` or `PORTAL_WEBHOOK_URL`.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    request_body = AlertRules,
    responses(
        (status = 200, body = AlertRules),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/portal/alerts")]
pub async fn put_alerts(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<AlertRules>,
) -> Result<web::Json<AlertRules>, ApiError> {
    let raw: Vec<RawAlertRule> = body
        .rules
        .iter()
        .map(|r| RawAlertRule {
            kind: r.kind.clone(),
            product: r.product.clone(),
            threshold: match &r.threshold {
                Threshold::Percent(p) => RawThreshold::Percent(*p),
                Threshold::Amount(a) => RawThreshold::Amount(*a),
            },
            channels: r.channels.clone(),
        })
        .collect();
    let saved = state
        .portal
        .spend_guard
        .set_alert_rules(&user, &raw)
        .await?;
    Ok(web::Json(rule_set(&saved)))
}

fn cap_set(list: &[rules::Cap]) -> Caps {
    Caps {
        caps: list
            .iter()
            .map(|c| Cap {
                product: c.product.as_str().to_owned(),
                stop_at_percent: c.stop_at_percent,
            })
            .collect(),
    }
}

/// The customer's caps.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    responses((status = 200, body = Caps))
)]
#[get("/portal/caps")]
pub async fn get_caps(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<Caps>, ApiError> {
    Ok(web::Json(cap_set(
        &state.portal.spend_guard.caps(&user).await?,
    )))
}

/// Replaces the caps (admins only): a counted product stops at a share of its quota.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    request_body = Caps,
    responses(
        (status = 200, body = Caps),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/portal/caps")]
pub async fn put_caps(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<Caps>,
) -> Result<web::Json<Caps>, ApiError> {
    let raw: Vec<(String, i64)> = body
        .caps
        .iter()
        .map(|c| (c.product.clone(), c.stop_at_percent))
        .collect();
    Ok(web::Json(cap_set(
        &state.portal.spend_guard.set_caps(&user, &raw).await?,
    )))
}

fn notification(
    n: &portal_billing::ports::Notification,
    language: DocumentLanguage,
) -> Notification {
    let (title, body) = n.notice.words(language);
    let link = match &n.notice {
        Notice::Quota { .. } => "/usage".to_owned(),
        Notice::ProjectedBill { .. } => "/".to_owned(),
        Notice::FapiaoIssued { .. } => "/fapiao".to_owned(),
        Notice::PaymentReminder { invoice_id, .. } => format!("/invoices/{invoice_id}"),
        Notice::DocumentIssued {
            document: portal_domain::DocumentKind::Invoice,
            id,
            ..
        } => format!("/invoices/{id}"),
        Notice::DocumentIssued { id, .. } => format!("/credit-notes/{id}"),
        Notice::PaymentReceived { .. } => "/statement".to_owned(),
    };
    Notification {
        link,
        id: n.id.clone(),
        at: dto::timestamp(n.at),
        kind: n.notice.kind().to_owned(),
        title,
        body,
        read: n.read,
    }
}

/// The newest notifications (at most 100) and how many are unread.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    params(LangQuery),
    responses(
        (status = 200, description = "worded in `?lang=` or Accept-Language (zh by default)", body = Notifications),
        (status = 400, description = "`lang` is not zh or en", body = ErrorBody),
    )
)]
#[get("/portal/notifications")]
pub async fn get_notifications(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    Lang(language): Lang,
) -> Result<HttpResponse, ApiError> {
    let (unread, list) = state.portal.spend_guard.notifications(&user).await?;
    Ok(worded(Notifications {
        unread,
        notifications: list.iter().map(|n| notification(n, language)).collect(),
    }))
}

/// Marks a notification read; another customer's is 404 like a missing one.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    params(("id" = String, Path), LangQuery),
    responses(
        (status = 200, body = Notification),
        (status = 400, description = "`lang` is not zh or en", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[post("/portal/notifications/{id}/read")]
pub async fn read_notification(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
    Lang(language): Lang,
) -> Result<HttpResponse, ApiError> {
    let read = state
        .portal
        .spend_guard
        .mark_notification_read(&user, &super::ids::notification(&id)?)
        .await?;
    Ok(worded(notification(&read, language)))
}

/// 全部已读 / Mark all read: every notification of the customer read.
#[utoipa::path(
    context_path = "/api",
    tag = "spend guard",
    security(("bearer" = [])),
    responses((status = 200, body = NotificationsRead))
)]
#[post("/portal/notifications/read-all")]
pub async fn read_all_notifications(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<NotificationsRead>, ApiError> {
    let marked = state
        .portal
        .spend_guard
        .mark_all_notifications_read(&user)
        .await?;
    Ok(web::Json(NotificationsRead { marked }))
}
