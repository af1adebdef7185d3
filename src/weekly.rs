//! What happened over time, for every run: per variant and week, the mean and the 10%, 50% and
//! 90% quantiles of participants, active contributors, shared assets and the host's spend over
//! the communities still running (`weekly.csv`, the fan chart `weekly.png/.svg`).
//!
//! # Which communities, which weeks
//!
//! A community is *still running* at week `t` when it has neither graduated nor fizzled by the
//! end of week `t`: a trial whose outcome came at week `T` counts in weeks `0..T` (not in week
//! `T` itself), a trial still active at the horizon (censored) in every week `0..=steps`. So
//! `n_running` at week 0 is the number of trials, and the statistics of week `t` describe the
//! state, at the end of week `t`, of the communities that carry on into week `t + 1`.
//!
//! At most [`MAX_ROWS`] weeks are recorded per variant: every week up to 520 weeks of horizon,
//! beyond that every `stride`-th week, `stride = ceil(steps / 520)` (weeks 0, stride,
//! 2 stride, ... up to `steps`).
//!
//! # Exact, mergeable accumulators
//!
//! Each recorded week holds, per quantity, a histogram and a sum, and nothing else, so memory is
//! flat in the number of trials:
//! - whole numbers (participants, active contributors): the count of each value, exactly;
//! - amounts (shared assets, in asset units; the host's spend so far, in thousands of pounds):
//!   the count in each of a fixed set of log-spaced bins, each 1% wider than the one before it,
//!   from 0.001 ([`MONEY_FLOOR`]: £1 of spend) up to about 1e9 (the top bin is open); amounts
//!   under 0.001 fall in a bin of their own, shown as 0. A quantile is reported as the
//!   geometric middle of its bin, so it is within 0.5% of the exact quantile of the amounts
//!   (for amounts of 0.001 or more), and is written to four significant figures.
//!   The bin edges are built by repeated multiplication, so every machine bins alike.
//! - the sums, for the means, as whole numbers: values as they are, money in millionths of the
//!   unit (like `crate::totals`).
//!
//! Everything is integer addition, which does not depend on order: the file is the same bytes
//! whatever `--threads`, after an interrupted run is resumed, and after `--shard K/N` +
//! `hothouse merge` (each shard writes its accumulators, [`STATE_FILE`], and merge adds them).
//!
//! The quantile `q` of `n` values is the `ceil(q n)`-th smallest (the "inverted CDF"
//! definition, numpy's `method = "inverted_cdf"`, R's `type = 1`).

use crate::model::{StepRecord, TrialResult};
use crate::outcome::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The file written into a run folder.
pub const WEEKLY_CSV: &str = "weekly.csv";
/// The accumulators of a shard, one JSON line per variant, for `hothouse merge`.
pub const STATE_FILE: &str = "weekly_state.jsonl";
/// At most about this many weeks are recorded per variant (see [`stride`]).
pub const MAX_ROWS: u32 = 520;

/// Amounts (in thousands of pounds) below this count as 0: £1.
pub const MONEY_FLOOR: f64 = 1e-3;
/// Each money bin is this many times as wide as the one before.
pub const MONEY_RATIO: f64 = 1.01;
/// Money bins: key 0 below [`MONEY_FLOOR`], keys `1..MONEY_BINS` log-spaced from it (the last
/// open above, from about 1e9, that is £1 trillion).
pub const MONEY_BINS: usize = 2780;

/// The quantities, in column order.
pub const QUANTITIES: [&str; 4] = ["participants", "active", "assets", "host_spend"];

/// Recorded weeks are the multiples of this: 1 up to a 520-week horizon.
pub fn stride(steps: u32) -> u32 {
    steps.div_ceil(MAX_ROWS).max(1)
}

/// Rows (recorded weeks) per variant.
pub fn rows(steps: u32) -> usize {
    (steps / stride(steps)) as usize + 1
}

/// Lower edges of the money bins (index 0 unused).
static EDGES: LazyLock<Vec<f64>> = LazyLock::new(|| {
    let mut e = vec![0.0; MONEY_BINS + 1];
    e[1] = MONEY_FLOOR;
    for k in 2..=MONEY_BINS {
        e[k] = e[k - 1] * MONEY_RATIO;
    }
    e
});

/// The top 19 bits of an amount (sign, exponent and 7 bits of mantissa): buckets about 0.54%
/// wide, narrower than a bin.
fn bucket(x: f64) -> u64 {
    x.to_bits() >> 45
}

/// The bin of the smallest amount of each bucket from [`MONEY_FLOOR`]'s up to the top bin's.
static BUCKET_KEYS: LazyLock<Vec<u32>> = LazyLock::new(|| {
    let base = bucket(MONEY_FLOOR);
    let last = bucket(EDGES[MONEY_BINS - 1]);
    (base..=last)
        .map(|b| exact_key(f64::from_bits(b << 45)).max(1))
        .collect()
});

/// The money bin of `x`: its bucket's bin or the next, by one comparison with the edge between
/// them (exact by the edges). A bucket is at most 0.79% wide and a bin 1%, so a bucket holds at
/// most one edge (checked for every bucket by a test). The comparison is taken as a number, not
/// a branch: a loop stepping up mispredicted about one amount in five.
#[inline]
pub fn money_key(x: f64) -> u32 {
    if x.is_nan() || x < MONEY_FLOOR {
        return 0;
    }
    let e = &*EDGES;
    let top = MONEY_BINS - 1;
    if x >= e[top] {
        return top as u32;
    }
    // k <= x's bin <= top - 1, so e[k + 1] exists.
    let k = BUCKET_KEYS[(bucket(x) - bucket(MONEY_FLOOR)) as usize] as usize;
    (k + usize::from(x >= e[k + 1])) as u32
}

