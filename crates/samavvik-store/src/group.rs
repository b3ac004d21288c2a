//! Group commit for the intake's two writes on SQLite: handing out case
//! numbers and writing new cases, and for the outbox worker's writes that
//! would otherwise each take the single writer's turn between them.
//! (PostgreSQL writes each report in one transaction of its own, number
//! included, and its worker's claims and marks in their own; see
//! `postgres.rs`.)
//!
//! Every new report needs two durable writes: its number (committed before
//! it is sealed into the document, so a number is never handed out twice)
//! and then the case itself. Done one transaction each, every report costs
//! two commits, and a commit is an fsync: on SQLite with `synchronous=FULL`
//! and one writer at a time that capped intake at a few hundred reports per
//! second however fast the rest was (`samavvik bench intake`).
//!
//! Here, callers queue their request and wait; one task per store takes
//! whatever has queued up — number requests and sealed cases alike — and
//! writes it in **one** transaction, then answers everyone in it. Nobody
//! waits for a timer: a group is simply what arrived while the previous
//! commit was on its way to disk, so a lone report is written at once and
//! under load the cost of a commit is shared. Each caller still gets its
//! answer only after its own data is committed.
//!
//! If a group fails, its requests are retried one by one, so one bad case
//! (or an ambiguous commit) fails alone and never takes others with it.
//! Retrying is safe: a case insert is idempotent on its idempotency key (a
//! retry of a committed case answers [`InsertOutcome::Duplicate`] with its
//! own number), and a retried number request at worst leaves a gap.
//!
//! Reports (`Store::create_case`) usually skip the first of those writes:
//! a group that writes their cases also reserves the next numbers of the
//! year in the same transaction, and once it is committed they wait in the
//! store's [`NumberStock`] (`numbers.rs`), where the next reports take
//! them without waiting for the writer. A report that finds the stock
//! empty asks the writer as before, and the group that answers it reserves
//! more. So under load a report waits for one commit (its case's), not two.
//!
//! The outbox worker's claims and "sent" marks ([`JobWrite`]) ride in the
//! same groups. On SQLite every transaction is a turn of the one writer and
//! a commit an fsync; written alone, the worker's (a claim and one or two
//! marks for every `outbox.batch_size` mails) outnumbered the intake's
//! groups under load, and every report's group waited behind them. In a
//! group they cost a few indexed updates and no commit of their own. The
//! worker hears back only after the commit, as a report does, so a claim
//! or a mark is durable before the worker acts on it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use samavvik_core::CaseNumber;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::codec::JobRow;
use crate::numbers::{NumberStock, top_up};
use crate::{InsertOutcome, NewCase, Result, StoreError};

/// Most requests written in one transaction.
const MAX_GROUP: usize = 256;

/// Requests that may wait in the queue before callers wait to enqueue.
const QUEUE: usize = 4096;

/// Writes one group in one transaction: a number for each of `years` (in
/// order), each of `cases` and each of `jobs`. Provided by each engine
/// (`impl_store!`).
pub(crate) trait GroupWriter: Clone + Send + Sync + 'static {
    fn write_group(
        &self,
        years: &[i32],
        cases: &[NewCase],
        jobs: &[JobWrite],
    ) -> impl Future<Output = Result<Written>> + Send;
}

/// What one group's transaction wrote, in the order it was asked for.
pub(crate) struct Written {
    pub(crate) numbers: Vec<CaseNumber>,
    pub(crate) outcomes: Vec<InsertOutcome>,
    pub(crate) jobs: Vec<JobWritten>,
}

/// A write of the outbox worker's, done in a group (module doc).
#[derive(Clone, Debug)]
pub(crate) enum JobWrite {
    /// `Store::claim_mail_jobs`: up to `limit` due jobs leased to `worker`
    /// until `now + lease`.
    Claim {
        worker: String,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    },
    /// `Store::mark_mail_sent_many`.
    MarkSent {
        ids: Vec<i64>,
        worker: String,
        now: DateTime<Utc>,
    },
}

