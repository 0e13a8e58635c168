//! Contract §11, delivery: changes reach the platform as signed webhooks (retried with the
//! same id until a real receiver on loopback accepts them) and spend alerts reach the
//! account's contact by e-mail through a real SMTP server (aiosmtpd).

use std::collections::BTreeMap;
use std::time::Duration;

use portal_notify::test_support::{Received, SmtpSink, WebhookReceiver, eventually, verify};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_databases;

on_both_databases!(
    changes_reach_the_platform_as_signed_webhooks_retried_with_one_id,
    a_spend_alert_mails_the_contact_in_chinese_and_english
);

const SECRET: &str = "whsec-test-0123456789";

async fn set_rule(app: &TestApp, channels: Value) {
    let rules = json!({"rules": [
        {"kind": "quota_percent", "product": "ai_chat", "threshold": 1, "channels": channels},
    ]});
    let resp = app
        .put_json("/api/portal/alerts", &app.admin(), &rules)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// The tries of each event id, in the order they arrived.
fn by_id(received: &[Received]) -> BTreeMap<String, Vec<Received>> {
    let mut tries: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for r in received {
        let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
        tries.entry(id).or_default().push(r.clone());
    }
    tries
}

fn of_type(received: &[Received], event_type: &str) -> Vec<Value> {
    received
        .iter()
        .filter(|r| r.status == 204)
        .map(Received::json)
        .filter(|e| e["type"] == event_type)
        .collect()
}

async fn changes_reach_the_platform_as_signed_webhooks_retried_with_one_id(backend: Backend) {
    // The receiver fails the first two tries it gets.
    let receiver = WebhookReceiver::start(2).await.unwrap();
    let app = spawn_app_with(
        backend,
        &[
            ("PORTAL_WEBHOOK_URL", receiver.url.clone()),
            ("PORTAL_WEBHOOK_SECRET", SECRET.to_owned()),
        ],
    )
    .await;
    // The app is told what this server delivers (§16): webhooks, not e-mail.
    assert_eq!(
        app.read("/api/app-config").await["channels"],
        json!(["in_app", "webhook"])
    );
    set_rule(&app, json!(["in_app", "webhook"])).await;
    app.chats("hook-1", 5_000).await;

    let crossed = eventually(Duration::from_secs(20), || {
        let received = receiver.received();
        let delivered = of_type(&received, "usage.threshold_crossed");
        (!delivered.is_empty()).then_some(received)
    })
    .await
    .expect("usage.threshold_crossed delivered within 20 s");
    let tries = by_id(&crossed);
    assert_eq!(tries.len(), 1, "one event: {tries:?}");
    let (id, tries) = tries.into_iter().next().unwrap();
    assert!(id.starts_with("evt_"), "{id}");
    // Failed twice, then delivered: the same bytes each time, each signed.
    let statuses: Vec<u16> = tries.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [500, 500, 204]);
    assert!(tries.iter().all(|t| t.body == tries[0].body));
    for t in &tries {
        let signature = t.signature.as_deref().expect("Portal-Signature");
        assert!(verify(SECRET, signature, &t.body), "{signature}");
        assert!(!verify("another-secret-0123456789", signature, &t.body));
    }
    // Retried after 1 s, then after 2 s.
    let gaps: Vec<Duration> = tries.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(
        gaps[0] >= Duration::from_millis(950) && gaps[1] >= Duration::from_millis(1950),
        "{gaps:?}"
    );
    let event = tries[0].json();
    assert_eq!(event["type"], "usage.threshold_crossed");
    assert_eq!(event["customer_id"], "cust_demo");
    assert_eq!(event["data"]["rule"]["product"], "ai_chat");
    assert_eq!(event["data"]["rule"]["threshold"], 1);
    assert!(event["data"]["crossed"]["used"].as_i64().unwrap() >= 5_000);
    assert!(event["created_at"].as_str().is_some());
    // The in-app channel still notifies.
    let notifications = app.read("/api/portal/notifications").await;
    assert_eq!(notifications["unread"], 1);

    // A plan change, the invoice it issues, a billing run's invoice and the overdue one.
    let upgraded = app
        .post_json(
            "/api/portal/subscription/upgrade",
            &app.admin(),
            &json!({"plan_id": "enterprise"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(upgraded.status(), 200);
    let upgrade: Value = upgraded.json().await.unwrap();
    let next = crate::helpers::today()
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let run = app.billing_run(&next).await;
    let overdue = run["invoices_overdue"].as_u64().unwrap() as usize;
    assert!(overdue > 0, "the demo data has invoices past due: {run}");
    let received = eventually(Duration::from_secs(20), || {
        let received = receiver.received();
        let issued = of_type(&received, "invoice.issued");
        let changed = of_type(&received, "subscription.changed");
        let marked = of_type(&received, "invoice.overdue");
        (issued.len() >= 2 && !changed.is_empty() && marked.len() >= overdue).then_some(received)
    })
    .await
    .unwrap_or_else(|| panic!("events: {:#?}", receiver.received()));
    let changed = &of_type(&received, "subscription.changed")[0];
    assert_eq!(changed["data"]["change"], "upgraded");
    assert_eq!(changed["data"]["plan_id"], "enterprise");
    let issued: Vec<Value> = of_type(&received, "invoice.issued")
        .iter()
        .map(|e| e["data"]["invoice_id"].clone())
        .collect();
    assert!(
        issued.contains(&upgrade["invoice"]["invoice_id"]),
        "{issued:?} {upgrade}"
    );
    let marked = of_type(&received, "invoice.overdue");
    assert_eq!(marked.len(), overdue, "{run}");
    assert!(marked.iter().all(|e| e["data"]["status"] == "overdue"));
    // Every event once delivered, each with its own id.
    let delivered: Vec<&Received> = received.iter().filter(|r| r.status == 204).collect();
    let ids = by_id(&received);
    assert_eq!(ids.len(), delivered.len(), "{ids:#?}");
}

async fn a_spend_alert_mails_the_contact_in_chinese_and_english(backend: Backend) {
    let sink = SmtpSink::start().unwrap();
    let app = spawn_app_with(
        backend,
        &[
            ("PORTAL_SMTP_URL", sink.url()),
            (
                "PORTAL_MAIL_FROM",
                "客户控制台 <billing@portal.test>".to_owned(),
            ),
        ],
    )
    .await;
    let contact = app.read("/api/portal/account").await["contact_email"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.read("/api/app-config").await["channels"],
        json!(["in_app", "email"])
    );
    set_rule(&app, json!(["email"])).await;
    app.chats("mail-1", 5_000).await;

    let mails = eventually(Duration::from_secs(20), || {
        let mails = sink.messages();
        (!mails.is_empty()).then_some(mails)
    })
    .await
    .expect("an e-mail within 20 s");
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, [contact]);
    assert_eq!(mail.from, "billing@portal.test");
    let text = format!("{}\n{}", mail.subject, mail.text);
    for expected in [
        "费用预警",
        "Spend alert",
        "AI 对话用量已达 1%",
        "AI chat usage reached 1%",
        "费用预警”页面",
        "Alerts page",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // E-mail only: no notification in the app.
    let notifications = app.read("/api/portal/notifications").await;
    assert_eq!(notifications["unread"], 0);
}

/// §17: a webhook never follows a redirect (the signed body goes nowhere but the URL
/// configured), and while `PORTAL_WEBHOOK_PREVIOUS_SECRET` is set each carries a second
/// signature, so a receiver still on the old secret accepts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_follow_no_redirect_and_carry_both_secrets_while_they_rotate() {
    const PREVIOUS: &str = "whsec-previous-0123456789";
    let receiver = WebhookReceiver::start(0).await.unwrap();
    let elsewhere = WebhookReceiver::start(0).await.unwrap();
    receiver.redirect_to(Some(&elsewhere.url));
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PORTAL_WEBHOOK_URL", receiver.url.clone()),
            ("PORTAL_WEBHOOK_SECRET", SECRET.to_owned()),
            ("PORTAL_WEBHOOK_PREVIOUS_SECRET", PREVIOUS.to_owned()),
        ],
    )
    .await;
    set_rule(&app, json!(["webhook"])).await;
    app.chats("hook-redirect", 5_000).await;
    // Answered 307 twice (the first try and its retry after 1 s): never followed.
    let redirected = eventually(Duration::from_secs(20), || {
        let received = receiver.received();
        (received.iter().filter(|r| r.status == 307).count() >= 2).then_some(received)
    })
    .await
    .expect("two tries redirected within 20 s");
    assert!(
        elsewhere.received().is_empty(),
        "{:?}",
        elsewhere.received()
    );
    // The receiver answers again: the next try is delivered, signed with both secrets.
    receiver.redirect_to(None);
    let delivered = eventually(Duration::from_secs(20), || {
        let received = receiver.received();
        received.iter().find(|r| r.status == 204).cloned()
    })
    .await
    .expect("delivered once the receiver answers");
    assert_eq!(delivered.body, redirected[0].body, "the same event");
    let signature = delivered.signature.as_deref().expect("Portal-Signature");
    assert!(verify(SECRET, signature, &delivered.body), "{signature}");
    assert!(verify(PREVIOUS, signature, &delivered.body), "{signature}");
    assert!(!verify(
        "another-secret-0123456789",
        signature,
        &delivered.body
    ));
    assert_eq!(signature.matches("v1=").count(), 2, "{signature}");
    assert!(elsewhere.received().is_empty());
}