/// The money bin of `x`, by logarithms and the edges (slower; builds [`BUCKET_KEYS`]).
fn exact_key(x: f64) -> u32 {
    if x.is_nan() || x < MONEY_FLOOR {
        return 0;
    }
    let e = &*EDGES;
    let top = MONEY_BINS - 1;
    // A first guess by logarithms, then exact by the edges (a logarithm may differ in its last
    // bit between machines; the edges do not).
    let guess = 1.0 + ((x / MONEY_FLOOR).ln() / MONEY_RATIO.ln()).floor();
    let mut k = if guess.is_finite() {
        (guess.max(1.0) as usize).min(top)
    } else {
        top
    };
    while k > 1 && x < e[k] {
        k -= 1;
    }
    while k < top && x >= e[k + 1] {
        k += 1;
    }
    k as u32
}

/// The amount a money bin stands for: its geometric middle (0 for the bin under £1).
pub fn money_value(key: u32) -> f64 {
    if key == 0 {
        return 0.0;
    }
    EDGES[(key as usize).min(MONEY_BINS - 1)] * MONEY_RATIO.sqrt()
}

/// An amount in millionths of the money unit (for exact sums).
fn micro(x: f64) -> u128 {
    let y = x * 1e6;
    if y > 0.0 && y < 1.8e19 {
        // Half up by truncation, in 64 bits: a conversion to u128 and `round` are library
        // calls on a generic x86-64 target, and this runs for every community-week.
        u128::from((y + 0.5) as u64)
    } else if y >= 1.8e19 && y.is_finite() {
        y.round() as u128
    } else {
        0
    }
}

/// Keys a histogram holds densely at most; beyond this range of keys (communities of thousands
/// of people) it holds only the keys seen.
pub const DENSE_KEYS: u32 = 4096;

/// Counts of whole-number keys: dense from the smallest key seen to the largest while that
/// range is at most [`DENSE_KEYS`], otherwise a map of the keys seen. Which of the two depends
/// only on the keys added, so equal histograms are equal whatever the order of adding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    offset: u32,
    counts: Vec<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    sparse: BTreeMap<u32, u64>,
}

impl Counts {
    /// Adds `by` (> 0) to the count of `key`. Inlined where each community-week is added: the
    /// usual case, a dense histogram that already spans the key, is one addition.
    #[inline]
    pub fn add(&mut self, key: u32, by: u64) {
        if let Some(c) = self.counts.get_mut(key.wrapping_sub(self.offset) as usize) {
            *c += by;
        } else {
            self.add_outside(key, by);
        }
    }

    /// [`Self::add`] of a key the dense histogram does not span (yet).
    #[cold]
    #[inline(never)]
    fn add_outside(&mut self, key: u32, by: u64) {
        if !self.sparse.is_empty() {
            *self.sparse.entry(key).or_insert(0) += by;
            return;
        }
        if !self.span(key, key) {
            self.sparse = self.iter().collect();
            self.counts = Vec::new();
            self.offset = 0;
            *self.sparse.entry(key).or_insert(0) += by;
            return;
        }
        self.counts[(key - self.offset) as usize] += by;
    }

    /// Widens the dense histogram (zeros added at either end) to span keys `lo..=hi` besides
    /// those it spans; false, and nothing changed, when together they would span more than
    /// [`DENSE_KEYS`].
    fn span(&mut self, lo: u32, hi: u32) -> bool {
        let (lo, hi) = if self.counts.is_empty() {
            (lo, hi)
        } else {
            (
                self.offset.min(lo),
                (self.offset + self.counts.len() as u32 - 1).max(hi),
            )
        };
        if hi - lo >= DENSE_KEYS {
            return false;
        }
        if self.counts.is_empty() {
            self.offset = lo;
        } else if lo < self.offset {
            let grow = (self.offset - lo) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = lo;
        }
        self.counts.resize((hi - lo + 1) as usize, 0);
        true
    }

