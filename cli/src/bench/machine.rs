//! What a timing depends on besides the code: the CPU, its SIMD features, the threads, when
//! and how the run was started. Stated at the top of every output so that two runs can be
//! compared (or not).

use std::time::{SystemTime, UNIX_EPOCH};

/// The machine and the run, as the header of the table, JSON and CSV.
pub struct Machine {
    /// The CLI's version (the library's is the same workspace version).
    pub version: &'static str,
    /// /proc/cpuinfo's "model name" on Linux, else the architecture.
    pub cpu: String,
    pub arch: &'static str,
    /// The SIMD instruction sets the direct kernel may dispatch to, as detected at run time.
    pub simd: Vec<&'static str>,
    /// Threads of rayon's current pool: what a call may spread over.
    pub threads: usize,
    /// UTC, ISO 8601.
    pub date: String,
    /// The arguments, shell-quoted where needed.
    pub command: String,
    /// The cost profile Auto uses, or why none is (`convolve::Profile::status`).
    pub profile: String,
}

impl Machine {
    /// Reads everything now; call inside the pool the run uses (for its thread count).
    pub fn detect() -> Machine {
        Machine {
            version: env!("CARGO_PKG_VERSION"),
            cpu: convolve::cpu_name(),
            arch: std::env::consts::ARCH,
            simd: simd_features(),
            threads: rayon::current_num_threads(),
            date: utc_now(),
            command: std::env::args()
                .map(|a| shell_quote(&a))
                .collect::<Vec<_>>()
                .join(" "),
            profile: convolve::Profile::status(),
        }
    }

    /// "avx2 fma" or "none".
    pub fn simd_list(&self) -> String {
        if self.simd.is_empty() {
            "none".to_string()
        } else {
            self.simd.join(" ")
        }
    }
}

#[allow(clippy::vec_init_then_push)]
fn simd_features() -> Vec<&'static str> {
    let mut found = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") {
            found.push("avx2");
        }
        if is_x86_feature_detected!("fma") {
            found.push("fma");
        }
        if is_x86_feature_detected!("avx512f") {
            found.push("avx512f");
        }
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        found.push("neon");
    }
    found
}

fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:,=+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_date(secs)
}

/// Seconds since 1970 as "YYYY-MM-DDTHH:MM:SSZ" (the proleptic Gregorian calendar, by Howard
/// Hinnant's days-to-civil arithmetic), so that no date crate is needed for one timestamp.
fn utc_date(secs: u64) -> String {
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_known_timestamps() {
        assert_eq!(utc_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_date(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn quoting_only_where_needed() {
        assert_eq!(shell_quote("--sizes"), "--sizes");
        assert_eq!(shell_quote("1e6:1024,4:4"), "1e6:1024,4:4");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
