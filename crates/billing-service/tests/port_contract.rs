//! The port contract suite against the in-memory fakes: one test per promise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod in_memory {
    use chrono::{TimeZone, Utc};
    use portal_billing::Adapters;
    use portal_billing::test_support::{FixedClock, InMemoryStore};

    async fn fresh() -> (Adapters, ()) {
        let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        (InMemoryStore::default().ports(clock), ())
    }

    portal_billing::port_contract_tests!(fresh);
}

/// The fakes never wait on a key: two units of work may both claim it, and the second to
/// commit must lose (the promise `claim_key` makes for stores that do not block).
#[tokio::test]
async fn the_fakes_let_one_of_two_claims_of_a_key_commit() {
    use chrono::{TimeZone, Utc};
    use portal_billing::test_support::{FixedClock, InMemoryStore};
    use portal_billing::{KeyClaim, RepositoryError};
    use portal_domain::CustomerId;

    let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let ports = InMemoryStore::default().ports(FixedClock::at(at));
    let customer = CustomerId::parse("cust_a").unwrap();
    let mut first = ports.ledger.begin(&customer).await.unwrap();
    let mut second = ports.ledger.begin(&customer).await.unwrap();
    assert_eq!(
        first.claim_key("k", "fp", at).await.unwrap(),
        KeyClaim::Claimed
    );
    assert_eq!(
        second.claim_key("k", "fp", at).await.unwrap(),
        KeyClaim::Claimed
    );
    first.answer_key("k", b"first").await.unwrap();
    second.answer_key("k", b"second").await.unwrap();
    first.commit().await.unwrap();
    assert!(matches!(
        second.commit().await,
        Err(RepositoryError::Conflict)
    ));
    let stored = ports
        .idempotency
        .claim(&customer, "k", "fp", at)
        .await
        .unwrap();
    assert_eq!(
        stored,
        KeyClaim::Completed {
            fingerprint: "fp".into(),
            response: b"first".to_vec()
        }
    );
}