    /// The keys with their counts (none zero), smallest first.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (u32, u64)> + '_> {
        if self.sparse.is_empty() {
            Box::new(
                self.counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(i, &c)| (self.offset + i as u32, c)),
            )
        } else {
            Box::new(self.sparse.iter().map(|(&k, &c)| (k, c)))
        }
    }

    /// Adds another histogram. Two dense histograms whose keys together span at most
    /// [`DENSE_KEYS`] add slice to slice; the result is the same, field for field, as adding
    /// `other`'s keys one by one (the span grows to the smallest and largest key counted).
    pub fn merge(&mut self, other: &Counts) {
        if self.sparse.is_empty() && other.sparse.is_empty() && self.merge_dense(other) {
            return;
        }
        for (k, c) in other.iter() {
            self.add(k, c);
        }
    }

    /// [`Self::merge`] of two dense histograms, slice to slice; false (and nothing changed)
    /// when the keys together would span more than [`DENSE_KEYS`].
    fn merge_dense(&mut self, other: &Counts) -> bool {
        // Only the keys counted in `other` (a histogram read back may hold zeros at its ends).
        let Some(first) = other.counts.iter().position(|&c| c > 0) else {
            return true;
        };
        let last = other.counts.iter().rposition(|&c| c > 0).unwrap_or(first);
        let (other_lo, counted) = (other.offset + first as u32, &other.counts[first..=last]);
        let other_hi = other_lo + (counted.len() as u32 - 1);
        if !self.span(other_lo, other_hi) {
            return false;
        }
        let start = (other_lo - self.offset) as usize;
        for (a, b) in self.counts[start..].iter_mut().zip(counted) {
            *a += b;
        }
        true
    }

    /// Empties the histogram, keeping its memory (it is then as a new one).
    pub fn clear(&mut self) {
        self.offset = 0;
        self.counts.clear();
        self.sparse.clear();
    }

    /// How many values were added.
    pub fn total(&self) -> u64 {
        self.iter().map(|(_, c)| c).sum()
    }

    /// The `ranks`-th smallest keys (1-based; `ranks` in increasing order), in one pass.
    pub fn nth_each<const N: usize>(&self, ranks: [u64; N]) -> [Option<u32>; N] {
        let mut found = [None; N];
        let mut next = 0;
        let mut seen = 0u64;
        let mut visit = |k: u32, c: u64| {
            seen += c;
            while next < N && seen >= ranks[next] {
                found[next] = Some(k);
                next += 1;
            }
            next == N
        };
        if self.sparse.is_empty() {
            // The dense case directly (not through the boxed iterator): a money histogram
            // spans hundreds of bins in every week.
            for (i, &c) in self.counts.iter().enumerate() {
                if c > 0 && visit(self.offset + i as u32, c) {
                    break;
                }
            }
        } else {
            for (&k, &c) in &self.sparse {
                if visit(k, c) {
                    break;
                }
            }
        }
        found
    }

    /// The `rank`-th smallest key (1-based).
    pub fn nth(&self, rank: u64) -> Option<u32> {
        let mut seen = 0u64;
        for (k, c) in self.iter() {
            seen += c;
            if seen >= rank {
                return Some(k);
            }
        }
        None
    }

    /// Bytes held.
    fn bytes(&self) -> usize {
        self.counts.capacity() * 8 + self.sparse.len() * SPARSE_ENTRY_BYTES
    }
}

/// Bytes a key of a sparse histogram takes (a B-tree entry, generous).
const SPARSE_ENTRY_BYTES: usize = 48;

/// One quantity in one week: its histogram and its exact sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub counts: Counts,
    /// Sum of the values (money: in millionths).
    #[serde(with = "crate::totals::as_text")]
    pub sum: u128,
}

impl Quantity {
    fn merge(&mut self, other: &Quantity) {
        self.counts.merge(&other.counts);
        self.sum = self.sum.saturating_add(other.sum);
    }
}

/// One recorded week.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week {
    /// Communities still running.
    pub running: u64,
    /// In the order of [`QUANTITIES`].
    pub q: [Quantity; 4],
}

impl Week {
    fn merge(&mut self, other: &Week) {
        self.running += other.running;
        for (a, b) in self.q.iter_mut().zip(&other.q) {
            a.merge(b);
        }
    }

    fn clear(&mut self) {
        self.running = 0;
        for q in &mut self.q {
            q.counts.clear();
            q.sum = 0;
        }
    }

    fn add(&mut self, s: &Sample) {
        self.running += 1;
        let [p, a, assets, spend] = &mut self.q;
        p.counts.add(s.participants, 1);
        p.sum += u128::from(s.participants);
        a.counts.add(s.active, 1);
        a.sum += u128::from(s.active);
        assets.counts.add(s.assets_key, 1);
        assets.sum = assets.sum.saturating_add(s.assets_micro);
        spend.counts.add(s.spend_key, 1);
        spend.sum = spend.sum.saturating_add(s.spend_micro);
    }
}

/// One community's state in a recorded week, its money already as bins and millionths: these
/// are worked out as the trial is observed, in parallel, so that adding a week to the
/// accumulators is integer additions only.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    pub participants: u32,
    pub active: u32,
    assets_key: u32,
    spend_key: u32,
    assets_micro: u128,
    spend_micro: u128,
}

impl Sample {
    #[inline]
    pub fn new(participants: u32, active: u32, assets: f64, host_spend: f64) -> Self {
        Sample {
            participants,
            active,
            assets_key: money_key(assets),
            spend_key: money_key(host_spend),
            assets_micro: micro(assets),
            spend_micro: micro(host_spend),
        }
    }
}

/// Records a trial's recorded weeks into `slot` (room for [`rows`]), as it is observed
/// ([`crate::model::Model::run_observed_cancellable`]). The runner hands each trial of a chunk
/// its slot of one buffer, so observing allocates nothing.
pub struct Recorder<'a> {
    stride: u32,
    slot: &'a mut [Sample],
    len: usize,
}

impl<'a> Recorder<'a> {
    pub fn new(steps: u32, slot: &'a mut [Sample]) -> Self {
        Recorder {
            stride: stride(steps),
            slot,
            len: 0,
        }
    }

