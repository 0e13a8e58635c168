//! A randomized billing simulation and its independent oracle, for the tests of every
//! store (in memory here, SQLite and PostgreSQL in `tests/`).
//!
//! A scenario is a year of customers' subscriptions, upgrades, scheduled downgrades,
//! calls-off, usage events (some weeks late, some sent twice) and billing runs of random
//! periods at random days (early, late, repeated), driven through [`Portal`] with
//! a controllable clock. The oracle ([`oracle::Book`]) keeps its own plan and usage for
//! every day and counts each period's charges and each month's overage in integer fen;
//! the service's fee lines of every period, and in the end its usage lines of every
//! month, must add up to them exactly.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use portal_domain::{
    Currency, CustomerId, Money, Month, OveragePrices, Plan, PlanId, Quotas, RawUsageEvent,
    TaxRate, UserId,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::Portal;
use crate::principal::{PlatformCaller, Principal, Role};
use crate::test_support::FixedClock;

mod account_check;
pub mod oracle;
mod tax_check;

use oracle::{Book, PLANS, PRODUCTS};

/// What a customer does on a day.
#[derive(Debug, Clone)]
pub enum Action {
    Upgrade(usize),
    Downgrade(usize),
    CallOff,
    /// A billing run of the month this many months from today's (-1, 0 or 1).
    Run(i32),
    /// A usage event of product (ai_chat, email, agent_seats) for the day this many days
    /// before today (late when in an earlier month); sent twice when `twice`.
    Usage {
        product: usize,
        count: i64,
        back: u64,
        twice: bool,
    },
    /// The platform puts the customer on a plan from this many days from today (maybe
    /// past) for so many days: a renewal, a correction or an early end.
    Provision {
        plan: usize,
        from: i64,
        length: u64,
    },
    /// A bank transfer of so many fen, named by the remittance code when `by_code`,
    /// reported a second time with the same reference when `again` (§15).
    Pay {
        fen: i64,
        by_code: bool,
        again: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Days the clock moves before the action.
    pub advance: u64,
    pub customer: usize,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub struct Customer {
    /// First day, as days after 1 January 2026.
    pub start: u64,
    /// Days served.
    pub length: u64,
    pub plan: usize,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub customers: Vec<Customer>,
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Customers × steps, for reports.
    pub fn size(&self) -> (usize, usize) {
        (self.customers.len(), self.steps.len())
    }
}

pub fn scenario(max_customers: usize, max_steps: usize) -> impl Strategy<Value = Scenario> {
    let customer =
        (0_u64..200, 1_u64..420, 0..PLANS.len()).prop_map(|(start, length, plan)| Customer {
            start,
            length,
            plan,
        });
    let action = prop_oneof![
        3 => (0..PLANS.len()).prop_map(Action::Upgrade),
        2 => (0..PLANS.len()).prop_map(Action::Downgrade),
        1 => Just(Action::CallOff),
        3 => (-1_i32..=1).prop_map(Action::Run),
        5 => (0..PRODUCTS, 0_i64..700, 0_u64..70, proptest::bool::weighted(0.2)).prop_map(
            |(product, count, back, twice)| Action::Usage {
                product,
                // Seats report a gauge of a few dozen at most.
                count: if product == 2 { count % 30 } else { count },
                back,
                twice,
            }
        ),
        1 => (0..PLANS.len(), -40_i64..40, 1_u64..200)
            .prop_map(|(plan, from, length)| Action::Provision { plan, from, length }),
        2 => (1_i64..250_000, proptest::bool::ANY, proptest::bool::weighted(0.2))
            .prop_map(|(fen, by_code, again)| Action::Pay { fen, by_code, again }),
    ];
    let step = (0_u64..12, 0..max_customers, action).prop_map(|(advance, customer, action)| Step {
        advance,
        customer,
        action,
    });
    (
        proptest::collection::vec(customer, 1..=max_customers),
        proptest::collection::vec(step, 1..=max_steps),
    )
        .prop_map(|(customers, steps)| Scenario { customers, steps })
}

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(NaiveDate::MIN) + Days::new(offset)
}

/// Noon in Shanghai of `d`.
fn noon(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(4, 0, 0).unwrap_or_default())
}

