//! The `Store` implementation both engines share, written once.
//!
//! The engines differ in three places only: how a write transaction starts
//! (`BEGIN IMMEDIATE` on SQLite), how jobs are claimed (`SKIP LOCKED` on
//! PostgreSQL) and which migrations they run. Each engine provides those as
//! inherent items (`write`, `claim`, `migrator`) and invokes [`impl_store!`]
//! for everything else, so the two cannot drift apart. A macro rather than
//! generic code over `sqlx::Database`, whose executor bounds would be larger
//! than the code they save.

macro_rules! impl_store {
    ($engine:ty) => {
        // An anonymous const gives the expansion its own imports.
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::CaseNumber;
            use $crate::codec::{self, CaseRow, CountsRow, EventRow, Ts};
            use $crate::sql;
            use $crate::{
                CaseEvent, CaseRecord, Ciphertext, Counts, InsertOutcome, MailJob, NewCase, Result, Store, StoreError,
                TokenHash,
            };

            impl $engine {
                async fn record(&self, row: Option<CaseRow>) -> Result<Option<CaseRecord>> {
                    let Some(row) = row else { return Ok(None) };
                    let categories = sqlx::query_scalar(sql::CATEGORIES)
                        .bind(row.id)
                        .fetch_all(&self.pool)
                        .await?;
                    row.into_record(categories).map(Some)
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
                    let mut tx = self.write().await?;
                    let seq: i64 = sqlx::query_scalar(sql::NEXT_SEQ)
                        .bind(year)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let seq =
                        u32::try_from(seq).map_err(|_| StoreError::Corrupt(format!("sequence {seq} for {year}")))?;
                    CaseNumber::new(year, seq)
                        .map_err(|_| StoreError::Corrupt(format!("no case number for {year}/{seq}")))
                }

                async fn insert_case(&self, case: &NewCase) -> Result<InsertOutcome> {
                    let mut tx = self.write().await?;
                    let id: Option<i64> = sqlx::query_scalar(sql::INSERT_CASE)
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
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(id) = id else {
                        tx.rollback().await?;
                        return codec::duplicate_of(self.find_by_idempotency(&case.idempotency_hash).await?);
                    };
                    for category in &case.categories {
                        sqlx::query(sql::INSERT_CATEGORY)
                            .bind(id)
                            .bind(category.slug())
                            .bind(case.event_month.to_string())
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(sql::INSERT_DOCUMENT)
                        .bind(id)
                        .bind(&case.sealed.0)
                        .bind(Ts::new(case.created_at))
                        .execute(&mut *tx)
                        .await?;
                    let ev = &case.first_event;
                    sqlx::query(sql::INSERT_EVENT)
                        .bind(id)
                        .bind(Ts::new(ev.at))
                        .bind(&ev.actor)
                        .bind(ev.from_state.map(|s| s.slug()))
                        .bind(ev.to_state.slug())
                        .bind(&ev.reason)
                        .execute(&mut *tx)
                        .await?;
                    for job in &case.mail {
                        sqlx::query(sql::INSERT_MAIL)
                            .bind(id)
                            .bind(&job.to)
                            .bind(&job.template)
                            .bind(sqlx::types::Json(&job.payload))
                            .bind(&job.message_id)
                            .bind(Ts::new(job.not_before))
                            .bind(Ts::new(case.created_at))
                            .execute(&mut *tx)
                            .await?;
                    }
                    // An early return above drops `tx`, which rolls it back.
                    tx.commit().await?;
                    Ok(InsertOutcome::Created)
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
                            numbers.push(
                                CaseNumber::new(year, u32::try_from(*seq).unwrap_or(u32::MAX))
                                    .map_err(|_| StoreError::Corrupt(format!("no case number for {year}/{seq}")))?,
                            );
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
