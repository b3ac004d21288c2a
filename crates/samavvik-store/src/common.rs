//! The `Store` implementation both engines share, written once as
//! [`impl_store!`], which each engine invokes with its type.
//!
//! What the code here may use of an engine is the [`crate::engine::Engine`]
//! trait: how a write transaction starts (`BEGIN IMMEDIATE` on SQLite), how
//! jobs are claimed (`SKIP LOCKED` on PostgreSQL), which migrations run, and
//! a few engine-specific statements and switches. The rows callers hand in
//! are inserted through `inserts.rs`, whose tables are bound here in their
//! columns' order (`bind_case_rows`, `bind_child_rows`, `bind_synthetic_rows`).
//!
//! Besides `Store`, the expansion gives each engine the helpers the other
//! shared implementations (`handling_sql.rs`, `deadlines.rs`) write with:
//! `insert_event`, `insert_mail` and `require_case`.

macro_rules! impl_store {
    ($engine:ty) => {
        // An anonymous const gives the expansion its own imports.
        const _: () = {
            use std::collections::HashMap;

            use chrono::{DateTime, Utc};
            use samavvik_core::CaseNumber;
            use $crate::codec::{self, CaseRow, CountsRow, EventRow, Ts};
            use $crate::engine::{Conn, Engine, PlainQuery, RowsQuery};
            use $crate::group::GroupWriter as _;
            use $crate::inserts::{self, ChildRows, MailRow};
            use $crate::sql;
            use $crate::{
                CaseEvent, CaseRecord, Ciphertext, Counts, InsertOutcome, MailJob, NewCase, NewEvent, NewMailJob,
                Result, Store, StoreError, SyntheticCase, TokenHash,
            };

            impl $engine {
                /// What the group writer for new numbers and cases has done.
                pub fn group_commit_stats(&self) -> $crate::GroupCommitStats {
                    self.intake().map(|q| q.stats()).unwrap_or_default()
                }

                /// Writes `cases` in `tx`: one multi-row insert per table, not
                /// one statement per row, so a group costs a handful of round
                /// trips however many cases it holds.
                /// `flows` holds each case's flow number ([`Self::ready_flows`]).
                async fn insert_cases(
                    tx: &mut Conn<Self>,
                    cases: &[NewCase],
                    flows: &[i64],
                ) -> Result<Vec<InsertOutcome>> {
                    if cases.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut written = Self::insert_case_rows(tx, cases, flows).await?;
                    let mut created = Vec::new();
                    let mut outcomes = Vec::with_capacity(cases.len());
                    for case in cases {
                        let key = &case.idempotency_hash.0[..];
                        // The first case with a key takes its row; any later
                        // one with the same key finds it taken.
                        match written.remove(key) {
                            Some(id) => {
                                created.push((id, case));
                                outcomes.push(InsertOutcome::Created);
                            }
                            // Nothing of this case was written.
                            None => outcomes.push(Self::duplicate_of(tx, key).await?),
                        }
                    }
                    Self::insert_children(tx, &created).await?;
                    Ok(outcomes)
                }

                /// The `cases` rows, by the id of the row each idempotency
                /// key got. RETURNING promises no order, so rows are matched
                /// by their key; a key repeated within the group is written
                /// for its first case only.
                async fn insert_case_rows(
                    tx: &mut Conn<Self>,
                    cases: &[NewCase],
                    flows: &[i64],
                ) -> Result<HashMap<Vec<u8>, i64>> {
                    let mut written = HashMap::with_capacity(cases.len());
                    let mut at = 0;
                    for run in inserts::insert_runs(cases) {
                        let text = inserts::NEW_CASES.sql(run.len(), Self::POSITIONAL);
                        let run_flows = flows
                            .get(at..at + run.len())
                            .ok_or_else(|| StoreError::Corrupt("a flow number for each new case".into()))?;
                        at += run.len();
                        let query = Self::bind_case_rows(sqlx::query_as(&text), run, run_flows);
                        for (id, key) in query.fetch_all(&mut *tx).await? {
                            written.insert(key, id);
                        }
                    }
                    Ok(written)
                }

                /// Binds new cases in the order of `inserts::NEW_CASES`'s columns.
                fn bind_case_rows<'q, O>(
                    mut query: RowsQuery<'q, Self, O>,
                    run: &'q [NewCase],
                    flows: &[i64],
                ) -> RowsQuery<'q, Self, O> {
                    for (case, &flow) in run.iter().zip(flows) {
                        query = query
                            .bind(case.number.to_string())
                            .bind(case.number.year())
                            .bind(i64::from(case.number.seq()))
                            .bind(Ts::new(case.created_at))
                            .bind(case.kind.slug())
                            .bind(case.event_month.to_string())
                            .bind(case.sender_org.as_str())
                            .bind(case.sender_unit.as_str())
                            .bind(case.receiver_org.as_str())
                            .bind(case.receiver_unit.as_str())
                            .bind(case.direction.slug())
                            .bind(case.consequence.slug())
                            .bind(case.patient_group.slug())
                            .bind(case.state.slug())
                            .bind(&case.routing_rule)
                            .bind(&case.routing_explanation)
                            .bind(case.ack_deadline)
                            .bind(case.answer_deadline)
                            .bind(&case.follow_up_hash.0[..])
                            .bind(&case.idempotency_hash.0[..])
                            .bind(Ts::new(case.created_at))
                            .bind(case.sender_subunit.as_ref().map(|u| u.as_str()))
                            .bind(case.agreement_clause.map(|a| a.slug()))
                            .bind(flow);
                    }
                    query
                }

                /// The outcome for a case whose idempotency key another case holds.
                async fn duplicate_of(tx: &mut Conn<Self>, key: &[u8]) -> Result<InsertOutcome> {
                    let existing: Option<String> = sqlx::query_scalar(sql::FIND_BY_IDEMPOTENCY)
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await?;
                    codec::duplicate_of(existing.as_deref().map(codec::case_number).transpose()?)
                }

                /// Categories, sealed documents, first events, mail jobs and
                /// sealed items of the cases just written (`i64` is each
                /// case's row id).
                async fn insert_children(tx: &mut Conn<Self>, created: &[(i64, &NewCase)]) -> Result<()> {
                    let categories: Vec<_> = created
                        .iter()
                        .flat_map(|&(id, case)| case.categories.iter().map(move |c| (id, case, c)))
                        .collect();
                    let events: Vec<_> = created
                        .iter()
                        .map(|&(id, case)| (id, &case.first_event))
                        .collect();
                    let mail: Vec<_> = created
                        .iter()
                        .flat_map(|&(id, case)| {
                            case.mail.iter().map(move |job| MailRow {
                                case_id: Some(id),
                                job,
                                created_at: case.created_at,
                            })
                        })
                        .collect();
                    let items: Vec<_> = created
                        .iter()
                        .flat_map(|&(id, case)| case.items.iter().map(move |item| (id, item)))
                        .collect();
                    let children = (inserts::insert_runs(&categories)
                        .into_iter()
                        .map(ChildRows::Categories))
                    .chain(
                        inserts::insert_runs(created)
                            .into_iter()
                            .map(ChildRows::Documents),
                    )
                    .chain(inserts::insert_runs(&events).into_iter().map(ChildRows::Events))
                    .chain(inserts::insert_runs(&mail).into_iter().map(ChildRows::Mail))
                    .chain(inserts::insert_runs(&items).into_iter().map(ChildRows::Items));
                    for rows in children {
                        Self::insert_child_rows(tx, &rows).await?;
                    }
                    Ok(())
                }

                /// Writes one run of a child table's rows.
                async fn insert_child_rows(tx: &mut Conn<Self>, rows: &ChildRows<'_>) -> Result<()> {
                    let text = rows.sql(Self::POSITIONAL);
                    Self::bind_child_rows(sqlx::query(&text), rows)
                        .execute(&mut *tx)
                        .await?;
                    Ok(())
                }

                /// Binds one run of a child table's rows, in the order of its
                /// columns in `inserts.rs`.
                fn bind_child_rows<'q>(mut query: PlainQuery<'q, Self>, rows: &ChildRows<'q>) -> PlainQuery<'q, Self> {
                    match *rows {
                        ChildRows::Categories(part) => {
                            for &(id, case, category) in part {
                                query = query
                                    .bind(id)
                                    .bind(category.slug())
                                    .bind(case.event_month.to_string());
                            }
                        }
                        ChildRows::Documents(part) => {
                            for &(id, case) in part {
                                query = query.bind(id).bind(&case.sealed.0).bind(Ts::new(case.created_at));
                            }
                        }
                        ChildRows::Events(part) => {
                            for &(id, ev) in part {
                                query = query
                                    .bind(id)
                                    .bind(Ts::new(ev.at))
                                    .bind(&ev.actor)
                                    .bind(ev.from_state.map(|s| s.slug()))
                                    .bind(ev.to_state.slug())
                                    .bind(&ev.reason);
                            }
                        }
                        ChildRows::Mail(part) => {
                            for row in part {
                                let job = row.job;
                                query = query
                                    .bind(row.case_id)
                                    .bind(&job.to)
                                    .bind(&job.template)
                                    .bind(sqlx::types::Json(&job.payload))
                                    .bind(&job.message_id)
                                    .bind("pending")
                                    .bind(0_i32)
                                    .bind(Ts::new(job.not_before))
                                    .bind(Ts::new(row.created_at));
                            }
                        }
                        ChildRows::Items(part) => {
                            for &(id, item) in part {
                                query = query
                                    .bind(id)
                                    .bind(&item.kind)
                                    .bind(Ts::new(item.at))
                                    .bind(&item.actor)
                                    .bind(item.shareable)
                                    .bind(&item.ciphertext.0);
                            }
                        }
                    }
                    query
                }

                /// Writes the event `ev` of case row `case_id`.
                pub(crate) async fn insert_event(tx: &mut Conn<Self>, case_id: i64, ev: &NewEvent) -> Result<()> {
                    Self::insert_child_rows(tx, &ChildRows::Events(&[(case_id, ev)])).await
                }

                /// Queues `mail` (for case row `case_id`, if any), created
                /// `now`: one statement per job, each the same prepared one.
                pub(crate) async fn insert_mail(
                    tx: &mut Conn<Self>,
                    case_id: Option<i64>,
                    mail: &[NewMailJob],
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    for job in mail {
                        let row = MailRow {
                            case_id,
                            job,
                            created_at: now,
                        };
                        Self::insert_child_rows(tx, &ChildRows::Mail(std::slice::from_ref(&row))).await?;
                    }
                    Ok(())
                }

                /// The row id of case `number`, or [`StoreError::NotFound`].
                pub(crate) async fn require_case(tx: &mut Conn<Self>, number: CaseNumber) -> Result<i64> {
                    let id: Option<i64> = sqlx::query_scalar(sql::CASE_ID)
                        .bind(number.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    id.ok_or(StoreError::NotFound(number))
                }

                async fn record(&self, row: Option<CaseRow>) -> Result<Option<CaseRecord>> {
                    let Some(row) = row else { return Ok(None) };
                    let categories: Vec<String> = sqlx::query_scalar(sql::CATEGORIES)
                        .bind(row.id)
                        .fetch_all(self.read_pool())
                        .await?;
                    row.into_record(&categories).map(Some)
                }
            }

            impl $crate::group::GroupWriter for $engine {
                /// The cases (rows, categories, sealed documents, first events,
                /// mail jobs), then the numbers (one statement per year in the
                /// group), then the outbox worker's claims and marks, then one
                /// commit for all of it.
                async fn write_group(
                    &self,
                    years: &[i32],
                    cases: &[NewCase],
                    jobs: &[$crate::group::JobWrite],
                ) -> Result<$crate::group::Written> {
                    for &year in years {
                        self.ready_year(year).await?;
                    }
                    let flows = self.ready_flows(cases).await?;
                    let mut tx = self.write().await?;
                    let outcomes = Self::insert_cases(&mut tx, cases, &flows).await?;
                    let numbers = self.allocate_numbers(&mut tx, years).await?;
                    let mut done = Vec::with_capacity(jobs.len());
                    for job in jobs {
                        done.push(Self::write_job(&mut tx, job).await?);
                    }
                    // An early return above drops `tx`, which rolls it back.
                    tx.commit().await?;
                    Ok($crate::group::Written {
                        numbers,
                        outcomes,
                        jobs: done,
                    })
                }
            }

            impl $engine {
                /// One of the outbox worker's writes, in `tx`.
                async fn write_job(
                    tx: &mut Conn<Self>,
                    job: &$crate::group::JobWrite,
                ) -> Result<$crate::group::JobWritten> {
                    use $crate::group::{JobWrite, JobWritten};
                    Ok(match job {
                        JobWrite::Claim {
                            worker,
                            now,
                            lease,
                            limit,
                        } => JobWritten::Claimed(Self::claim_rows(tx, worker, *now, *lease, *limit).await?),
                        JobWrite::MarkSent { ids, worker, now } => {
                            JobWritten::Marked(Self::mark_rows(tx, ids, worker, *now).await?)
                        }
                    })
                }

                /// Leases up to `limit` due jobs to `worker` in `tx` (`Engine::CLAIM`).
                pub(crate) async fn claim_rows(
                    tx: &mut Conn<Self>,
                    worker: &str,
                    now: DateTime<Utc>,
                    lease: chrono::Duration,
                    limit: u32,
                ) -> Result<Vec<codec::JobRow>> {
                    Ok(sqlx::query_as(Self::CLAIM)
                        .bind(Ts::new(now))
                        .bind(i64::from(limit))
                        .bind(worker)
                        .bind(Ts::new(now + lease))
                        .fetch_all(&mut *tx)
                        .await?)
                }

                /// Marks `ids` sent by `worker` in `tx`: each id with the rows
                /// its mark changed.
                async fn mark_rows(
                    tx: &mut Conn<Self>,
                    ids: &[i64],
                    worker: &str,
                    now: DateTime<Utc>,
                ) -> Result<Vec<(i64, u64)>> {
                    let mut affected = Vec::with_capacity(ids.len());
                    for &id in ids {
                        let done = sqlx::query(sql::MARK_SENT)
                            .bind(id)
                            .bind(worker)
                            .bind(Ts::new(now))
                            .execute(&mut *tx)
                            .await?;
                        affected.push((id, done.rows_affected()));
                    }
                    Ok(affected)
                }

                /// The flow number of each of `cases` (`flows.rs`). Flows this
                /// process has not seen are added or found in a committed
                /// write of their own, before the cases' transaction begins.
                async fn ready_flows(&self, cases: &[impl $crate::flows::HasFlow]) -> Result<Vec<i64>> {
                    let keys: Vec<_> = cases.iter().map($crate::flows::HasFlow::flow).collect();
                    let missing = self.flow_ids().missing(&keys);
                    if !missing.is_empty() {
                        let mut found = Vec::with_capacity(missing.len());
                        let mut tx = self.write().await?;
                        for key in missing {
                            let id: i64 = sqlx::query_scalar($crate::flows::UPSERT_FLOW)
                                .bind(key.direction.slug())
                                .bind(key.sender_org.as_str())
                                .bind(key.sender_unit.as_str())
                                .bind(key.receiver_org.as_str())
                                .bind(key.receiver_unit.as_str())
                                .fetch_one(&mut *tx)
                                .await?;
                            found.push((key, id));
                        }
                        tx.commit().await?;
                        self.flow_ids().learn(found);
                    }
                    self.flow_ids().ids(&keys)
                }

                /// A number for each of `years`, in order: one block per
                /// distinct year, taken in one statement.
                async fn allocate_numbers(&self, tx: &mut Conn<Self>, years: &[i32]) -> Result<Vec<CaseNumber>> {
                    let mut numbers = vec![None; years.len()];
                    for (i, &year) in years.iter().enumerate() {
                        if numbers[i].is_some() {
                            continue;
                        }
                        let slots: Vec<usize> = (i..years.len()).filter(|&j| years[j] == year).collect();
                        let seqs = self.take_seqs(tx, year, slots.len() as i64).await?;
                        for (j, seq) in slots.into_iter().zip(seqs) {
                            numbers[j] = Some(codec::case_number_of(year, seq)?);
                        }
                    }
                    numbers
                        .into_iter()
                        .map(|n| n.ok_or(StoreError::WriterStopped))
                        .collect()
                }
            }

            impl Store for $engine {
                async fn migrate(&self) -> Result<()> {
                    Self::migrator().run(self.read_pool()).await?;
                    Ok(())
                }

                async fn find_by_idempotency(&self, key_hash: &TokenHash) -> Result<Option<CaseNumber>> {
                    let found: Option<String> = sqlx::query_scalar(sql::FIND_BY_IDEMPOTENCY)
                        .bind(&key_hash.0[..])
                        .fetch_optional(self.read_pool())
                        .await?;
                    found.as_deref().map(codec::case_number).transpose()
                }

                async fn allocate_case_number(&self, year: i32) -> Result<CaseNumber> {
                    match self.intake() {
                        Some(queue) => queue.number(year).await,
                        None => self
                            .write_group(&[year], &[], &[])
                            .await
                            .and_then(|w| $crate::group::only(w.numbers)),
                    }
                }

                async fn insert_case(&self, case: &NewCase) -> Result<InsertOutcome> {
                    match self.intake() {
                        Some(queue) => queue.insert(case.clone(), false).await,
                        None => self
                            .write_group(&[], std::slice::from_ref(case), &[])
                            .await
                            .and_then(|w| $crate::group::only(w.outcomes)),
                    }
                }

                async fn create_case<F, Fut, E>(&self, year: i32, build: F) -> Result<(NewCase, InsertOutcome), E>
                where
                    F: FnOnce(CaseNumber) -> Fut + Send,
                    Fut: std::future::Future<Output = Result<NewCase, E>> + Send,
                    E: From<StoreError> + Send,
                {
                    if let Some(queue) = self.intake() {
                        // Usually from the stock the writer keeps filled
                        // (`numbers.rs`): then the case's is the only
                        // commit this report waits for.
                        let number = queue.stocked_number(year).await?;
                        let case = build(number).await?;
                        let outcome = queue.insert(case.clone(), true).await?;
                        return Ok((case, outcome));
                    }
                    // The number (usually from this process's stock of
                    // reserved ones), then the case in one atomic write. No
                    // connection is held while `build` seals; should it
                    // fail, the number stays used: a gap.
                    self.ready_year(year).await?;
                    let seq = self.take_seq_alone(year).await?;
                    let number = codec::case_number_of(year, seq)?;
                    let case = build(number).await?;
                    let outcome = self.insert_case_alone(&case).await?;
                    Ok((case, outcome))
                }

                async fn case_by_number(&self, number: CaseNumber) -> Result<Option<CaseRecord>> {
                    let row = sqlx::query_as(sql::CASE_BY_NUMBER)
                        .bind(number.to_string())
                        .fetch_optional(self.read_pool())
                        .await?;
                    self.record(row).await
                }

                async fn case_by_follow_up(&self, token_hash: &TokenHash) -> Result<Option<CaseRecord>> {
                    let row = sqlx::query_as(sql::CASE_BY_FOLLOW_UP)
                        .bind(&token_hash.0[..])
                        .fetch_optional(self.read_pool())
                        .await?;
                    self.record(row).await
                }

                async fn sealed_document(&self, number: CaseNumber) -> Result<Option<Ciphertext>> {
                    let bytes: Option<Option<Vec<u8>>> = sqlx::query_scalar(sql::SEALED_DOCUMENT)
                        .bind(number.to_string())
                        .fetch_optional(self.read_pool())
                        .await?;
                    Ok(bytes.ok_or(StoreError::NotFound(number))?.map(Ciphertext))
                }

                async fn case_events(&self, number: CaseNumber) -> Result<Vec<CaseEvent>> {
                    let rows: Vec<EventRow> = sqlx::query_as(sql::CASE_EVENTS)
                        .bind(number.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    codec::children(number, rows, EventRow::into_event)
                }

                async fn claim_mail_jobs(
                    &self,
                    worker: &str,
                    now: DateTime<Utc>,
                    lease: chrono::Duration,
                    limit: u32,
                ) -> Result<Vec<MailJob>> {
                    codec::jobs_by_id(self.claim(worker, now, lease, limit).await?)
                }

                async fn mark_mail_sent(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<()> {
                    self.mark_mail_sent_many(&[id], worker, now).await
                }

                async fn mark_mail_sent_many(&self, ids: &[i64], worker: &str, now: DateTime<Utc>) -> Result<()> {
                    if ids.is_empty() {
                        return Ok(());
                    }
                    let affected = match self.intake() {
                        // In the next group: no commit of its own (`group.rs`).
                        Some(queue) => queue.mark_sent(ids, worker, now).await?,
                        None => {
                            let mut tx = self.write().await?;
                            let affected = Self::mark_rows(&mut tx, ids, worker, now).await?;
                            tx.commit().await?;
                            affected
                        }
                    };
                    for (id, rows) in affected {
                        codec::note_lost_lease(rows, id, worker);
                    }
                    Ok(())
                }

                async fn mark_mail_failed(
                    &self,
                    id: i64,
                    worker: &str,
                    error: &str,
                    retry_at: Option<DateTime<Utc>>,
                ) -> Result<()> {
                    let query = match retry_at {
                        Some(at) => sqlx::query(sql::MARK_RETRY)
                            .bind(id)
                            .bind(worker)
                            .bind(error)
                            .bind(Ts::new(at)),
                        None => sqlx::query(sql::MARK_DEAD).bind(id).bind(worker).bind(error),
                    };
                    let mut tx = self.write().await?;
                    let done = query.execute(&mut *tx).await?;
                    tx.commit().await?;
                    codec::note_lost_lease(done.rows_affected(), id, worker);
                    Ok(())
                }

                async fn counts(&self) -> Result<Counts> {
                    let row: CountsRow = sqlx::query_as(sql::COUNTS).fetch_one(self.read_pool()).await?;
                    Ok(row.into())
                }

                async fn check_writable(&self, now: DateTime<Utc>) -> Result<()> {
                    self.has_room()?;
                    let mut tx = self.write().await?;
                    sqlx::query(sql::READINESS_PROBE)
                        .bind(Ts::new(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn statistics_cutoff(
                    &self,
                    from: samavvik_core::EventMonth,
                    to: samavvik_core::EventMonth,
                ) -> Result<Option<DateTime<Utc>>> {
                    Ok(self.statistics_cutoffs(&[(from, to)]).await?.pop().flatten())
                }

                async fn statistics_cutoffs(
                    &self,
                    periods: &[(samavvik_core::EventMonth, samavvik_core::EventMonth)],
                ) -> Result<Vec<Option<DateTime<Utc>>>> {
                    let (Some(from), Some(to)) = (
                        periods.iter().map(|p| p.0).min(),
                        periods.iter().map(|p| p.1).max(),
                    ) else {
                        return Ok(Vec::new());
                    };
                    let rows: Vec<$crate::stats_batch::CutoffMonthRow> = sqlx::query_as(&Self::STATS.cutoffs())
                        .bind(from.to_string())
                        .bind(to.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    $crate::stats_batch::cutoffs(periods, rows.into_iter().map(|r| r.latest()).collect())
                }

                async fn case_statistics(&self, q: &$crate::StatsQuery) -> Result<$crate::CaseStatistics> {
                    Ok(self
                        .case_statistics_many(std::slice::from_ref(q))
                        .await?
                        .pop()
                        .unwrap_or_default())
                }

                async fn case_statistics_many(
                    &self,
                    queries: &[$crate::StatsQuery],
                ) -> Result<Vec<$crate::CaseStatistics>> {
                    use $crate::stats_batch::{
                        DaysRows, DimSlotRow, FlowRows, MeasureRow, Param, Plan, Rows, refuse_row, row_error,
                    };
                    let Some(plan) = Plan::new(queries) else {
                        return Ok(Vec::new());
                    };
                    let (from, to) = (plan.from.to_string(), plan.to.to_string());
                    let params = plan.params();
                    type Db = <$engine as Engine>::Db;
                    type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;
                    fn bind<'q>(mut q: Query<'q>, from: &str, to: &str, params: &[Param]) -> Query<'q> {
                        q = q.bind(from.to_owned()).bind(to.to_owned());
                        for p in params {
                            q = match p {
                                Param::At(t) => q.bind(Ts::new(*t)),
                                Param::Date(d) => q.bind(*d),
                                Param::Month(m) => q.bind(m.clone()),
                            };
                        }
                        q
                    }
                    let texts = (
                        Self::STATS.flows(&plan),
                        Self::STATS.days(&plan),
                        Self::STATS.dims(&plan),
                        Self::STATS.months(),
                        Self::STATS.measures(&plan),
                    );
                    let n = plan.slots.len();
                    // Five independent scans: run them on separate pooled
                    // connections at once, so a second core can help. Each
                    // row is added up as it arrives and none is kept (the
                    // days statement returns ~70 000 at 1 M cases).
                    let (mut flows, mut days, mut dims) = (FlowRows::default(), DaysRows::default(), Vec::new());
                    let mut measures = Vec::new();
                    let (_, _, _, months, _) = tokio::try_join!(
                        async {
                            bind(sqlx::query(&texts.0), &from, &to, &params)
                                .try_map(|r| flows.push(&r, n).map_err(refuse_row))
                                .fetch_all(self.read_pool())
                                .await
                                .map_err(row_error)
                        },
                        async {
                            bind(sqlx::query(&texts.1), &from, &to, &params)
                                .try_map(|r| days.push(&r, n).map_err(refuse_row))
                                .fetch_all(self.read_pool())
                                .await
                                .map_err(row_error)
                        },
                        async {
                            bind(sqlx::query(&texts.2), &from, &to, &params)
                                .try_map(|r| Ok(dims.push(DimSlotRow::read(&r, n).map_err(refuse_row)?)))
                                .fetch_all(self.read_pool())
                                .await
                                .map_err(row_error)
                        },
                        async {
                            let Some((first, last)) = plan.trend_before() else {
                                return Ok(Vec::new());
                            };
                            Ok::<_, StoreError>(
                                sqlx::query_as::<_, (String, i64)>(&texts.3)
                                    .bind(first.to_string())
                                    .bind(last.to_string())
                                    .fetch_all(self.read_pool())
                                    .await?,
                            )
                        },
                        async {
                            bind(sqlx::query(&texts.4), &from, &to, &params)
                                .try_map(|r| Ok(measures.push(MeasureRow::read(&r, n).map_err(refuse_row)?)))
                                .fetch_all(self.read_pool())
                                .await
                                .map_err(row_error)
                        },
                    )?;
                    // After the scans: flows are only ever added, so every
                    // number they returned is named here.
                    let keys: Vec<$crate::stats_batch::CaseFlowRow> = sqlx::query_as($crate::flows::ALL_FLOWS)
                        .fetch_all(self.read_pool())
                        .await?;
                    let rows = Rows {
                        keys: $crate::stats_batch::FlowKeys::read(keys)?,
                        flows,
                        days,
                        dims,
                        months,
                        measures,
                    };
                    $crate::stats_batch::split(&plan, queries, &rows)
                }

                async fn insert_synthetic_cases(&self, cases: &[SyntheticCase]) -> Result<u64> {
                    for year in cases.iter().map(|c| chrono::Datelike::year(&c.created_at)) {
                        self.ready_year(year).await?;
                    }
                    let flows = self.ready_flows(cases).await?;
                    let mut tx = self.write().await?;
                    let mut next = self.synthetic_blocks(&mut tx, cases).await?;
                    for (chunk, flows) in cases.chunks(SYNTHETIC_ROWS).zip(flows.chunks(SYNTHETIC_ROWS)) {
                        Self::insert_synthetic_chunk(&mut tx, chunk, flows, &mut next).await?;
                    }
                    tx.commit().await?;
                    Ok(cases.len() as u64)
                }

                async fn record_published_report(&self, r: &$crate::PublishedReport) -> Result<()> {
                    let threshold = i64::try_from(r.threshold)
                        .map_err(|_| StoreError::Corrupt(format!("threshold {}", r.threshold)))?;
                    let mut tx = self.write().await?;
                    sqlx::query(sql::INSERT_PUBLISHED_REPORT)
                        .bind(r.period_from.to_string())
                        .bind(r.period_to.to_string())
                        .bind(threshold)
                        .bind(&r.input_sha256)
                        .bind(Ts::new(r.published_at))
                        .bind(i64::from(r.version))
                        .bind(&r.published_by)
                        .bind(r.release.as_deref())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn published_reports(&self) -> Result<Vec<$crate::PublishedReport>> {
                    let rows: Vec<$crate::stats::PublishedRow> = sqlx::query_as(sql::PUBLISHED_REPORTS)
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map($crate::stats::PublishedRow::decode)
                        .collect()
                }

                async fn analyze(&self) -> Result<()> {
                    for statement in Self::ANALYZE {
                        sqlx::query(statement).execute(self.read_pool()).await?;
                    }
                    Ok(())
                }
            }

            /// Synthetic cases per multi-row insert, and twice as many
            /// category or measure rows: 27,000 parameters at most, below
            /// SQLite's 32,766.
            const SYNTHETIC_ROWS: usize = 1000;

            impl $engine {
                /// Takes the numbers for `cases`, by year, in ascending order.
                async fn synthetic_blocks(
                    &self,
                    tx: &mut Conn<Self>,
                    cases: &[SyntheticCase],
                ) -> Result<std::collections::BTreeMap<i32, std::vec::IntoIter<i64>>> {
                    use chrono::Datelike;
                    let mut per_year = std::collections::BTreeMap::<i32, i64>::new();
                    for c in cases {
                        *per_year.entry(c.created_at.year()).or_default() += 1;
                    }
                    let mut seqs = std::collections::BTreeMap::new();
                    for (year, n) in per_year {
                        seqs.insert(year, self.take_seqs(tx, year, n).await?.into_iter());
                    }
                    Ok(seqs)
                }

                /// Writes one chunk of synthetic cases with their categories
                /// and measures, numbering them from `next` (a year's next
                /// number, advanced here).
                async fn insert_synthetic_chunk(
                    tx: &mut Conn<Self>,
                    chunk: &[SyntheticCase],
                    flows: &[i64],
                    next: &mut std::collections::BTreeMap<i32, std::vec::IntoIter<i64>>,
                ) -> Result<()> {
                    use chrono::Datelike;
                    let mut numbers = Vec::with_capacity(chunk.len());
                    for c in chunk {
                        let year = c.created_at.year();
                        let seq = next
                            .get_mut(&year)
                            .and_then(Iterator::next)
                            .ok_or_else(|| StoreError::Corrupt(format!("no number left for a case of {year}")))?;
                        numbers.push(codec::case_number_of(year, seq)?);
                    }
                    let text = inserts::SYNTHETIC_CASES.bulk_sql(chunk.len(), Self::POSITIONAL);
                    let query =
                        Self::bind_synthetic_rows(sqlx::query_as::<_, (i64, String)>(&text), chunk, flows, &numbers);
                    // RETURNING promises no order, so match rows by number.
                    let ids: HashMap<String, i64> = query
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .map(|(id, number)| (number, id))
                        .collect();
                    // Categories and measures carry the case's event month
                    // (and measures its direction, answering and closing)
                    // for the statistics.
                    let mut cats: Vec<(i64, &str, String)> = Vec::new();
                    // A measure's copies are derived from its case at bind time.
                    let mut measures: Vec<(i64, &SyntheticCase, &'static str)> = Vec::new();
                    for (c, number) in chunk.iter().zip(&numbers) {
                        let id = *ids
                            .get(&number.to_string())
                            .ok_or_else(|| StoreError::Corrupt(format!("{number} not returned")))?;
                        let month = c.event_month.to_string();
                        cats.extend(c.categories.iter().map(|k| (id, k.slug(), month.clone())));
                        measures.extend(c.measures.iter().map(|m| (id, c, m.slug())));
                    }
                    for part in cats.chunks(SYNTHETIC_ROWS * 2) {
                        let text = inserts::SYNTHETIC_CATEGORIES.bulk_sql(part.len(), Self::POSITIONAL);
                        let mut q = sqlx::query(&text);
                        for (id, slug, month) in part {
                            q = q.bind(*id).bind(*slug).bind(month.as_str());
                        }
                        q.execute(&mut *tx).await?;
                    }
                    for part in measures.chunks(SYNTHETIC_ROWS * 2) {
                        let text = inserts::SYNTHETIC_MEASURES.bulk_sql(part.len(), Self::POSITIONAL);
                        let mut q = sqlx::query(&text);
                        for &(id, c, slug) in part {
                            q = q
                                .bind(id)
                                .bind(slug)
                                .bind(c.event_month.to_string())
                                .bind(c.closed_at.map(Ts::new))
                                .bind(c.direction.slug())
                                .bind(c.answered_at.map(Ts::new));
                        }
                        q.execute(&mut *tx).await?;
                    }
                    Ok(())
                }

                /// Binds synthetic cases in the order of
                /// `inserts::SYNTHETIC_CASES`'s columns. Routing columns are
                /// fixed text: synthetic cases were never routed.
                fn bind_synthetic_rows<'q, O>(
                    mut query: RowsQuery<'q, Self, O>,
                    chunk: &'q [SyntheticCase],
                    flows: &[i64],
                    numbers: &[CaseNumber],
                ) -> RowsQuery<'q, Self, O> {
                    for ((c, number), &flow) in chunk.iter().zip(numbers).zip(flows) {
                        // Unique per number, and no token hashes to it.
                        let mut hash = [0u8; 32];
                        hash[..4].copy_from_slice(b"synt");
                        hash[4..8].copy_from_slice(&number.year().to_be_bytes());
                        hash[8..12].copy_from_slice(&number.seq().to_be_bytes());
                        let mut follow = hash;
                        follow[0] = b'S';
                        query = query
                            .bind(number.to_string())
                            .bind(number.year())
                            .bind(i64::from(number.seq()))
                            .bind(Ts::new(c.created_at))
                            .bind(c.kind.slug())
                            .bind(c.event_month.to_string())
                            .bind(c.sender_org.as_str())
                            .bind(c.sender_unit.as_str())
                            .bind(c.receiver_org.as_str())
                            .bind(c.receiver_unit.as_str())
                            .bind(c.direction.slug())
                            .bind(c.consequence.slug())
                            .bind(c.patient_group.slug())
                            .bind(c.state().slug())
                            .bind("synthetic")
                            .bind("Syntetisk sak (generert)")
                            .bind(c.ack_deadline)
                            .bind(c.answer_deadline)
                            .bind(follow.to_vec())
                            .bind(hash.to_vec())
                            .bind(Ts::new(c.created_at))
                            .bind(c.acknowledged_at.map(Ts::new))
                            .bind(c.answered_at.map(Ts::new))
                            .bind(c.closed_at.map(Ts::new))
                            .bind(c.answered_at.map(|t| $crate::stats::whole_days(c.created_at, t)))
                            .bind(c.closed_at.map(|t| $crate::stats::whole_days(c.created_at, t)))
                            .bind(flow);
                    }
                    query
                }
            }
        };
    };
}

pub(crate) use impl_store;
