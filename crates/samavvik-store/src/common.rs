//! The `Store` implementation both engines share, written once.
//!
//! The engines differ in three places only: how a write transaction starts
//! (`BEGIN IMMEDIATE` on SQLite), how jobs are claimed (`SKIP LOCKED` on
//! PostgreSQL) and which migrations they run. Each engine provides those as
//! inherent items (`write`, `claim`, `migrator`) and invokes [`impl_store!`]
//! for everything else, so the two cannot drift apart. A macro rather than
//! generic code over `sqlx::Database`, whose executor bounds would be larger
//! than the code they save.

/// What differs in type between the engines: the write transaction
/// (SQLite's holds this process's write turn, see `sqlite.rs`).
pub(crate) trait Engine {
    type Tx: std::ops::DerefMut;
}

/// One multi-row insert into a table that hangs off `cases`, for cases just
/// written (`i64` is the new case row's id). The table, its columns and
/// (in `impl_store!`'s `bind_child_rows`) its binds in one place each.
pub(crate) enum ChildRows<'a> {
    Categories(&'a [(i64, &'a crate::NewCase, &'a samavvik_core::Category)]),
    Documents(&'a [(i64, &'a crate::NewCase)]),
    Events(&'a [(i64, &'a crate::NewCase)]),
    Mail(&'a [(i64, &'a crate::NewCase, &'a crate::NewMailJob)]),
}

impl ChildRows<'_> {
    /// The statement for this run.
    pub(crate) fn sql(&self, positional: bool) -> String {
        use crate::sql::{self, insert_rows_sql};
        match self {
            Self::Categories(rows) => {
                insert_rows_sql("case_categories", sql::NEW_CATEGORY_COLUMNS, rows.len(), positional)
                    + " ON CONFLICT DO NOTHING"
            }
            Self::Documents(rows) => {
                insert_rows_sql("case_documents", sql::NEW_DOCUMENT_COLUMNS, rows.len(), positional)
            }
            Self::Events(rows) => insert_rows_sql("case_events", sql::NEW_EVENT_COLUMNS, rows.len(), positional),
            Self::Mail(rows) => insert_rows_sql("mail_outbox", sql::NEW_MAIL_COLUMNS, rows.len(), positional),
        }
    }
}

