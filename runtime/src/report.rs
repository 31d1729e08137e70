//! What `upgrade`, `upgrade_to` and `downgrade` return, and what `status` lists.

use std::fmt;
use std::time::{Duration, SystemTime};

/// One migration script that was run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRun {
    /// The version.
    pub version: i64,
    /// The migration's name (`create_users`).
    pub name: String,
    /// How long its script and bookkeeping took.
    pub duration: Duration,
}

/// The outcome of `upgrade`, `upgrade_to` or `downgrade`: the scripts run, in order, and the
/// total time (including the check and the lock wait).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The scripts run, in the order they ran (descending versions for a downgrade).
    pub migrations: Vec<MigrationRun>,
    /// Wall-clock time of the whole operation.
    pub total: Duration,
}

impl Report {
    /// The versions run, in order.
    pub fn versions(&self) -> Vec<i64> {
        self.migrations.iter().map(|m| m.version).collect()
    }

    /// Whether nothing was run.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }
}

impl fmt::Display for Report {
    /// `up to date (0.2 ms)`, or one line per script run and the total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.migrations.is_empty() {
            return write!(f, "up to date ({})", ms(self.total));
        }
        for m in &self.migrations {
            writeln!(f, "{} {} ({})", m.version, m.name, ms(m.duration))?;
        }
        let n = self.migrations.len();
        let noun = if n == 1 { "migration" } else { "migrations" };
        write!(f, "{n} {noun} in {}", ms(self.total))
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The state of one version, as `status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionState {
    /// Applied, with the checksum the binary embeds.
    Applied,
    /// Embedded, not applied yet.
    Pending,
    /// Applied, but the embedded script's checksum differs from the recorded one.
    Changed,
    /// Applied in the database, absent from the binary.
    Unknown,
    /// A non-transactional run (MySQL, `-- strata:no-transaction`) started and did not finish.
    Incomplete,
}

impl fmt::Display for VersionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionState::Applied => "applied",
            VersionState::Pending => "pending",
            VersionState::Changed => "changed",
            VersionState::Unknown => "unknown",
            VersionState::Incomplete => "incomplete",
        })
    }
}

/// One line of `status`: a version the binary embeds, the database records, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionStatus {
    /// The version.
    pub version: i64,
    /// The migration's name (the binary's; the recorded one for an unknown version).
    pub name: String,
    /// Its state.
    pub state: VersionState,
    /// When it was applied (or started, when incomplete); `None` when pending.
    pub applied_at: Option<SystemTime>,
    /// The checksum recorded in the database, if applied.
    pub applied_checksum: Option<String>,
    /// The checksum of the embedded script, if embedded.
    pub embedded_checksum: Option<String>,
}