    /// Records the week of `r` if it is a recorded week. Inlined into the trial's loop, so
    /// that what a week's record holds and this does not read (the mean motivation) is never
    /// worked out.
    #[inline(always)]
    pub fn observe(&mut self, r: &StepRecord) {
        // Weeks are observed in order from 0, so the next recorded one is `len · stride`: no
        // division each week.
        if r.time as usize == self.len * self.stride as usize {
            if let Some(x) = self.slot.get_mut(self.len) {
                *x = Sample::new(r.participants, r.active, r.assets, r.host_spend);
                self.len += 1;
            }
        }
    }

    /// Weeks recorded.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// One trial's recorded weeks (weeks 0, stride, 2 stride, ... while it was observed).
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    stride: u32,
    pub samples: &'a [Sample],
}

impl<'a> Series<'a> {
    pub fn new(steps: u32, samples: &'a [Sample]) -> Self {
        Series {
            stride: stride(steps),
            samples,
        }
    }

    /// How many of the recorded weeks the trial was still running in (module documentation).
    fn running_weeks(&self, r: &TrialResult) -> usize {
        let n = self.samples.len();
        match r.outcome {
            Outcome::Censored => n,
            _ => n.min(r.time.div_ceil(self.stride) as usize),
        }
    }
}

/// A variant's weekly accumulators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weekly {
    pub steps: u32,
    pub stride: u32,
    /// Trials added.
    pub trials: u64,
    pub weeks: Vec<Week>,
}

impl Weekly {
    pub fn new(steps: u32) -> Self {
        Weekly {
            steps,
            stride: stride(steps),
            trials: 0,
            weeks: vec![Week::default(); rows(steps)],
        }
    }

    /// Empties the accumulators, keeping their memory (they are then as new ones).
    pub fn clear(&mut self) {
        for w in &mut self.weeks {
            w.clear();
        }
        self.trials = 0;
    }

    /// Adds one trial.
    pub fn add(&mut self, r: &TrialResult, series: &Series<'_>) {
        let n = series.running_weeks(r);
        for (w, s) in self.weeks.iter_mut().zip(&series.samples[..n]) {
            w.add(s);
        }
        self.trials += 1;
    }

