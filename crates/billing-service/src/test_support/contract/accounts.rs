//! Promises about accounts, plans and subscriptions as read by views.

use super::*;

pub async fn customer_upsert_creates_then_replaces(p: Adapters) -> Outcome {
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

pub async fn customer_update_bumps_version_and_audits(p: Adapters) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    let before = p.customers.find(&id).await.map_err(err)?.ok_or("missing")?;
    let changes = AccountChanges::parse(None, Some("王五"), None).map_err(err)?;
    let actor = Actor {
        user_name: None,
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
    let log = audit_of(&p, &id).await?;
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

pub async fn customer_update_at_a_stale_version_conflicts(p: Adapters) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    let before = p.customers.find(&id).await.map_err(err)?.ok_or("missing")?;
    let actor = Actor {
        user_name: None,
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
        audit_of(&p, &id).await?.len() == 1,
        "the stale edit was audited"
    );
    Ok(())
}

pub async fn customer_update_of_unknown_is_none(p: Adapters) -> Outcome {
    let changes = AccountChanges::parse(Some("X"), None, None).map_err(err)?;
    let actor = Actor {
        user_name: None,
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

pub async fn existing_names_only_known_customers(p: Adapters) -> Outcome {
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

pub async fn plans_are_found_and_listed(p: Adapters) -> Outcome {
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

pub async fn subscription_insert_if_absent_stores_once(p: Adapters) -> Outcome {
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
