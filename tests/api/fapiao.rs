//! Contract §12: the fapiao profile, requests for paid invoices (one at a time per
//! invoice, concurrent requests included), withdrawal, issuance and reversal by the
//! platform's finance, the download of the issued file, and `fapiao_status` on invoices.

use base64::Engine;
use serde_json::{Value, json};

use std::time::Duration;

use portal_notify::test_support::{SmtpSink, WebhookReceiver, eventually};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app, spawn_app_with};
use crate::on_both_databases;

on_both_databases!(
    an_issued_fapiao_is_mailed_and_announced_to_the_platform,
    a_company_profile_needs_a_tax_id_with_its_check_character,
    a_paid_invoice_is_requested_issued_downloaded_and_reversed,
    bad_requests_and_reports_change_nothing,
    concurrent_requests_for_one_invoice_let_exactly_one_through
);

const VALID_TAX_ID: &str = "91350100M000100Y43";

pub(crate) fn company() -> Value {
    json!({
        "title_type": "company", "title": "示例科技有限公司", "tax_id": VALID_TAX_ID,
        "address": "上海市浦东新区世纪大道 100 号", "phone": "021-12345678",
        "bank_name": "招商银行上海分行", "bank_account": "1219 0000 0000 0001",
        "email": "finance@example.com",
    })
}

pub(crate) async fn save_profile(app: &TestApp, profile: &Value) {
    let resp = app
        .put_json("/api/portal/fapiao/profile", &app.admin(), profile)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// The demo customer's paid invoices, oldest first.
pub(crate) async fn paid_invoices(app: &TestApp) -> Vec<String> {
    let list = app.read("/api/portal/invoices?limit=200").await;
    let mut paid: Vec<String> = list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "paid")
        .map(|i| i["invoice_id"].as_str().unwrap().to_owned())
        .collect();
    paid.reverse();
    assert!(paid.len() >= 2, "the demo data has paid invoices: {list}");
    paid
}

async fn fapiao_status(app: &TestApp, invoice: &str) -> String {
    let list = app.read("/api/portal/invoices?limit=200").await;
    list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["invoice_id"] == invoice)
        .map(|i| i["fapiao_status"].as_str().unwrap().to_owned())
        .unwrap()
}

async fn request(app: &TestApp, invoices: &[&str], kind: &str) -> reqwest::Response {
    app.post_json(
        "/api/portal/fapiao/requests",
        &app.admin(),
        &json!({"invoice_ids": invoices, "kind": kind}),
    )
    .send()
    .await
    .unwrap()
}

fn issued_body(number: &str, file: &[u8]) -> Value {
    json!({
        "fapiao_number": number, "issued_on": "2026-03-05", "file_type": "pdf",
        "file_base64": base64::engine::general_purpose::STANDARD.encode(file),
    })
}

async fn internal(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.post_json(path, &app.service_token(), body)
        .send()
        .await
        .unwrap()
}

async fn a_company_profile_needs_a_tax_id_with_its_check_character(backend: Backend) {
    let app = spawn_app(backend).await;
    let missing = app
        .get("/api/portal/fapiao/profile", &app.admin())
        .send()
        .await
        .unwrap();
    assert_error(missing, 404, "not_found").await;

    // One wrong character (the 5th) is caught by the check character.
    let mut typo = company();
    typo["tax_id"] = json!("91351100M000100Y43");
    let resp = app
        .put_json("/api/portal/fapiao/profile", &app.admin(), &typo)
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 422, "validation_failed").await;
    let reason = body["error"]["fields"]["tax_id"].as_str().unwrap();
    assert!(reason.contains("校验码不符"), "{reason}");
    let resp = app
        .put_json("/api/portal/fapiao/profile", &app.admin(), &typo)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 422, "validation_failed").await;
    let reason = body["error"]["fields"]["tax_id"].as_str().unwrap();
    assert!(reason.contains("check character"), "{reason}");
    // A member cannot change it.
    let resp = app
        .put_json("/api/portal/fapiao/profile", &app.member(), &company())
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "forbidden").await;
    let still = app
        .get("/api/portal/fapiao/profile", &app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 404, "a refused profile changed nothing");

    save_profile(&app, &company()).await;
    let saved = app
        .read_as("/api/portal/fapiao/profile", &app.member())
        .await;
    assert_eq!(saved["tax_id"], VALID_TAX_ID);
    assert_eq!(saved["title"], "示例科技有限公司");
    // Lower case is read as the code it is.
    let mut lower = company();
    lower["tax_id"] = json!(VALID_TAX_ID.to_lowercase());
    save_profile(&app, &lower).await;
    assert_eq!(
        app.read("/api/portal/fapiao/profile").await["tax_id"],
        VALID_TAX_ID
    );
    let log = app.read("/api/portal/audit-log").await;
    assert_eq!(log["entries"][0]["action"], "fapiao.profile_updated");
}

