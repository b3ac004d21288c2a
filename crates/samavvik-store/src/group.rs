//! Group commit for the intake's two writes on SQLite: handing out case
//! numbers and writing new cases. (PostgreSQL writes each report in one
//! transaction of its own, number included; see `postgres.rs`.)
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

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use samavvik_core::CaseNumber;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::{InsertOutcome, NewCase, Result, StoreError};

/// Most requests written in one transaction.
const MAX_GROUP: usize = 256;

/// Requests that may wait in the queue before callers wait to enqueue.
const QUEUE: usize = 4096;

/// Writes one group in one transaction: a number for each of `years` (in
/// order) and each of `cases`. Provided by each engine (`impl_store!`).
pub(crate) trait GroupWriter: Clone + Send + Sync + 'static {
    fn write_group(
        &self,
        years: &[i32],
        cases: &[NewCase],
    ) -> impl Future<Output = Result<(Vec<CaseNumber>, Vec<InsertOutcome>)>> + Send;
}

enum Request {
    Number {
        year: i32,
        reply: oneshot::Sender<Result<CaseNumber>>,
    },
    Insert {
        case: Box<NewCase>,
        reply: oneshot::Sender<Result<InsertOutcome>>,
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
}

#[derive(Default, Debug)]
struct Counters {
    groups: AtomicU64,
    requests: AtomicU64,
    in_progress: AtomicUsize,
    busy_ns: AtomicU64,
}

/// The callers' end of one store's group writer. Cloning shares the writer;
/// the writer stops when the last clone is dropped.
#[derive(Clone, Debug)]
pub(crate) struct IntakeQueue {
    tx: mpsc::Sender<Request>,
    counters: Arc<Counters>,
    in_flight: usize,
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
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("samavvik-writer".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(beside);
                    run(writer, rx, counters, 1).await;
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
        };
        (queue, rx)
    }

    /// The next number of `year`, committed before it is returned.
    pub(crate) async fn number(&self, year: i32) -> Result<CaseNumber> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Number { year, reply }).await?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Writes `case`, committed before the outcome is returned.
    pub(crate) async fn insert(&self, case: NewCase) -> Result<InsertOutcome> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Insert {
            case: Box::new(case),
            reply,
        })
        .await?;
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
        }
    }
}

async fn run<W: GroupWriter>(writer: W, mut rx: mpsc::Receiver<Request>, counters: Arc<Counters>, in_flight: usize) {
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
        let (writer, counters) = (writer.clone(), counters.clone());
        tokio::spawn(async move {
            write(&writer, group, &counters).await;
            drop(slot);
        });
    }
}

/// Writes a group and answers its requests; on failure, each request alone.
async fn write<W: GroupWriter>(writer: &W, group: Vec<Request>, counters: &Counters) {
    let (mut years, mut number_replies) = (Vec::new(), Vec::new());
    let (mut cases, mut insert_replies) = (Vec::new(), Vec::new());
    for request in group {
        match request {
            Request::Number { year, reply } => {
                years.push(year);
                number_replies.push(reply);
            }
            Request::Insert { case, reply } => {
                cases.push(*case);
                insert_replies.push(reply);
            }
        }
    }
    let size = years.len() + cases.len();
    let started = std::time::Instant::now();
    let written = writer.write_group(&years, &cases).await;
    // Counted before anyone hears back, so a caller never sees stale figures.
    counters
        .busy_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    counters.groups.fetch_add(1, Ordering::Relaxed);
    counters.requests.fetch_add(size as u64, Ordering::Relaxed);
    counters.in_progress.fetch_sub(size, Ordering::Relaxed);
    match written {
        Ok((numbers, outcomes)) => {
            answer(number_replies, numbers);
            answer(insert_replies, outcomes);
        }
        Err(e) if size == 1 => {
            // Nothing to retry: the one request gets the error.
            if let Some(reply) = number_replies.pop() {
                let _ = reply.send(Err(e));
            } else if let Some(reply) = insert_replies.pop() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, requests = size, "group write failed; writing its requests one by one");
            for (year, reply) in years.into_iter().zip(number_replies) {
                let result = writer.write_group(&[year], &[]).await;
                counters.groups.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(result.and_then(|(numbers, _)| only(numbers)));
            }
            for (case, reply) in cases.into_iter().zip(insert_replies) {
                let result = writer.write_group(&[], std::slice::from_ref(&case)).await;
                counters.groups.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(result.and_then(|(_, outcomes)| only(outcomes)));
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
