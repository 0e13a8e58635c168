//! Every reader against the derived serde code it replaces: the same answer (or the same
//! refusal) for the API's bodies and for every way of spoiling one member of them; and
//! every request body against the text serde writes.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;
use crate::json;

/// What each member is replaced with, in turn.
fn spoilers() -> Vec<Value> {
    vec![
        Value::Null,
        json!("x"),
        json!(""),
        json!("12.50"),
        json!("1e3"),
        json!(7),
        json!(-1),
        json!(0),
        json!(4_294_967_296_u64),
        // Beyond `i64`; a float reads it exactly, as the percentage reader does.
        json!(1_u64 << 63),
        json!(1.5),
        json!(-0.0),
        json!(true),
        json!([]),
        json!(["a"]),
        json!({}),
        json!({"k": "v"}),
    ]
}

/// Every variant of `value` with one member (at any depth) removed or replaced.
fn variants(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let mut removed = map.clone();
                removed.remove(key);
                out.push(Value::Object(removed));
                for spoiler in spoilers().into_iter().chain(variants(member)) {
                    let mut changed = map.clone();
                    changed.insert(key.clone(), spoiler);
                    out.push(Value::Object(changed));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for spoiler in spoilers().into_iter().chain(variants(item)) {
                    let mut changed = items.clone();
                    changed[i] = spoiler;
                    out.push(Value::Array(changed));
                }
            }
        }
        _ => {}
    }
    out
}

/// `read` and serde agree on `body` and on every variant of it.
fn agrees<T>(body: Value, read: fn(&json::Value) -> Option<T>)
where
    T: DeserializeOwned + PartialEq + Debug,
{
    let original = body.to_string();
    let ours = json::parse(&original).as_ref().and_then(read);
    assert!(ours.is_some(), "the body itself reads: {original}");
    for value in std::iter::once(body.clone()).chain(variants(&body)) {
        let text = value.to_string();
        let ours = json::parse(&text).as_ref().and_then(read);
        let theirs = serde_json::from_str::<T>(&text).ok();
        assert_eq!(ours, theirs, "{text}");
        // The `Debug` shows a `Decimal`'s scale, which `==` ignores.
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{text}");
    }
}

/// The text written for `body` is the text serde writes, but with the members in name
/// order (miniserde's object is a map by name; serde writes a struct's fields in their
/// declared order, which no reader of JSON minds).
fn writes_as_serde<T: Serialize>(body: &T, ours: json::Value) {
    let theirs = serde_json::to_value(body).unwrap();
    assert_eq!(
        json::to_text(&ours),
        serde_json::to_string(&theirs).unwrap()
    );
}

fn line() -> Value {
    json!({"description": "专业版 2025-12", "quantity": 1, "unit_price": "999.00",
        "amount": "999.00", "kind": "fee", "plan_id": "pro", "period": "2025-12",
        "from": "2025-12-01", "to": "2025-12-31", "days": 31, "days_in_month": 31,
        "tax_rate": "0.06", "net_amount": "942.45", "tax_amount": "56.55"})
}

/// A document's tax members (§14), added to `body`: one rate, or two.
fn taxed(mut body: Value, two_rates: bool) -> Value {
    let six = json!({"tax_rate": "0.06", "net_amount": "942.45", "tax_amount": "56.55",
        "amount": "999.00"});
    let thirteen = json!({"tax_rate": "0.13", "net_amount": "5.31", "tax_amount": "0.69",
        "amount": "6.00"});
    let parts = if two_rates {
        vec![six, thirteen]
    } else {
        vec![six]
    };
    let map = body.as_object_mut().unwrap();
    map.insert("net_amount".into(), json!("947.76"));
    map.insert("tax_amount".into(), json!("57.24"));
    map.insert("tax_breakdown".into(), Value::Array(parts));
    map.insert("amount_in_words".into(), json!("壹仟零伍元整"));
    body
}

fn usage_line() -> Value {
    json!({"description": "AI 对话超额", "quantity": 120, "unit_price": "0.05",
        "amount": "6.00", "kind": "overage", "product": "ai_chat", "used": 10120,
        "included": 10000, "tax_rate": "0.13", "net_amount": "5.31", "tax_amount": "0.69"})
}