    /// Adds trials, the weeks in parallel on `pool` (exact whatever the order): one span of
    /// consecutive weeks per thread, each trial's weeks read in order. Measured on the default
    /// scenario, this beats spans balanced by the recorded weeks in them (most communities end
    /// early, so the first span holds most of the work): reading every trial's weeks in more
    /// pieces costs more in cache misses than the balance gains (docs/PERFORMANCE.md).
    pub fn add_all(&mut self, trials: &[(&TrialResult, Series<'_>)], pool: &rayon::ThreadPool) {
        use rayon::prelude::*;
        let limits: Vec<usize> = trials.iter().map(|(r, s)| s.running_weeks(r)).collect();
        let span = self
            .weeks
            .len()
            .div_ceil(pool.current_num_threads().max(1))
            .max(1);
        pool.install(|| {
            self.weeks
                .par_chunks_mut(span)
                .enumerate()
                .for_each(|(b, weeks)| {
                    let first = b * span;
                    for ((_, s), &n) in trials.iter().zip(&limits) {
                        let end = n.saturating_sub(first).min(weeks.len());
                        if end == 0 {
                            continue;
                        }
                        for (w, x) in weeks[..end].iter_mut().zip(&s.samples[first..]) {
                            w.add(x);
                        }
                    }
                })
        });
        self.trials += trials.len() as u64;
    }

    /// Adds another part of the same variant (a shard).
    pub fn merge(&mut self, other: &Weekly) -> Result<(), String> {
        self.check_joinable(other)?;
        for (a, b) in self.weeks.iter_mut().zip(&other.weeks) {
            a.merge(b);
        }
        self.trials += other.trials;
        Ok(())
    }

    /// Whether `other` holds the same weeks, so that it can be added.
    fn check_joinable(&self, other: &Weekly) -> Result<(), String> {
        if other.steps != self.steps || other.weeks.len() != self.weeks.len() {
            return Err(format!(
                "weekly accumulators of {} steps cannot join those of {}",
                other.steps, self.steps
            ));
        }
        Ok(())
    }

    /// [`Self::merge`], then empties `other` (keeping its memory); the weeks in parallel (on
    /// the calling pool).
    pub fn absorb(&mut self, other: &mut Weekly) -> Result<(), String> {
        use rayon::prelude::*;
        self.check_joinable(other)?;
        self.weeks
            .par_iter_mut()
            .zip(other.weeks.par_iter_mut())
            .for_each(|(a, b)| {
                a.merge(b);
                b.clear();
            });
        self.trials += other.trials;
        other.trials = 0;
        Ok(())
    }

    /// Checks accumulators read back (a checkpoint, a shard's state) against the run: `steps`
    /// weeks and `trials` trials, every week's histograms holding its running communities.
    pub fn check(&self, steps: u32, trials: u64) -> Result<(), String> {
        if self.steps != steps || self.stride != stride(steps) || self.weeks.len() != rows(steps) {
            return Err(format!("weekly accumulators do not match steps = {steps}"));
        }
        if self.trials != trials {
            return Err(format!(
                "weekly accumulators count {} trials, not {trials}",
                self.trials
            ));
        }
        let mut before = trials;
        for (i, w) in self.weeks.iter().enumerate() {
            if w.running > before || w.q.iter().any(|q| q.counts.total() != w.running) {
                return Err(format!(
                    "weekly accumulators of week {} do not add up",
                    i as u64 * u64::from(self.stride)
                ));
            }
            before = w.running;
        }
        if self.weeks.first().is_some_and(|w| w.running != trials) {
            return Err("weekly accumulators of week 0 do not hold every trial".into());
        }
        Ok(())
    }

    /// Bytes the histograms hold now.
    pub fn bytes(&self) -> usize {
        self.weeks
            .iter()
            .map(|w| w.q.iter().map(|q| q.counts.bytes() + 32).sum::<usize>() + 16)
            .sum()
    }

    /// `weekly.csv`'s rows of variant `variant` (no header), formatted in parallel (on the
    /// calling pool): a variant of few trials over a long horizon spends about as long here
    /// as simulating.
    pub fn rows_csv(&self, variant: usize) -> Vec<u8> {
        use rayon::prelude::*;
        let rows: Vec<String> = self
            .weeks
            .par_iter()
            .enumerate()
            .map(|(i, w)| {
                let week = i as u64 * u64::from(self.stride);
                // Written into one line, not a string a field (most of the time went into
                // allocating them).
                let mut row = format!("{variant},{week},{}", w.running);
                for (k, q) in w.q.iter().enumerate() {
                    push_quantity(&mut row, q, w.running, k >= 2);
                }
                row.push('\n');
                row
            })
            .collect();
        rows.concat().into_bytes()
    }
}

/// Rank (1-based) of the quantile `tenths / 10` of `n` values: `ceil(n tenths / 10)`.
pub fn rank(n: u64, tenths: u64) -> u64 {
    (n * tenths).div_ceil(10).max(1)
}

/// Appends `,mean,p10,p50,p90` of a quantity in a week of `n` running communities (the four
/// fields empty when none runs).
fn push_quantity(row: &mut String, q: &Quantity, n: u64, money: bool) {
    use std::fmt::Write;
    if n == 0 {
        row.push_str(",,,,");
        return;
    }
    let keys = q.counts.nth_each([rank(n, 1), rank(n, 5), rank(n, 9)]);
    let mean = if money {
        q.sum as f64 / 1e6 / n as f64
    } else {
        q.sum as f64 / n as f64
    };
    // Writing to a String cannot fail.
    let _ = write!(row, ",{mean:.3}");
    for key in keys {
        let key = key.unwrap_or(0);
        row.push(',');
        if money {
            push_money(row, money_value(key));
        } else {
            let _ = write!(row, "{key}");
        }
    }
}

/// Appends an amount to four significant figures (the bins are 1% wide), trailing zeros
/// trimmed.
fn push_money(row: &mut String, v: f64) {
    use std::fmt::Write;
    if v == 0.0 {
        row.push('0');
        return;
    }
    let decimals = [1000.0, 100.0, 10.0, 1.0, 0.1, 0.01]
        .iter()
        .position(|&p| v >= p)
        .unwrap_or(6);
    let start = row.len();
    // Writing to a String cannot fail.
    let _ = write!(row, "{v:.decimals$}");
    if row[start..].contains('.') {
        let kept = row[start..]
            .trim_end_matches('0')
            .trim_end_matches('.')
            .len();
        row.truncate(start + kept);
    }
}

#[cfg(test)]
fn money_text(v: f64) -> String {
    let mut s = String::new();
    push_money(&mut s, v);
    s
}

/// `weekly.csv`'s columns.
pub fn columns() -> Vec<String> {
    let mut c = vec!["variant".into(), "week".into(), "n_running".into()];
    for q in QUANTITIES {
        for s in ["mean", "p10", "p50", "p90"] {
            c.push(format!("{q}_{s}"));
        }
    }
    c
}

/// `weekly.csv`'s header line.
pub fn header_csv() -> Vec<u8> {
    let mut h = columns().join(",").into_bytes();
    h.push(b'\n');
    h
}

/// One line of a shard's [`STATE_FILE`]: a variant's accumulators over the shard's trials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateLine {
    pub variant: usize,
    pub weekly: Weekly,
}

impl StateLine {
    /// The line as JSON, with its newline.
    pub fn to_line(&self) -> Result<Vec<u8>, String> {
        let mut v = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        v.push(b'\n');
        Ok(v)
    }
}

/// Trials simulated at once while weekly statistics are collected: their recorded weeks are
/// held until the chunk is added, about [`SERIES_BUDGET`] bytes at most.
pub fn chunk_trials(steps: u32, most: u64) -> u64 {
    let per_trial = (rows(steps) * std::mem::size_of::<Sample>()) as u64;
    (SERIES_BUDGET / per_trial.max(1)).clamp(256, most.max(256))
}

/// Bytes of recorded weeks held for one chunk of trials.
pub const SERIES_BUDGET: u64 = 32 << 20;

/// Memory the weekly statistics of a run may hold (bytes, generous): one variant's histograms
/// (people counts up to `max_population`, dense up to [`DENSE_KEYS`] values and then by the
/// values seen, at most one per trial; every money bin), twice (a part being added) and once
/// more for each of `workers` threads (each adds its trials to its own), and a chunk's
/// recorded weeks.
pub fn memory_estimate(steps: u32, max_population: u64, trials: u64, workers: u64) -> u64 {
    let values = max_population.saturating_add(1);
    let dense = values.min(u64::from(DENSE_KEYS)) * 8;
    let sparse = if values > u64::from(DENSE_KEYS) {
        values.min(trials).saturating_mul(SPARSE_ENTRY_BYTES as u64)
    } else {
        0
    };
    let per_row = 2 * dense.saturating_add(sparse) + 2 * MONEY_BINS as u64 * 8 + 160;
    (rows(steps) as u64)
        .saturating_mul(per_row)
        .saturating_mul(workers.saturating_add(2))
        .saturating_add(SERIES_BUDGET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stage;

    #[test]
    fn money_in_millionths_rounds_half_up_and_keeps_huge_amounts() {
        assert_eq!(micro(0.4), 400_000);
        assert_eq!(micro(20.79999999999999), 20_800_000);
        assert_eq!(micro(0.0000005), 1);
        assert_eq!(micro(0.0000004), 0);
        assert_eq!(micro(0.0), 0);
        assert_eq!(micro(-3.0), 0);
        assert_eq!(micro(f64::NAN), 0);
        assert_eq!(micro(f64::INFINITY), 0);
        // Beyond 64 bits of millionths (1.8e13 money units): still exact to the unit.
        assert_eq!(micro(2e13), 20_000_000_000_000_000_000);
    }

    #[test]
    fn a_dense_histogram_grows_both_ways_and_counts_in_place() {
        let mut c = Counts::default();
        for k in [10, 12, 10, 7, 12, 12] {
            c.add(k, 1);
        }
        let got: Vec<(u32, u64)> = c.iter().collect();
        assert_eq!(got, vec![(7, 1), (10, 2), (12, 3)]);
    }

    fn result(outcome: Outcome, time: u32) -> TrialResult {
        TrialResult {
            outcome,
            time,
            stage: Stage::Convening,
            peak_participants: 0,
            final_participants: 0,
            final_active: 0,
            assets: 0.0,
            brand: 0.0,
            host_spend: 0.0,
            host_covered: 0.0,
            host_weeks: 0,
            host_withdrew: 0,
            revenue: 0.0,
            final_balance: 0.0,
            joined: 0,
            left: 0,
            participant_steps: 0,
            cause: None,
            host_exit: None,
            partner_week: 0,
            drawn: Vec::new(),
        }
    }

    fn samples(weeks: &[(u32, u32, f64, f64)]) -> Vec<Sample> {
        weeks
            .iter()
            .map(|&(participants, active, assets, host_spend)| {
                Sample::new(participants, active, assets, host_spend)
            })
            .collect()
    }

    #[test]
    fn strides_keep_at_most_521_rows() {
        assert_eq!((stride(104), rows(104)), (1, 105));
        assert_eq!((stride(520), rows(520)), (1, 521));
        assert_eq!((stride(521), rows(521)), (2, 261));
        assert_eq!((stride(1040), rows(1040)), (2, 521));
        assert_eq!((stride(5200), rows(5200)), (10, 521));
        assert_eq!(rows(0), 1);
    }

    #[test]
    fn every_bucket_of_amounts_spans_at_most_one_edge_of_the_money_bins() {
        let base = bucket(MONEY_FLOOR);
        for (i, &k) in BUCKET_KEYS.iter().enumerate() {
            let b = base + i as u64;
            let (lowest, highest) = (f64::from_bits(b << 45), f64::from_bits(((b + 1) << 45) - 1));
            assert_eq!(exact_key(lowest).max(1), k);
            let last = exact_key(highest);
            assert!(last == k || last == k + 1, "bucket {b}: bins {k} to {last}");
        }
    }

    #[test]
    fn money_bins_are_one_percent_wide_and_exact_at_their_edges() {
        assert_eq!(money_key(0.0), 0);
        assert_eq!(money_key(0.000_999), 0);
        assert_eq!(money_key(-5.0), 0);
        assert_eq!(money_key(f64::NAN), 0);
        assert_eq!(money_key(1e-3), 1);
        assert_eq!(money_key(1.0099e-3), 1);
        assert_eq!(money_key(EDGES[2]), 2);
        assert_eq!(money_key(f64::INFINITY), MONEY_BINS as u32 - 1);
        // The quick lookup agrees with the logarithms everywhere, edges included.
        for k in 1..MONEY_BINS {
            let e = EDGES[k];
            let (below, above) = (
                f64::from_bits(e.to_bits() - 1),
                f64::from_bits(e.to_bits() + 1),
            );
            for x in [e, below, above, e * 1.003, e * 1.007] {
                assert_eq!(money_key(x), exact_key(x), "{x}");
            }
        }
        for x in [0.0123, 0.4, 1.0, 7.77, 20.8, 123.456, 9_999.0, 3.3e6] {
            let k = money_key(x) as usize;
            assert!(EDGES[k] <= x && x < EDGES[k + 1], "{x}");
            let v = money_value(k as u32);
            assert!((v / x - 1.0).abs() <= 0.005, "{x} {v}");
        }
        // The top bin starts at about 1e9 (£1 trillion).
        assert!(
            (EDGES[MONEY_BINS - 1] / 1e9 - 1.0).abs() < 0.05,
            "{}",
            EDGES[MONEY_BINS - 1]
        );
    }

    /// Five trials of a 3-week horizon, by hand:
    /// - A censored, weeks 0..=3: participants 4, 5, 6, 7;
    /// - B graduated at week 2: counts in weeks 0, 1: 2, 3 (its week-2 row is left out);
    /// - C fizzled at week 1: counts in week 0: 10;
    /// - D censored: 1, 1, 1, 1; E censored: 3, 3, 3, 3.
    ///
    /// Week 0: values 1, 2, 3, 4, 10 (n = 5): ranks ceil(0.5) = 1, ceil(2.5) = 3, ceil(4.5) = 5
    /// -> p10 1, p50 3, p90 10; mean 20 / 5 = 4.
    /// Week 1: 1, 3, 3, 5 (n = 4): ranks 1, 2, 4 -> 1, 3, 5; mean 12 / 4 = 3.
    /// Week 2: 1, 3, 6 (n = 3): ranks 1, 2, 3 -> 1, 3, 6; mean 10 / 3 = 3.333.
    /// Five trials of a 3-week horizon: their results and recorded weeks.
    fn five_trials() -> ([TrialResult; 5], [Vec<Sample>; 5]) {
        let a = samples(&[
            (4, 1, 0.0, 0.0),
            (5, 1, 1.0, 0.4),
            (6, 2, 2.0, 0.8),
            (7, 2, 3.0, 1.2),
        ]);
        let b = samples(&[(2, 0, 0.0, 0.0), (3, 3, 10.0, 0.4), (9, 9, 20.0, 0.8)]);
        let c = samples(&[(10, 0, 0.0, 0.0), (0, 0, 0.0, 0.4)]);
        let d = samples(&[(1, 0, 0.0, 0.0); 4]);
        let e = samples(&[(3, 0, 0.0, 0.0); 4]);
        let rs = [
            result(Outcome::Censored, 3),
            result(Outcome::Graduated, 2),
            result(Outcome::Fizzled, 1),
            result(Outcome::Censored, 3),
            result(Outcome::Censored, 3),
        ];
        (rs, [a, b, c, d, e])
    }

    #[test]
    fn hand_computed_quantiles_and_means() {
        let steps = 3;
        let (rs, weeks) = five_trials();
        let mut w = Weekly::new(steps);
        for (r, s) in rs.iter().zip(&weeks) {
            w.add(r, &Series::new(steps, s));
        }
        let running: Vec<u64> = w.weeks.iter().map(|x| x.running).collect();
        assert_eq!(running, [5, 4, 3, 3]);
        w.check(steps, 5).unwrap();
        let csv = String::from_utf8(w.rows_csv(2)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        // variant, week, n, participants mean/p10/p50/p90, active ..., assets ..., spend ...
        assert_eq!(
            lines[0],
            "2,0,5,4.000,1,3,10,0.200,0,0,1,0.000,0,0,0,0.000,0,0,0"
        );
        // Week 1: active 1, 3, 0, 0 -> sorted 0, 0, 1, 3: ranks 1, 2, 4 -> 0, 0, 3; mean 1.
        // Assets 1, 10, 0, 0 -> 0, 0, 1, 10 -> 0, 0, bins of 1 and 10; mean 11 / 4 = 2.75.
        // Spend 0.4, 0.4, 0, 0 -> 0, 0, 0.4 (bin middle 0.4013); mean 0.8 / 4 = 0.2.
        let f: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(
            &f[..11],
            [
                "2", "1", "4", "3.000", "1", "3", "5", "1.000", "0", "0", "3"
            ]
        );
        assert_eq!(f[11], "2.750");
        assert_eq!((f[12], f[13]), ("0", "0"));
        let ten: f64 = f[14].parse().unwrap();
        assert!((ten / 10.0 - 1.0).abs() <= 0.005, "{ten}");
        assert_eq!(f[15], "0.200");
        let spend: f64 = f[18].parse().unwrap();
        assert!((spend / 0.4 - 1.0).abs() <= 0.005, "{spend}");
        assert_eq!(
            &lines[2].split(',').collect::<Vec<_>>()[..7],
            ["2", "2", "3", "3.333", "1", "3", "6"]
        );
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn accumulators_are_the_same_in_any_order_split_merged_or_in_parallel() {
        let steps = 3;
        let (rs, weeks) = five_trials();
        let all = weeks.each_ref().map(|x| Series::new(steps, x));
        let mut w = Weekly::new(steps);
        for (r, s) in rs.iter().zip(&all) {
            w.add(r, s);
        }
        // Split in two parts, in another order, and merged: the same accumulators.
        let mut p = Weekly::new(steps);
        let mut q = Weekly::new(steps);
        for i in [4, 1] {
            p.add(&rs[i], &all[i]);
        }
        for i in [2, 0, 3] {
            q.add(&rs[i], &all[i]);
        }
        q.merge(&p).unwrap();
        assert_eq!(q, w);
        // And in parallel.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let pairs: Vec<(&TrialResult, Series<'_>)> = rs.iter().zip(all).collect();
        let mut par = Weekly::new(steps);
        par.add_all(&pairs, &pool);
        assert_eq!(par, w);
        // Through JSON, as a checkpoint or a shard's state.
        let line = StateLine {
            variant: 2,
            weekly: w.clone(),
        }
        .to_line()
        .unwrap();
        let back: StateLine = serde_json::from_slice(&line).unwrap();
        assert_eq!(back.weekly, w);
        assert!(back.weekly.check(steps, 6).is_err());
    }

    #[test]
    fn a_week_nobody_runs_has_empty_statistics() {
        let mut w = Weekly::new(2);
        w.add(
            &result(Outcome::Fizzled, 1),
            &Series::new(2, &samples(&[(2, 1, 0.5, 0.0), (0, 0, 0.0, 0.0)])),
        );
        let csv = String::from_utf8(w.rows_csv(0)).unwrap();
        assert_eq!(csv.lines().nth(1), Some("0,1,0,,,,,,,,,,,,,,,,"));
        assert_eq!(header_csv().iter().filter(|&&b| b == b',').count(), 18);
    }

    #[test]
    fn ranks_follow_the_inverted_cdf() {
        assert_eq!([rank(1, 1), rank(1, 5), rank(1, 9)], [1, 1, 1]);
        assert_eq!([rank(10, 1), rank(10, 5), rank(10, 9)], [1, 5, 9]);
        assert_eq!([rank(11, 1), rank(11, 5), rank(11, 9)], [2, 6, 10]);
    }

    #[test]
    fn counts_merge_in_any_order() {
        let mut a = Counts::default();
        for k in [5, 3, 9, 3] {
            a.add(k, 1);
        }
        let mut b = Counts::default();
        b.add(7, 2);
        b.add(1, 1);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.total(), 7);
        // 1, 3, 3, 5, 7, 7, 9
        assert_eq!(
            (1..=7).map(|r| ab.nth(r).unwrap()).collect::<Vec<_>>(),
            [1, 3, 3, 5, 7, 7, 9]
        );
        assert_eq!(ab.nth(8), None);
        assert_eq!(
            ab.nth_each([1, 4, 4, 7, 8]),
            [ab.nth(1), ab.nth(4), ab.nth(4), ab.nth(7), None]
        );
    }

    proptest::proptest! {
        /// Merging (slice to slice when both are dense) gives the very histogram that adding
        /// the other's keys one by one gives, field for field, dense or sparse.
        #[test]
        fn merging_is_adding_key_by_key(
            a in proptest::collection::vec((0u32..6000, 1u64..4), 0..40),
            b in proptest::collection::vec((0u32..6000, 1u64..4), 0..40),
            narrow in proptest::bool::ANY,
        ) {
            let squeeze = |k: u32| if narrow { k % 300 + 1000 } else { k };
            let build = |keys: &[(u32, u64)]| {
                let mut c = Counts::default();
                for &(k, by) in keys {
                    c.add(squeeze(k), by);
                }
                c
            };
            let (mut merged, other) = (build(&a), build(&b));
            merged.merge(&other);
            let mut added = build(&a);
            for &(k, by) in &b {
                added.add(squeeze(k), by);
            }
            proptest::prop_assert_eq!(merged, added);
        }
    }

    #[test]
    fn a_histogram_read_back_with_zeros_at_its_ends_merges_as_its_keys() {
        let padded = Counts {
            offset: 10,
            counts: vec![0, 0, 3, 0, 1, 0],
            sparse: BTreeMap::new(),
        };
        let mut merged = Counts::default();
        merged.add(20, 1);
        merged.merge(&padded);
        let mut added = Counts::default();
        added.add(20, 1);
        added.add(12, 3);
        added.add(14, 1);
        assert_eq!(merged, added);
        assert_eq!((merged.offset, merged.counts.len()), (12, 9));
    }

    #[test]
    fn wide_histograms_hold_only_the_values_seen_the_same_in_any_order() {
        let keys = [3u32, 2_000_000, 3, 4000, 10, 1_700_000];
        let mut a = Counts::default();
        for k in keys {
            a.add(k, 1);
        }
        let mut b = Counts::default();
        for k in keys.iter().rev() {
            b.add(*k, 1);
        }
        let mut c = Counts::default();
        c.add(10, 1);
        c.add(3, 2);
        let mut d = Counts::default();
        for k in [4000, 2_000_000, 1_700_000] {
            d.add(k, 1);
        }
        c.merge(&d);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(a.bytes() < 1000, "{}", a.bytes());
        assert_eq!(
            (1..=6).map(|r| a.nth(r).unwrap()).collect::<Vec<_>>(),
            [3, 3, 10, 4000, 1_700_000, 2_000_000]
        );
        assert_eq!(a.nth_each([2, 5, 7]), [Some(3), Some(1_700_000), None]);
        // Dense up to a range of 4096 keys.
        let mut e = Counts::default();
        e.add(0, 1);
        e.add(4095, 1);
        assert!(e.sparse.is_empty());
        e.add(4096, 1);
        assert_eq!(e.sparse.len(), 3);
    }

    /// 105 rows x (2 x 121 x 8 + 2 x 2780 x 8 + 160 = 46,576 bytes) x (2 + workers) + 32 MiB.
    #[test]
    fn memory_estimate_by_hand() {
        assert_eq!(
            memory_estimate(104, 120, 2000, 1),
            105 * 46_576 * 3 + (32 << 20)
        );
        // A million people, 10 trials: 4096 dense values and 10 seen, per people quantity.
        let per_row = 2 * (4096 * 8 + 10 * 48) + 2 * 2780 * 8 + 160;
        assert_eq!(
            memory_estimate(104, 1_000_000, 10, 4),
            105 * per_row * 6 + (32 << 20)
        );
    }

    #[test]
    fn amounts_to_four_figures() {
        assert_eq!(money_text(0.0), "0");
        assert_eq!(money_text(1234.56), "1235");
        assert_eq!(money_text(12.3456), "12.35");
        assert_eq!(money_text(0.40133), "0.4013");
        assert_eq!(money_text(0.0012345), "0.001234");
        assert_eq!(money_text(10.0), "10");
    }
}
