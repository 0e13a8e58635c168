//! The port contract suite: one function per promise the port traits make, run against
//! every implementation — the in-memory fakes here, the sea-orm store on SQLite and
//! PostgreSQL and the cached store over the in-process cache and Redis in the
//! persistence adapter's tests. A fake that passes it keeps the adapters' promises.
//!
//! Each case gets the ports of a fresh, empty store and returns what it found wrong.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use portal_domain::{
    AccountChanges, AuditAction, AuditEntry, Currency, CustomerId, DateRange, InvoiceKind,
    InvoiceLine, InvoiceStatus, LineDetail, LineKind, Money, Month, NewCustomer, NewInvoice,
    Payment, Plan, PlanId, Product, Quotas, Subscription, SubscriptionId, SubscriptionStatus,
    UsageEvent, UsageRecord, UserId,
};

use crate::ports::{Actor, KeyClaim, Ports, RepositoryError};

/// What a case found wrong.
pub type Outcome = Result<(), String>;
type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
/// A promise of the ports, checked on fresh ports.
pub type Case = fn(Ports) -> CaseFuture;

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap_or(NaiveDate::MIN)
}

fn cid(raw: &str) -> Result<CustomerId, String> {
    CustomerId::parse(raw).map_err(err)
}

fn pid(raw: &str) -> Result<PlanId, String> {
    PlanId::parse(raw).map_err(err)
}

fn cny(fen: i64) -> Money {
    Money::from_minor(fen, Currency::Cny)
}

async fn customer(ports: &Ports, id: &str) -> Result<CustomerId, String> {
    let id = cid(id)?;
    let data = NewCustomer::parse("公司", "联系人", "a@example.com").map_err(err)?;
    ports
        .customers
        .upsert(&id, &data, at(1, 0))
        .await
        .map_err(err)?;
    Ok(id)
}

async fn plan(ports: &Ports, id: &str, fen: i64) -> Result<Plan, String> {
    let plan = Plan {
        id: pid(id)?,
        name: id.to_owned(),
        price: cny(fen),
        quotas: Quotas {
            ai_chat: 10,
            agent_seats: 1,
            email: 10,
        },
    };
    ports.plans.upsert(&plan).await.map_err(err)?;
    Ok(plan)
}

fn fee(plan: &str, period: Month, fen: i64) -> Result<InvoiceLine, String> {
    Ok(InvoiceLine::from_detail(
        LineDetail {
            kind: LineKind::Fee,
            plan_id: pid(plan)?,
            plan_name: plan.to_owned(),
            period,
            from: period.first_day(),
            to: period.last_day(),
            days: period.days(),
            days_in_month: period.days(),
        },
        cny(fen),
    ))
}

fn invoice(customer: &CustomerId, issued: DateTime<Utc>, lines: Vec<InvoiceLine>) -> NewInvoice {
    let issued_on = issued.date_naive();
    NewInvoice {
        customer_id: customer.clone(),
        period: Month::of(issued_on),
        kind: InvoiceKind::Adjustment,
        status: InvoiceStatus::Pending,
        currency: Currency::Cny,
        lines,
        created_at: issued,
        issued_on,
        due_date: issued_on + Days::new(15),
    }
}

/// Issues `new` in a unit of work of its own.
async fn issue(ports: &Ports, new: &NewInvoice) -> Result<portal_domain::Invoice, String> {
    let mut txn = ports.ledger.begin(&new.customer_id).await.map_err(err)?;
    let issued = txn.issue(new).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(issued)
}