async fn a_paid_invoice_is_requested_issued_downloaded_and_reversed(backend: Backend) {
    let app = spawn_app(backend).await;
    save_profile(&app, &company()).await;
    let paid = paid_invoices(&app).await;
    let (first, second) = (paid[0].as_str(), paid[1].as_str());
    assert_eq!(fapiao_status(&app, first).await, "none");

    let resp = request(&app, &[first, second], "special").await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let id = created["request_id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["kind"], "special");
    assert_eq!(created["tax_id"], VALID_TAX_ID);
    assert_eq!(created["invoice_ids"], json!([first, second]));
    assert_eq!(fapiao_status(&app, first).await, "pending");
    // One request per invoice at a time.
    assert_error(request(&app, &[second], "normal").await, 409, "conflict").await;

    // Withdrawn: free again; then requested anew.
    let withdrawn = app
        .client
        .delete(format!("{}/api/portal/fapiao/requests/{id}", app.address))
        .bearer_auth(app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), 200);
    assert_eq!(fapiao_status(&app, first).await, "none");
    let again: Value = request(&app, &[first], "normal")
        .await
        .json()
        .await
        .unwrap();
    let id = again["request_id"].as_str().unwrap().to_owned();
    let pending = app
        .read_as(
            "/api/internal/fapiao/requests?status=pending",
            &app.service_token(),
        )
        .await;
    assert_eq!(pending["requests"].as_array().unwrap().len(), 1);
    assert_eq!(pending["requests"][0]["request_id"], id.as_str());

    // Finance issues it with its file.
    let file = b"%PDF-1.7\n% a fapiao\n";
    let issued_path = format!("/api/internal/fapiao/requests/{id}/issued");
    let resp = internal(
        &app,
        &issued_path,
        &issued_body("26312000000012345678", file),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let issued: Value = resp.json().await.unwrap();
    assert_eq!(issued["status"], "issued");
    assert_eq!(issued["fapiao_number"], "26312000000012345678");
    assert_eq!(fapiao_status(&app, first).await, "issued");
    let twice = internal(
        &app,
        &issued_path,
        &issued_body("26312000000012345679", file),
    )
    .await;
    assert_error(twice, 409, "conflict").await;

    let download = app
        .get(
            &format!("/api/portal/fapiao/requests/{id}/file"),
            &app.member(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"fapiao-26312000000012345678.pdf\""
    );
    assert_eq!(download.headers()["cache-control"], "private, no-store");
    assert_eq!(download.bytes().await.unwrap().as_ref(), file);

    // Reversed (红冲): the invoice is free again.
    let reversed = internal(
        &app,
        &format!("/api/internal/fapiao/requests/{id}/reversed"),
        &json!({"reason": "抬头有误"}),
    )
    .await;
    assert_eq!(reversed.status(), 200);
    let request_now = app.read(&format!("/api/portal/fapiao/requests/{id}")).await;
    assert_eq!(request_now["status"], "reversed");
    assert_eq!(request_now["reversal_reason"], "抬头有误");
    assert_eq!(fapiao_status(&app, first).await, "none");
    let log = app.read("/api/portal/audit-log").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .take(5)
        .collect();
    assert_eq!(
        actions,
        [
            "fapiao.reversed",
            "fapiao.issued",
            "fapiao.requested",
            "fapiao.withdrawn",
            "fapiao.requested"
        ]
    );
}

async fn bad_requests_and_reports_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let paid = paid_invoices(&app).await;
    // No profile yet.
    let body = assert_error(
        request(&app, &[&paid[0]], "normal").await,
        422,
        "validation_failed",
    )
    .await;
    assert!(body["error"]["fields"]["profile"].is_string(), "{body}");
    // A special fapiao needs the company's address, phone and bank.
    let mut person = company();
    person["title_type"] = json!("individual");
    person["title"] = json!("张三");
    for field in ["tax_id", "address", "phone", "bank_name", "bank_account"] {
        person[field] = Value::Null;
    }
    save_profile(&app, &person).await;
    let body = assert_error(
        request(&app, &[&paid[0]], "special").await,
        422,
        "validation_failed",
    )
    .await;
    for field in [
        "title_type",
        "address",
        "phone",
        "bank_name",
        "bank_account",
    ] {
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field}: {body}"
        );
    }
    save_profile(&app, &company()).await;
    // An unpaid invoice, another customer's, an unknown kind, a member.
    let list = app.read("/api/portal/invoices?limit=200").await;
    let unpaid = list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] != "paid")
        .expect("the demo data has unpaid invoices");
    let id = unpaid["invoice_id"].as_str().unwrap();
    assert_error(request(&app, &[id], "normal").await, 409, "conflict").await;
    let theirs = app
        .read_as(
            "/api/portal/invoices",
            &app.token("cust_demo2", portal_http::TokenRole::Admin),
        )
        .await;
    let their_invoice = theirs["invoices"][0]["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_error(
        request(&app, &[&their_invoice], "normal").await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        request(&app, &[&paid[0]], "vat").await,
        422,
        "validation_failed",
    )
    .await;
    let by_member = app
        .post_json(
            "/api/portal/fapiao/requests",
            &app.member(),
            &json!({"invoice_ids": [paid[0]], "kind": "normal"}),
        )
        .send()
        .await
        .unwrap();
    assert_error(by_member, 403, "forbidden").await;
    assert!(
        app.read("/api/portal/fapiao/requests").await["requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Finance's bad reports: nothing issued.
    let created: Value = request(&app, &[&paid[0]], "normal")
        .await
        .json()
        .await
        .unwrap();
    let id = created["request_id"].as_str().unwrap();
    let path = format!("/api/internal/fapiao/requests/{id}/issued");
    let pdf = b"%PDF-1.7".to_vec();
    for (body, field) in [
        (issued_body("2631200000001234567", &pdf), "fapiao_number"),
        (issued_body("2631200000001234567X", &pdf), "fapiao_number"),
        (
            json!({"fapiao_number": "26312000000012345678", "issued_on": "2026-03-05",
                   "file_type": "pdf", "file_base64": "not base64 at all!"}),
            "file_base64",
        ),
        (
            json!({"fapiao_number": "26312000000012345678", "issued_on": "2026-02-30",
                   "file_type": "pdf", "file_base64": "JVBERg=="}),
            "issued_on",
        ),
        (
            issued_body("26312000000012345678", &vec![b'%'; 5 * 1024 * 1024 + 1]),
            "file_base64",
        ),
        // A "PDF" that is not one (§17), and a PDF declared as OFD.
        (
            issued_body("26312000000012345678", b"<html>not a pdf</html>"),
            "file_base64",
        ),
        (
            json!({"fapiao_number": "26312000000012345678", "issued_on": "2026-03-05",
                   "file_type": "ofd", "file_base64": "JVBERi0xLjc="}),
            "file_base64",
        ),
    ] {
        let body = assert_error(internal(&app, &path, &body).await, 422, "validation_failed").await;
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field}: {body}"
        );
    }
    let unknown = internal(
        &app,
        "/api/internal/fapiao/requests/fpq_nope/issued",
        &issued_body("26312000000012345678", &pdf),
    )
    .await;
    assert_error(unknown, 404, "not_found").await;
    let by_customer = app
        .post_json(
            &path,
            &app.admin(),
            &issued_body("26312000000012345678", &pdf),
        )
        .send()
        .await
        .unwrap();
    assert_error(by_customer, 403, "forbidden").await;
    let still = app.read(&format!("/api/portal/fapiao/requests/{id}")).await;
    assert_eq!(still["status"], "pending");
    // Another customer's request is not found; a pending one has no file; reversing a
    // pending one is a conflict.
    let other = app
        .get(
            &format!("/api/portal/fapiao/requests/{id}"),
            &app.token("cust_demo2", portal_http::TokenRole::Admin),
        )
        .send()
        .await
        .unwrap();
    assert_error(other, 404, "not_found").await;
    let no_file = app
        .get(
            &format!("/api/portal/fapiao/requests/{id}/file"),
            &app.admin(),
        )
        .send()
        .await
        .unwrap();
    assert_error(no_file, 404, "not_found").await;
    let reversed = internal(
        &app,
        &format!("/api/internal/fapiao/requests/{id}/reversed"),
        &json!({"reason": "x"}),
    )
    .await;
    assert_error(reversed, 409, "conflict").await;
}

