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

/// Which way a [`Report`]'s scripts ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Up scripts: `upgrade`, `upgrade_to`.
    #[default]
    Up,
    /// Down scripts: `downgrade`.
    Down,
}

/// The outcome of `upgrade`, `upgrade_to` or `downgrade`: the scripts run, in order, and the
/// total time (including the check and the lock wait).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The scripts run, in the order they ran (descending versions for a downgrade).
    pub migrations: Vec<MigrationRun>,
    /// Wall-clock time of the whole operation.
    pub total: Duration,
    /// Applied (`upgrade`) or reverted (`downgrade`).
    pub direction: Direction,
}

impl Report {
    /// An empty report of a downgrade.
    pub fn downgrade() -> Report {
        Report {
            direction: Direction::Down,
            ..Report::default()
        }
    }

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
    /// `up to date (0.2 ms)`, or one line per script run and the total; a downgrade says
    /// `reverted` on each line and `nothing to revert` when it ran nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let down = self.direction == Direction::Down;
        if self.migrations.is_empty() {
            let nothing = if down {
                "nothing to revert"
            } else {
                "up to date"
            };
            return write!(f, "{nothing} ({})", ms(self.total));
        }
        for m in &self.migrations {
            let reverted = if down { "reverted " } else { "" };
            writeln!(f, "{reverted}{} {} ({})", m.version, m.name, ms(m.duration))?;
        }
        let n = self.migrations.len();
        let noun = if n == 1 { "migration" } else { "migrations" };
        let verb = if down { " reverted" } else { "" };
        write!(f, "{n} {noun}{verb} in {}", ms(self.total))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(version: i64, name: &str, ms: u64) -> MigrationRun {
        MigrationRun {
            version,
            name: name.to_string(),
            duration: Duration::from_micros(ms * 100),
        }
    }

    #[test]
    fn an_upgrade_lists_what_it_applied() {
        let report = Report {
            migrations: vec![run(2, "create_users", 12), run(3, "create_orders", 18)],
            total: Duration::from_millis(5),
            direction: Direction::Up,
        };
        assert_eq!(
            report.to_string(),
            "2 create_users (1.2 ms)\n3 create_orders (1.8 ms)\n2 migrations in 5.0 ms"
        );
        assert_eq!(Report::default().to_string(), "up to date (0.0 ms)");
    }

    #[test]
    fn a_downgrade_says_reverted() {
        let report = Report {
            migrations: vec![run(3, "create_orders", 18), run(2, "create_users", 12)],
            total: Duration::from_millis(5),
            ..Report::downgrade()
        };
        assert_eq!(
            report.to_string(),
            "reverted 3 create_orders (1.8 ms)\nreverted 2 create_users (1.2 ms)\n2 migrations reverted in 5.0 ms"
        );
        let one = Report {
            migrations: vec![run(3, "create_orders", 18)],
            total: Duration::from_millis(2),
            ..Report::downgrade()
        };
        assert_eq!(
            one.to_string(),
            "reverted 3 create_orders (1.8 ms)\n1 migration reverted in 2.0 ms"
        );
        assert_eq!(
            Report::downgrade().to_string(),
            "nothing to revert (0.0 ms)"
        );
    }
}
