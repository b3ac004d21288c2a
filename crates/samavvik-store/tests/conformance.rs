//! The store conformance suite: every test is written once, generic over the
//! engine, and run as `sqlite::<name>` and `postgres::<name>`.
//!
//! PostgreSQL comes from `SAMAVVIK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets a database
//! of its own. Without a server the PostgreSQL half is skipped loudly, unless
//! `CI` is set, where it fails.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::Duration;
use samavvik_core::{CaseNumber, CaseState, Category};
use samavvik_store::{AnyStore, Ciphertext, Counts, InsertOutcome, Store, StoreError};
use support::{TestStore, concurrently, expected_record, mail, new_case, random_hash, stored, t0, until_waiting};

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::sqlite().await;
                    crate::$name(&db.store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::postgres().await else { return };
                    crate::$name(&db.store).await;
                }
            )*
        }
    };
}

conformance!(
    insert_and_read_back,
    categories_round_trip,
    sequence_is_per_year,
    concurrent_allocations_are_distinct,
    duplicate_idempotency_key_writes_nothing,
    follow_up_lookup,
    sealed_document_round_trip,
    events_are_append_only,
    unknown_slug_is_corrupt,
    claim_respects_due_time_and_lease,
    claims_take_the_earliest_due_first,
    mark_sent_needs_the_lease,
    mark_sent_many_marks_only_leased_jobs,
    failed_job_retries_then_dies,
    concurrent_claims_never_overlap,
    insert_is_atomic,
    concurrent_inserts_all_succeed,
    create_case_numbers_and_writes_the_case,
    a_failed_create_leaves_a_gap_not_a_repeat,
    concurrent_creates_are_distinct_and_all_stored,
    numbers_reserved_by_one_instance_are_never_handed_out_by_another,
);

/// The group writer is SQLite's; PostgreSQL writes each report in a
/// transaction of its own.
mod sqlite_group {
    macro_rules! sqlite_only {
        ($($name:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::sqlite().await;
                    crate::$name(&db.store).await;
                }
            )*
        };
    }

    sqlite_only!(
        a_report_waits_for_one_commit_once_numbers_are_in_stock,
        writes_queued_behind_a_commit_share_the_next,
        a_failing_case_fails_alone_in_its_group,
        a_key_repeated_within_a_group_writes_one_case,
        the_workers_claims_and_marks_share_the_reports_group,
    );
}

fn num(year: i32, seq: u32) -> CaseNumber {
    CaseNumber::new(year, seq).unwrap()
}

async fn insert_and_read_back<S: TestStore>(s: &S) {
    // Migrating an up-to-date database is a no-op, not an error.
    s.migrate().await.unwrap();
    let n = s.allocate_case_number(2026).await.unwrap();
    assert_eq!(n, num(2026, 1));
    let case = new_case(n);
    assert_eq!(s.insert_case(&case).await.unwrap(), InsertOutcome::Created);

    let record = s.case_by_number(n).await.unwrap().expect("case is there");
    assert_eq!(record, expected_record(&case));
    assert_eq!(record, case.record(), "what the receipt shows without reading back");
    // Both engines keep milliseconds, no more and no less.
    assert_eq!(record.created_at.timestamp_subsec_nanos(), 589_000_000);

    let events = s.case_events(n).await.unwrap();
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(
        (ev.at, ev.actor.as_str(), ev.from_state, ev.to_state),
        (stored(t0()), "melder", None, CaseState::Dispatched)
    );
    assert_eq!(ev.reason, case.first_event.reason);

    assert_eq!(s.find_by_idempotency(&case.idempotency_hash).await.unwrap(), Some(n));
    assert_eq!(s.case_by_number(num(2026, 2)).await.unwrap(), None);
    assert_eq!(
        s.counts().await.unwrap(),
        Counts {
            cases: 1,
            mail_pending: 1,
            mail_sent: 0,
            mail_dead: 0
        }
    );
}

fn standard() -> Vec<Category> {
    samavvik_core::Categories::standard()
        .all()
        .iter()
        .map(|d| d.slug.clone())
        .collect()
}

async fn categories_round_trip<S: TestStore>(s: &S) {
    let all = new_case(num(2026, 1));
    let all = samavvik_store::NewCase {
        categories: standard().into_iter().rev().collect(),
        ..all
    };
    let one = new_case(num(2026, 2));
    let one = samavvik_store::NewCase {
        categories: vec![Category::from_static("annet")],
        ..one
    };
    for case in [&all, &one] {
        s.insert_case(case).await.unwrap();
    }
    // Categories come back in slug order, whatever order they went in.
    let mut sorted = standard();
    sorted.sort();
    assert_eq!(s.case_by_number(all.number).await.unwrap().unwrap().categories, sorted);
    assert_eq!(all.record().categories, sorted);
    assert_eq!(
        s.case_by_number(one.number).await.unwrap().unwrap().categories,
        vec![Category::from_static("annet")]
    );
}