/// A subscription of `customer` on `plan`, created through the ledger.
async fn subscribe(
    ports: &Ports,
    customer: &CustomerId,
    plan: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Subscription, String> {
    let new = Subscription {
        version: 0,
        ..Subscription::on_plan(
            SubscriptionId::parse(&format!("sub_{customer}")).map_err(err)?,
            customer.clone(),
            pid(plan)?,
            from,
            to,
        )
    };
    let mut txn = ports.ledger.begin(customer).await.map_err(err)?;
    let saved = txn.save(&new).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(saved)
}

fn audit(
    customer: &CustomerId,
    action: AuditAction,
    at: DateTime<Utc>,
) -> Result<AuditEntry, String> {
    Ok(AuditEntry {
        customer_id: customer.clone(),
        user_id: UserId::parse("u1").map_err(err)?,
        at,
        action,
        before: Default::default(),
        after: Default::default(),
    })
}

/// `name => function` pairs as cases.
macro_rules! cases {
    ($($name:literal => $case:ident),* $(,)?) => {
        vec![$(($name, (|p| Box::pin($case(p))) as Case)),*]
    };
}

/// Every case, by name.
pub fn cases() -> Vec<(&'static str, Case)> {
    cases![
        "customer upsert creates, then replaces" => customer_upsert_creates_then_replaces,
        "customer update bumps the version and records the audit entry" => customer_update_bumps_version_and_audits,
        "customer update at a stale version conflicts and changes nothing" => customer_update_at_a_stale_version_conflicts,
        "customer update of an unknown customer is none" => customer_update_of_unknown_is_none,
        "existing names only known customers" => existing_names_only_known_customers,
        "plans are found and listed after upsert" => plans_are_found_and_listed,
        "subscription insert_if_absent stores once" => subscription_insert_if_absent_stores_once,
        "ledger creates a subscription at version 0 once" => ledger_creates_a_subscription_once,
        "ledger save at a stale version conflicts and writes nothing" => ledger_stale_save_conflicts,
        "ledger unit of work dropped without commit writes nothing" => ledger_dropped_unit_writes_nothing,
        "ledger numbers invoices per month without gaps" => ledger_numbers_invoices_without_gaps,
        "ledger refuses a second subscription invoice of a period" => ledger_refuses_a_second_period_invoice,
        "ledger reads invoiced lines by period, from a month on, of one customer" => ledger_reads_invoiced_lines_by_period,
        "ledger lists the customers a period bills" => ledger_lists_billable_customers,
        "invoices are listed newest first and found only by their customer" => invoices_are_scoped_and_newest_first,
        "mark_overdue takes only pending, positive invoices past due" => mark_overdue_takes_pending_positive_past_due,
        "record_payment pays once, then conflicts" => record_payment_pays_once,
        "expire_ended expires only active subscriptions past their end" => expire_ended_expires_active_past_end,
        "audit entries are newest first, limited and scoped" => audit_is_newest_first_limited_scoped,
        "idempotency: claim, complete, replay" => idempotency_claim_complete_replay,
        "idempotency: release frees only an unanswered claim" => idempotency_release_frees_only_unanswered,
        "idempotency: a stale claim with the same fingerprint is taken over" => idempotency_stale_claim_is_taken_over,
        "idempotency: purge deletes keys claimed before the cutoff" => idempotency_purge_before_cutoff,
        "usage: each event counts once, seats keep the highest" => usage_events_count_once,
        "usage: daily values are ordered, filtered and scoped; seeding never overwrites" => usage_daily_is_ordered_and_scoped,
    ]
}

/// Runs every case on fresh ports from `fresh` and fails with the names of the broken
/// promises.
pub async fn run_all<F, Fut>(implementation: &str, mut fresh: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Ports>,
{
    let mut broken = Vec::new();
    for (name, case) in cases() {
        let ports = fresh().await;
        if let Err(why) = case(ports).await {
            broken.push(format!("{name}: {why}"));
        }
    }
    assert!(
        broken.is_empty(),
        "{implementation} breaks {} promise(s):\n{}",
        broken.len(),
        broken.join("\n")
    );
}

async fn customer_upsert_creates_then_replaces(p: Ports) -> Outcome {
    let id = cid("cust_a")?;
    let data = NewCustomer::parse("甲公司", "张三", "a@example.com").map_err(err)?;
    let (first, created) = p
        .customers
        .upsert(&id, &data, at(1, 0))
        .await
        .map_err(err)?;
    ensure!(created, "the first upsert did not report a creation");
    let data = NewCustomer::parse("乙公司", "李四", "b@example.com").map_err(err)?;
    let (second, created) = p
        .customers
        .upsert(&id, &data, at(2, 0))
        .await
        .map_err(err)?;
    ensure!(!created, "the second upsert reported a creation");
    ensure!(second.company_name == "乙公司", "not replaced: {second:?}");
    ensure!(second.created_at == first.created_at, "created_at moved");
    let found = p.customers.find(&id).await.map_err(err)?;
    ensure!(found.as_ref() == Some(&second), "find gave {found:?}");
    Ok(())
}

async fn customer_update_bumps_version_and_audits(p: Ports) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    let before = p.customers.find(&id).await.map_err(err)?.ok_or("missing")?;
    let changes = AccountChanges::parse(None, Some("王五"), None).map_err(err)?;
    let actor = Actor {
        user_id: UserId::parse("u1").map_err(err)?,
        at: at(3, 0),
    };
    let after = p
        .customers
        .update(&id, &changes, Some(before.version), &actor)
        .await
        .map_err(err)?
        .ok_or("update found no customer")?;
    ensure!(after.contact_name == "王五", "not applied: {after:?}");
    ensure!(after.version > before.version, "version not bumped");
    let stored = p.customers.find(&id).await.map_err(err)?;
    ensure!(stored.as_ref() == Some(&after), "stored {stored:?}");
    let log = p.audit.list(&id, 10).await.map_err(err)?;
    ensure!(log.len() == 1, "{} audit entries", log.len());
    ensure!(
        log[0].action == AuditAction::AccountUpdated,
        "action {:?}",
        log[0].action
    );
    ensure!(
        log[0].after.get("contact_name").map(String::as_str) == Some("王五"),
        "audit after {:?}",
        log[0].after
    );
    Ok(())
}

async fn customer_update_at_a_stale_version_conflicts(p: Ports) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    let before = p.customers.find(&id).await.map_err(err)?.ok_or("missing")?;
    let actor = Actor {
        user_id: UserId::parse("u1").map_err(err)?,
        at: at(3, 0),
    };
    let first = AccountChanges::parse(Some("新"), None, None).map_err(err)?;
    p.customers
        .update(&id, &first, Some(before.version), &actor)
        .await
        .map_err(err)?;
    let second = AccountChanges::parse(Some("旧"), None, None).map_err(err)?;
    let stale = p
        .customers
        .update(&id, &second, Some(before.version), &actor)
        .await;
    ensure!(
        matches!(stale, Err(RepositoryError::Conflict)),
        "got {stale:?}"
    );
    let now = p.customers.find(&id).await.map_err(err)?.ok_or("missing")?;
    ensure!(
        now.company_name == "新",
        "the stale edit changed it: {now:?}"
    );
    ensure!(
        p.audit.list(&id, 10).await.map_err(err)?.len() == 1,
        "the stale edit was audited"
    );
    Ok(())
}

