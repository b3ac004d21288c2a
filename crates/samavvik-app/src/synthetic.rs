//! Synthetic cases for demos, tests and the report benchmark: a realistic
//! spread over the directory's units, categories, months and handling
//! times. Synthetic only: clear columns, no content, no people. The same
//! directory, seed and range give the same cases.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use samavvik_core::deadline::{add_calendar_days, add_working_days};
use samavvik_core::{Category, Consequence, Direction, EventMonth, Kind, MeasureCategory, PatientGroup};
use samavvik_routing::{Directory, OrgKind, UnitKind};
use samavvik_store::{Store, SyntheticCase};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub cases: u64,
    pub seed: u64,
    /// Event months `from..=to`.
    pub from: EventMonth,
    pub to: EventMonth,
    /// Nothing happens after this instant: later steps stay undone.
    pub now: DateTime<Utc>,
    pub ack_working_days: u32,
    pub answer_days: u32,
}

struct Pools {
    /// (org, its sending units, its postmottak, weight)
    kommuner: Vec<(
        samavvik_core::OrgId,
        Vec<samavvik_core::UnitId>,
        samavvik_core::UnitId,
        u32,
    )>,
    /// (klinikk, weight)
    klinikker: Vec<(samavvik_core::UnitId, u32)>,
    siv: samavvik_core::OrgId,
    /// The directory's categories not ended (synthetic cases are recent).
    categories: Vec<Category>,
}

fn pools(dir: &Directory) -> anyhow::Result<Pools> {
    let current = |u: &&samavvik_routing::Unit| u.successor.is_none();
    let mut kommuner = Vec::new();
    for (i, org) in dir
        .organisations()
        .iter()
        .filter(|o| o.kind == OrgKind::Kommune)
        .enumerate()
    {
        let units: Vec<_> = dir.units_of(&org.id).filter(current).map(|u| u.id.clone()).collect();
        let Some(post) = dir.postmottak_of(&org.id) else {
            continue;
        };
        // Larger and smaller kommuner, not all alike.
        kommuner.push((org.id.clone(), units, post.id.clone(), 2 + (i as u32 * 7) % 5));
    }
    let siv = dir
        .organisations()
        .iter()
        .find(|o| o.kind == OrgKind::Hospital)
        .ok_or_else(|| anyhow::anyhow!("the directory has no hospital"))?
        .id
        .clone();
    let klinikker: Vec<_> = dir
        .units_of(&siv)
        .filter(current)
        .filter(|u| u.kind == UnitKind::Klinikk)
        .enumerate()
        .map(|(i, u)| (u.id.clone(), [6, 4, 3, 1, 2, 1][i % 6]))
        .collect();
    anyhow::ensure!(
        !kommuner.is_empty() && !klinikker.is_empty(),
        "the directory has no kommuner or klinikker"
    );
    let categories: Vec<Category> = dir
        .categories()
        .all()
        .iter()
        .filter(|d| d.valid_to.is_none())
        .map(|d| d.slug.clone())
        .collect();
    Ok(Pools {
        kommuner,
        klinikker,
        siv,
        categories,
    })
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if x < w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1]
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    pick(rng, items, |i| i.1).0
}

fn months(spec: &Spec) -> Vec<EventMonth> {
    let mut out = vec![spec.to];
    while *out.last().expect("not empty") > spec.from {
        let p = out.last().expect("not empty").prev();
        out.push(p);
    }
    out.reverse();
    out
}

/// A skewed number of days: most small, a long tail.
fn days(rng: &mut StdRng, median: f64) -> f64 {
    let u: f64 = rng.gen_range(0.0001..1.0);
    // Exponential with the given median, plus a little.
    -u.ln() * median / std::f64::consts::LN_2
}