async fn sequence_is_per_year<S: TestStore>(s: &S) {
    let mut got = Vec::new();
    for year in [2026, 2026, 2027, 2026, 2027, 2030] {
        got.push(s.allocate_case_number(year).await.unwrap().to_string());
    }
    assert_eq!(
        got,
        [
            "SA-2026-00001",
            "SA-2026-00002",
            "SA-2027-00001",
            "SA-2026-00003",
            "SA-2027-00002",
            "SA-2030-00001"
        ]
    );
}

async fn concurrent_allocations_are_distinct<S: TestStore>(s: &S) {
    let tasks = (0..50).map(|_| {
        let s = s.clone();
        async move { s.allocate_case_number(2026).await.unwrap() }
    });
    let mut seqs: Vec<u32> = concurrently(tasks.collect())
        .await
        .into_iter()
        .map(|n| n.seq())
        .collect();
    seqs.sort();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
}

async fn duplicate_idempotency_key_writes_nothing<S: TestStore>(s: &S) {
    let first = new_case(num(2026, 1));
    assert_eq!(s.insert_case(&first).await.unwrap(), InsertOutcome::Created);
    let before = s.counts().await.unwrap();

    // A resubmission: new number and follow-up token, same idempotency key.
    let mut again = new_case(num(2026, 2));
    again.idempotency_hash = first.idempotency_hash;
    again.mail = vec![mail(again.number, 7, t0())];
    assert_eq!(
        s.insert_case(&again).await.unwrap(),
        InsertOutcome::Duplicate(first.number)
    );

    assert_eq!(s.counts().await.unwrap(), before);
    assert_eq!(s.case_by_number(again.number).await.unwrap(), None);
    assert_eq!(s.case_by_follow_up(&again.follow_up_hash).await.unwrap(), None);
    assert!(s.sealed_document(again.number).await.unwrap_err().is_not_found());
    assert_eq!(
        s.find_by_idempotency(&first.idempotency_hash).await.unwrap(),
        Some(first.number)
    );
    assert_eq!(s.find_by_idempotency(&random_hash()).await.unwrap(), None);
}

async fn follow_up_lookup<S: TestStore>(s: &S) {
    let a = new_case(num(2026, 1));
    let b = new_case(num(2026, 2));
    s.insert_case(&a).await.unwrap();
    s.insert_case(&b).await.unwrap();
    assert_eq!(
        s.case_by_follow_up(&a.follow_up_hash).await.unwrap(),
        Some(expected_record(&a))
    );
    assert_eq!(
        s.case_by_follow_up(&b.follow_up_hash).await.unwrap().map(|r| r.number),
        Some(b.number)
    );
    // The idempotency hash is not a follow-up token.
    assert_eq!(s.case_by_follow_up(&a.idempotency_hash).await.unwrap(), None);
    assert_eq!(s.case_by_follow_up(&random_hash()).await.unwrap(), None);
}

async fn sealed_document_round_trip<S: TestStore>(s: &S) {
    let mut small = new_case(num(2026, 1));
    small.sealed = Ciphertext(b"age-encryption.org/v1\n\0\xff\x00trailing".to_vec());
    let mut big = new_case(num(2026, 2));
    big.sealed = Ciphertext((0..300_000).map(|_| rand::random::<u8>()).collect());
    for case in [&small, &big] {
        s.insert_case(case).await.unwrap();
        assert_eq!(
            s.sealed_document(case.number).await.unwrap().as_ref(),
            Some(&case.sealed)
        );
    }
    let unknown = s.sealed_document(num(2026, 3)).await.unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound(n) if n == num(2026, 3)),
        "{unknown}"
    );
}

