//! A rate limit kept in this process's memory (see [`LocalLimiter`]).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A limit kept in this process's memory, for the hot report path where a
/// database write per request would cost the intake its throughput. With
/// several instances each has its own count; the limits are generous.
#[derive(Default)]
pub struct LocalLimiter(Mutex<HashMap<String, (i64, u64)>>);

impl LocalLimiter {
    /// Counts one hit for `key` in the fixed window holding `now`; returns
    /// the window's hits so far, this one included.
    pub fn hit(&self, key: &str, now: DateTime<Utc>, window_minutes: i64) -> u64 {
        let window = now.timestamp().div_euclid(window_minutes.max(1) * 60);
        let mut map = self.0.lock().expect("limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (w, _)| *w == window);
        }
        let entry = map.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        entry.1
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_limiter_counts_per_key_and_window() {
        let l = super::LocalLimiter::default();
        let t = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(l.hit("a", t, 10), 1);
        assert_eq!(l.hit("a", t, 10), 2);
        assert_eq!(l.hit("b", t, 10), 1);
        assert_eq!(l.hit("a", t + chrono::Duration::minutes(10), 10), 1);
    }
}