async fn customer_update_of_unknown_is_none(p: Ports) -> Outcome {
    let changes = AccountChanges::parse(Some("X"), None, None).map_err(err)?;
    let actor = Actor {
        user_id: UserId::parse("u1").map_err(err)?,
        at: at(3, 0),
    };
    let got = p
        .customers
        .update(&cid("cust_nobody")?, &changes, None, &actor)
        .await
        .map_err(err)?;
    ensure!(got.is_none(), "got {got:?}");
    Ok(())
}

async fn existing_names_only_known_customers(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let found = p
        .customers
        .existing(&[a.clone(), cid("cust_x")?, b.clone()])
        .await
        .map_err(err)?;
    ensure!(
        found.len() == 2 && found.contains(&a) && found.contains(&b),
        "got {found:?}"
    );
    Ok(())
}

async fn plans_are_found_and_listed(p: Ports) -> Outcome {
    let pro = plan(&p, "pro", 99_900).await?;
    plan(&p, "basic", 29_900).await?;
    let found = p.plans.find(&pro.id).await.map_err(err)?;
    ensure!(found.as_ref() == Some(&pro), "found {found:?}");
    let mut ids: Vec<String> = p
        .plans
        .list()
        .await
        .map_err(err)?
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    ids.sort();
    ensure!(ids == ["basic", "pro"], "listed {ids:?}");
    let repriced = Plan {
        price: cny(100_000),
        ..pro.clone()
    };
    p.plans.upsert(&repriced).await.map_err(err)?;
    let found = p.plans.find(&pro.id).await.map_err(err)?;
    ensure!(
        found.as_ref() == Some(&repriced),
        "after repricing {found:?}"
    );
    Ok(())
}