async fn events_are_append_only<S: TestStore>(s: &S) {
    let case = new_case(num(2026, 1));
    s.insert_case(&case).await.unwrap();
    let before = s.case_events(case.number).await.unwrap();
    for sql in ["UPDATE case_events SET reason = 'rewritten'", "DELETE FROM case_events"] {
        let err = s.raw(sql).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(s.case_events(case.number).await.unwrap(), before);
}

async fn unknown_slug_is_corrupt<S: TestStore>(s: &S) {
    let case = new_case(num(2026, 1));
    s.insert_case(&case).await.unwrap();
    s.raw("UPDATE cases SET consequence = 'katastrofal'").await.unwrap();
    let err = s
        .case_by_number(case.number)
        .await
        .expect_err("unknown slug must not read");
    assert!(
        matches!(&err, StoreError::Corrupt(m) if m.contains("katastrofal")),
        "{err}"
    );
}

async fn claim_respects_due_time_and_lease<S: TestStore>(s: &S) {
    let mut case = new_case(num(2026, 1));
    let later = t0() + Duration::hours(1);
    case.mail = vec![
        mail(case.number, 1, t0()),
        mail(case.number, 2, t0()),
        mail(case.number, 3, later),
    ];
    s.insert_case(&case).await.unwrap();
    let lease = Duration::seconds(60);
    let now = t0() + Duration::seconds(1);

    // Oldest first, limited, and every field as written.
    let first = s.claim_mail_jobs("w1", now, lease, 1).await.unwrap();
    assert_eq!(first.len(), 1);
    let job = &first[0];
    assert_eq!((job.case_number, job.attempts), (Some(case.number), 0));
    assert_eq!(
        (&job.to, &job.template, &job.payload, &job.message_id),
        (
            &case.mail[0].to,
            &case.mail[0].template,
            &case.mail[0].payload,
            &case.mail[0].message_id
        )
    );

    // The second due job is still free; the third is not due yet.
    let second = s.claim_mail_jobs("w1", now, lease, 10).await.unwrap();
    assert_eq!(
        second.iter().map(|j| &j.message_id).collect::<Vec<_>>(),
        [&case.mail[1].message_id]
    );
    assert!(first[0].id < second[0].id);

    // Another worker gets nothing while the leases run.
    assert!(
        s.claim_mail_jobs("w2", now + Duration::seconds(30), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // After the leases run out, the other worker takes both over.
    let taken = s
        .claim_mail_jobs("w2", now + Duration::seconds(61), lease, 10)
        .await
        .unwrap();
    assert_eq!(
        taken.iter().map(|j| j.id).collect::<Vec<_>>(),
        [first[0].id, second[0].id]
    );

    // At its time, the third job is due too; the finished ones are not.
    for j in &taken {
        s.mark_mail_sent(j.id, "w2", now + Duration::seconds(62)).await.unwrap();
    }
    let third = s.claim_mail_jobs("w3", later, lease, 10).await.unwrap();
    assert_eq!(
        third.iter().map(|j| &j.message_id).collect::<Vec<_>>(),
        [&case.mail[2].message_id]
    );
}

/// Jobs are claimed in the order they fell due, not in the order they were
/// written: a retried job waits behind the ones due before it, and the claim
/// reads the due index in its own order instead of sorting every due job.
async fn claims_take_the_earliest_due_first<S: TestStore>(s: &S) {
    let mut case = new_case(num(2026, 1));
    case.mail = vec![
        mail(case.number, 1, t0() + Duration::seconds(2)),
        mail(case.number, 2, t0()),
        mail(case.number, 3, t0() + Duration::seconds(1)),
        mail(case.number, 4, t0()),
    ];
    s.insert_case(&case).await.unwrap();
    let now = t0() + Duration::seconds(3);
    let mut order = Vec::new();
    for _ in 0..case.mail.len() {
        let claimed = s.claim_mail_jobs("w1", now, Duration::seconds(60), 1).await.unwrap();
        assert_eq!(claimed.len(), 1);
        order.push(claimed[0].message_id.clone());
    }
    // Equal due times: the older job first.
    let expected: Vec<String> = [1, 3, 2, 0].iter().map(|&i| case.mail[i].message_id.clone()).collect();
    assert_eq!(order, expected);
}

/// A worker's batch is marked sent in one call; jobs it does not hold stay pending.
async fn mark_sent_many_marks_only_leased_jobs<S: TestStore>(s: &S) {
    let mut case = new_case(num(2026, 1));
    case.mail = (0..3).map(|n| mail(case.number, n, t0())).collect();
    s.insert_case(&case).await.unwrap();
    let lease = Duration::seconds(60);
    let mine = s.claim_mail_jobs("w1", t0(), lease, 2).await.unwrap();
    let theirs = s.claim_mail_jobs("w2", t0(), lease, 10).await.unwrap();
    assert_eq!((mine.len(), theirs.len()), (2, 1));

    let ids: Vec<i64> = mine.iter().chain(&theirs).map(|j| j.id).collect();
    s.mark_mail_sent_many(&ids, "w1", t0()).await.unwrap();
    s.mark_mail_sent_many(&[], "w1", t0()).await.unwrap();
    let counts = s.counts().await.unwrap();
    assert_eq!(
        (counts.mail_sent, counts.mail_pending),
        (2, 1),
        "w2's job is not w1's to mark"
    );
}

async fn mark_sent_needs_the_lease<S: TestStore>(s: &S) {
    let case = new_case(num(2026, 1));
    s.insert_case(&case).await.unwrap();
    let lease = Duration::seconds(60);
    let job = s.claim_mail_jobs("w1", t0(), lease, 10).await.unwrap().remove(0);

    s.mark_mail_sent(job.id, "w2", t0()).await.unwrap();
    assert_eq!(
        s.counts().await.unwrap().mail_sent,
        0,
        "a non-owner must not mark the job sent"
    );

    // w2 takes over after the lease; now w1 is the stranger.
    let again = s
        .claim_mail_jobs("w2", t0() + Duration::seconds(61), lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    s.mark_mail_sent(job.id, "w1", t0()).await.unwrap();
    s.mark_mail_failed(job.id, "w1", "late failure", None).await.unwrap();
    assert_eq!(
        s.counts().await.unwrap(),
        Counts {
            cases: 1,
            mail_pending: 1,
            mail_sent: 0,
            mail_dead: 0
        }
    );

    s.mark_mail_sent(job.id, "w2", t0() + Duration::seconds(62))
        .await
        .unwrap();
    assert_eq!(
        s.counts().await.unwrap(),
        Counts {
            cases: 1,
            mail_pending: 0,
            mail_sent: 1,
            mail_dead: 0
        }
    );
    assert!(
        s.claim_mail_jobs("w3", t0() + Duration::days(1), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn failed_job_retries_then_dies<S: TestStore>(s: &S) {
    let case = new_case(num(2026, 1));
    s.insert_case(&case).await.unwrap();
    let lease = Duration::seconds(60);
    let job = s.claim_mail_jobs("w1", t0(), lease, 10).await.unwrap().remove(0);
    assert_eq!(job.attempts, 0);

    let retry_at = t0() + Duration::minutes(5);
    s.mark_mail_failed(job.id, "w1", "451 try again later", Some(retry_at))
        .await
        .unwrap();
    // The lease is cleared, but the job waits for retry_at.
    assert!(
        s.claim_mail_jobs("w1", t0() + Duration::minutes(4), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = s.claim_mail_jobs("w2", retry_at, lease, 10).await.unwrap();
    assert_eq!(
        retried.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        [(job.id, 1)]
    );

    // A stranger's failure report changes nothing.
    s.mark_mail_failed(job.id, "w1", "not mine", None).await.unwrap();
    assert_eq!(s.counts().await.unwrap().mail_dead, 0);

    s.mark_mail_failed(job.id, "w2", "550 no such mailbox", None)
        .await
        .unwrap();
    assert_eq!(
        s.counts().await.unwrap(),
        Counts {
            cases: 1,
            mail_pending: 0,
            mail_sent: 0,
            mail_dead: 1
        }
    );
    assert!(
        s.claim_mail_jobs("w3", t0() + Duration::days(365), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn concurrent_claims_never_overlap<S: TestStore>(s: &S) {
    let mut case = new_case(num(2026, 1));
    case.mail = (1..=40).map(|n| mail(case.number, n, t0())).collect();
    s.insert_case(&case).await.unwrap();
    let workers = (0..8).map(|w| {
        let s = s.clone();
        async move {
            let worker = format!("w{w}");
            let mut mine = Vec::new();
            loop {
                let got = s
                    .claim_mail_jobs(&worker, t0(), Duration::seconds(60), 3)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }
    });
    let mut ids: Vec<i64> = concurrently(workers.collect()).await.into_iter().flatten().collect();
    ids.sort();
    let claimed = ids.len();
    ids.dedup();
    assert_eq!((claimed, ids.len()), (40, 40), "every job claimed exactly once");
}

async fn insert_is_atomic<S: TestStore>(s: &S) {
    let mut case = new_case(num(2026, 1));
    case.mail = vec![mail(case.number, 1, t0()), mail(case.number, 1, t0())];
    let err = s.insert_case(&case).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "a repeated message id must fail the insert: {err}"
    );

    assert_eq!(s.case_by_number(case.number).await.unwrap(), None);
    assert_eq!(s.find_by_idempotency(&case.idempotency_hash).await.unwrap(), None);
    assert!(s.case_events(case.number).await.unwrap_err().is_not_found());
    assert_eq!(s.counts().await.unwrap(), Counts::default());

    // Nothing was left behind to block a corrected retry of the same case.
    case.mail.pop();
    assert_eq!(s.insert_case(&case).await.unwrap(), InsertOutcome::Created);
    assert_eq!(
        s.counts().await.unwrap(),
        Counts {
            cases: 1,
            mail_pending: 1,
            mail_sent: 0,
            mail_dead: 0
        }
    );
}

async fn concurrent_inserts_all_succeed<S: TestStore>(s: &S) {
    let started = std::time::Instant::now();
    let tasks = (0..64).map(|_| {
        let s = s.clone();
        async move {
            let n = s.allocate_case_number(2026).await.unwrap();
            let mut case = new_case(n);
            case.mail.push(mail(n, 2, t0()));
            s.insert_case(&case).await.unwrap()
        }
    });
    let outcomes = concurrently(tasks.collect()).await;
    eprintln!(
        "{}: 64 concurrent allocate+insert_case took {:?}",
        std::any::type_name::<S>(),
        started.elapsed()
    );
    assert!(outcomes.iter().all(|o| *o == InsertOutcome::Created), "{outcomes:?}");
    assert_eq!(
        s.counts().await.unwrap(),
        Counts {
            cases: 64,
            mail_pending: 128,
            mail_sent: 0,
            mail_dead: 0
        }
    );
}

/// `create_case` hands `build` the year's next number and writes what it
/// builds, the reporter's ward and agreement clause in the case row itself;
/// a repeated idempotency key writes nothing and names the first.
async fn create_case_numbers_and_writes_the_case<S: TestStore + samavvik_store::HandlingStore>(s: &S) {
    let (case, outcome) = s
        .create_case(2026, |n| async move {
            Ok::<_, StoreError>(samavvik_store::NewCase {
                mail: vec![mail(n, 1, t0()), mail(n, 2, t0() - Duration::minutes(1))],
                sender_subunit: Some(samavvik_core::UnitId::new("horten-hjemmetjeneste-sone-nord").unwrap()),
                agreement_clause: Some(samavvik_core::AgreementClause::Innleggelse),
                items: vec![samavvik_store::NewSealedItem {
                    kind: "attachment".into(),
                    at: t0(),
                    actor: "melder".into(),
                    shareable: false,
                    ciphertext: samavvik_store::Ciphertext(vec![7; 70_000]),
                }],
                ..new_case(n)
            })
        })
        .await
        .unwrap();
    assert_eq!((case.number, outcome), (num(2026, 1), InsertOutcome::Created));
    assert_eq!(
        s.case_by_number(case.number).await.unwrap(),
        Some(expected_record(&case))
    );
    // Every row of the report, written by the same atomic write: its
    // attachment (a sealed item) too.
    assert_eq!(s.sealed_document(case.number).await.unwrap(), Some(case.sealed.clone()));
    let items = s.sealed_items(case.number).await.unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| (
                i.kind.as_str(),
                i.at.timestamp_millis(),
                i.actor.as_str(),
                i.shareable,
                &i.ciphertext
            ))
            .collect::<Vec<_>>(),
        [(
            "attachment",
            t0().timestamp_millis(),
            "melder",
            false,
            &case.items[0].ciphertext
        )]
    );
    let events = s.case_events(case.number).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.to_state, e.reason.as_str()))
            .collect::<Vec<_>>(),
        [(case.first_event.to_state, case.first_event.reason.as_str())]
    );
    // Each job with its own not-before: 30 s before t0 only the second is due.
    let early = s
        .claim_mail_jobs("w", t0() - Duration::seconds(30), Duration::minutes(5), 10)
        .await
        .unwrap();
    let late = s.claim_mail_jobs("w", t0(), Duration::minutes(5), 10).await.unwrap();
    let seen = |jobs: &[samavvik_store::MailJob]| {
        jobs.iter()
            .map(|j| {
                (
                    j.to.clone(),
                    j.template.clone(),
                    j.message_id.clone(),
                    j.payload.clone(),
                    j.case_number,
                )
            })
            .collect::<Vec<_>>()
    };
    let want = |i: usize| {
        let j = &case.mail[i];
        (
            j.to.clone(),
            j.template.clone(),
            j.message_id.clone(),
            j.payload.clone(),
            Some(case.number),
        )
    };
    assert_eq!((seen(&early), seen(&late)), (vec![want(1)], vec![want(0)]));
    let key = case.idempotency_hash;
    let (again, outcome) = s
        .create_case(2026, |n| async move {
            Ok::<_, StoreError>(samavvik_store::NewCase {
                idempotency_hash: key,
                ..new_case(n)
            })
        })
        .await
        .unwrap();
    assert_eq!(outcome, InsertOutcome::Duplicate(num(2026, 1)));
    assert_eq!(again.number, num(2026, 2), "the number was taken all the same");
    let counts = s.counts().await.unwrap();
    assert_eq!(
        (counts.cases, counts.mail_pending),
        (1, 2),
        "the duplicate wrote no rows"
    );
    assert_eq!(s.case_events(case.number).await.unwrap().len(), 1);
}

/// A report that fails after its number was taken (here: sealing fails)
/// writes nothing, and its number is never handed out again: a gap.
async fn a_failed_create_leaves_a_gap_not_a_repeat<S: TestStore>(s: &S) {
    let failed = s
        .create_case(2026, |n| async move {
            Err::<samavvik_store::NewCase, _>(StoreError::Corrupt(n.to_string()))
        })
        .await;
    assert!(
        matches!(failed, Err(StoreError::Corrupt(ref n)) if n == "SA-2026-00001"),
        "{failed:?}"
    );
    assert_eq!(s.counts().await.unwrap().cases, 0);
    let (case, _) = s
        .create_case(2026, |n| async move { Ok::<_, StoreError>(new_case(n)) })
        .await
        .unwrap();
    assert_eq!(case.number, num(2026, 2));
}

async fn concurrent_creates_are_distinct_and_all_stored<S: TestStore>(s: &S) {
    let tasks = (0..40).map(|i| {
        let s = s.clone();
        let year = if i % 4 == 0 { 2027 } else { 2026 };
        async move {
            let (case, outcome) = s
                .create_case(year, |n| async move { Ok::<_, StoreError>(new_case(n)) })
                .await
                .unwrap();
            assert_eq!(outcome, InsertOutcome::Created);
            case.number.to_string()
        }
    });
    let mut numbers = concurrently(tasks.collect()).await;
    numbers.sort();
    let mut expected: Vec<String> = (1..=30).map(|n| num(2026, n).to_string()).collect();
    expected.extend((1..=10).map(|n| num(2027, n).to_string()));
    expected.sort();
    assert_eq!(numbers, expected, "each number once, and no gaps without a failure");
    assert_eq!(s.counts().await.unwrap().cases, 40);
}

/// Reports take their numbers from a stock reserved ahead (SQLite: in an
/// earlier group's commit; PostgreSQL: a block of the sequence). What one
/// instance holds in stock is already used up in the database, so another
/// instance on the same database (or this one after a restart) never
/// hands it out: every number once, also when both create at the same time.
async fn numbers_reserved_by_one_instance_are_never_handed_out_by_another<S: TestStore>(s: &S) {
    async fn create<S: TestStore>(s: S) -> CaseNumber {
        let (case, outcome) = s
            .create_case(2026, |n| async move { Ok::<_, StoreError>(new_case(n)) })
            .await
            .unwrap();
        assert_eq!(outcome, InsertOutcome::Created);
        case.number
    }
    // Quick succession, so the first instance holds a stock.
    let mut numbers = vec![
        create(s.clone()).await,
        create(s.clone()).await,
        create(s.clone()).await,
    ];
    assert_eq!(
        numbers,
        [num(2026, 1), num(2026, 2), num(2026, 3)],
        "no gaps within one instance"
    );
    let other = s.another_instance().await;
    for _ in 0..3 {
        numbers.push(create(other.clone()).await);
        numbers.push(create(s.clone()).await);
    }
    let tasks = (0..20).map(|i| create(if i % 2 == 0 { s.clone() } else { other.clone() }));
    numbers.extend(concurrently(tasks.collect()).await);
    let mut distinct = numbers.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), numbers.len(), "a number handed out twice: {numbers:?}");
    assert_eq!(s.counts().await.unwrap().cases, 29);
}

/// On SQLite a report's number comes from a stock that the groups writing
/// cases refill in their own commit: after the first report, which finds
/// the stock empty and waits for a number commit, each report waits for
/// one commit only (its case's), not two (number, then case).
async fn a_report_waits_for_one_commit_once_numbers_are_in_stock<S: TestStore>(s: &S) {
    let before = s.group_stats();
    for seq in 1..=10 {
        let (case, _) = s
            .create_case(2026, |n| async move { Ok::<_, StoreError>(new_case(n)) })
            .await
            .unwrap();
        assert_eq!(case.number, num(2026, seq));
    }
    let after = s.group_stats();
    assert_eq!(after.groups - before.groups, 11, "{after:?}");
    assert_eq!(s.counts().await.unwrap().cases, 10);
}

/// Group commit: requests that arrive while a transaction is on its way to
/// disk are written together in the next one, not one transaction each.
async fn writes_queued_behind_a_commit_share_the_next<S: TestStore>(s: &S) {
    s.allocate_case_number(2026).await.unwrap();
    let before = s.group_stats();
    let release = s.block_intake().await;
    let local = tokio::task::LocalSet::new();
    let mut seqs: Vec<u32> = local
        .run_until(async {
            let tasks: Vec<_> = (0..40)
                .map(|_| {
                    let s = s.clone();
                    tokio::task::spawn_local(async move { s.allocate_case_number(2026).await.unwrap() })
                })
                .collect();
            until_waiting(s, 40).await;
            drop(release);
            let mut seqs = Vec::new();
            for t in tasks {
                seqs.push(t.await.unwrap().seq());
            }
            seqs
        })
        .await;
    seqs.sort();
    assert_eq!(seqs, (2..=41).collect::<Vec<_>>(), "every number once, no gaps");
    let after = s.group_stats();
    assert_eq!(after.requests - before.requests, 40);
    // The groups that formed before the lock was released (at most one per
    // slot), and one for everything that queued behind them.
    let groups = after.groups - before.groups;
    assert!(
        groups <= after.in_flight as u64 + 1,
        "40 requests took {groups} transactions with {} in flight",
        after.in_flight
    );
}

type Write<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// Runs `writes` so that they reach the group writer together: first every
/// slot of the writer is taken by a number request blocked on a lock, then
/// `writes` queue up behind those, then the lock goes.
async fn in_one_group<S: TestStore, T: 'static>(s: &S, writes: Vec<Write<T>>) -> Vec<T> {
    let in_flight = s.group_stats().in_flight;
    let release = s.block_intake().await;
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            for n in 0..in_flight {
                let s2 = s.clone();
                tokio::task::spawn_local(async move { s2.allocate_case_number(2099).await.unwrap() });
                until_waiting(s, n + 1).await;
            }
            let total = in_flight + writes.len();
            let tasks: Vec<_> = writes.into_iter().map(tokio::task::spawn_local).collect();
            until_waiting(s, total).await;
            drop(release);
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        })
        .await
}

/// A case that cannot be written (here: a repeated message id) fails on its
/// own; the numbers and cases that shared its group are written.
async fn a_failing_case_fails_alone_in_its_group<S: TestStore>(s: &S) {
    let insert = |case: samavvik_store::NewCase| -> Write<Result<Result<InsertOutcome, StoreError>, CaseNumber>> {
        let s = s.clone();
        Box::pin(async move { Ok(s.insert_case(&case).await) })
    };
    let number = || -> Write<Result<Result<InsertOutcome, StoreError>, CaseNumber>> {
        let s = s.clone();
        Box::pin(async move { Err(s.allocate_case_number(2026).await.unwrap()) })
    };
    let mut broken = new_case(num(2026, 200));
    broken.mail = vec![mail(broken.number, 1, t0()), mail(broken.number, 1, t0())];
    let mut writes = vec![insert(new_case(num(2026, 101))), number(), insert(broken)];
    writes.extend((102..=104).map(|n| insert(new_case(num(2026, n)))));
    writes.push(number());
    let out = in_one_group(s, writes).await;

    let created = out
        .iter()
        .filter(|o| matches!(o, Ok(Ok(InsertOutcome::Created))))
        .count();
    let failed = out.iter().filter(|o| matches!(o, Ok(Err(_)))).count();
    let mut numbers: Vec<u32> = out.iter().filter_map(|o| o.as_ref().err().map(|n| n.seq())).collect();
    numbers.sort();
    numbers.dedup();
    // Two distinct numbers. Where numbers and cases were written in
    // separate transactions (PostgreSQL), the retry after the failed group
    // hands out new ones: a gap, never a repeat.
    assert_eq!((created, failed, numbers.len()), (4, 1, 2), "{out:?}");
    assert!(matches!(out[2], Ok(Err(_))), "the broken case is the one that fails");
    assert_eq!(s.counts().await.unwrap().cases, 4);
    assert_eq!(s.case_by_number(num(2026, 200)).await.unwrap(), None);
}

/// Two submissions with the same idempotency key in one group (a double
/// click) write one case; the second is told the first one's number.
async fn a_key_repeated_within_a_group_writes_one_case<S: TestStore>(s: &S) {
    let first = new_case(num(2026, 1));
    let again = samavvik_store::NewCase {
        idempotency_hash: first.idempotency_hash,
        ..new_case(num(2026, 2))
    };
    let other = new_case(num(2026, 3));
    let writes: Vec<Write<InsertOutcome>> = [first, again, other]
        .into_iter()
        .map(|case| -> Write<InsertOutcome> {
            let s = s.clone();
            Box::pin(async move { s.insert_case(&case).await.unwrap() })
        })
        .collect();
    let out = in_one_group(s, writes).await;
    assert_eq!(
        out,
        vec![
            InsertOutcome::Created,
            InsertOutcome::Duplicate(num(2026, 1)),
            InsertOutcome::Created
        ]
    );
    assert_eq!(s.counts().await.unwrap().cases, 2);
    assert_eq!(s.case_by_number(num(2026, 2)).await.unwrap(), None);
    let stats = s.group_stats();
    assert!(
        stats.groups < stats.requests,
        "the three inserts shared a transaction: {stats:?}"
    );
}

/// The outbox worker's claims and marks ride in the intake's groups: a
/// mark, a report and a claim queued together are one transaction, and the
/// claim takes the mail of the case written before it in that transaction.
async fn the_workers_claims_and_marks_share_the_reports_group<S: TestStore>(s: &S) {
    enum Done {
        Marked,
        Created(InsertOutcome),
        Claimed(Vec<samavvik_store::MailJob>),
    }
    s.insert_case(&new_case(num(2026, 1))).await.unwrap();
    let (now, lease) = (t0() + Duration::seconds(1), Duration::seconds(60));
    let claimed = s.claim_mail_jobs("w", now, lease, 8).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let first_job = claimed[0].id;

    let before = s.group_stats();
    let (s1, s2, s3) = (s.clone(), s.clone(), s.clone());
    let writes: Vec<Write<Done>> = vec![
        Box::pin(async move {
            s1.mark_mail_sent_many(&[first_job], "w", now).await.unwrap();
            Done::Marked
        }),
        Box::pin(async move { Done::Created(s2.insert_case(&new_case(num(2026, 2))).await.unwrap()) }),
        Box::pin(async move { Done::Claimed(s3.claim_mail_jobs("w", now, lease, 8).await.unwrap()) }),
    ];
    let out = in_one_group(s, writes).await;
    let after = s.group_stats();

    assert!(matches!(out[0], Done::Marked));
    assert!(matches!(out[1], Done::Created(InsertOutcome::Created)));
    let Done::Claimed(jobs) = &out[2] else {
        panic!("the third write is the claim");
    };
    let numbers: Vec<_> = jobs.iter().map(|j| j.case_number).collect();
    assert_eq!(numbers, vec![Some(num(2026, 2))], "the new case's mail, claimed");
    let counts = s.counts().await.unwrap();
    assert_eq!((counts.mail_sent, counts.mail_pending), (1, 1));
    // The blocked number requests' group(s), then one for all three.
    assert_eq!(
        after.groups - before.groups,
        after.in_flight as u64 + 1,
        "a mark, a case and a claim took one transaction: {after:?}"
    );
}

/// `AnyStore` picks the engine from the URL scheme and delegates.
#[tokio::test]
async fn any_store_picks_engine_by_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = AnyStore::connect(&format!("sqlite://{}/any.db", dir.path().display()))
        .await
        .unwrap();
    assert_eq!(sqlite.engine(), "sqlite");
    sqlite.migrate().await.unwrap();
    let n = sqlite.allocate_case_number(2026).await.unwrap();
    sqlite.insert_case(&new_case(n)).await.unwrap();
    assert_eq!(sqlite.counts().await.unwrap().cases, 1);

    for url in ["mysql://localhost/x", "sqlite", "", "file:///tmp/x.db"] {
        assert!(
            matches!(AnyStore::connect(url).await, Err(StoreError::UnsupportedUrl)),
            "{url}"
        );
    }

    if let Some(db) = support::postgres().await {
        let url = support::with_database(&support::postgres_admin_url(), &db_name(&db.store).await);
        for url in [url.clone(), url.replacen("postgres://", "postgresql://", 1)] {
            let pg = AnyStore::connect(&url).await.unwrap();
            assert_eq!(pg.engine(), "postgres");
            assert_eq!(pg.counts().await.unwrap(), Counts::default());
        }
    }
}

async fn db_name(pg: &samavvik_store::PgStore) -> String {
    sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pg.pool())
        .await
        .unwrap()
}