fn one(rng: &mut StdRng, p: &Pools, months: &[EventMonth], spec: &Spec) -> SyntheticCase {
    let month = months[rng.gen_range(0..months.len())];
    let start = NaiveDate::from_ymd_opt(month.year(), month.month(), 1)
        .expect("valid month")
        .and_hms_opt(7, 0, 0)
        .expect("valid time")
        .and_utc();
    let created = (start + Duration::minutes(rng.gen_range(0..40 * 24 * 60))).min(spec.now - Duration::hours(1));
    let r: u32 = rng.gen_range(0..100);
    let kommune = pick(rng, &p.kommuner, |k| k.3);
    let klinikk = pick(rng, &p.klinikker, |k| k.1);
    let (direction, sender_org, sender_unit, receiver_org, receiver_unit) = if r < 55 {
        let unit = kommune.1[rng.gen_range(0..kommune.1.len())].clone();
        (
            Direction::KommuneToSiv,
            kommune.0.clone(),
            unit,
            p.siv.clone(),
            klinikk.0.clone(),
        )
    } else if r < 96 {
        (
            Direction::SivToKommune,
            p.siv.clone(),
            klinikk.0.clone(),
            kommune.0.clone(),
            kommune.2.clone(),
        )
    } else {
        let other = pick(rng, &p.kommuner, |k| k.3);
        let unit = kommune.1[rng.gen_range(0..kommune.1.len())].clone();
        (
            Direction::KommuneToKommune,
            kommune.0.clone(),
            unit,
            other.0.clone(),
            other.2.clone(),
        )
    };
    let cats = &p.categories;
    let mut categories = vec![cats[rng.gen_range(0..cats.len())].clone()];
    if rng.gen_bool(0.3) {
        categories.push(cats[rng.gen_range(0..cats.len())].clone());
    }
    categories.sort();
    categories.dedup();
    let day = created.date_naive();
    let ack_deadline = add_working_days(day, spec.ack_working_days);
    let answer_deadline = add_calendar_days(day, spec.answer_days);
    let until = |t: DateTime<Utc>| (t <= spec.now).then_some(t);
    let step = |from: DateTime<Utc>, d: f64| from + Duration::minutes((d * 24.0 * 60.0) as i64 + 30);
    let acknowledged_at = if rng.gen_bool(0.97) {
        until(step(created, days(rng, 2.5)))
    } else {
        None
    };
    let answered_at = acknowledged_at.and_then(|a| until(step(a, days(rng, 14.0))));
    let closed_at = answered_at.and_then(|a| {
        if rng.gen_bool(0.9) {
            until(step(a, days(rng, 4.0)))
        } else {
            None
        }
    });
    let mut measures = Vec::new();
    if closed_at.is_some() {
        measures.push(weighted(
            rng,
            &[
                (MeasureCategory::Rutineendring, 30),
                (MeasureCategory::Opplaering, 25),
                (MeasureCategory::Samarbeidsmote, 20),
                (MeasureCategory::SystemTeknisk, 8),
                (MeasureCategory::IngenTiltak, 12),
                (MeasureCategory::Annet, 5),
            ],
        ));
        if rng.gen_bool(0.25) {
            measures.push(MeasureCategory::ALL[rng.gen_range(0..MeasureCategory::ALL.len())]);
        }
        measures.sort();
        measures.dedup();
    }
    SyntheticCase {
        created_at: created,
        kind: if rng.gen_bool(0.7) {
            Kind::Avvik
        } else {
            Kind::UonsketHendelse
        },
        event_month: month,
        sender_org,
        sender_unit,
        receiver_org,
        receiver_unit,
        direction,
        categories,
        consequence: weighted(
            rng,
            &[
                (Consequence::Ingen, 30),
                (Consequence::Lav, 35),
                (Consequence::Moderat, 20),
                (Consequence::Alvorlig, 4),
                (Consequence::Ukjent, 11),
            ],
        ),
        patient_group: weighted(
            rng,
            &[
                (PatientGroup::BarnOgUnge, 6),
                (PatientGroup::PsykiskRus, 14),
                (PatientGroup::SkrobeligeEldre, 40),
                (PatientGroup::FlereKroniske, 18),
                (PatientGroup::Rehabilitering, 7),
                (PatientGroup::Svangerskap, 3),
                (PatientGroup::Annet, 8),
                (PatientGroup::Ukjent, 4),
            ],
        ),
        ack_deadline,
        answer_deadline,
        acknowledged_at,
        answered_at,
        closed_at,
        measures,
    }
}

/// Generates `spec.cases` cases into `store`, `batch` per transaction, and
/// calls `progress` with the running count after each batch.
///
/// # Errors
/// When the store cannot write; batches already written stay.
pub async fn generate<S: Store>(
    store: &S,
    dir: &Directory,
    spec: &Spec,
    batch: usize,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let pools = pools(dir)?;
    let months = months(spec);
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut done = 0u64;
    let mut buf = Vec::with_capacity(batch);
    while done < spec.cases {
        buf.clear();
        let n = (spec.cases - done).min(batch as u64);
        for _ in 0..n {
            buf.push(one(&mut rng, &pools, &months, spec));
        }
        done += store.insert_synthetic_cases(&buf).await?;
        progress(done);
    }
    Ok(done)
}