/// What a [`JobWrite`] did.
pub(crate) enum JobWritten {
    /// The jobs claimed.
    Claimed(Vec<JobRow>),
    /// Each job marked, with the rows its mark changed (0: the worker no
    /// longer held its lease).
    Marked(Vec<(i64, u64)>),
}

enum Request {
    Number {
        year: i32,
        /// For a report (`Store::create_case`): answered from the stock
        /// first, and the group keeps the stock filled. Otherwise exactly
        /// one new number, committed, as `Store::allocate_case_number` says.
        stocked: bool,
        reply: oneshot::Sender<Result<CaseNumber>>,
    },
    Insert {
        case: Box<NewCase>,
        /// A report's case: the group keeps the stock of its year filled.
        stocked: bool,
        reply: oneshot::Sender<Result<InsertOutcome>>,
    },
    Job {
        write: JobWrite,
        reply: oneshot::Sender<Result<JobWritten>>,
    },
}

/// What the group writer has done, for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Transactions written (or given up on) for groups, retries included.
    pub groups: u64,
    /// Requests answered.
    pub requests: u64,
    /// Requests waiting in the queue right now.
    pub queued: usize,
    /// Requests taken into a group that has not been answered yet.
    pub in_progress: usize,
    /// Groups that may be written at the same time.
    pub in_flight: usize,
    /// Time spent in groups' transactions, from taking a group to
    /// answering it (summed over groups written side by side; the
    /// one-by-one retries after a failed group are not included).
    pub busy: std::time::Duration,
    /// How long each group took, as [`GroupCommitStats::busy`] sums it.
    pub durations: GroupDurations,
}

impl GroupCommitStats {
    /// What was done between `earlier` and `self` (two readings of the same
    /// store's writer); the queue's state is `self`'s.
    #[must_use]
    pub fn since(&self, earlier: &Self) -> Self {
        let mut durations = self.durations;
        for (now, then) in durations.0.iter_mut().zip(earlier.durations.0) {
            *now = now.saturating_sub(then);
        }
        Self {
            groups: self.groups.saturating_sub(earlier.groups),
            requests: self.requests.saturating_sub(earlier.requests),
            busy: self.busy.saturating_sub(earlier.busy),
            durations,
            ..*self
        }
    }
}

/// Upper bounds of [`GroupDurations`]' buckets, in microseconds: about a
/// quarter apart, so a quantile read from them is within a quarter of
/// the true one. The last bucket holds everything longer.
const DURATION_BOUNDS_US: [u64; 27] = [
    250, 500, 750, 1_000, 1_250, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_500, 15_000,
    20_000, 25_000, 30_000, 40_000, 50_000, 75_000, 100_000, 150_000, 250_000, 500_000, 1_000_000,
];

/// Groups counted by how long each took (buckets of
/// `DURATION_BOUNDS_US`, and one for longer): the distribution behind the
/// mean, so a benchmark can tell slow commits from slow requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupDurations(pub [u64; DURATION_BOUNDS_US.len() + 1]);

impl GroupDurations {
    fn bucket(took: std::time::Duration) -> usize {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        DURATION_BOUNDS_US.partition_point(|&bound| bound < us)
    }

    /// The upper bound of the bucket holding the `q` quantile (0 < q ≤ 1)
    /// of the durations; `None` when no group was counted, or when it lies
    /// in the last, unbounded bucket (over a second).
    #[must_use]
    pub fn quantile(&self, q: f64) -> Option<std::time::Duration> {
        let total: u64 = self.0.iter().sum();
        if total == 0 {
            return None;
        }
        // The rank of the quantile, 1-based: the first bucket whose running
        // count reaches it.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        let index = self.0.iter().position(|&n| {
            seen += n;
            seen >= rank
        })?;
        DURATION_BOUNDS_US
            .get(index)
            .map(|&us| std::time::Duration::from_micros(us))
    }
}

#[derive(Default, Debug)]
struct Counters {
    groups: AtomicU64,
    requests: AtomicU64,
    in_progress: AtomicUsize,
    busy_ns: AtomicU64,
    durations: [AtomicU64; DURATION_BOUNDS_US.len() + 1],
}

