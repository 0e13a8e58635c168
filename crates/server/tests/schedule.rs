//! Each month's billing run starts by itself (§15): `portal serve` instances with
//! `PORTAL_BILLING_RUN_AT` set start the month's run once it is due (business time on
//! the 1st; an instance that comes up later in the month starts it then); of two
//! instances only one stores it, and it bills every customer the month serves, once.
//! (That a run done is not started again is the service's test.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::{Duration, Instant};

use chrono::{Months, Utc};
use portal_domain::{BusinessCalendar, Month};
use portal_persistence::test_support::TestPg;

mod common;
use common::{Portal, psql};

/// Customers the month serves that have no invoice of it yet.
const UNBILLED: u32 = 200;

/// `id|status|created` of each run of `period`.
fn runs(url: &str, period: Month) -> Vec<String> {
    psql(
        url,
        &format!(
            "SELECT id, status, created FROM billing_runs WHERE period = '{period}' ORDER BY id"
        ),
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_start_the_months_run_once_and_it_bills_everyone() {
    let pg = TestPg::create().await;
    // 00:00 on the 1st has passed whatever today is: the run is due at once.
    let env = [("PORTAL_BILLING_RUN_AT", "00:00")];
    let portals: Vec<Portal> = (0..2).map(|_| Portal::new(&pg.url, &env)).collect();
    portals[0].output(&["seed", "--demo"]);
    let period = Month::of(BusinessCalendar::default().date_of(Utc::now()));
    let start = period.first_day();
    let sql = include_str!("../../../scripts/sql/fill-subscriptions.sql")
        .replace("{{N}}", &UNBILLED.to_string())
        .replace("{{PLAN}}", "pro")
        .replace("{{START}}", &start.to_string())
        .replace(
            "{{END}}",
            &(start + Months::new(12) - chrono::Days::new(1)).to_string(),
        );
    psql(&pg.url, &sql);

    let mut running = Vec::new();
    for p in &portals {
        running.push(p.serve().await);
    }
    let id = format!("run_scheduled_{}", period.to_string().replace('-', ""));
    let deadline = Instant::now() + Duration::from_secs(60);
    let finished = loop {
        let rows = runs(&pg.url, period);
        if rows.iter().any(|r| r.contains("|finished|")) {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "no scheduled run finished in 60 s: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(finished.len(), 1, "one run of the month: {finished:?}");
    let fields: Vec<&str> = finished[0].split('|').collect();
    assert_eq!(fields[0], id);
    let created: u32 = fields[2].parse().unwrap();
    assert!(
        created >= UNBILLED,
        "{created} invoices for {UNBILLED} unbilled customers"
    );
    let billed = psql(
        &pg.url,
        &format!(
            "SELECT count(*), count(DISTINCT customer_id) FROM invoices \
             WHERE period = '{period}' AND customer_id LIKE 'cust_bulk_%'"
        ),
    );
    assert_eq!(billed, format!("{UNBILLED}|{UNBILLED}"), "each once");

    drop(running);
}