async fn concurrent_requests_for_one_invoice_let_exactly_one_through(backend: Backend) {
    let app = spawn_app(backend).await;
    save_profile(&app, &company()).await;
    let paid = paid_invoices(&app).await;
    let invoice = [paid[0].as_str()];
    let tries = futures::future::join_all((0..6).map(|_| request(&app, &invoice, "normal"))).await;
    let statuses: Vec<u16> = tries.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let listed = app.read("/api/portal/fapiao/requests").await;
    assert_eq!(listed["requests"].as_array().unwrap().len(), 1);
}

async fn an_issued_fapiao_is_mailed_and_announced_to_the_platform(backend: Backend) {
    let sink = SmtpSink::start().unwrap();
    let receiver = WebhookReceiver::start(0).await.unwrap();
    let app = spawn_app_with(
        backend,
        &[
            ("PORTAL_SMTP_URL", sink.url()),
            (
                "PORTAL_MAIL_FROM",
                "客户控制台 <billing@portal.test>".to_owned(),
            ),
            ("PORTAL_WEBHOOK_URL", receiver.url.clone()),
            (
                "PORTAL_WEBHOOK_SECRET",
                "whsec-fapiao-0123456789".to_owned(),
            ),
        ],
    )
    .await;
    save_profile(&app, &company()).await;
    let paid = paid_invoices(&app).await;
    let created: Value = request(&app, &[&paid[0]], "normal")
        .await
        .json()
        .await
        .unwrap();
    let id = created["request_id"].as_str().unwrap();
    let file = b"%PDF-1.7\n% an e-fapiao\n";
    let resp = internal(
        &app,
        &format!("/api/internal/fapiao/requests/{id}/issued"),
        &issued_body("26312000000012345678", file),
    )
    .await;
    assert_eq!(resp.status(), 200);

    let mails = eventually(Duration::from_secs(20), || {
        let mails = sink.messages();
        (!mails.is_empty()).then_some(mails)
    })
    .await
    .expect("the e-fapiao mailed within 20 s");
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, ["finance@example.com"]);
    assert!(
        mail.subject.contains("26312000000012345678"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("增值税普通发票已开具"), "{}", mail.text);
    assert!(mail.text.contains("is issued"), "{}", mail.text);
    assert_eq!(
        mail.attachments,
        [(
            "fapiao-26312000000012345678.pdf".to_owned(),
            "application/pdf".to_owned(),
            file.to_vec()
        )]
    );
    // The platform hears of it once, with the request and the number.
    let issued = eventually(Duration::from_secs(20), || {
        let events: Vec<Value> = receiver
            .received()
            .iter()
            .map(|r| r.json())
            .filter(|e| e["type"] == "fapiao.issued")
            .collect();
        (!events.is_empty()).then_some(events)
    })
    .await
    .expect("fapiao.issued delivered within 20 s");
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["data"]["request_id"], id);
    assert_eq!(issued[0]["data"]["fapiao_number"], "26312000000012345678");
    assert_eq!(issued[0]["data"]["invoice_ids"], json!([paid[0]]));
}
