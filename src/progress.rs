//! Progress of a long command, on stderr: a bar on a terminal; without one (a cluster job's log),
//! a plain line every [`plain_interval`]; nothing with `--quiet`. Trials carried over from an
//! interrupted run by `--resume` are shown apart and left out of the rate and the time left.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The environment variable that sets the seconds between plain progress lines.
pub const PLAIN_EVERY_VAR: &str = "HOTHOUSE_PROGRESS_EVERY";

/// Seconds between plain progress lines: `HOTHOUSE_PROGRESS_EVERY` if it is a number of
/// seconds (0 prints a line at every step), else 10.
pub fn plain_interval() -> Duration {
    std::env::var(PLAIN_EVERY_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(10))
}

/// How progress is shown.
enum Show {
    Nothing,
    Bar(ProgressBar),
    /// Plain lines, at most one per interval, the time of the last one.
    Lines(Duration, Mutex<Instant>),
}

/// Progress towards `total` trials.
pub struct Progress {
    total: u64,
    resumed: AtomicU64,
    done: AtomicU64,
    started: Instant,
    show: Show,
}

impl Progress {
    /// Nothing shown when `quiet`; a bar when stderr is a terminal; plain lines otherwise.
    pub fn new(total: u64, quiet: bool, terminal: bool) -> Self {
        let show = if quiet {
            Show::Nothing
        } else if terminal {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {human_pos}/{human_len} trials{msg}  {rate}  eta {eta}",
                )
                .map(|s| {
                    s.with_key(
                        "rate",
                        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = write!(w, "{:.0} trials/s", state.per_sec());
                        },
                    )
                })
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Show::Bar(b)
        } else {
            let now = Instant::now();
            Show::Lines(plain_interval(), Mutex::new(now))
        };
        Self {
            total,
            resumed: AtomicU64::new(0),
            done: AtomicU64::new(0),
            started: Instant::now(),
            show,
        }
    }

    /// `n` trials were already done by an interrupted run.
    pub fn resumed(&self, n: u64) {
        let resumed = self.resumed.fetch_add(n, Ordering::Relaxed) + n;
        if let Show::Bar(b) = &self.show {
            // The bar counts this run's work only, so that its rate and time left are right.
            b.set_length(self.total.saturating_sub(resumed));
            b.set_message(format!(" (+{resumed} resumed)"));
        }
    }

    /// `n` more trials simulated.
    pub fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        match &self.show {
            Show::Nothing => {}
            Show::Bar(b) => b.inc(n),
            Show::Lines(every, last) => {
                let now = Instant::now();
                let Ok(mut last) = last.try_lock() else {
                    return;
                };
                if now.duration_since(*last) >= *every {
                    *last = now;
                    eprintln!("{}", self.line(done, now));
                }
            }
        }
    }

    /// The plain progress line after `done` trials of this run, at `now`.
    fn line(&self, done: u64, now: Instant) -> String {
        let resumed = self.resumed.load(Ordering::Relaxed);
        let all = (resumed + done).min(self.total);
        let pct = if self.total > 0 {
            100.0 * all as f64 / self.total as f64
        } else {
            100.0
        };
        let secs = now.duration_since(self.started).as_secs_f64();
        let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
        let left = self.total - all;
        let eta = if left == 0 {
            "0s".to_string()
        } else if rate > 0.0 {
            humantime::format_duration(Duration::from_secs((left as f64 / rate).round() as u64))
                .to_string()
        } else {
            "unknown".to_string()
        };
        let resumed_note = if resumed > 0 {
            format!(", {resumed} resumed")
        } else {
            String::new()
        };
        format!(
            "progress: {all} of {} trials ({pct:.0}%{resumed_note}), {rate:.0} trials/s, {} elapsed, eta {eta}",
            self.total,
            humantime::format_duration(Duration::from_secs(secs as u64))
        )
    }

    /// Clears the bar (plain lines need no ending).
    pub fn finish(&self) {
        if let Show::Bar(b) = &self.show {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_counts_resumed_trials_apart_from_the_rate() {
        let p = Progress::new(1000, false, false);
        p.resumed(400);
        p.done.store(300, Ordering::Relaxed);
        let line = p.line(300, p.started + Duration::from_secs(3));
        assert_eq!(
            line,
            "progress: 700 of 1000 trials (70%, 400 resumed), 100 trials/s, 3s elapsed, eta 3s"
        );
        let fresh = Progress::new(50, false, false);
        assert_eq!(
            fresh.line(50, fresh.started + Duration::from_secs(1)),
            "progress: 50 of 50 trials (100%), 50 trials/s, 1s elapsed, eta 0s"
        );
    }
}
