//! Medians with min and max, and ratios of medians taken inside one run.

use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

pub fn summarize(samples: &[Duration]) -> Option<Summary> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let n = sorted.len();
    let median = match n {
        0 => return None,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    };
    Some(Summary {
        median,
        min: sorted[0],
        max: sorted[n - 1],
    })
}

/// Milliseconds with three significant digits or so: `0.412`, `12.3`, `2350`.
pub fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.3}")
    } else if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

/// `median (min–max)` in milliseconds.
pub fn cell(summary: Option<&Summary>) -> String {
    match summary {
        Some(s) => format!("{} ({}–{})", millis(s.median), millis(s.min), millis(s.max)),
        None => "—".to_string(),
    }
}

pub fn ratio_value(numerator: Option<&Summary>, denominator: Option<&Summary>) -> Option<f64> {
    let (n, d) = (numerator?, denominator?);
    let d = d.median.as_secs_f64();
    (d > 0.0).then(|| n.median.as_secs_f64() / d)
}

pub fn ratio(numerator: Option<&Summary>, denominator: Option<&Summary>) -> String {
    match ratio_value(numerator, denominator) {
        Some(r) => format!("{r:.2}×"),
        None => "—".to_string(),
    }
}
