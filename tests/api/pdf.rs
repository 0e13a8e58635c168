use serde_json::Value;

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(invoice_pdf_matches_the_api_and_is_cacheable);

/// The PDF's text without whitespace (layout breaks lines anywhere).
pub(crate) fn squashed_text(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The text of invoice `id`'s PDF as the demo customer's member downloads it, squashed.
pub(crate) async fn pdf_text(app: &crate::helpers::TestApp, id: &str) -> String {
    let pdf = app
        .get(&format!("/api/portal/invoices/{id}/pdf"), &app.member())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    squashed_text(&pdf)
}

/// `999.00` -> `¥999.00`, `1234.50` -> `¥1,234.50`.
fn yuan(api_amount: &str) -> String {
    let (int, frac) = api_amount.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("¥{grouped}.{frac}")
}

async fn invoice_pdf_matches_the_api_and_is_cacheable(backend: Backend) {
    let app = spawn_app(backend).await;
    let list = app.read("/api/portal/invoices").await;
    let id = list["invoices"][0]["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invoice: Value = app.read(&format!("/api/portal/invoices/{id}")).await;
    let path = format!("/api/portal/invoices/{id}/pdf");

    let resp = app.get(&path, &app.member()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let headers = resp.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"{id}.pdf\"")
    );
    // A document is never stored by a browser or a proxy (§17).
    assert_eq!(headers["cache-control"], "private, no-store");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = squashed_text(&pdf);
    assert!(text.contains(&id));
    assert!(text.contains("示例科技有限公司"));
    // A bill (账单), not a fapiao (contract §12), and it says so.
    assert!(text.contains("账单") && text.contains("账单编号"), "{text}");
    assert!(!text.contains("发票号码"), "{text}");
    assert!(
        text.contains("本账单不是增值税发票。如需发票，请在客户控制台的“发票”页面申请。"),
        "{text}"
    );
    assert!(
        text.contains(&yuan(invoice["amount"].as_str().unwrap())),
        "the total equals the API's"
    );
    for line in invoice["lines"].as_array().unwrap() {
        let desc: String = line["description"]
            .as_str()
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(text.contains(&desc), "{desc}");
        assert!(text.contains(&yuan(line["amount"].as_str().unwrap())));
    }

    // A repeated download with the ETag is answered 304 without a body.
    let again = app
        .get(&path, &app.member())
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    // English by parameter or by Accept-Language, with its own ETag.
    let en = app
        .get(&format!("{path}?lang=en"), &app.member())
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), 200);
    assert_ne!(en.headers()["etag"].to_str().unwrap(), etag);
    let en_text = squashed_text(&en.bytes().await.unwrap());
    assert!(
        en_text.contains("Billno.") && en_text.contains("Total(CNY)"),
        "{en_text}"
    );
    assert!(
        en_text.contains("ThisbillisnotaVATfapiao.")
            && en_text.contains("RequestafapiaoontheFapiaopageofthecustomerportal."),
        "{en_text}"
    );
    assert!(!en_text.contains("Invoice"), "{en_text}");
    let accept = app
        .get(&path, &app.member())
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(squashed_text(&accept.bytes().await.unwrap()).contains("Billto"));

    let bad = app
        .get(&format!("{path}?lang=fr"), &app.member())
        .send()
        .await
        .unwrap();
    assert_error(bad, 400, "bad_request").await;
}