fn invoice_json() -> Value {
    taxed(
        json!({"invoice_id": "INV202512001", "amount": "999.00", "currency": "CNY",
        "period": "2025-12", "status": "paid", "created_at": "2025-12-01T00:00:00Z",
        "due_date": "2025-12-15", "lines": [line(), usage_line()], "kind": "subscription",
        "payments": [{"amount": "999.00", "reference": "bank-1", "paid_at": "2025-12-03T08:00:00Z"}],
        "amount_paid": "999.00", "amount_due": "0.00", "credit_note_ids": ["CN202512001"],
        "applications": [{"source": "payment", "id": "PAY000001", "amount": "999.00",
            "at": "2025-12-03T08:00:00Z"}]}),
        true,
    )
}

fn subscription_json() -> Value {
    json!({"subscription_id": "sub_1", "plan_id": "pro", "plan_name": "专业版", "plan_name_en": "Pro",
        "start_date": "2025-01-01", "end_date": "2026-12-31", "status": "active",
        "scheduled_change": {"plan_id": "basic", "effective_date": "2026-01-01"},
        "segments": [{"plan_id": "pro", "from": "2025-12-01", "to": "2025-12-31"}]})
}

#[test]
fn account_subscription_and_changes() {
    agrees(
        json!({"customer_id": "cust_demo", "company_name": "演示公司", "contact_name": "张三",
            "contact_email": "a@b.cn", "created_at": "2025-01-01T00:00:00Z", "extra": 1}),
        account,
    );
    agrees(subscription_json(), subscription);
    agrees(
        json!({"subscription": subscription_json(), "invoice": invoice_json()}),
        upgrade_response,
    );
    agrees(
        taxed(
            json!({"plan_id": "pro", "amount": "838.71", "currency": "CNY",
            "proration_date": "2025-12-05", "lines": [line()]}),
            false,
        ),
        upgrade_preview,
    );
}

#[test]
fn plans_usage_invoices_and_the_upcoming_bill() {
    agrees(
        json!({"plans": [{"plan_id": "pro", "name": "专业版", "name_en": "Pro", "price": "999.00",
            "currency": "CNY", "period": "month",
            "features": {"ai_chat_quota": 10000, "agent_seats": 5, "email_quota": 1000},
            "overage": {"ai_chat": "0.05", "email": "0.03", "agent_seats": "99.00"},
            "tax_rate": "0.06"}]}),
        plan_list,
    );
    agrees(
        json!({"month": "2025-12", "products": [{"product": "ai_chat", "used": 2,
            "quota": 3, "percent": 66.7, "projected": 3, "alert": "none", "included": 3,
            "overage_units": 0, "overage_amount": "0.00"}]}),
        usage_overview,
    );
    agrees(
        json!({"from": "2025-12-01", "to": "2025-12-31",
            "items": [{"date": "2025-12-01", "product": "email", "count": 12}]}),
        usage_detail,
    );
    agrees(
        json!({"invoices": [{"invoice_id": "INV1", "amount": "999.00", "currency": "CNY",
            "period": "2025-12", "status": "pending", "created_at": "2025-12-01T00:00:00Z",
            "fapiao_status": "pending", "amount_paid": "0.00", "amount_due": "999.00",
            "due_date": "2025-12-16"}],
            "next_cursor": "c1"}),
        invoice_list,
    );
    agrees(invoice_json(), invoice);
    let mut upcoming = taxed(
        json!({"period": "2026-01", "currency": "CNY", "amount": "1005.00",
            "lines": [line(), usage_line()], "projected_amount": "1130.00",
            "projected_lines": [usage_line()], "projected_net_amount": "5.31",
            "projected_tax_amount": "0.69"}),
        true,
    );
    upcoming["projected_tax_breakdown"] = json!([upcoming["tax_breakdown"][1].clone()]);
    agrees(upcoming, upcoming_bill);
}

#[test]
fn percentages_keep_the_scale_a_float_gives() {
    for percent in [
        "0", "0.0", "66.7", "100.0", "100", "12.5", "99.9", "0.1", "1000.0", "250.0", "33.3",
        "1e2", "1.5E1", "2.5e-1", "7e-40", "-0.0",
    ] {
        let text = format!(
            r#"{{"month":"2025-12","products":[{{"product":"email","used":1,"quota":2,
            "percent":{percent},"projected":2,"alert":"none"}}]}}"#
        );
        let ours = json::parse(&text).as_ref().and_then(usage_overview);
        let theirs = serde_json::from_str::<portal_api_types::UsageOverview>(&text).ok();
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{percent}");
    }
}

