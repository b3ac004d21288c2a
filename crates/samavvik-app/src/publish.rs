//! Publishing the anonymised FSU annual report and the secretariat's
//! half-year report: building it from the clear statistics, the register
//! of what was published, and the overlap check against that register.
//! Nothing here needs a key or reads a sealed column.

use samavvik_aggregation::overlap;
use samavvik_aggregation::{Format, Names, Params, Period, Report};
use samavvik_core::AuditAction;
use samavvik_core::limits::SUPPRESSION_THRESHOLD;
use samavvik_routing::{Directory, OrgKind, UnitKind};
use samavvik_store::{AnyStore, AuditEntry, PublishedReport, StatsQuery, Store};

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
    names
}

/// Reads the statistics for `period` and builds the report.
///
/// # Errors
/// When the statistics cannot be read.
pub async fn make(store: &AnyStore, period: Period, threshold: u64, names: Names) -> anyhow::Result<Report> {
    let cutoff = store.statistics_cutoff(period.from, period.to).await?;
    let params = Params {
        period,
        threshold,
        cutoff,
        names,
    };
    let query = StatsQuery {
        from: period.from,
        to: period.to,
        trend_from: params.trend_from(),
        status_at: params.status_at(),
    };
    let stats = store.case_statistics(&query).await?;
    Ok(samavvik_aggregation::build(&stats, &params))
}

/// Published reports whose months overlap `period` without being the same
/// period, one per period and checksum, oldest first.
///
/// # Errors
/// When the register cannot be read.
pub async fn overlapping(store: &AnyStore, period: Period) -> anyhow::Result<Vec<PublishedReport>> {
    let mut out: Vec<PublishedReport> = Vec::new();
    for p in store.published_reports().await? {
        let earlier = Period {
            from: p.period_from,
            to: p.period_to,
        };
        let seen = out
            .iter()
            .any(|o| (o.period_from, o.period_to, &o.input_sha256) == (p.period_from, p.period_to, &p.input_sha256));
        if overlap::overlaps(period, earlier) && !seen {
            out.push(p);
        }
    }
    Ok(out)
}

/// The overlap warnings for `report` (bokmål lines): each overlapping
/// published report is rebuilt from the database; if its checksum matches
/// what was published, the two are checked cell by cell with the auditor.
///
/// # Errors
/// When the register or the statistics cannot be read.
pub async fn overlap_warnings(store: &AnyStore, report: &Report, names: &Names) -> anyhow::Result<Vec<String>> {
    let period = Period::range(report.period.from, report.period.to)?;
    let mut lines = Vec::new();
    for p in overlapping(store, period).await? {
        let earlier = Period::range(p.period_from, p.period_to)?;
        let rebuilt = make(store, earlier, p.threshold, names.clone()).await?;
        let findings = (rebuilt.input_sha256 == p.input_sha256).then(|| overlap::check(report, &rebuilt));
        let info = overlap::Earlier {
            from: p.period_from,
            to: p.period_to,
            published_at: p.published_at,
            input_sha256: p.input_sha256.clone(),
        };
        lines.extend(overlap::warning(period, &info, findings.as_deref()));
    }
    Ok(lines)
}

/// Records `report` as published at `at`.
///
/// # Errors
/// When the store cannot write.
pub async fn record(store: &AnyStore, report: &Report, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    store
        .record_published_report(&PublishedReport {
            period_from: report.period.from,
            period_to: report.period.to,
            threshold: report.threshold,
            input_sha256: report.input_sha256.clone(),
            published_at: at,
        })
        .await?;
    Ok(())
}

/// For a period offered for download: one notice per published report it
/// overlaps, each followed by the safe choice (bokmål lines).
///
/// # Errors
/// When the register cannot be read.
pub async fn overlap_notices(store: &AnyStore, period: Period) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for p in overlapping(store, period).await? {
        let earlier = overlap::Earlier {
            from: p.period_from,
            to: p.period_to,
            published_at: p.published_at,
            input_sha256: p.input_sha256,
        };
        lines.push(overlap::notice(period, &earlier));
        lines.push(overlap::safe_choice(
            period,
            Period {
                from: p.period_from,
                to: p.period_to,
            },
        ));
    }
    Ok(lines)
}

/// The report for `period` (as written in the request: `2026`, `2026-H1`)
/// as one file in `format` (name and bytes), for a
/// person of the secretariat (or the system owner) to download, at the
/// default threshold. The download is audited and recorded as published.
///
/// # Errors
/// [`Error::NotFound`] for anyone else or an unknown period; otherwise
/// when the store fails.
pub async fn download(app: &App, person: &Person, period: &str, format: Format) -> Result<(String, Vec<u8>), Error> {
    if !person.secretariat && !person.admin {
        return Err(Error::NotFound);
    }
    let period_text = period;
    let period = Period::parse(period_text).map_err(|_| Error::NotFound)?;
    let catalog = app.catalog.current();
    let report = make(&app.store, period, SUPPRESSION_THRESHOLD, names(&catalog.directory)).await?;
    let (name, bytes) = samavvik_aggregation::output::files(&report, &[format])
        .into_iter()
        .next()
        .ok_or_else(|| crate::error::internal(format!("no file for {format:?}")))?;
    let now = app.clock.now();
    app.audit(AuditEntry {
        at: now,
        actor: person.principal.clone(),
        action: AuditAction::Export.as_str().into(),
        case_number: None,
        unit: None,
        detail: format!("report {period_text} {name}"),
    })
    .await?;
    record(&app.store, &report, now).await?;
    tracing::info!(principal = %person.principal, period = %period_text, "report downloaded");
    Ok((name, bytes))
}
