//! Publishing the anonymised FSU annual report and the secretariat's
//! half-year report: building it from the clear statistics, protected
//! together with the year's standard set (both half-years and the year) and
//! against everything in the published-reports register, and recording a
//! publication. Previewing and downloading change nothing; only
//! [`publish`] writes (the register row and an audit entry).
//! Nothing here needs a key or reads a sealed column.

use chrono::Datelike as _;
use samavvik_aggregation::disclosure::Release;
use samavvik_aggregation::joint::{self, Input, Refusal};
use samavvik_aggregation::raised::RaisedItem;
use samavvik_aggregation::{Extra, Names, Params, Period, Report, build_with};
use samavvik_core::AuditAction;
use samavvik_routing::{Directory, OrgKind, UnitKind};
use samavvik_store::{
    AnyStore, AuditEntry, CaseStatistics, HandlingStore, LearningStore, PublishedReport, StatsQuery, Store,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::Error;
use crate::people::Person;

/// Display names and order from the routing directory.
pub fn names(dir: &Directory) -> Names {
    let mut names = Names::default();
    for o in dir.organisations() {
        names.orgs.insert(o.id.to_string(), o.name.clone());
        if o.kind == OrgKind::Kommune {
            names.kommuner.push((o.id.to_string(), o.name.clone()));
        }
    }
    for u in dir.units() {
        names.units.insert(u.id.to_string(), u.name.clone());
        let org = dir.organisation(&u.organisation);
        // Closed klinikker (with a successor) get a column only if they have cases.
        if u.kind == UnitKind::Klinikk && u.successor.is_none() && org.is_some_and(|o| o.kind == OrgKind::Hospital) {
            names.klinikker.push((u.id.to_string(), u.name.clone()));
        }
    }
    names.categories = dir.categories().clone();
    names
}

/// What the register keeps of a publication: the released cells as facts,
/// and the cells the joint protection added (so the same report can be
/// downloaded again, byte for byte).
#[derive(Serialize, Deserialize)]
struct Stored {
    release: Release,
    extra: Extra,
}

/// A report ready to preview, download or publish.
pub struct Prepared {
    pub report: Report,
    /// The cells the joint protection added to it.
    extra: Extra,
    /// The publication of this very report (same period and data), if any.
    pub published: Option<PublishedReport>,
    /// Earlier publications of the same period from other data.
    pub versions: u32,
    /// Published reports that could not be audited (from before the register), bokmål.
    pub unknown: Vec<String>,
    /// What was protected with it: the new and the published reports.
    releases: Vec<Release>,
    universe: samavvik_aggregation::disclosure::lp::Universe,
}

impl Prepared {
    /// SHA-256 of the report's JSON: what a preview showed, so publishing
    /// can tell whether it would publish the same.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(&self.report).unwrap_or_default();
        hex::encode(Sha256::digest(&json))
    }
}

/// Why a report cannot be had or published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Together with what is published it would give a cell away (bokmål lines).
    #[error("{0}")]
    Refused(Refusal),
    /// The report is not the one previewed: data or register changed since.
    #[error("changed since the preview")]
    Changed,
    #[error(transparent)]
    Other(#[from] Error),
}

impl From<anyhow::Error> for PublishError {
    fn from(e: anyhow::Error) -> Self {
        PublishError::Other(Error::Internal(e))
    }
}

impl From<samavvik_store::StoreError> for PublishError {
    fn from(e: samavvik_store::StoreError) -> Self {
        PublishError::Other(e.into())
    }
}

/// The statistics and parameters of `period`.
async fn input(
    store: &AnyStore,
    period: Period,
    threshold: u64,
    names: &Names,
) -> anyhow::Result<(CaseStatistics, Params)> {
    let cutoff = store.statistics_cutoff(period.from, period.to).await?;
    let params = Params {
        period,
        threshold,
        cutoff,
        names: names.clone(),
    };
    let query = StatsQuery {
        from: period.from,
        to: period.to,
        trend_from: params.trend_from(),
        status_at: params.status_at(),
    };
    let stats = store.case_statistics(&query).await?;
    Ok((stats, params))
}

/// The items raised to FSU in `period` (by the Oslo date they were raised),
/// oldest first, without their case numbers.
async fn raised_items(store: &AnyStore, period: Period) -> anyhow::Result<Vec<RaisedItem>> {
    let mut items: Vec<samavvik_store::FsuItem> = store
        .fsu_items()
        .await?
        .into_iter()
        .filter(|i| {
            let day = samavvik_core::deadline::norwegian_date(i.raised_at);
            samavvik_core::EventMonth::new(day.year(), day.month()).is_ok_and(|m| period.from <= m && m <= period.to)
        })
        .collect();
    items.sort_by_key(|i| (i.raised_at, i.id));
    Ok(items
        .into_iter()
        .map(|i| RaisedItem {
            title: i.title,
            status: i.status,
            decision: i.decision,
        })
        .collect())
}