#[test]
fn the_audit_log_the_configuration_and_errors() {
    agrees(
        json!({"entries": [{"at": "2025-12-01T00:00:00Z", "user_id": "u1", "user_name": "李雷",
            "action": "account.updated",
            "details": {"before": {"company_name": "旧"}, "after": {"company_name": "新"}}}],
            "next_cursor": null}),
        audit_log,
    );
    agrees(
        json!({"allowed_parent_origins": ["https://a.example"], "demo_sign_in": true,
            "channels": ["in_app", "webhook"]}),
        app_config,
    );
    agrees(
        json!({"token": "t", "expires_at": 1_767_225_600}),
        demo_token,
    );
    agrees(
        json!({"customer_id": "cust_demo", "user_id": "u1", "role": "admin",
            "expires_at": 1_767_225_600}),
        session_info,
    );
    agrees(
        json!({"error": {"code": "validation_failed", "message": "m",
            "fields": {"contact_email": "not an address"}}}),
        error_body,
    );
}

/// A name written twice: miniserde's object keeps the last one, so a reader takes it
/// where the derived `Deserialize` refuses the body (`duplicate field`). The API never
/// writes a name twice.
#[test]
fn names_written_twice() {
    let text = r#"{"plan_id":"a","effective_date":"b","plan_id":"c"}"#;
    let ours = json::parse(text)
        .as_ref()
        .and_then(|value| Fields::of(value).and_then(|f| f.req("plan_id", crate::json::text)));
    assert_eq!(ours.as_deref(), Some("c"));
    assert!(serde_json::from_str::<ScheduledChange>(text).is_err());
    // A name the struct does not have, written twice, is ignored by both.
    let text = r#"{"plan_id":"a","effective_date":"b","other":1,"other":2}"#;
    let ours = json::parse(text)
        .as_ref()
        .and_then(|value| Fields::of(value).and_then(|f| f.req("plan_id", crate::json::text)));
    assert_eq!(ours.as_deref(), Some("a"));
    assert!(serde_json::from_str::<ScheduledChange>(text).is_ok());
    // In a map, the last one counts, in both.
    let text = r#"{"error":{"code":"c","message":"m","fields":{"a":"1","a":"2"}}}"#;
    let ours = json::parse(text).as_ref().and_then(error_body);
    assert_eq!(ours, serde_json::from_str::<ErrorBody>(text).ok());
}

#[test]
fn requests_are_written_as_serde_writes_them() {
    let empty = UpdateAccountRequest::default();
    writes_as_serde(&empty, update_account_body(&empty));
    let full = UpdateAccountRequest {
        company_name: Some("新 \"公司\"\n\\".into()),
        contact_name: None,
        contact_email: Some("a@b.cn\u{1}\u{1f}\u{7f}".into()),
    };
    writes_as_serde(&full, update_account_body(&full));
    for proration_date in [None, Some("2025-12-05".to_owned())] {
        let body = UpgradeRequest {
            plan_id: "pro".into(),
            proration_date,
        };
        writes_as_serde(&body, upgrade_body(&body));
    }
    let body = DowngradeRequest {
        plan_id: "basic".into(),
    };
    writes_as_serde(&body, downgrade_body(&body));
}

#[test]
fn the_spend_guard() {
    use portal_api_types::{AlertRules, Caps};

    let rules = json!({"rules": [
        {"kind": "quota_percent", "product": "email", "threshold": 80, "channels": ["in_app"]},
        {"kind": "projected_amount", "product": null, "threshold": "1500.50",
            "channels": ["in_app", "email"]}]});
    agrees(rules.clone(), alert_rules);
    let read: AlertRules = serde_json::from_value(rules).unwrap();
    writes_as_serde(&read, alert_rules_body(&read));
    let caps_json = json!({"caps": [{"product": "ai_chat", "stop_at_percent": 100}]});
    agrees(caps_json.clone(), caps);
    let read: Caps = serde_json::from_value(caps_json).unwrap();
    writes_as_serde(&read, caps_body(&read));
    let one = json!({"id": "n1", "at": "2025-12-19T10:00:00Z",
        "kind": "usage.threshold_crossed", "title": "用量提醒", "body": "b", "read": false,
        "link": "/usage"});
    agrees(one.clone(), notification);
    agrees(json!({"unread": 1, "notifications": [one]}), notifications);
}