macro_rules! impl_store {
    ($engine:ty) => {
        // An anonymous const gives the expansion its own imports.
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::CaseNumber;
            use $crate::codec::{self, CaseRow, CountsRow, EventRow, Ts};
            use $crate::common::ChildRows;
            use $crate::group::GroupWriter as _;
            use $crate::sql;
            use $crate::{
                CaseEvent, CaseRecord, Ciphertext, Counts, InsertOutcome, MailJob, NewCase, Result, Store, StoreError,
                TokenHash,
            };

            /// A statement whose rows need no reading, on this engine.
            type PlainQuery<'q> = sqlx::query::Query<
                'q,
                <$engine as $crate::handling_sql::Engine>::Db,
                <<$engine as $crate::handling_sql::Engine>::Db as sqlx::Database>::Arguments<'q>,
            >;

            impl $engine {
                /// What the group writer for new numbers and cases has done.
                pub fn group_commit_stats(&self) -> $crate::GroupCommitStats {
                    self.intake.as_ref().map(|q| q.stats()).unwrap_or_default()
                }

                /// Writes `cases` in `tx`: one multi-row insert per table, not
                /// one statement per row, so a group costs a handful of round
                /// trips however many cases it holds.
                async fn insert_cases(
                    tx: &mut <Self as $crate::common::Engine>::Tx,
                    cases: &[NewCase],
                ) -> Result<Vec<InsertOutcome>> {
                    if cases.is_empty() {
                        return Ok(Vec::new());
                    }
                    // RETURNING promises no order: match rows by their key.
                    // A key repeated within the group is written for its
                    // first case only; the later ones are duplicates of it.
                    let mut written: std::collections::HashMap<Vec<u8>, i64> = std::collections::HashMap::new();
                    for run in sql::insert_runs(cases) {
                        let text = sql::insert_rows_sql("cases", sql::NEW_CASE_COLUMNS, run.len(), Self::POSITIONAL)
                            + sql::NEW_CASE_TAIL;
                        let mut query = sqlx::query_as::<_, (i64, Vec<u8>)>(&text);
                        for case in run {
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
                                .bind(Ts::new(case.created_at));
                        }
                        for (id, key) in query.fetch_all(&mut **tx).await? {
                            written.insert(key, id);
                        }
                    }
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
                            _ => {
                                // Nothing of this case was written.
                                let existing: Option<String> = sqlx::query_scalar(sql::FIND_BY_IDEMPOTENCY)
                                    .bind(key)
                                    .fetch_optional(&mut **tx)
                                    .await?;
                                outcomes.push(codec::duplicate_of(
                                    existing.as_deref().map(codec::case_number).transpose()?,
                                )?);
                            }
                        }
                    }

                    let categories: Vec<_> = created
                        .iter()
                        .flat_map(|&(id, case)| case.categories.iter().map(move |c| (id, case, c)))
                        .collect();
                    let mail: Vec<_> = created
                        .iter()
                        .flat_map(|&(id, case)| case.mail.iter().map(move |job| (id, case, job)))
                        .collect();
                    let children = (sql::insert_runs(&categories)
                        .into_iter()
                        .map(ChildRows::Categories))
                    .chain(sql::insert_runs(&created).into_iter().map(ChildRows::Documents))
                    .chain(sql::insert_runs(&created).into_iter().map(ChildRows::Events))
                    .chain(sql::insert_runs(&mail).into_iter().map(ChildRows::Mail));
                    for rows in children {
                        let text = rows.sql(Self::POSITIONAL);
                        Self::bind_child_rows(sqlx::query(&text), &rows)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Ok(outcomes)
                }

                /// Binds one run of a child table's rows, in its columns' order.
                fn bind_child_rows<'q>(mut query: PlainQuery<'q>, rows: &ChildRows<'q>) -> PlainQuery<'q> {
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
                            for &(id, case) in part {
                                let ev = &case.first_event;
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
                            for &(id, case, job) in part {
                                query = query
                                    .bind(id)
                                    .bind(&job.to)
                                    .bind(&job.template)
                                    .bind(sqlx::types::Json(&job.payload))
                                    .bind(&job.message_id)
                                    .bind("pending")
                                    .bind(0_i32)
                                    .bind(Ts::new(job.not_before))
                                    .bind(Ts::new(case.created_at));
                            }
                        }
                    }
                    query
                }

                async fn record(&self, row: Option<CaseRow>) -> Result<Option<CaseRecord>> {
                    let Some(row) = row else { return Ok(None) };
                    let categories = sqlx::query_scalar(sql::CATEGORIES)
                        .bind(row.id)
                        .fetch_all(&self.pool)
                        .await?;
                    row.into_record(categories).map(Some)
                }
            }

            impl $crate::group::GroupWriter for $engine {
                /// The cases (rows, categories, sealed documents, first events,
                /// mail jobs), then the numbers (one statement per year in the
                /// group), then one commit for all of it — or, where the engine
                /// writes groups side by side (`NUMBERS_APART`), numbers and
                /// cases in two transactions at once: a year's sequence row is
                /// locked from its update to the commit, and groups should
                /// queue on it for a short numbers-only commit, not for
                /// another group's cases.
                async fn write_group(
                    &self,
                    years: &[i32],
                    cases: &[NewCase],
                ) -> Result<(Vec<CaseNumber>, Vec<InsertOutcome>)> {
                    if Self::NUMBERS_APART && !years.is_empty() && !cases.is_empty() {
                        let (numbers, outcomes) = tokio::try_join!(
                            self.write_group_in_one(years, &[]),
                            self.write_group_in_one(&[], cases)
                        )?;
                        return Ok((numbers.0, outcomes.1));
                    }
                    self.write_group_in_one(years, cases).await
                }
            }

            impl $engine {
                async fn write_group_in_one(
                    &self,
                    years: &[i32],
                    cases: &[NewCase],
                ) -> Result<(Vec<CaseNumber>, Vec<InsertOutcome>)> {
                    let mut tx = self.write().await?;
                    let outcomes = Self::insert_cases(&mut tx, cases).await?;
                    let mut numbers = vec![None; years.len()];
                    for (i, &year) in years.iter().enumerate() {
                        if numbers[i].is_some() {
                            continue;
                        }
                        let slots: Vec<usize> = (i..years.len()).filter(|&j| years[j] == year).collect();
                        let count = slots.len() as i64;
                        let last: i64 = sqlx::query_scalar(sql::NEXT_SEQ_BLOCK)
                            .bind(year)
                            .bind(count)
                            .fetch_one(&mut *tx)
                            .await?;
                        for (k, j) in slots.into_iter().enumerate() {
                            numbers[j] = Some(codec::case_number_of(year, last - count + 1 + k as i64)?);
                        }
                    }
                    let numbers = numbers.into_iter().flatten().collect();
                    // An early return above drops `tx`, which rolls it back.
                    tx.commit().await?;
                    Ok((numbers, outcomes))
                }
            }

            impl Store for $engine {
                async fn migrate(&self) -> Result<()> {
                    Self::migrator().run(&self.pool).await?;
                    Ok(())
                }

                async fn find_by_idempotency(&self, key_hash: &TokenHash) -> Result<Option<CaseNumber>> {
                    let found: Option<String> = sqlx::query_scalar(sql::FIND_BY_IDEMPOTENCY)
                        .bind(&key_hash.0[..])
                        .fetch_optional(&self.pool)
                        .await?;
                    found.as_deref().map(codec::case_number).transpose()
                }

                async fn allocate_case_number(&self, year: i32) -> Result<CaseNumber> {
                    match &self.intake {
                        Some(queue) => queue.number(year).await,
                        None => self
                            .write_group(&[year], &[])
                            .await
                            .and_then(|(numbers, _)| $crate::group::only(numbers)),
                    }
                }

                async fn insert_case(&self, case: &NewCase) -> Result<InsertOutcome> {
                    match &self.intake {
                        Some(queue) => queue.insert(case.clone()).await,
                        None => self
                            .write_group(&[], std::slice::from_ref(case))
                            .await
                            .and_then(|(_, outcomes)| $crate::group::only(outcomes)),
                    }
                }

                async fn case_by_number(&self, number: CaseNumber) -> Result<Option<CaseRecord>> {
                    let row = sqlx::query_as(sql::CASE_BY_NUMBER)
                        .bind(number.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                    self.record(row).await
                }

                async fn case_by_follow_up(&self, token_hash: &TokenHash) -> Result<Option<CaseRecord>> {
                    let row = sqlx::query_as(sql::CASE_BY_FOLLOW_UP)
                        .bind(&token_hash.0[..])
                        .fetch_optional(&self.pool)
                        .await?;
                    self.record(row).await
                }

                async fn sealed_document(&self, number: CaseNumber) -> Result<Option<Ciphertext>> {
                    let bytes: Option<Vec<u8>> = sqlx::query_scalar(sql::SEALED_DOCUMENT)
                        .bind(number.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(bytes.map(Ciphertext))
                }

                async fn case_events(&self, number: CaseNumber) -> Result<Vec<CaseEvent>> {
                    let rows: Vec<EventRow> = sqlx::query_as(sql::CASE_EVENTS)
                        .bind(number.to_string())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(EventRow::into_event).collect()
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
                    let mut tx = self.write().await?;
                    let done = sqlx::query(sql::MARK_SENT)
                        .bind(id)
                        .bind(worker)
                        .bind(Ts::new(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    codec::note_lost_lease(done.rows_affected(), id, worker);
                    Ok(())
                }

                async fn mark_mail_sent_many(&self, ids: &[i64], worker: &str, now: DateTime<Utc>) -> Result<()> {
                    if ids.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.write().await?;
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
                    tx.commit().await?;
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
                    let row: CountsRow = sqlx::query_as(sql::COUNTS).fetch_one(&self.pool).await?;
                    Ok(row.into())
                }

                async fn statistics_cutoff(
                    &self,
                    from: samavvik_core::EventMonth,
                    to: samavvik_core::EventMonth,
                ) -> Result<Option<DateTime<Utc>>> {
                    let row: $crate::stats::CutoffRow = sqlx::query_as(Self::STATS.cutoff)
                        .bind(from.to_string())
                        .bind(to.to_string())
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(row.latest())
                }

                async fn case_statistics(&self, q: &$crate::StatsQuery) -> Result<$crate::CaseStatistics> {
                    use $crate::stats::{DaysRow, DimRow, FlowStatsRow, MonthRow};
                    let (from, to) = (q.from.to_string(), q.to.to_string());
                    let status = Ts::new(q.status_at);
                    let trend_from = q.trend_from.to_string();
                    // Four independent scans: run them on separate pooled
                    // connections at once, so a second core can help.
                    let (flows, days, dims, months) = tokio::try_join!(
                        sqlx::query_as::<_, FlowStatsRow>(Self::STATS.flows)
                            .bind(&from)
                            .bind(&to)
                            .bind(status)
                            .bind(q.status_date())
                            .fetch_all(&self.pool),
                        sqlx::query_as::<_, DaysRow>(Self::STATS.days)
                            .bind(&from)
                            .bind(&to)
                            .bind(status)
                            .fetch_all(&self.pool),
                        sqlx::query_as::<_, DimRow>(Self::STATS.dims)
                            .bind(&from)
                            .bind(&to)
                            .bind(status)
                            .fetch_all(&self.pool),
                        sqlx::query_as::<_, MonthRow>(Self::STATS.months)
                            .bind(&trend_from)
                            .bind(&to)
                            .fetch_all(&self.pool),
                    )?;
                    Ok($crate::stats::canonical($crate::CaseStatistics {
                        flows: $crate::stats::merge_flows(
                            flows
                                .into_iter()
                                .map(FlowStatsRow::decode)
                                .collect::<Result<_>>()?,
                        ),
                        days: days.into_iter().map(DaysRow::decode).collect::<Result<_>>()?,
                        dims: DimRow::decode_all(dims)?,
                        months: months.into_iter().map(MonthRow::decode).collect::<Result<_>>()?,
                    }))
                }

                async fn insert_synthetic_cases(&self, cases: &[$crate::SyntheticCase]) -> Result<u64> {
                    use chrono::Datelike;
                    use std::collections::BTreeMap;
                    const ROWS: usize = 1000;
                    let mut tx = self.write().await?;
                    // Hand out one block of numbers per year, in this transaction.
                    let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
                    for c in cases {
                        *per_year.entry(c.created_at.year()).or_default() += 1;
                    }
                    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
                    for (&year, &n) in &per_year {
                        let last: i64 = sqlx::query_scalar(sql::NEXT_SEQ_BLOCK)
                            .bind(year)
                            .bind(n)
                            .fetch_one(&mut *tx)
                            .await?;
                        next.insert(year, last - n + 1);
                    }
                    for chunk in cases.chunks(ROWS) {
                        let mut numbers = Vec::with_capacity(chunk.len());
                        for c in chunk {
                            let year = c.created_at.year();
                            let seq = next.get_mut(&year).expect("every year has a block");
                            numbers.push(codec::case_number_of(year, *seq)?);
                            *seq += 1;
                        }
                        let text = sql::insert_synthetic_sql(chunk.len(), Self::POSITIONAL);
                        let mut query = sqlx::query_as::<_, (i64, String)>(&text);
                        for (c, number) in chunk.iter().zip(&numbers) {
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
                                .bind(c.sender_org.as_str().to_owned())
                                .bind(c.sender_unit.as_str().to_owned())
                                .bind(c.receiver_org.as_str().to_owned())
                                .bind(c.receiver_unit.as_str().to_owned())
                                .bind(c.direction.slug())
                                .bind(c.consequence.slug())
                                .bind(c.patient_group.slug())
                                .bind(c.state().slug())
                                .bind(c.ack_deadline)
                                .bind(c.answer_deadline)
                                .bind(follow.to_vec())
                                .bind(hash.to_vec())
                                .bind(c.acknowledged_at.map(Ts::new))
                                .bind(c.answered_at.map(Ts::new))
                                .bind(c.closed_at.map(Ts::new))
                                .bind(Ts::new(c.created_at))
                                .bind(c.answered_at.map(|t| $crate::stats::whole_days(c.created_at, t)))
                                .bind(c.closed_at.map(|t| $crate::stats::whole_days(c.created_at, t)));
                        }
                        // RETURNING promises no order, so match rows by number.
                        let ids: std::collections::HashMap<String, i64> = query
                            .fetch_all(&mut *tx)
                            .await?
                            .into_iter()
                            .map(|(id, number)| (number, id))
                            .collect();
                        // Categories and measures carry the case's event month
                        // (and measures its closing) for the statistics.
                        let mut cats: Vec<(i64, &'static str, String)> = Vec::new();
                        let mut measures: Vec<(i64, &'static str, String, Option<Ts>)> = Vec::new();
                        for (c, number) in chunk.iter().zip(&numbers) {
                            let id = *ids
                                .get(&number.to_string())
                                .ok_or_else(|| StoreError::Corrupt(format!("{number} not returned")))?;
                            let month = c.event_month.to_string();
                            cats.extend(c.categories.iter().map(|k| (id, k.slug(), month.clone())));
                            measures.extend(
                                c.measures
                                    .iter()
                                    .map(|m| (id, m.slug(), month.clone(), c.closed_at.map(Ts::new))),
                            );
                        }
                        for part in cats.chunks(ROWS * 2) {
                            let columns = ["case_id", "category", "event_month"];
                            let text = sql::insert_rows_sql("case_categories", &columns, part.len(), Self::POSITIONAL);
                            let mut q = sqlx::query(&text);
                            for (id, slug, month) in part {
                                q = q.bind(*id).bind(*slug).bind(month.as_str());
                            }
                            q.execute(&mut *tx).await?;
                        }
                        for part in measures.chunks(ROWS * 2) {
                            let columns = ["case_id", "category", "event_month", "closed_at"];
                            let text = sql::insert_rows_sql("case_measures", &columns, part.len(), Self::POSITIONAL);
                            let mut q = sqlx::query(&text);
                            for (id, slug, month, closed) in part {
                                q = q.bind(*id).bind(*slug).bind(month.as_str()).bind(*closed);
                            }
                            q.execute(&mut *tx).await?;
                        }
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
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn published_reports(&self) -> Result<Vec<$crate::PublishedReport>> {
                    let rows: Vec<$crate::stats::PublishedRow> = sqlx::query_as(sql::PUBLISHED_REPORTS)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter()
                        .map($crate::stats::PublishedRow::decode)
                        .collect()
                }

                async fn analyze(&self) -> Result<()> {
                    for statement in Self::ANALYZE {
                        sqlx::query(statement).execute(&self.pool).await?;
                    }
                    Ok(())
                }
            }
        };
    };
}

pub(crate) use impl_store;