/// Plans of [`PLANS`], to seed a store with.
pub fn plans() -> Vec<Plan> {
    PLANS
        .iter()
        .filter_map(
            |(id, fen, (ai_chat, agent_seats, email), (chat_fen, email_fen, seat_fen))| {
                Some(Plan {
                    id: PlanId::parse(id).ok()?,
                    name: (*id).to_owned(),
                    name_en: (*id).to_owned(),
                    price: Money::from_minor(*fen, Currency::Cny),
                    quotas: Quotas {
                        ai_chat: *ai_chat,
                        agent_seats: *agent_seats,
                        email: *email,
                    },
                    overage: OveragePrices {
                        ai_chat: Money::from_minor(*chat_fen, Currency::Cny),
                        email: Money::from_minor(*email_fen, Currency::Cny),
                        agent_seats: Money::from_minor(*seat_fen, Currency::Cny),
                    },
                    tax_rate: TaxRate::new(Decimal::new(oracle::rate_of(id), 4)).ok()?,
                })
            },
        )
        .collect()
}

fn cid(i: usize) -> CustomerId {
    CustomerId::parse(&format!("cust_sim{i}")).unwrap_or_else(|_| unreachable!())
}

/// Plays `scenario` on `service` (whose store holds [`plans`] and nothing else of these
/// customers) and checks every period's invoices against the oracle: `Err` names the
/// first difference.
pub async fn play(
    portal: &Portal,
    clock: &Arc<FixedClock>,
    scenario: &Scenario,
) -> Result<(), String> {
    let platform = PlatformCaller { name: "sim".into() };
    let mut today = day(0);
    clock.set(noon(today));
    let mut books = Vec::new();
    for (i, c) in scenario.customers.iter().enumerate() {
        let (start, end) = (day(c.start), day(c.start + c.length - 1));
        portal
            .accounts
            .provision_customer(&platform, &cid(i), "Sim Co", "Sim", "sim@example.com")
            .await
            .map_err(|e| format!("provision customer: {e}"))?;
        portal
            .plan_changes
            .provision_subscription(
                &platform,
                &cid(i),
                &PlanId::parse(PLANS[c.plan].0).map_err(|e| e.to_string())?,
                start,
                end,
            )
            .await
            .map_err(|e| format!("provision subscription: {e}"))?;
        let mut days = BTreeMap::new();
        let mut d = start;
        while d <= end {
            days.insert(d, c.plan);
            d = d.succ_opt().ok_or("date overflow")?;
        }
        books.push(Book {
            days,
            ..Book::default()
        });
    }
    let mut ran = std::collections::BTreeSet::new();
    for (n, step) in scenario.steps.iter().enumerate() {
        today = today + Days::new(step.advance);
        clock.set(noon(today));
        let i = step.customer % books.len();
        let who = Principal::new(
            cid(i),
            UserId::parse("admin").map_err(|e| e.to_string())?,
            Role::Admin,
        );
        let book = &mut books[i];
        let current = book.plan_on(today);
        let result = match &step.action {
            Action::Upgrade(p) => {
                let expect = current.is_some_and(|c| PLANS[*p].1 > PLANS[c].1);
                let plan = PlanId::parse(PLANS[*p].0).map_err(|e| e.to_string())?;
                let got = portal.plan_changes.upgrade(&who, &plan, None).await;
                if expect && got.is_ok() {
                    book.set_from(today, *p);
                }
                (expect, got.map(|_| ()).map_err(|e| e.to_string()))
            }
            Action::Downgrade(p) => {
                let effective = Month::of(today).next().first_day();
                let expect = current.is_some_and(|c| PLANS[*p].1 < PLANS[c].1)
                    && book.plan_on(effective).is_some();
                let plan = PlanId::parse(PLANS[*p].0).map_err(|e| e.to_string())?;
                let got = portal.plan_changes.schedule_downgrade(&who, &plan).await;
                if expect && got.is_ok() {
                    book.set_from(effective, *p);
                }
                (expect, got.map(|_| ()).map_err(|e| e.to_string()))
            }
            Action::CallOff => {
                let got = portal.plan_changes.cancel_scheduled_change(&who).await;
                if let (Some(c), Ok(_), Some(next)) = (current, &got, today.succ_opt()) {
                    book.set_from(next, c);
                }
                (true, got.map(|_| ()).map_err(|e| e.to_string()))
            }
            Action::Provision { plan, from, length } => {
                let start = if *from < 0 {
                    today - Days::new(from.unsigned_abs())
                } else {
                    today + Days::new(from.unsigned_abs())
                };
                let end = start + Days::new(length - 1);
                let got = portal
                    .plan_changes
                    .provision_subscription(
                        &platform,
                        &cid(i),
                        &PlanId::parse(PLANS[*plan].0).map_err(|e| e.to_string())?,
                        start,
                        end,
                    )
                    .await;
                if got.is_ok() {
                    book.days.retain(|d, _| *d < start);
                    let mut d = start;
                    while d <= end {
                        book.days.insert(d, *plan);
                        d = d.succ_opt().ok_or("date overflow")?;
                    }
                }
                (true, got.map(|_| ()).map_err(|e| e.to_string()))
            }
            Action::Usage {
                product,
                count,
                back,
                twice,
            } => {
                let day = today - Days::new(*back);
                let event = RawUsageEvent {
                    event_id: format!("ev{n}"),
                    customer_id: cid(i).to_string(),
                    product: ["ai_chat", "email", "agent_seats"][*product].to_owned(),
                    count: *count,
                    occurred_at: noon(day).to_rfc3339(),
                };
                let mut got = portal
                    .usage
                    .ingest_usage(&platform, std::slice::from_ref(&event))
                    .await;
                if let (Ok(report), true) = (&got, *twice) {
                    if report.accepted != 1 {
                        return Err(format!("step {n}: accepted {}", report.accepted));
                    }
                    got = portal.usage.ingest_usage(&platform, &[event]).await;
                    if got.as_ref().is_ok_and(|r| r.accepted != 0) {
                        return Err(format!("step {n}: an event counted twice"));
                    }
                }
                if got.is_ok() {
                    book.record(day, *product, *count);
                }
                (true, got.map(|_| ()).map_err(|e| e.to_string()))
            }
            Action::Pay {
                fen,
                by_code,
                again,
            } => {
                let got = account_check::pay(portal, &who, n, *fen, *by_code, *again).await;
                if got.is_ok() {
                    book.paid += fen;
                }
                (true, got)
            }
            Action::Run(offset) => {
                let mut m = Month::of(today);
                for _ in 0..offset.unsigned_abs() {
                    m = if *offset < 0 { m.prev() } else { m.next() };
                }
                let got = portal.billing.billing_run(&platform, m).await;
                ran.insert(m);
                (true, got.map(|_| ()).map_err(|e| e.to_string()))
            }
        };
        match result {
            (true, Err(e)) if !matches!(step.action, Action::Upgrade(_) | Action::Downgrade(_)) => {
                return Err(format!("step {n} {step:?} on {today}: {e}"));
            }
            (true, Err(e)) => return Err(format!("step {n} {step:?} on {today} refused: {e}")),
            (false, Ok(())) => return Err(format!("step {n} {step:?} on {today} was allowed")),
            _ => {}
        }
        // Invoiced periods are settled at every moment.
        check(portal, i, &books[i], Scope::Invoiced)
            .await
            .map_err(|e| format!("after step {n} ({step:?} on {today}): {e}"))?;
    }
    // Then every period not run yet is run, in order, as a monthly schedule would; and
    // each customer's month after its last once more: usage that came late for months
    // billed already is settled by that run through the watermark, never by running
    // their own periods again.
    let firsts = books.iter().filter_map(|b| b.days.keys().next().copied());
    let lasts: std::collections::BTreeSet<Month> = books
        .iter()
        .filter_map(|b| b.days.keys().last().map(|d| Month::of(*d).next()))
        .collect();
    if let (Some(first), Some(after)) = (firsts.min(), lasts.last().copied()) {
        let mut m = Month::of(first);
        let unrun = std::iter::from_fn(|| {
            let this = m;
            m = m.next();
            (this <= after).then_some(this)
        })
        .filter(|m| !ran.contains(m));
        for m in unrun.chain(lasts.iter().copied()).collect::<Vec<_>>() {
            portal
                .billing
                .billing_run(&platform, m)
                .await
                .map_err(|e| format!("final run {m}: {e}"))?;
        }
        for (i, book) in books.iter().enumerate() {
            check(portal, i, book, Scope::Usage).await?;
        }
        // Periods whose days a correction added after their run are billed when they
        // are run again: every period is, and then every period adds up.
        let mut m = Month::of(first);
        while m <= after {
            portal
                .billing
                .billing_run(&platform, m)
                .await
                .map_err(|e| format!("final run {m}: {e}"))?;
            m = m.next();
        }
    }
    for (i, book) in books.iter().enumerate() {
        check(portal, i, book, Scope::All).await?;
    }
    Ok(())
}