#[test]
fn fapiao() {
    use portal_api_types::{FapiaoProfile, NewFapiaoRequest};

    let profile = json!({"title_type": "company", "title": "示例科技有限公司",
        "tax_id": "91350100M000100Y43", "address": "福州市鼓楼区 1 号", "phone": "0591-88888888",
        "bank_name": "招商银行福州分行", "bank_account": "591902123410101",
        "email": "fapiao@example.com"});
    agrees(profile.clone(), fapiao_profile);
    let read: FapiaoProfile = serde_json::from_value(profile).unwrap();
    writes_as_serde(&read, fapiao_profile_body(&read));
    let person = FapiaoProfile {
        title_type: Some("individual".into()),
        title: Some("张三 \"个人\"".into()),
        ..FapiaoProfile::default()
    };
    writes_as_serde(&person, fapiao_profile_body(&person));
    agrees(json!({}), fapiao_profile);

    let pending = taxed(
        json!({"request_id": "fpq_1", "status": "pending", "kind": "normal",
        "amount": "1998.00", "currency": "CNY", "invoice_ids": ["INV202511001", "INV202512001"],
        "title": "示例科技有限公司", "tax_id": "91350100M000100Y43",
        "created_at": "2025-12-19T10:00:00Z"}),
        false,
    );
    let issued = taxed(
        json!({"request_id": "fpq_2", "status": "reversed", "kind": "special",
        "amount": "999.00", "currency": "CNY", "invoice_ids": ["INV202510001"],
        "title": "张三", "tax_id": null, "created_at": "2025-11-02T00:00:00Z",
        "fapiao_number": "25112000000012345678", "issued_on": "2025-11-03",
        "file_type": "pdf", "reversal_reason": "抬头有误"}),
        true,
    );
    agrees(json!({"requests": [pending, issued]}), fapiao_requests);
    agrees(json!({"requests": []}), fapiao_requests);

    for invoice_ids in [vec![], vec!["INV202511001".to_owned(), "INV\"2".to_owned()]] {
        let body = NewFapiaoRequest {
            invoice_ids,
            kind: "special".into(),
        };
        writes_as_serde(&body, new_fapiao_request_body(&body));
    }
}

#[test]
fn the_balance_and_credit_notes() {
    agrees::<portal_api_types::Balance>(
        json!({"currency": "CNY", "outstanding": "999.00", "overdue": "0.00",
            "credit": "100.00", "next_due_date": "2026-12-16", "remittance_code": "2345678X",
            "suspended": false,
            "pay_to": {"account_name": "上海云客服科技有限公司", "bank_name": "招商银行",
                "account_number": "1219 0876"}}),
        balance,
    );
    agrees::<portal_api_types::CreditNoteList>(
        json!({"credit_notes": [{"credit_note_id": "CN202612001", "amount": "515.61",
            "currency": "CNY", "period": "2026-12", "status": "issued",
            "created_at": "2026-12-16T02:00:00Z"}], "next_cursor": null}),
        credit_note_list,
    );
    agrees::<portal_api_types::CreditNote>(
        taxed(
            json!({"credit_note_id": "CN202612001", "amount": "999.00", "currency": "CNY",
                "period": "2026-12", "status": "issued", "created_at": "2026-12-16T02:00:00Z",
                "lines": [line()], "credits_invoice_ids": ["INV202612001"]}),
            false,
        ),
        credit_note,
    );
}

#[test]
fn the_statement() {
    agrees::<portal_api_types::Statement>(
        json!({"from": "2026-01", "to": "2026-12", "currency": "CNY",
            "opening_balance": "0.00", "closing_balance": "999.00",
            "entries": [{"date": "2026-12-01", "kind": "invoice", "id": "INV202612001",
                "description": "账单（2026-12 账期）", "debit": "999.00", "credit": "0.00",
                "balance": "999.00"}]}),
        statement,
    );
}

#[test]
fn the_costs() {
    agrees::<portal_api_types::Costs>(
        json!({"currency": "CNY", "months": [
            {"month": "2026-11", "fees": "942.45", "overage": [{"product": "ai_chat", "amount": "10.00"}],
             "adjustments": "0.00", "credits": "-100.00", "tax": "50.55", "total": "903.00",
             "change": null, "change_percent": null},
            {"month": "2026-12", "fees": "942.45", "overage": [],
             "adjustments": "0.00", "credits": "0.00", "tax": "56.55", "total": "999.00",
             "change": "96.00", "change_percent": "10.6"}]}),
        costs,
    );
}