async fn subscription_insert_if_absent_stores_once(p: Ports) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    let sub = Subscription::on_plan(
        SubscriptionId::parse("sub_a").map_err(err)?,
        id.clone(),
        pid("pro")?,
        d(1, 1),
        d(12, 31),
    );
    ensure!(
        p.subscriptions.insert_if_absent(&sub).await.map_err(err)?,
        "not stored"
    );
    let other = Subscription::on_plan(
        SubscriptionId::parse("sub_b").map_err(err)?,
        id.clone(),
        pid("pro")?,
        d(2, 1),
        d(12, 31),
    );
    ensure!(
        !p.subscriptions
            .insert_if_absent(&other)
            .await
            .map_err(err)?,
        "stored twice"
    );
    let current = p.subscriptions.current(&id).await.map_err(err)?;
    ensure!(
        current.as_ref().map(|s| &s.id) == Some(&sub.id),
        "current {current:?}"
    );
    ensure!(
        current.map(|s| s.segments) == Some(sub.segments),
        "segments differ"
    );
    Ok(())
}

async fn ledger_creates_a_subscription_once(p: Ports) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    let saved = subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await?;
    ensure!(saved.version == 1, "version {}", saved.version);
    let again = subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await;
    ensure!(
        matches!(&again, Err(why) if *why == RepositoryError::Conflict.to_string()),
        "a second subscription at version 0 was created"
    );
    let current = p
        .subscriptions
        .current(&id)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(current == saved, "current {current:?} saved {saved:?}");
    Ok(())
}

async fn ledger_stale_save_conflicts(p: Ports) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    plan(&p, "max", 199_900).await?;
    subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await?;
    // Two units of work read the same version; the first commits.
    let mut first = p.ledger.begin(&id).await.map_err(err)?;
    let read = first.subscription().await.map_err(err)?.ok_or("missing")?;
    let mut changed = read.clone();
    changed.segments[0].plan_id = pid("max")?;
    first.save(&changed).await.map_err(err)?;
    first.commit().await.map_err(err)?;
    let mut second = p.ledger.begin(&id).await.map_err(err)?;
    // (Dropped at once when refused: SQLite's one connection is held by an open unit.)
    let outcome = match second.save(&read).await {
        Err(RepositoryError::Conflict) => {
            drop(second);
            Ok(())
        }
        Ok(_) => match second.commit().await {
            Err(RepositoryError::Conflict) => Ok(()),
            other => Err(format!("the stale save went through: {other:?}")),
        },
        Err(e) => {
            drop(second);
            Err(format!("expected a conflict, got {e}"))
        }
    };
    outcome?;
    let current = p
        .subscriptions
        .current(&id)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(
        current.segments[0].plan_id.as_str() == "max",
        "now {current:?}"
    );
    Ok(())
}

async fn ledger_dropped_unit_writes_nothing(p: Ports) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    let before = subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await?;
    {
        let mut txn = p.ledger.begin(&id).await.map_err(err)?;
        let mut s = txn.subscription().await.map_err(err)?.ok_or("missing")?;
        s.segments[0].to = d(6, 30);
        txn.save(&s).await.map_err(err)?;
        txn.issue(&invoice(
            &id,
            at(5, 0),
            vec![fee("pro", Month::of(d(3, 1)), 99_900)?],
        ))
        .await
        .map_err(err)?;
        txn.record(&audit(&id, AuditAction::PlanUpgraded, at(5, 0))?)
            .await
            .map_err(err)?;
    }
    let after = p.subscriptions.current(&id).await.map_err(err)?;
    ensure!(
        after.as_ref() == Some(&before),
        "the subscription changed: {after:?}"
    );
    ensure!(
        p.invoices.list(&id).await.map_err(err)?.is_empty(),
        "an invoice was stored"
    );
    ensure!(
        p.audit.list(&id, 10).await.map_err(err)?.is_empty(),
        "an audit entry was stored"
    );
    // The number of the dropped invoice is handed out again.
    let issued = issue(
        &p,
        &invoice(&id, at(6, 0), vec![fee("pro", Month::of(d(3, 1)), 99_900)?]),
    )
    .await?;
    ensure!(
        issued.id.as_str() == "INV202603001",
        "numbered {}",
        issued.id
    );
    Ok(())
}