/// The callers' end of one store's group writer. Cloning shares the writer;
/// the writer stops when the last clone is dropped.
#[derive(Clone, Debug)]
pub(crate) struct IntakeQueue {
    tx: mpsc::Sender<Request>,
    counters: Arc<Counters>,
    in_flight: usize,
    /// Numbers reserved by past groups and not yet taken.
    stock: Arc<NumberStock>,
}

impl IntakeQueue {
    /// Starts a one-group-at-a-time writer on a thread of its own, with a
    /// single-threaded runtime. For engines whose connections do not belong
    /// to a runtime (SQLite's each run on a thread of their own): a group's
    /// statements are several round trips to the connection, and on the
    /// shared runtime each answer waited its turn behind the HTTP requests
    /// being served; here it is picked up at once.
    ///
    /// `beside` runs on the same thread for as long as the writer does
    /// (the engine's housekeeping, such as SQLite's WAL checkpoints), and
    /// stops with it when the last handle to the queue is dropped.
    pub(crate) fn spawn_on_own_thread<W: GroupWriter>(
        writer: W,
        beside: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (queue, rx) = Self::new(1);
        let counters = queue.counters.clone();
        let stock = queue.stock.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("samavvik-writer".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(beside);
                    run(writer, rx, counters, stock, 1).await;
                });
            })?;
        Ok(queue)
    }

    fn new(in_flight: usize) -> (Self, mpsc::Receiver<Request>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let queue = Self {
            tx,
            counters: Arc::new(Counters::default()),
            in_flight: in_flight.max(1),
            stock: Arc::default(),
        };
        (queue, rx)
    }

    /// The next number of `year`, committed before it is returned.
    pub(crate) async fn number(&self, year: i32) -> Result<CaseNumber> {
        self.ask_number(year, false).await
    }

    /// A number of `year` for a report: from the stock when it has one
    /// (committed by an earlier group), else from the writer.
    pub(crate) async fn stocked_number(&self, year: i32) -> Result<CaseNumber> {
        if let Some(seq) = self.stock.take(year) {
            return crate::codec::case_number_of(year, seq);
        }
        self.ask_number(year, true).await
    }

    async fn ask_number(&self, year: i32, stocked: bool) -> Result<CaseNumber> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Number { year, stocked, reply }).await?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Writes `case`, committed before the outcome is returned. `stocked`:
    /// it is a report's, whose group keeps the stock of numbers filled.
    pub(crate) async fn insert(&self, case: NewCase, stocked: bool) -> Result<InsertOutcome> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Insert {
            case: Box::new(case),
            stocked,
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Claims mail jobs in the next group, committed before they are
    /// returned (`Store::claim_mail_jobs`).
    pub(crate) async fn claim(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<JobRow>> {
        let write = JobWrite::Claim {
            worker: worker.to_owned(),
            now,
            lease,
            limit,
        };
        match self.job(write).await? {
            JobWritten::Claimed(rows) => Ok(rows),
            JobWritten::Marked(_) => Err(StoreError::WriterStopped),
        }
    }

    /// Marks mail jobs sent in the next group, committed before it returns
    /// each id with the rows its mark changed.
    pub(crate) async fn mark_sent(&self, ids: &[i64], worker: &str, now: DateTime<Utc>) -> Result<Vec<(i64, u64)>> {
        let write = JobWrite::MarkSent {
            ids: ids.to_vec(),
            worker: worker.to_owned(),
            now,
        };
        match self.job(write).await? {
            JobWritten::Marked(rows) => Ok(rows),
            JobWritten::Claimed(_) => Err(StoreError::WriterStopped),
        }
    }

    /// Queues one of the worker's writes; each is answered in kind (a
    /// claim with `Claimed`, a mark with `Marked`), so the callers' other
    /// arm is never taken.
    async fn job(&self, write: JobWrite) -> Result<JobWritten> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Job { write, reply }).await?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    async fn send(&self, request: Request) -> Result<()> {
        self.tx.send(request).await.map_err(|_| StoreError::WriterStopped)
    }

    pub(crate) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            groups: self.counters.groups.load(Ordering::Relaxed),
            requests: self.counters.requests.load(Ordering::Relaxed),
            queued: self.tx.max_capacity() - self.tx.capacity(),
            in_progress: self.counters.in_progress.load(Ordering::Relaxed),
            in_flight: self.in_flight,
            busy: std::time::Duration::from_nanos(self.counters.busy_ns.load(Ordering::Relaxed)),
            durations: GroupDurations(std::array::from_fn(|i| {
                self.counters.durations[i].load(Ordering::Relaxed)
            })),
        }
    }
}