/// The statistics and parameters of each of `periods`, read in one pass
/// over their months (the standard set's half-years are parts of its year).
///
/// # Errors
///
/// When the store fails.
pub async fn inputs_of(
    store: &AnyStore,
    periods: &[Period],
    threshold: u64,
    names: &Names,
) -> anyhow::Result<Vec<(CaseStatistics, Params)>> {
    let spans: Vec<_> = periods.iter().map(|p| (p.from, p.to)).collect();
    let cutoffs = store.statistics_cutoffs(&spans).await?;
    let params: Vec<Params> = periods
        .iter()
        .zip(cutoffs)
        .map(|(&period, cutoff)| Params {
            period,
            threshold,
            cutoff,
            names: names.clone(),
        })
        .collect();
    let queries: Vec<StatsQuery> = params
        .iter()
        .map(|p| StatsQuery {
            from: p.period.from,
            to: p.period.to,
            trend_from: p.trend_from(),
            status_at: p.status_at(),
        })
        .collect();
    let stats = store.case_statistics_many(&queries).await?;
    Ok(stats.into_iter().zip(params).collect())
}

/// The periods protected together with `period`: it first, then the
/// annual report and both half-years of its last year.
pub fn standard_set(period: Period) -> Vec<Period> {
    let year = period.to.year();
    let mut out = vec![period];
    for p in [format!("{year}-H1"), format!("{year}-H2"), format!("{year}")] {
        if let Ok(p) = Period::parse(&p)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// Renames the snapshot of every term of `release` to `name` (a published
/// report made from data that has changed since).
fn rename(mut release: Release, name: &str) -> Release {
    for f in &mut release.facts {
        for t in &mut f.expr.terms {
            name.clone_into(&mut t.snapshot);
        }
    }
    release
}

/// Builds the report for `period`, protected with the year's standard set
/// and against the register. Reads only; records nothing.
///
/// # Errors
///
/// [`PublishError::Refused`] when the published reports already give a
/// cell away whatever this one hides; otherwise when the store fails.
pub async fn prepare(
    store: &AnyStore,
    period: Period,
    threshold: u64,
    names: &Names,
) -> Result<Prepared, PublishError> {
    let register = store.published_reports().await?;
    let set = standard_set(period);
    let mut inputs = Vec::new();
    for ((stats, params), &p) in inputs_of(store, &set, threshold, names).await?.into_iter().zip(&set) {
        let sha = samavvik_aggregation::build::input_sha256(&stats, &params);
        inputs.push((p, stats, params, sha));
    }
    let mut fixed: Vec<Release> = Vec::new();
    let mut fixed_periods: Vec<(Period, Extra, PublishedReport)> = Vec::new();
    let mut unknown = Vec::new();
    for (i, row) in register.iter().enumerate() {
        let p = Period {
            from: row.period_from,
            to: row.period_to,
        };
        let Some(json) = &row.release else {
            unknown.push(format!(
                "Rapporten for {} ble publisert {} før registeret over publiserte celler fantes, og kan ikke \
                 kontrolleres mot denne.",
                p.label(),
                samavvik_core::deadline::format_day_nb(row.published_at)
            ));
            continue;
        };
        let stored: Stored = serde_json::from_str(json).map_err(|e| anyhow::anyhow!("register row {i}: {e}"))?;
        let current = match inputs.iter().find(|x| x.0 == p) {
            Some(x) => x.3.clone(),
            None => {
                let (stats, params) = input(store, p, row.threshold, names).await?;
                samavvik_aggregation::build::input_sha256(&stats, &params)
            }
        };
        if current == row.input_sha256 && row.threshold == threshold.max(samavvik_aggregation::MIN_THRESHOLD) {
            fixed.push(stored.release);
            fixed_periods.retain(|f| f.0 != p);
            fixed_periods.push((p, stored.extra, row.clone()));
        } else {
            fixed.push(rename(stored.release, &format!("published-{i}")));
        }
    }
    let versions = register
        .iter()
        .filter(|r| (r.period_from, r.period_to) == (period.from, period.to))
        .count() as u32;
    // A period published from the same data is that publication, fixed.
    let flexible: Vec<&(Period, CaseStatistics, Params, String)> = inputs
        .iter()
        .filter(|x| !fixed_periods.iter().any(|f| f.0 == x.0))
        .collect();
    let universe = joint::universe(
        &inputs
            .iter()
            .map(|x| Input {
                stats: &x.1,
                params: &x.2,
            })
            .collect::<Vec<_>>(),
    );
    let (mut report, extra, published) = if let Some((_, extra, row)) = fixed_periods.iter().find(|f| f.0 == period) {
        let x = &inputs[0];
        (build_with(&x.1, &x.2, extra), extra.clone(), Some(row.clone()))
    } else {
        let joint_inputs: Vec<Input<'_>> = flexible
            .iter()
            .map(|x| Input {
                stats: &x.1,
                params: &x.2,
            })
            .collect();
        let mut built = joint::protect(&joint_inputs, &fixed).map_err(PublishError::Refused)?;
        let (report, extra) = built.swap_remove(0);
        (report, extra, None)
    };
    // Lessons and the imported history count no case of Samavvik's: added
    // after the protection, outside the auditor's equations (docs/REPORT.md).
    let lessons = store.approved_lessons(period.from, period.to).await?;
    let history = store.history_counts().await?;
    let categories = &inputs[0].2.names.categories;
    samavvik_aggregation::learning::add(&mut report, &inputs[0].1, &lessons, &history, categories);
    // So are the items raised to FSU: clear texts, never their case numbers.
    samavvik_aggregation::raised::add(&mut report, &raised_items(store, period).await?);
    let mut releases = vec![joint::release(&report)];
    // A re-issue is audited with what changed since the earlier issue.
    releases.extend(joint::changes(&fixed));
    releases.extend(fixed);
    Ok(Prepared {
        report,
        extra,
        published,
        versions,
        unknown,
        releases,
        universe,
    })
}

/// Builds the report for `period` (CLI and benchmarks): [`prepare`]'s report.
///
/// # Errors
///
/// As [`prepare`].
pub async fn make(store: &AnyStore, period: Period, threshold: u64, names: Names) -> Result<Report, PublishError> {
    Ok(prepare(store, period, threshold, &names).await?.report)
}

/// Publishes `prepared` for `by` at `at`: audits it once more against
/// everything published, and records it in the register. A report already
/// published from the same data is not recorded again.
///
/// # Errors
///
/// [`PublishError::Refused`] when the audit finds a cell that can be
/// worked out; otherwise when the store fails.
pub async fn record(
    store: &AnyStore,
    prepared: &Prepared,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<u32>, PublishError> {
    if prepared.published.is_some() {
        return Ok(None);
    }
    let exposed = joint::audit(&prepared.releases, &prepared.universe).map_err(PublishError::Refused)?;
    if !exposed.is_empty() {
        let mut lines = vec![format!(
            "Rapporten for {} kan ikke publiseres: sammen med rapportene som er publisert kan {} skjult(e) celle(r) \
             regnes ut, bl.a.:",
            prepared.report.period.label,
            exposed.len()
        )];
        lines.extend(exposed.iter().take(5).map(|l| format!("  – {l}")));
        return Err(PublishError::Refused(Refusal { lines }));
    }
    let report = &prepared.report;
    let stored = Stored {
        release: prepared.releases[0].clone(),
        extra: prepared.extra.clone(),
    };
    let version = prepared.versions + 1;
    store
        .record_published_report(&PublishedReport {
            period_from: report.period.from,
            period_to: report.period.to,
            threshold: report.threshold,
            input_sha256: report.input_sha256.clone(),
            published_at: at,
            version,
            published_by: by.to_owned(),
            release: Some(serde_json::to_string(&stored).map_err(anyhow::Error::from)?),
        })
        .await?;
    Ok(Some(version))
}

/// The report for `period` (as written in the request: `2026`, `2026-H1`)
/// for a person of the secretariat (or the system owner) to preview or
/// download, at the default threshold. Records nothing.
///
/// # Errors
///
/// [`Error::NotFound`] (as [`PublishError::Other`]) for anyone else or an
/// unknown period; [`PublishError::Refused`] as [`prepare`].
pub async fn preview(app: &App, person: &Person, period: &str) -> Result<Prepared, PublishError> {
    if !person.secretariat && !person.admin {
        return Err(Error::NotFound.into());
    }
    let period = Period::parse(period).map_err(|_| Error::NotFound)?;
    let names = names(&app.catalog.current().directory);
    prepare(&app.store, period, samavvik_core::limits::SUPPRESSION_THRESHOLD, &names).await
}

/// Publishes the report for `period` that the secretariat previewed with
/// `fingerprint`: rebuilt, compared with the preview, audited, recorded,
/// and the publication audited in the access log.
///
/// # Errors
///
/// [`PublishError::Changed`] when the report is no longer the previewed
/// one; [`PublishError::Refused`] when it would give a cell away;
/// [`Error::NotFound`] for anyone but the secretariat.
pub async fn publish(
    app: &App,
    person: &Person,
    period: &str,
    fingerprint: &str,
) -> Result<(Prepared, Option<u32>), PublishError> {
    if !person.secretariat {
        return Err(Error::NotFound.into());
    }
    let prepared = preview(app, person, period).await?;
    let now = app.clock.now();
    let outcome = if prepared.fingerprint() == fingerprint {
        record(&app.store, &prepared, person.principal.as_str(), now).await
    } else {
        Err(PublishError::Changed)
    };
    let detail = match &outcome {
        Ok(Some(v)) => format!("report {period} published, version {v}"),
        Ok(None) => format!("report {period} already published"),
        Err(PublishError::Changed) => format!("report {period} refused: not the previewed report"),
        Err(_) => format!("report {period} refused"),
    };
    app.audit(AuditEntry {
        at: now,
        actor: person.principal.clone(),
        action: AuditAction::Export.as_str().into(),
        case_number: None,
        unit: None,
        detail,
    })
    .await?;
    tracing::info!(principal = %person.principal, period = %period, "report publication");
    Ok((prepared, outcome?))
}