async fn ledger_numbers_invoices_without_gaps(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let march = Month::of(d(3, 1));
    let mut ids = Vec::new();
    for (who, when) in [(&a, at(2, 0)), (&b, at(3, 0)), (&a, at(4, 0))] {
        ids.push(
            issue(&p, &invoice(who, when, vec![fee("pro", march, 99_900)?]))
                .await?
                .id
                .to_string(),
        );
    }
    let april = Utc
        .with_ymd_and_hms(2026, 4, 1, 1, 0, 0)
        .single()
        .ok_or("date")?;
    ids.push(
        issue(&p, &invoice(&a, april, vec![fee("pro", march, 99_900)?]))
            .await?
            .id
            .to_string(),
    );
    ensure!(
        ids == [
            "INV202603001",
            "INV202603002",
            "INV202603003",
            "INV202604001"
        ],
        "numbered {ids:?}"
    );
    let stored = p
        .invoices
        .find(
            &a,
            &portal_domain::InvoiceId::parse("INV202603003").map_err(err)?,
        )
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(stored.amount == cny(99_900), "amount {}", stored.amount);
    ensure!(
        stored.lines == vec![fee("pro", march, 99_900)?],
        "lines {:?}",
        stored.lines
    );
    Ok(())
}

async fn ledger_refuses_a_second_period_invoice(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let march = Month::of(d(3, 1));
    let first = NewInvoice {
        kind: InvoiceKind::Subscription,
        ..invoice(&a, at(2, 0), vec![fee("pro", march, 99_900)?])
    };
    issue(&p, &first).await?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let second = txn.issue(&first).await;
    ensure!(
        matches!(second, Err(RepositoryError::Conflict)),
        "a second one: {second:?}"
    );
    drop(txn);
    let adjustment = issue(&p, &invoice(&a, at(3, 0), vec![fee("pro", march, 1)?])).await?;
    ensure!(
        adjustment.id.as_str() == "INV202603002",
        "numbered {}",
        adjustment.id
    );
    Ok(())
}

async fn ledger_reads_invoiced_lines_by_period(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let (feb, mar, apr) = (Month::of(d(2, 1)), Month::of(d(3, 1)), Month::of(d(4, 1)));
    issue(
        &p,
        &invoice(&a, at(1, 0), vec![fee("pro", feb, 1)?, fee("pro", mar, 2)?]),
    )
    .await?;
    issue(
        &p,
        &invoice(
            &a,
            at(2, 0),
            vec![fee("pro", apr, 3)?, fee("pro", mar, 4)?.reversed()],
        ),
    )
    .await?;
    issue(&p, &invoice(&b, at(2, 0), vec![fee("pro", mar, 5)?])).await?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let lines = txn.invoiced_lines(mar).await.map_err(err)?;
    let periods: Vec<Month> = lines.keys().copied().collect();
    ensure!(periods == [mar, apr], "periods {periods:?}");
    let march: Vec<i64> = lines[&mar]
        .iter()
        .map(|l| l.amount.to_minor().unwrap_or(0))
        .collect();
    ensure!(march == [2, -4], "March lines {march:?}");
    ensure!(
        lines[&mar][1].detail.as_ref().map(|d| d.kind) == Some(LineKind::Reversal),
        "kind lost"
    );
    Ok(())
}

async fn ledger_lists_billable_customers(p: Ports) -> Outcome {
    plan(&p, "pro", 99_900).await?;
    for (id, from, to) in [
        ("cust_a", d(1, 1), d(3, 1)),
        ("cust_b", d(3, 31), d(5, 1)),
        ("cust_c", d(4, 1), d(5, 1)),
        ("cust_d", d(1, 1), d(2, 28)),
    ] {
        let c = customer(&p, id).await?;
        subscribe(&p, &c, "pro", from, to).await?;
    }
    let billed: Vec<String> = p
        .ledger
        .billable(Month::of(d(3, 1)))
        .await
        .map_err(err)?
        .iter()
        .map(ToString::to_string)
        .collect();
    ensure!(billed == ["cust_a", "cust_b"], "billable {billed:?}");
    Ok(())
}