/// What [`check`] compares with the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The fees of the periods invoiced so far.
    Invoiced,
    /// Every month's usage lines.
    Usage,
    /// The fees of every period and every month's usage lines.
    All,
}

/// Compares customer `i`'s invoices with the oracle, as far as `scope` says.
async fn check(portal: &Portal, i: usize, book: &Book, scope: Scope) -> Result<(), String> {
    let all = scope == Scope::All;
    let who = Principal::new(
        cid(i),
        UserId::parse("auditor").map_err(|e| e.to_string())?,
        Role::Member,
    );
    let mut invoiced: BTreeMap<Month, i64> = BTreeMap::new();
    let mut usage_billed: BTreeMap<Month, i64> = BTreeMap::new();
    let mut usage_lines = Vec::new();
    let documents = account_check::documents(portal, &who).await?;
    account_check::check_account(portal, &who, &documents, book.paid).await?;
    for invoice in documents {
        tax_check::check_tax(&invoice)?;
        usage_lines.extend(
            invoice
                .lines
                .iter()
                .filter(|l| l.detail.as_ref().is_some_and(|d| d.kind.is_usage()))
                .cloned(),
        );
        let mut total = 0;
        for line in &invoice.lines {
            let period = line.period().ok_or("a line without its period")?;
            let fen = line.amount.to_minor().map_err(|e| e.to_string())?;
            let usage = line.detail.as_ref().is_some_and(|d| d.kind.is_usage());
            let tally = if usage {
                &mut usage_billed
            } else {
                &mut invoiced
            };
            *tally.entry(period).or_insert(0) += fen;
            total += fen;
        }
        if Money::from_minor(total, Currency::Cny) != invoice.amount {
            return Err(format!(
                "invoice {} total differs from its lines",
                invoice.id
            ));
        }
    }
    if scope != Scope::Invoiced {
        tax_check::check_usage_rates(i, book, &usage_lines)?;
        // Every month's usage, late events included, billed once: zero fen apart.
        let overage = book.overage();
        let months: std::collections::BTreeSet<Month> =
            overage.keys().chain(usage_billed.keys()).copied().collect();
        for m in months {
            let (billed, owed) = (
                usage_billed.get(&m).copied().unwrap_or(0),
                overage.get(&m).copied().unwrap_or(0),
            );
            if billed != owed {
                return Err(format!(
                    "customer {i} usage of {m}: billed {} but the overage is {}",
                    Decimal::new(billed, 2),
                    Decimal::new(owed, 2)
                ));
            }
        }
    }
    if scope == Scope::Usage {
        return Ok(());
    }
    let owed = book.charges();
    let periods: std::collections::BTreeSet<Month> = if all {
        owed.keys().chain(invoiced.keys()).copied().collect()
    } else {
        invoiced.keys().copied().collect()
    };
    for m in periods {
        let (a, b) = (
            invoiced.get(&m).copied().unwrap_or(0),
            owed.get(&m).copied().unwrap_or(0),
        );
        if a != b {
            return Err(format!(
                "customer {i} period {m}: invoiced {} but charges are {}",
                Decimal::new(a, 2),
                Decimal::new(b, 2)
            ));
        }
    }
    Ok(())
}
