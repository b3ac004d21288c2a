//! The machine a benchmark ran on, as printed next to its figures.

use std::fmt;

pub struct Machine {
    /// CPUs this process may use (cgroup and affinity limits included).
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_mib: u64,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map(|(_, m)| m.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Self {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory_mib: kib_field(&meminfo, "MemTotal:").unwrap_or(0) / 1024,
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} CPUs ({}), {} MiB memory, {} {}",
            self.cpus,
            self.cpu_model,
            self.memory_mib,
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    }
}

/// A `Name:   1234 kB` field of a /proc file, in KiB.
pub fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_kib_fields() {
        let status = "Name:\tsamavvik\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(super::kib_field(status, "VmRSS:"), Some(12345));
        assert_eq!(super::kib_field(status, "VmHWM:"), None);
    }
}