async fn invoices_are_scoped_and_newest_first(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let m = Month::of(d(3, 1));
    let first = issue(&p, &invoice(&a, at(2, 0), vec![fee("pro", m, 1)?])).await?;
    let theirs = issue(&p, &invoice(&b, at(3, 0), vec![fee("pro", m, 1)?])).await?;
    let second = issue(&p, &invoice(&a, at(4, 0), vec![fee("pro", m, 1)?])).await?;
    let listed: Vec<_> = p
        .invoices
        .list(&a)
        .await
        .map_err(err)?
        .into_iter()
        .map(|i| i.id)
        .collect();
    ensure!(
        listed == [second.id.clone(), first.id.clone()],
        "listed {listed:?}"
    );
    ensure!(
        p.invoices
            .find(&a, &theirs.id)
            .await
            .map_err(err)?
            .is_none(),
        "another customer's invoice was found"
    );
    ensure!(
        p.invoices
            .find_any(&theirs.id)
            .await
            .map_err(err)?
            .is_some(),
        "find_any missed it"
    );
    Ok(())
}

async fn mark_overdue_takes_pending_positive_past_due(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let m = Month::of(d(3, 1));
    let due = issue(&p, &invoice(&a, at(1, 0), vec![fee("pro", m, 100)?])).await?;
    let credit = issue(
        &p,
        &invoice(&a, at(1, 0), vec![fee("pro", m, 100)?.reversed()]),
    )
    .await?;
    let later = issue(&p, &invoice(&a, at(20, 0), vec![fee("pro", m, 100)?])).await?;
    // Due on the 16th: overdue from the 17th.
    ensure!(
        p.invoices.mark_overdue(d(3, 16)).await.map_err(err)? == 0,
        "overdue on its due date"
    );
    let n = p.invoices.mark_overdue(d(3, 17)).await.map_err(err)?;
    ensure!(n == 1, "{n} marked");
    for (id, want) in [
        (&due.id, InvoiceStatus::Overdue),
        (&credit.id, InvoiceStatus::Pending),
        (&later.id, InvoiceStatus::Pending),
    ] {
        let got = p
            .invoices
            .find(&a, id)
            .await
            .map_err(err)?
            .ok_or("missing")?
            .status;
        ensure!(got == want, "{id} is {got:?}");
    }
    Ok(())
}

async fn record_payment_pays_once(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let inv = issue(
        &p,
        &invoice(&a, at(1, 0), vec![fee("pro", Month::of(d(3, 1)), 99_900)?]),
    )
    .await?;
    let payment = Payment {
        amount: inv.amount,
        reference: "BANK-1".into(),
        paid_at: at(5, 0),
    };
    let paid = p
        .invoices
        .record_payment(
            &inv.id,
            &payment,
            &audit(&a, AuditAction::InvoicePaid, at(5, 0))?,
        )
        .await
        .map_err(err)?;
    ensure!(
        paid.status == InvoiceStatus::Paid,
        "status {:?}",
        paid.status
    );
    ensure!(
        paid.payments == vec![payment.clone()],
        "payments {:?}",
        paid.payments
    );
    let again = p
        .invoices
        .record_payment(
            &inv.id,
            &payment,
            &audit(&a, AuditAction::InvoicePaid, at(6, 0))?,
        )
        .await;
    ensure!(
        matches!(again, Err(RepositoryError::Conflict)),
        "second payment: {again:?}"
    );
    let stored = p
        .invoices
        .find(&a, &inv.id)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(
        stored.payments.len() == 1,
        "{} payments stored",
        stored.payments.len()
    );
    ensure!(
        p.audit.list(&a, 10).await.map_err(err)?.len() == 1,
        "audit entries"
    );
    Ok(())
}

async fn expire_ended_expires_active_past_end(p: Ports) -> Outcome {
    plan(&p, "pro", 99_900).await?;
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    subscribe(&p, &a, "pro", d(1, 1), d(3, 10)).await?;
    subscribe(&p, &b, "pro", d(1, 1), d(3, 11)).await?;
    let n = p.subscriptions.expire_ended(d(3, 11)).await.map_err(err)?;
    ensure!(n == 1, "{n} expired");
    let sa = p
        .subscriptions
        .current(&a)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    let sb = p
        .subscriptions
        .current(&b)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(
        sa.status == SubscriptionStatus::Expired,
        "a is {:?}",
        sa.status
    );
    ensure!(
        sb.status == SubscriptionStatus::Active,
        "b is {:?}",
        sb.status
    );
    Ok(())
}