async fn run<W: GroupWriter>(
    writer: W,
    mut rx: mpsc::Receiver<Request>,
    counters: Arc<Counters>,
    stock: Arc<NumberStock>,
    in_flight: usize,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    loop {
        // A free slot first, then the queue: while every slot is busy,
        // requests pile up and the next group takes them all.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = rx.recv().await else {
            // Every caller is gone; let the groups still being written finish.
            drop(slot);
            let _ = slots.acquire_many(in_flight as u32).await;
            return;
        };
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        counters.in_progress.fetch_add(group.len(), Ordering::Relaxed);
        let (writer, counters, stock) = (writer.clone(), counters.clone(), stock.clone());
        tokio::spawn(async move {
            write(&writer, group, &counters, &stock).await;
            drop(slot);
        });
    }
}

/// Writes a group and answers its requests; on failure, each request alone.
/// A report's number request is answered from the stock when it can be,
/// at once; a group with reports in it reserves more numbers for the stock
/// in its transaction (see the module doc), put into the stock only once
/// that transaction is committed.
async fn write<W: GroupWriter>(writer: &W, group: Vec<Request>, counters: &Counters, stock: &NumberStock) {
    let taken = group.len();
    let (mut years, mut number_replies) = (Vec::new(), Vec::new());
    let (mut cases, mut insert_replies) = (Vec::new(), Vec::new());
    let (mut jobs, mut job_replies) = (Vec::new(), Vec::new());
    // Reports of each year in this group: how many numbers it refills.
    let mut reports: BTreeMap<i32, usize> = BTreeMap::new();
    for request in group {
        match request {
            Request::Number { year, stocked, reply } => {
                if stocked {
                    *reports.entry(year).or_default() += 1;
                    // Taken from the stock after the caller looked: the
                    // stock is drawn before new numbers are reserved, so
                    // they are handed out in order.
                    if let Some(seq) = stock.take(year) {
                        let _ = reply.send(crate::codec::case_number_of(year, seq));
                        continue;
                    }
                }
                years.push(year);
                number_replies.push(reply);
            }
            Request::Insert { case, stocked, reply } => {
                if stocked {
                    *reports.entry(case.number.year()).or_default() += 1;
                }
                cases.push(*case);
                insert_replies.push(reply);
            }
            Request::Job { write, reply } => {
                jobs.push(write);
                job_replies.push(reply);
            }
        }
    }
    let size = years.len() + cases.len() + jobs.len();
    if size == 0 {
        // Every request was a number answered from the stock.
        counters.requests.fetch_add(taken as u64, Ordering::Relaxed);
        counters.in_progress.fetch_sub(taken, Ordering::Relaxed);
        return;
    }
    // The numbers asked for first, then the stock's, so the stock gets the
    // larger ones of each year's block.
    let needed = years.len();
    let mut all_years = years.clone();
    for (&year, &count) in &reports {
        all_years.extend(std::iter::repeat_n(year, top_up(stock.len(year), count)));
    }
    let started = std::time::Instant::now();
    let written = writer.write_group(&all_years, &cases, &jobs).await;
    // Counted before anyone hears back, so a caller never sees stale figures.
    let took = started.elapsed();
    counters.busy_ns.fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
    counters.durations[GroupDurations::bucket(took)].fetch_add(1, Ordering::Relaxed);
    counters.groups.fetch_add(1, Ordering::Relaxed);
    counters.requests.fetch_add(taken as u64, Ordering::Relaxed);
    counters.in_progress.fetch_sub(taken, Ordering::Relaxed);
    match written {
        Ok(Written {
            mut numbers,
            outcomes,
            jobs,
        }) => {
            // Committed: the reserved numbers may be handed out.
            let spare = numbers.split_off(needed.min(numbers.len()));
            for (year, seq) in all_years[needed..].iter().zip(spare) {
                stock.put(*year, [i64::from(seq.seq())]);
            }
            answer(number_replies, numbers);
            answer(insert_replies, outcomes);
            answer(job_replies, jobs);
        }
        Err(e) if size == 1 => {
            // Nothing to retry: the one request gets the error.
            if let Some(reply) = number_replies.pop() {
                let _ = reply.send(Err(e));
            } else if let Some(reply) = insert_replies.pop() {
                let _ = reply.send(Err(e));
            } else if let Some(reply) = job_replies.pop() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, requests = size, "group write failed; writing its requests one by one");
            for (year, reply) in years.into_iter().zip(number_replies) {
                let result = writer.write_group(&[year], &[], &[]).await;
                counters.groups.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(result.and_then(|w| only(w.numbers)));
            }
            for (case, reply) in cases.into_iter().zip(insert_replies) {
                let result = writer.write_group(&[], std::slice::from_ref(&case), &[]).await;
                counters.groups.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(result.and_then(|w| only(w.outcomes)));
            }
            for (job, reply) in jobs.into_iter().zip(job_replies) {
                let result = writer.write_group(&[], &[], std::slice::from_ref(&job)).await;
                counters.groups.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(result.and_then(|w| only(w.jobs)));
            }
        }
    }
}