/// SQLite is opened with the settings the engine's docs promise.
#[tokio::test]
async fn sqlite_pragmas() {
    use samavvik_store::{SqliteStore, SqliteTuning};
    async fn pragma<T>(s: &SqliteStore, name: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + Unpin,
    {
        sqlx::query_scalar(&format!("PRAGMA {name}"))
            .fetch_one(s.pool())
            .await
            .unwrap()
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db", dir.path().display());
    let full = SqliteStore::connect(&url).await.unwrap();
    assert_eq!(pragma::<String>(&full, "journal_mode").await, "wal");
    assert_eq!(pragma::<i64>(&full, "foreign_keys").await, 1);
    assert_eq!(pragma::<i64>(&full, "busy_timeout").await, 10_000);
    assert_eq!(pragma::<i64>(&full, "synchronous").await, 2, "FULL");
    let normal = SqliteStore::connect_with(
        &url,
        SqliteTuning {
            synchronous_full: false,
            ..SqliteTuning::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(pragma::<i64>(&normal, "synchronous").await, 1, "NORMAL");
}

/// The writer leaves checkpoints to a background task (`checkpoint_wal`):
/// a new case must still reach the database file itself soon after its
/// commit, not only the WAL. A copy of the main file alone, without the
/// WAL beside it, shows what has been checkpointed.
#[tokio::test]
async fn sqlite_checkpoints_the_wal_in_the_background() {
    use samavvik_store::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let store = SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let number = store.allocate_case_number(2026).await.unwrap();
    assert_eq!(
        store.insert_case(&new_case(number)).await.unwrap(),
        InsertOutcome::Created
    );

    let copy = dir.path().join("copy.db");
    let cases_in_the_file = || async {
        std::fs::copy(&path, &copy).unwrap();
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{}", copy.display()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0);
        let _ = std::fs::remove_file(copy.with_extension("db-wal"));
        n
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut found = cases_in_the_file().await;
    while found == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        found = cases_in_the_file().await;
    }
    assert_eq!(found, 1, "the case was never checkpointed into the database file");
    store.close().await;
}

/// The intake spawns store calls on a multi-threaded runtime, so the
/// concrete engines' futures must be `Send`. This only has to compile.
#[allow(dead_code)]
fn any_store_futures_are_send(s: &AnyStore, case: &samavvik_store::NewCase) {
    fn send<T: Send>(_: T) {}
    let h = random_hash();
    let n = case.number;
    send(s.migrate());
    send(s.find_by_idempotency(&h));
    send(s.allocate_case_number(2026));
    send(s.insert_case(case));
    send(s.create_case(2026, |_| async { Ok::<_, StoreError>(case.clone()) }));
    send(s.case_by_number(n));
    send(s.case_by_follow_up(&h));
    send(s.sealed_document(n));
    send(s.case_events(n));
    send(s.claim_mail_jobs("w", t0(), Duration::seconds(1), 1));
    send(s.mark_mail_sent(1, "w", t0()));
    send(s.mark_mail_failed(1, "w", "e", None));
    send(s.counts());
    send(AnyStore::connect("sqlite://x.db"));
}

/// PostgreSQL numbers from a sequence per year, created on first use; it
/// starts after the highest number of its year already used, whether kept
/// in the older `case_sequences` table or only in `cases`, so a database
/// from before the sequences goes on without repeating a number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sequence_starts_after_the_numbers_already_used() {
    use support::Raw;
    let Some(db) = support::postgres().await else { return };
    let s = &db.store;
    s.raw("INSERT INTO case_sequences (year, last_seq) VALUES (2024, 41), (2025, 7)")
        .await
        .unwrap();
    s.insert_case(&new_case(num(2025, 12))).await.unwrap();
    let mut got = Vec::new();
    for year in [2024, 2025, 2023, 2024] {
        got.push(s.allocate_case_number(year).await.unwrap().to_string());
    }
    assert_eq!(
        got,
        ["SA-2024-00042", "SA-2025-00013", "SA-2023-00001", "SA-2024-00043"]
    );
}