async fn audit_is_newest_first_limited_scoped(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    plan(&p, "pro", 99_900).await?;
    subscribe(&p, &a, "pro", d(1, 1), d(12, 31)).await?;
    for (who, action, hour) in [
        (&a, AuditAction::DowngradeScheduled, 1),
        (&b, AuditAction::PlanUpgraded, 2),
        (&a, AuditAction::DowngradeCancelled, 3),
        (&a, AuditAction::PlanUpgraded, 4),
    ] {
        let mut txn = p.ledger.begin(who).await.map_err(err)?;
        txn.record(&audit(who, action, at(2, hour))?)
            .await
            .map_err(err)?;
        txn.commit().await.map_err(err)?;
    }
    let log = p.audit.list(&a, 2).await.map_err(err)?;
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    ensure!(
        actions == [AuditAction::PlanUpgraded, AuditAction::DowngradeCancelled],
        "got {actions:?}"
    );
    ensure!(
        log.iter().all(|e| e.customer_id == a),
        "another customer's entry"
    );
    Ok(())
}

async fn idempotency_claim_complete_replay(p: Ports) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    let first = k.claim(&a, "k1", "fp1", at(1, 0)).await.map_err(err)?;
    ensure!(first == KeyClaim::Claimed, "first claim {first:?}");
    let busy = k.claim(&a, "k1", "fp1", at(1, 0)).await.map_err(err)?;
    ensure!(
        busy == KeyClaim::InProgress {
            fingerprint: "fp1".into()
        },
        "second claim {busy:?}"
    );
    k.complete(&a, "k1", b"{\"ok\":true}").await.map_err(err)?;
    let done = k.claim(&a, "k1", "fp2", at(1, 1)).await.map_err(err)?;
    ensure!(
        done == KeyClaim::Completed {
            fingerprint: "fp1".into(),
            response: b"{\"ok\":true}".to_vec()
        },
        "after completion {done:?}"
    );
    let other = k
        .claim(&cid("cust_b")?, "k1", "fp9", at(1, 0))
        .await
        .map_err(err)?;
    ensure!(
        other == KeyClaim::Claimed,
        "keys are per customer: {other:?}"
    );
    Ok(())
}

async fn idempotency_release_frees_only_unanswered(p: Ports) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    k.claim(&a, "open", "fp", at(1, 0)).await.map_err(err)?;
    k.release(&a, "open").await.map_err(err)?;
    let again = k.claim(&a, "open", "fp", at(1, 0)).await.map_err(err)?;
    ensure!(
        again == KeyClaim::Claimed,
        "a released key is not free: {again:?}"
    );
    k.claim(&a, "done", "fp", at(1, 0)).await.map_err(err)?;
    k.complete(&a, "done", b"r").await.map_err(err)?;
    k.release(&a, "done").await.map_err(err)?;
    let kept = k.claim(&a, "done", "fp", at(1, 0)).await.map_err(err)?;
    ensure!(
        matches!(kept, KeyClaim::Completed { .. }),
        "an answered key was released: {kept:?}"
    );
    Ok(())
}

async fn idempotency_stale_claim_is_taken_over(p: Ports) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    k.claim(&a, "k", "fp", at(1, 0)).await.map_err(err)?;
    let soon = k
        .claim(&a, "k", "fp", at(1, 0) + crate::ports::STALE_CLAIM)
        .await
        .map_err(err)?;
    ensure!(
        matches!(soon, KeyClaim::InProgress { .. }),
        "taken over too early: {soon:?}"
    );
    let later = at(1, 0) + crate::ports::STALE_CLAIM + chrono::TimeDelta::seconds(1);
    let other = k.claim(&a, "k", "other", later).await.map_err(err)?;
    ensure!(
        matches!(other, KeyClaim::InProgress { .. }),
        "taken over by another body: {other:?}"
    );
    let taken = k.claim(&a, "k", "fp", later).await.map_err(err)?;
    ensure!(
        taken == KeyClaim::Claimed,
        "a stale claim was not taken over: {taken:?}"
    );
    Ok(())
}