/// Hands each caller its answer, in order. The engine answers every
/// request; were one missing, its caller would see an error, not hang.
fn answer<T>(replies: Vec<oneshot::Sender<Result<T>>>, answers: Vec<T>) {
    let mut answers = answers.into_iter();
    for reply in replies {
        let _ = reply.send(answers.next().ok_or(StoreError::WriterStopped));
    }
}

/// The single answer of a group of one.
pub(crate) fn only<T>(answers: Vec<T>) -> Result<T> {
    answers.into_iter().next().ok_or(StoreError::WriterStopped)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn counted(took_ms: &[u64]) -> GroupDurations {
        let mut d = GroupDurations::default();
        for &ms in took_ms {
            d.0[GroupDurations::bucket(Duration::from_millis(ms))] += 1;
        }
        d
    }

    #[test]
    fn a_quantile_is_its_buckets_upper_bound() {
        // 98 groups of 3 ms, one of 9 ms, one of 45 ms.
        let mut took = vec![3; 98];
        took.extend([9, 45]);
        let d = counted(&took);
        assert_eq!(d.quantile(0.5), Some(Duration::from_millis(3)));
        assert_eq!(d.quantile(0.99), Some(Duration::from_millis(10)));
        assert_eq!(d.quantile(1.0), Some(Duration::from_millis(50)));
        assert_eq!(GroupDurations::default().quantile(0.99), None);
        assert_eq!(counted(&[2_000]).quantile(1.0), None, "over a second has no bound");
    }

    #[test]
    fn since_counts_only_what_came_after() {
        let earlier = GroupCommitStats {
            groups: 2,
            requests: 10,
            busy: Duration::from_millis(6),
            durations: counted(&[3, 3]),
            ..GroupCommitStats::default()
        };
        let later = GroupCommitStats {
            groups: 3,
            requests: 14,
            queued: 1,
            busy: Duration::from_millis(26),
            durations: counted(&[3, 3, 20]),
            ..GroupCommitStats::default()
        };
        let between = later.since(&earlier);
        assert_eq!((between.groups, between.requests, between.queued), (1, 4, 1));
        assert_eq!(between.busy, Duration::from_millis(20));
        assert_eq!(between.durations.quantile(0.5), Some(Duration::from_millis(20)));
    }
}
