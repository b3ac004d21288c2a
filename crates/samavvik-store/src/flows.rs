//! Flow numbers (migration 0029): each distinct flow of cases (direction,
//! sender organisation and unit, receiver organisation and unit) has a row
//! in `case_flows`, and every case carries its flow's number in
//! `cases.flow_id`, so the statistics group a year's cases by one integer
//! instead of five text columns.
//!
//! A flow's number never changes meaning: rows are only ever added. So a
//! process may keep the numbers it has seen ([`FlowIds`]); a flow it has not
//! seen is added (or found) in a committed write of its own before the
//! transaction that writes the case, so a rollback of that transaction can
//! never leave a number in the cache whose row is gone. A reroute changes a
//! case's flow inside its own transaction instead (`handling_sql`'s
//! `ENSURE_REROUTED_FLOW` and `TRANSITION`), since the case's sender is only
//! known to the database there.
//!
//! Restoring a backup under a running process would make its cache wrong, as
//! it would its stock of case numbers (`numbers.rs`): a restore is done with
//! the services stopped (docs/OPERATIONS.md).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::Flow;

/// Adds a flow or finds it, and returns its number either way (the no-op
/// update makes `RETURNING` answer for an existing row too). Only run for
/// flows this process has not seen, so its dead row versions are rare.
pub(crate) const UPSERT_FLOW: &str = "INSERT INTO case_flows \
     (direction, sender_org, sender_unit, receiver_org, receiver_unit) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (direction, sender_org, sender_unit, receiver_org, receiver_unit) \
     DO UPDATE SET direction = excluded.direction RETURNING id";

/// Every flow, for the statistics to name the numbers they group by.
pub(crate) const ALL_FLOWS: &str =
    "SELECT id, direction, sender_org, sender_unit, receiver_org, receiver_unit FROM case_flows";

/// A case about to be written, as far as its flow goes.
pub(crate) trait HasFlow {
    fn flow(&self) -> Flow;
}

macro_rules! has_flow {
    ($ty:ty) => {
        impl HasFlow for $ty {
            fn flow(&self) -> Flow {
                Flow {
                    direction: self.direction,
                    sender_org: self.sender_org.clone(),
                    sender_unit: self.sender_unit.clone(),
                    receiver_org: self.receiver_org.clone(),
                    receiver_unit: self.receiver_unit.clone(),
                }
            }
        }
    };
}
has_flow!(crate::NewCase);
has_flow!(crate::SyntheticCase);

/// The flow numbers this process has seen; shared by the store's clones.
#[derive(Debug, Default)]
pub(crate) struct FlowIds {
    known: Mutex<HashMap<Flow, i64>>,
}

impl FlowIds {
    /// The keys of `keys` this process has no number for, each once.
    pub(crate) fn missing(&self, keys: &[Flow]) -> Vec<Flow> {
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out: Vec<Flow> = Vec::new();
        for k in keys {
            if !known.contains_key(k) && !out.contains(k) {
                out.push(k.clone());
            }
        }
        out
    }

    /// Remembers numbers read from committed rows.
    pub(crate) fn learn(&self, found: Vec<(Flow, i64)>) {
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.extend(found);
    }

    /// The number of each of `keys`, once [`FlowIds::learn`] has seen them all.
    pub(crate) fn ids(&self, keys: &[Flow]) -> crate::Result<Vec<i64>> {
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .map(|k| {
                known.get(k).copied().ok_or_else(|| {
                    crate::StoreError::Corrupt(format!(
                        "no flow number for {} → {}",
                        k.sender_unit.as_str(),
                        k.receiver_unit.as_str()
                    ))
                })
            })
            .collect()
    }
}