async fn idempotency_purge_before_cutoff(p: Ports) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    k.claim(&a, "old", "fp", at(1, 0)).await.map_err(err)?;
    k.complete(&a, "old", b"r").await.map_err(err)?;
    k.claim(&a, "new", "fp", at(3, 0)).await.map_err(err)?;
    let n = k.purge_claimed_before(at(2, 0)).await.map_err(err)?;
    ensure!(n == 1, "{n} purged");
    let old = k.claim(&a, "old", "fp", at(3, 0)).await.map_err(err)?;
    ensure!(old == KeyClaim::Claimed, "the old key survived: {old:?}");
    let new = k.claim(&a, "new", "fp", at(3, 0)).await.map_err(err)?;
    ensure!(
        matches!(new, KeyClaim::InProgress { .. }),
        "the new key was purged: {new:?}"
    );
    Ok(())
}

fn event(
    id: &str,
    customer: &CustomerId,
    product: Product,
    count: i64,
    day: NaiveDate,
) -> UsageEvent {
    UsageEvent {
        event_id: id.to_owned(),
        customer_id: customer.clone(),
        product,
        count,
        occurred_at: Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap_or_default()),
        date: day,
    }
}

async fn usage_events_count_once(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let day = d(3, 5);
    let batch = vec![
        event("e1", &a, Product::AiChat, 5, day),
        event("e2", &a, Product::AiChat, 7, day),
        event("s1", &a, Product::AgentSeats, 3, day),
        event("s2", &a, Product::AgentSeats, 2, day),
    ];
    let n = p.usage.ingest(&batch, at(5, 0)).await.map_err(err)?;
    ensure!(n == 4, "{n} counted");
    let replay = vec![
        event("e1", &a, Product::AiChat, 5, day),
        event("e3", &a, Product::AiChat, 1, day),
        event("s3", &a, Product::AgentSeats, 4, day),
    ];
    let n = p.usage.ingest(&replay, at(5, 1)).await.map_err(err)?;
    ensure!(n == 2, "{n} counted on replay");
    let range = DateRange::new(day, day).map_err(err)?;
    let got: Vec<(Product, i64)> = p
        .usage
        .daily(&a, range, None)
        .await
        .map_err(err)?
        .iter()
        .map(|r| (r.product, r.count))
        .collect();
    ensure!(
        got == [(Product::AgentSeats, 4), (Product::AiChat, 13)],
        "daily {got:?}"
    );
    Ok(())
}

async fn usage_daily_is_ordered_and_scoped(p: Ports) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let rec = |day: NaiveDate, product: Product, count: i64| UsageRecord {
        date: day,
        product,
        count,
    };
    let seeded = vec![
        rec(d(3, 2), Product::Email, 1),
        rec(d(3, 1), Product::AiChat, 2),
        rec(d(3, 1), Product::Email, 3),
    ];
    ensure!(
        p.usage.insert_if_absent(&a, &seeded).await.map_err(err)? == 3,
        "not all seeded"
    );
    p.usage
        .insert_if_absent(&b, &[rec(d(3, 1), Product::Email, 9)])
        .await
        .map_err(err)?;
    let again = p
        .usage
        .insert_if_absent(&a, &[rec(d(3, 1), Product::Email, 100)])
        .await
        .map_err(err)?;
    ensure!(again == 0, "seeding overwrote {again}");
    let range = DateRange::new(d(3, 1), d(3, 2)).map_err(err)?;
    let all: Vec<(NaiveDate, Product, i64)> = p
        .usage
        .daily(&a, range, None)
        .await
        .map_err(err)?
        .iter()
        .map(|r| (r.date, r.product, r.count))
        .collect();
    ensure!(
        all == [
            (d(3, 1), Product::AiChat, 2),
            (d(3, 1), Product::Email, 3),
            (d(3, 2), Product::Email, 1)
        ],
        "daily {all:?}"
    );
    let email = p
        .usage
        .daily(&a, range, Some(Product::Email))
        .await
        .map_err(err)?;
    ensure!(email.len() == 2, "filtered {email:?}");
    Ok(())
}
