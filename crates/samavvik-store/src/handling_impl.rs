//! The shared implementation of [`crate::HandlingStore`],
//! [`impl_handling_store!`], invoked once per engine like `impl_store!`
//! and written against the same [`crate::engine::Engine`] trait. Its SQL
//! lives in `handling_sql.rs`.

macro_rules! impl_handling_store {
    ($engine:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use samavvik_core::{CaseNumber, MeasureCategory};
            use $crate::codec::{self, CaseRow, Ts};
            use $crate::engine::{Conn, Engine};
            use $crate::handling::{
                AuditEntry, AuditFilter, CaseFilter, HandlingStore, NewSealedItem, SealedItem, SealedRef,
                TransitionWrite,
            };
            use $crate::handling_sql::{self as q, AuditRow, ItemRow, bind_args};
            use $crate::{CaseRecord, Ciphertext, NewMailJob, Result, TokenHash};

            impl HandlingStore for $engine {
                async fn create_login_token(
                    &self,
                    hash: &TokenHash,
                    principal: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                    mail: &NewMailJob,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::INSERT_LOGIN_TOKEN)
                        .bind(&hash.0[..])
                        .bind(principal)
                        .bind(Ts::new(now))
                        .bind(Ts::new(expires_at))
                        .execute(&mut *tx)
                        .await?;
                    // A sign-in link belongs to no case.
                    Self::insert_mail(&mut tx, None, std::slice::from_ref(mail), now).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn consume_login_token(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<String>> {
                    let mut tx = self.write().await?;
                    let principal: Option<String> = sqlx::query_scalar(q::CONSUME_LOGIN_TOKEN)
                        .bind(&hash.0[..])
                        .bind(Ts::new(now))
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(principal)
                }

                async fn create_session(
                    &self,
                    hash: &TokenHash,
                    principal: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::INSERT_SESSION)
                        .bind(&hash.0[..])
                        .bind(principal)
                        .bind(Ts::new(now))
                        .bind(Ts::new(expires_at))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn touch_session(
                    &self,
                    hash: &TokenHash,
                    now: DateTime<Utc>,
                    idle_cutoff: DateTime<Utc>,
                ) -> Result<Option<String>> {
                    let mut tx = self.write().await?;
                    let principal: Option<String> = sqlx::query_scalar(q::TOUCH_SESSION)
                        .bind(&hash.0[..])
                        .bind(Ts::new(now))
                        .bind(Ts::new(idle_cutoff))
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(principal)
                }

                async fn delete_session(&self, hash: &TokenHash) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::DELETE_SESSION)
                        .bind(&hash.0[..])
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
                    let mut tx = self.write().await?;
                    sqlx::query(q::INSERT_AUDIT)
                        .bind(Ts::new(entry.at))
                        .bind(&entry.actor)
                        .bind(&entry.action)
                        .bind(entry.case_number.map(|n| n.to_string()))
                        .bind(entry.unit.as_ref().map(|u| u.as_str().to_owned()))
                        .bind(&entry.detail)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn audit_entries(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64)> {
                    let paged = q::audit_sql(filter);
                    let rows: Vec<AuditRow> = bind_args!(sqlx::query_as(&paged.page), &paged.args)
                        .fetch_all(self.read_pool())
                        .await?;
                    let total: i64 = bind_args!(sqlx::query_scalar(&paged.count), &paged.args[..paged.count_args])
                        .fetch_one(self.read_pool())
                        .await?;
                    let entries = rows.into_iter().map(q::audit_entry).collect::<Result<Vec<_>>>()?;
                    Ok((entries, q::count(total)))
                }

                async fn list_cases(&self, filter: &CaseFilter) -> Result<(Vec<CaseRecord>, u64)> {
                    let Some(paged) = q::list_cases_sql(filter) else {
                        return Ok((Vec::new(), 0));
                    };
                    let rows: Vec<CaseRow> = bind_args!(sqlx::query_as(&paged.page), &paged.args)
                        .fetch_all(self.read_pool())
                        .await?;
                    let total: i64 = bind_args!(sqlx::query_scalar(&paged.count), &paged.args[..paged.count_args])
                        .fetch_one(self.read_pool())
                        .await?;
                    let mut categories: std::collections::HashMap<i64, Vec<String>> = Default::default();
                    if !rows.is_empty() {
                        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                        let (text, args) = q::categories_sql(&ids);
                        let pairs: Vec<(i64, String)> = bind_args!(sqlx::query_as(&text), &args)
                            .fetch_all(self.read_pool())
                            .await?;
                        for (id, category) in pairs {
                            categories.entry(id).or_default().push(category);
                        }
                    }
                    let records = rows
                        .into_iter()
                        .map(|row| {
                            let cats = categories.remove(&row.id).unwrap_or_default();
                            row.into_record(&cats)
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok((records, q::count(total)))
                }

                async fn case_measures(&self, number: CaseNumber) -> Result<Vec<MeasureCategory>> {
                    let slugs: Vec<Option<String>> = sqlx::query_scalar(q::CASE_MEASURES)
                        .bind(number.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    q::measures(&codec::children(number, slugs, Ok)?)
                }

                #[cfg(any(test, feature = "test-support"))]
                async fn handling_times(
                    &self,
                    number: CaseNumber,
                ) -> Result<
                    Option<(
                        Option<DateTime<Utc>>,
                        Option<DateTime<Utc>>,
                        Option<DateTime<Utc>>,
                    )>,
                > {
                    let row: Option<(Option<Ts>, Option<Ts>, Option<Ts>)> = sqlx::query_as(q::HANDLING_TIMES)
                        .bind(number.to_string())
                        .fetch_optional(self.read_pool())
                        .await?;
                    let get = |t: Option<Ts>| t.map(Ts::get);
                    Ok(row.map(|(ack, ans, closed)| (get(ack), get(ans), get(closed))))
                }

                async fn apply_transition(&self, w: &TransitionWrite) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let Some(id) = Self::change_state(&mut tx, w).await? else {
                        // Moved by someone else, or no such case: find out which.
                        Self::require_case(&mut tx, w.number).await?;
                        tx.rollback().await?;
                        return Ok(false);
                    };
                    let handling_changed = w.answered_at.is_some()
                        || w.closed_at.is_some()
                        || w.clear_closed_at
                        || w.clear_acknowledged_and_answered;
                    if handling_changed {
                        sqlx::query(Self::SET_DAYS).bind(id).execute(&mut *tx).await?;
                    }
                    if handling_changed || w.reroute.is_some() {
                        sqlx::query(q::SYNC_MEASURES).bind(id).execute(&mut *tx).await?;
                    }
                    if let Some(r) = &w.reroute {
                        // An error return drops `tx`, which rolls everything back.
                        Self::reseal(&mut tx, w.number, id, &r.resealed).await?;
                    }
                    if !w.resealed.is_empty() {
                        Self::reseal(&mut tx, w.number, id, &w.resealed).await?;
                    }
                    Self::insert_event(&mut tx, id, &w.event).await?;
                    for item in &w.new_items {
                        Self::insert_item(&mut tx, id, item).await?;
                    }
                    if let Some(measures) = &w.measures {
                        Self::replace_measures(&mut tx, id, measures).await?;
                    }
                    for (category, due) in &w.measure_dues {
                        sqlx::query(q::SET_MEASURE_DUE)
                            .bind(id)
                            .bind(category.slug())
                            .bind(*due)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Self::insert_mail(&mut tx, Some(id), &w.mail, w.event.at).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn add_sealed_item(
                    &self,
                    number: CaseNumber,
                    item: &NewSealedItem,
                    mail: &[NewMailJob],
                ) -> Result<i64> {
                    let mut tx = self.write().await?;
                    // An error return drops `tx`, which rolls it back.
                    let case_id = Self::require_case(&mut tx, number).await?;
                    let item_id = Self::insert_item(&mut tx, case_id, item).await?;
                    Self::insert_mail(&mut tx, Some(case_id), mail, item.at).await?;
                    tx.commit().await?;
                    Ok(item_id)
                }

                async fn raise_to_fsu(
                    &self,
                    case_number: Option<CaseNumber>,
                    title: &str,
                    reason: &str,
                    raised_by_unit: &samavvik_core::UnitId,
                    at: DateTime<Utc>,
                ) -> Result<i64> {
                    let mut tx = self.write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO fsu_items (case_number, title, reason, raised_by_unit, raised_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                    )
                    .bind(case_number.map(|n| n.to_string()))
                    .bind(title)
                    .bind(reason)
                    .bind(raised_by_unit.as_str())
                    .bind(Ts::new(at))
                    .fetch_one(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(id)
                }

                async fn fsu_items(&self) -> Result<Vec<crate::FsuItem>> {
                    let rows: Vec<(i64, Option<String>, String, String, String, String, String, Ts)> = sqlx::query_as(
                        "SELECT id, case_number, title, reason, status, decision, raised_by_unit, raised_at \
                         FROM fsu_items ORDER BY raised_at DESC, id DESC",
                    )
                    .fetch_all(self.read_pool())
                    .await?;
                    rows.into_iter()
                        .map(|(id, number, title, reason, status, decision, unit, at)| {
                            Ok(crate::FsuItem {
                                id,
                                case_number: number.as_deref().map(codec::case_number).transpose()?,
                                title,
                                reason,
                                status: samavvik_core::fsu::FsuStatus::from_slug(&status)
                                    .ok_or_else(|| crate::StoreError::Corrupt(format!("fsu status: {status:?}")))?,
                                decision,
                                raised_by_unit: samavvik_core::UnitId::new(&unit)
                                    .map_err(|_| crate::StoreError::Corrupt(format!("fsu unit: {unit:?}")))?,
                                raised_at: at.into_inner(),
                            })
                        })
                        .collect()
                }

                async fn update_fsu_item(
                    &self,
                    id: i64,
                    status: samavvik_core::fsu::FsuStatus,
                    decision: &str,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let changed =
                        sqlx::query("UPDATE fsu_items SET status = $2, decision = $3, updated_at = $4 WHERE id = $1")
                            .bind(id)
                            .bind(status.slug())
                            .bind(decision)
                            .bind(Ts::new(at))
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    tx.commit().await?;
                    Ok(changed == 1)
                }

                async fn assign_case(
                    &self,
                    number: CaseNumber,
                    unit: &samavvik_core::UnitId,
                    principal: Option<&str>,
                    at: DateTime<Utc>,
                    by: &str,
                ) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE case_number = $1")
                        .bind(number.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(id) = id else {
                        return Ok(false);
                    };
                    match principal {
                        Some(principal) => {
                            sqlx::query(
                                "INSERT INTO case_assignments (case_id, unit_id, principal, assigned_at, assigned_by) \
                                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id) DO UPDATE SET \
                                 unit_id = excluded.unit_id, principal = excluded.principal, \
                                 assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by",
                            )
                            .bind(id)
                            .bind(unit.as_str())
                            .bind(principal)
                            .bind(Ts::new(at))
                            .bind(by)
                            .execute(&mut *tx)
                            .await?;
                        }
                        None => {
                            sqlx::query("DELETE FROM case_assignments WHERE case_id = $1")
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn case_assignees(
                    &self,
                    numbers: &[CaseNumber],
                ) -> Result<Vec<(CaseNumber, samavvik_core::UnitId, String)>> {
                    if numbers.is_empty() {
                        return Ok(Vec::new());
                    }
                    let (text, args) = q::assignees_sql(numbers);
                    let rows: Vec<(String, String, String)> = bind_args!(sqlx::query_as(&text), &args)
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.into_iter()
                        .map(|(number, unit, principal)| {
                            let unit = samavvik_core::UnitId::new(&unit)
                                .map_err(|_| crate::StoreError::Corrupt(format!("assignment unit: {unit:?}")))?;
                            Ok((codec::case_number(&number)?, unit, principal))
                        })
                        .collect()
                }

                async fn measure_follow_ups(&self, number: CaseNumber) -> Result<Vec<crate::MeasureFollowUp>> {
                    let rows: Vec<(String, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> =
                        sqlx::query_as(q::MEASURE_FOLLOW_UPS)
                            .bind(number.to_string())
                            .fetch_all(self.read_pool())
                            .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for (slug, due_on, done_on) in rows {
                        let category = MeasureCategory::from_slug(&slug)
                            .ok_or_else(|| crate::StoreError::Corrupt(format!("measure: {slug:?}")))?;
                        out.push(crate::MeasureFollowUp {
                            category,
                            due_on,
                            done_on,
                        });
                    }
                    out.sort_by_key(|m| m.category);
                    Ok(out)
                }

                async fn mark_measure_done(
                    &self,
                    number: CaseNumber,
                    state: samavvik_core::CaseState,
                    category: MeasureCategory,
                    done_on: chrono::NaiveDate,
                    event: &crate::NewEvent,
                ) -> Result<bool> {
                    let mut tx = self.write().await?;
                    let id = Self::require_case(&mut tx, number).await?;
                    let changed = sqlx::query(q::MARK_MEASURE_DONE)
                        .bind(number.to_string())
                        .bind(category.slug())
                        .bind(done_on)
                        .bind(state.slug())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if changed == 0 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    Self::insert_event(&mut tx, id, event).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn all_case_numbers(&self) -> Result<Vec<CaseNumber>> {
                    let rows: Vec<String> = sqlx::query_scalar("SELECT case_number FROM cases ORDER BY id")
                        .fetch_all(self.read_pool())
                        .await?;
                    rows.iter().map(|n| codec::case_number(n)).collect()
                }

                async fn reseal_case(&self, number: CaseNumber, resealed: &[(SealedRef, Ciphertext)]) -> Result<()> {
                    let mut tx = self.write().await?;
                    let id = Self::require_case(&mut tx, number).await?;
                    Self::reseal(&mut tx, number, id, resealed).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn sealed_items(&self, number: CaseNumber) -> Result<Vec<SealedItem>> {
                    let rows: Vec<ItemRow> = sqlx::query_as(q::SEALED_ITEMS)
                        .bind(number.to_string())
                        .fetch_all(self.read_pool())
                        .await?;
                    codec::children(number, rows, q::sealed_item)
                }
            }

            impl $engine {
                /// The guarded update of `cases`: the case's row id, or `None`
                /// when the case is not in `w.from` (or does not exist).
                async fn change_state(tx: &mut Conn<Self>, w: &TransitionWrite) -> Result<Option<i64>> {
                    let r = w.reroute.as_ref();
                    if let Some(r) = r {
                        sqlx::query(q::ENSURE_REROUTED_FLOW)
                            .bind(w.number.to_string())
                            .bind(r.direction.slug())
                            .bind(r.receiver_org.as_str())
                            .bind(r.receiver_unit.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                    Ok(sqlx::query_scalar(q::TRANSITION)
                        .bind(w.number.to_string())
                        .bind(w.from.slug())
                        .bind(w.to.slug())
                        .bind(Ts::new(w.event.at))
                        .bind(w.acknowledged_at.map(Ts::new))
                        .bind(w.answered_at.map(Ts::new))
                        .bind(w.closed_at.map(Ts::new))
                        .bind(w.clear_closed_at)
                        .bind(w.clear_acknowledged_and_answered)
                        .bind(r.map(|r| r.receiver_unit.as_str()))
                        .bind(r.map(|r| r.routing_rule.as_str()))
                        .bind(r.map(|r| r.routing_explanation.as_str()))
                        .bind(r.map(|r| r.ack_deadline).or(w.deadlines.map(|d| d.0)))
                        .bind(r.map(|r| r.answer_deadline).or(w.deadlines.map(|d| d.1)))
                        .bind(r.map(|r| r.receiver_org.as_str()))
                        .bind(r.map(|r| r.direction.slug()))
                        .bind(w.secretariat_help)
                        .fetch_optional(&mut *tx)
                        .await?)
                }

                /// Replaces every sealed document of case row `id` with its
                /// resealed ciphertext, after checking that `resealed` names exactly
                /// those documents (`handling_sql::check_reseal`).
                async fn reseal(
                    tx: &mut Conn<Self>,
                    number: CaseNumber,
                    id: i64,
                    resealed: &[(SealedRef, Ciphertext)],
                ) -> Result<()> {
                    let has_document: i64 = sqlx::query_scalar(q::HAS_DOCUMENT)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let item_ids: Vec<i64> = sqlx::query_scalar(q::ITEM_IDS)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    q::check_reseal(number, resealed, has_document > 0, item_ids)?;
                    for (what, sealed) in resealed {
                        match what {
                            SealedRef::Report => sqlx::query(q::RESEAL_DOCUMENT).bind(id).bind(&sealed.0),
                            SealedRef::Item(item) => sqlx::query(q::RESEAL_ITEM).bind(*item).bind(id).bind(&sealed.0),
                        }
                        .execute(&mut *tx)
                        .await?;
                    }
                    Ok(())
                }

                async fn replace_measures(tx: &mut Conn<Self>, id: i64, measures: &[MeasureCategory]) -> Result<()> {
                    sqlx::query(q::DELETE_MEASURES).bind(id).execute(&mut *tx).await?;
                    for m in measures {
                        sqlx::query(q::INSERT_MEASURE)
                            .bind(id)
                            .bind(m.slug())
                            .execute(&mut *tx)
                            .await?;
                    }
                    Ok(())
                }

                /// Writes a sealed item of case row `case_id`; returns its id.
                async fn insert_item(tx: &mut Conn<Self>, case_id: i64, item: &NewSealedItem) -> Result<i64> {
                    Ok(sqlx::query_scalar(q::INSERT_ITEM)
                        .bind(case_id)
                        .bind(&item.kind)
                        .bind(Ts::new(item.at))
                        .bind(&item.actor)
                        .bind(item.shareable)
                        .bind(&item.ciphertext.0)
                        .fetch_one(&mut *tx)
                        .await?)
                }
            }
        };
    };
}
pub(crate) use impl_handling_store;
