//! The agent-based model of one community's life cycle, simulated in weekly steps.
//!
//! docs/MODEL.md gives every equation with its source; the comments here point to its sections.
//! The hot loop works on flat vectors held in a [`Workspace`] that is reused across trials, so a
//! trial allocates nothing once the workspace has grown to the community's peak size.

use crate::motivation::MotivationSampler;
use crate::outcome::Outcome;
use crate::parameters::Parameters;
use crate::variation::Draw;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Stages of the life cycle, in order (after Wenger, McDermott & Snyder 2002, and the ODI Leeds
/// playbook). The stage of a trial is the furthest it has reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The host has called the first meetings; nothing is built yet.
    Convening,
    /// Light agreements on how to work together.
    Exploring,
    /// Sustained joint work: data landscaping, tools.
    Collaborating,
    /// Standards and dashboards with a recognised brand: a hosting partner formalises.
    Formalising,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Convening => "convening",
            Stage::Exploring => "exploring",
            Stage::Collaborating => "collaborating",
            Stage::Formalising => "formalising",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one trial ended and the end-state metrics that explain why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialResult {
    pub outcome: Outcome,
    /// Week of the outcome (1..=steps); `steps` when censored.
    pub time: u32,
    /// Furthest stage reached.
    pub stage: Stage,
    pub peak_participants: u32,
    pub final_participants: u32,
    /// Active contributors in the last simulated week.
    pub final_active: u32,
    /// Shared assets at the end.
    pub assets: f64,
    /// Brand recognition at the end.
    pub brand: f64,
    /// Total host spend on facilitation: staff time (money).
    pub host_spend: f64,
    /// Operating shortfall the host paid while present: the sum of max(0, cost - revenue) (money).
    pub host_covered: f64,
    /// Weeks the host supported the community.
    pub host_weeks: u32,
    /// Week the host withdrew (0 when it never did, or there was no host).
    pub host_withdrew: u32,
    /// Total revenue over the trial (money).
    pub revenue: f64,
    /// Weekly revenue minus operating cost in the last week (money/week).
    pub final_balance: f64,
    pub joined: u64,
    pub left: u64,
    /// Participant-weeks simulated (for speed figures).
    pub participant_steps: u64,
    /// Which fizzle condition fired (None unless fizzled).
    pub cause: Option<FizzleCause>,
    /// Why the host withdrew (None when it never did, or there was no host).
    pub host_exit: Option<HostExit>,
    /// Week a hosting partner was found (0 when none was).
    pub partner_week: u32,
    /// This community's drawn parameter values, aligned with the model's draws (NaN where
    /// the variant draws nothing for that column).
    pub drawn: Vec<f64>,
}

/// The state of the community after one week, for `hothouse trace`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub time: u32,
    pub stage: Stage,
    pub participants: u32,
    pub active: u32,
    pub mean_motivation: f64,
    pub assets: f64,
    pub brand: f64,
    pub host_active: bool,
    pub host_investment: f64,
    /// Cumulative host spend on facilitation (money).
    pub host_spend: f64,
    /// Cumulative operating shortfall paid by the host (money).
    pub host_covered: f64,
    /// Revenue this week (money/week).
    pub revenue: f64,
    /// Operating cost this week (money/week).
    pub operating_cost: f64,
    pub newcomers: u32,
    pub leavers: u32,
    /// Unpaid shortfall while there is no host (money).
    pub deficit: f64,
    /// Whether a partner willing to host the formal initiative has been found.
    pub partner_found: bool,
    /// Active contributors the community needs (for the trace picture).
    pub critical_mass: u32,
}

/// Per-participant state as flat vectors (structure of arrays), reused across trials. The
/// participants stay in the order they joined (leavers are removed by compacting the vectors),
/// so last week's newcomers are always the last ones.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    motivation: Vec<f64>,
    idle: Vec<u32>,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }

    fn clear(&mut self) {
        self.motivation.clear();
        self.idle.clear();
    }

    #[inline]
    fn push(&mut self, motivation: f64) {
        self.motivation.push(motivation);
        self.idle.push(0);
    }

    #[inline]
    fn truncate(&mut self, len: usize) {
        self.motivation.truncate(len);
        self.idle.truncate(len);
    }
}

/// Buckets of the uniform draw in [`LogitTable`].
const LOGIT_BUCKETS: usize = 1024;

/// Decides the logistic choice `r * (1 + exp(x)) < 1` without exp() in all but about one case
/// in a thousand, with the same result bit for bit; r is the uniform of the participant's
/// draw's high 32 bits (MODEL.md §randomness). The choice is `x < ln((1 - r) / r)`, a
/// decreasing function of r; the table holds it at the bucket edges r = i / 1024, so for r in
/// bucket i the threshold lies between `edge[i + 1]` and `edge[i]`. Only when x falls between
/// them (give or take 1e-9, far more than rounding can move the float comparison) is the
/// exact expression evaluated.
#[derive(Debug, Clone)]
struct LogitTable {
    /// For bucket i: (`edge[i + 1] - MARGIN`, `edge[i] + MARGIN`), one cache access a lookup.
    bounds: [(f64, f64); LOGIT_BUCKETS],
}

impl LogitTable {
    const MARGIN: f64 = 1e-9;

    fn new() -> Self {
        let edge = |i: usize| {
            let r = i as f64 / LOGIT_BUCKETS as f64;
            ((1.0 - r) / r).ln() // +inf at r = 0, -inf at r = 1
        };
        let mut bounds = [(0.0, 0.0); LOGIT_BUCKETS];
        for (i, b) in bounds.iter_mut().enumerate() {
            *b = (edge(i + 1) - Self::MARGIN, edge(i) + Self::MARGIN);
        }
        Self { bounds }
    }

    /// `bits` is the participant's 64-bit draw, whose high 32 bits make the uniform
    /// r = (bits >> 32) · 2⁻³²; its bucket floor(r · 1024) is simply bits >> 54.
    ///
    /// Returns 1 to contribute, 0 not to. Outside the rare band the answer is the sign of
    /// x − below, taken from its bits: a comparison would become a branch that the CPU
    /// mispredicts half the time, since the choice is a coin flip.
    #[inline(always)]
    fn choose(&self, bits: u64, x: f64) -> u32 {
        let i = (bits >> (64 - LOGIT_BUCKETS.trailing_zeros())) as usize & (LOGIT_BUCKETS - 1);
        let (below, above) = self.bounds[i];
        // In the band below <= x <= above exactly when neither difference is negative: one
        // test of two sign bits, where two comparisons would become two branches.
        let low = x - below;
        if ((low.to_bits() | (above - x).to_bits()) >> 63) == 0 {
            u32::from(Self::exact(bits, x))
        } else {
            (low.to_bits() >> 63) as u32
        }
    }

    #[cold]
    #[inline(never)]
    fn exact(bits: u64, x: f64) -> bool {
        choice_uniform(bits) * (1.0 + x.exp()) < 1.0
    }
}

/// The uniform of a participant's choice: the high 32 bits of their draw, r = (bits >> 32) · 2⁻³²
/// (MODEL.md §randomness).
#[inline]
fn choice_uniform(bits: u64) -> f64 {
    (bits >> 32) as f64 * (1.0 / (1u64 << 32) as f64)
}

/// The low 32 bits of a draw, which decide the hazards: `low32(bits) < below_threshold(p)`
/// happens with probability ceil(p · 2³²) / 2³², p rounded up to the next multiple of 2⁻³².
#[inline]
fn low32(bits: u64) -> u64 {
    bits & 0xffff_ffff
}

/// The integer t with `low32(bits) < t` exactly when the uniform low32(bits) · 2⁻³² is below
/// `p`: t = ceil(p · 2³²), clamped to [0, 2³²] (NaN gives 0).
#[inline]
fn below_threshold(p: f64) -> u64 {
    const SCALE: f64 = (1u64 << 32) as f64;
    let x = p.clamp(0.0, 1.0) * SCALE;
    let t = x as i64 as u64; // 0 <= x <= 2^32: t is x's floor (a signed conversion is one instruction)
    t + u64::from((t as f64) < x)
}

/// xⁿ by repeated squaring. Each factor is `square` or 1.0 chosen by a mask on the bits of the
/// floats, not by a test: the compiler turned a selection into a branch on n's bits, which
/// the CPU mispredicts since n (recruitment's pool) changes from week to week.
#[inline]
fn power(x: f64, n: u32) -> f64 {
    const ONE: u64 = 0x3ff0_0000_0000_0000; // 1.0
    let (mut result, mut square, mut n) = (1.0f64, x, n);
    while n > 0 {
        let mask = 0u64.wrapping_sub(u64::from(n & 1));
        result *= f64::from_bits((square.to_bits() & mask) | (ONE & !mask));
        square *= square;
        n >>= 1;
    }
    result
}

/// Largest count the inversion of [`binomial`] tries before starting again (as rand_distr).
const BINV_LIMIT: usize = 110;

/// 1/x for x = 1 to [`BINV_LIMIT`] (index 0 unused): the inversion multiplies by these
/// instead of dividing (a division's latency each step of its loop).
static RECIPROCALS: [f64; BINV_LIMIT + 1] = {
    let mut table = [0.0; BINV_LIMIT + 1];
    let mut x = 1;
    while x <= BINV_LIMIT {
        table[x] = 1.0 / x as f64;
        x += 1;
    }
    table
};

/// Binomial(n, p). For a mean n·min(p, 1 − p) below 10 (recruitment's every week), inversion
/// as in rand_distr's BINV (Kachitvichyanukul & Schmeiser 1988), with the chance of none,
/// (1 − p)ⁿ, by repeated squaring instead of `powf` and 1/x from a table instead of a division;
/// otherwise rand_distr's BTPE.
#[inline]
fn binomial(n: u32, p: f64, rng: &mut Xoshiro256PlusPlus) -> u32 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let flipped = p > 0.5;
    let p_small = if flipped { 1.0 - p } else { p };
    let q = 1.0 - p_small;
    if f64::from(n) * p_small >= 10.0 || q == 1.0 {
        return Binomial::new(u64::from(n), p).map_or(0, |b| b.sample(rng) as u32);
    }
    let s = p_small / q;
    let a = (f64::from(n) + 1.0) * s;
    let none = power(q, n);
    // Rounding can leave the cumulative sum a hair short of 1; a draw past the support (or
    // past 110, as rand_distr, more than 30 standard deviations out) starts again.
    let limit = n.min(BINV_LIMIT as u32);
    let sample = 'draw: loop {
        let mut r = none;
        let mut u = rng.random::<f64>();
        let mut x = 0u32;
        while u > r {
            u -= r;
            x += 1;
            if x > limit {
                continue 'draw;
            }
            r *= a * RECIPROCALS[x as usize] - s;
        }
        break x;
    };
    if flipped { n - sample } else { sample }
}

/// SplitMix64's output function (Steele, Lea & Flood 2014), used to derive seeds.
#[inline]
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of trial `trial` under master seed `master`: a function of `(master, trial)` only,
/// so every variant, thread count and shard layout sees the same stream for the same trial.
#[inline]
pub fn trial_seed(master: u64, trial: u64) -> u64 {
    splitmix64(splitmix64(master) ^ trial)
}

/// The generator of one trial: Xoshiro256++, documented by rand as portable and reproducible.
pub fn trial_rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// The logit table is the same for every model: built once.
static LOGIT: LazyLock<LogitTable> = LazyLock::new(LogitTable::new);

/// Domain separator of the events stream (host reviews, the search for a partner), so that its
/// draws never coincide with the participants' stream.
const EVENTS_STREAM: u64 = 0x4556_454e_5453_0001; // "EVENTS" 1

/// The generator of a trial's rare events (the host's periodic reviews, the search for a
/// hosting partner): separate from the participants' stream, so that switching these
/// mechanisms on or off leaves every participant's draws unchanged (MODEL.md §randomness).
pub fn events_rng(seed: u64) -> Xoshiro256PlusPlus {
    trial_rng(splitmix64(seed ^ EVENTS_STREAM))
}

/// Everything a trial needs that does not change between trials of a variant.
#[derive(Debug, Clone)]
pub struct Model {
    pub params: Parameters,
    pub steps: u32,
    /// Per-community draws, one per column of `trials.csv`'s drawn values (None where this
    /// variant does not draw that column's parameter).
    draws: Vec<Option<Draw>>,
    motivation: MotivationSampler,
}

impl Model {
    pub fn new(params: Parameters, steps: u32) -> Result<Self, String> {
        Self::with_draws(params, Vec::new(), steps)
    }

    /// A model whose communities each draw the parameters in `draws` at their start
    /// (MODEL.md §communities that differ).
    pub fn with_draws(
        params: Parameters,
        draws: Vec<Option<Draw>>,
        steps: u32,
    ) -> Result<Self, String> {
        let motivation = MotivationSampler::new(&params.motivation)?;
        Ok(Self {
            params,
            steps,
            draws,
            motivation,
        })
    }

    /// The per-community draws, aligned with the drawn-value columns.
    pub fn draws(&self) -> &[Option<Draw>] {
        &self.draws
    }

    /// Simulates one trial from `seed`.
    pub fn run(&self, seed: u64, ws: &mut Workspace) -> TrialResult {
        self.simulate(seed, ws, |_| {}, None)
            .expect("a trial without a cancel flag always finishes")
    }

    /// Simulates one trial, calling `observe` with the state at week 0 and after every week.
    pub fn run_observed<F: FnMut(&StepRecord)>(
        &self,
        seed: u64,
        ws: &mut Workspace,
        observe: F,
    ) -> TrialResult {
        self.simulate(seed, ws, observe, None)
            .expect("a trial without a cancel flag always finishes")
    }

    /// Simulates one trial, checking `cancel` every week; `None` when it was set before the
    /// trial ended (the trial's partial state is dropped).
    pub fn run_cancellable(
        &self,
        seed: u64,
        ws: &mut Workspace,
        cancel: &AtomicBool,
    ) -> Option<TrialResult> {
        self.simulate(seed, ws, |_| {}, Some(cancel))
    }

    /// [`Model::run_observed`], checking `cancel` every week: `None` when it was set before
    /// the trial ended (weekly statistics of a run, `crate::weekly`).
    pub fn run_observed_cancellable<F: FnMut(&StepRecord)>(
        &self,
        seed: u64,
        ws: &mut Workspace,
        cancel: &AtomicBool,
        observe: F,
    ) -> Option<TrialResult> {
        self.simulate(seed, ws, observe, Some(cancel))
    }

    /// This trial's parameters: the variant's, with the per-community draws applied.
    pub fn trial_parameters(&self, seed: u64) -> (Cow<'_, Parameters>, Vec<f64>) {
        if self.draws.is_empty() {
            return (Cow::Borrowed(&self.params), Vec::new());
        }
        let mut params = self.params.clone();
        let drawn = self
            .draws
            .iter()
            .map(|d| match d {
                Some(d) => {
                    let v = d.value(seed);
                    params.set(&d.path, &v);
                    v.as_f64().unwrap_or(f64::NAN)
                }
                None => f64::NAN,
            })
            .collect();
        (Cow::Owned(params), drawn)
    }

    fn simulate<F: FnMut(&StepRecord)>(
        &self,
        seed: u64,
        ws: &mut Workspace,
        mut observe: F,
        cancel: Option<&AtomicBool>,
    ) -> Option<TrialResult> {
        let (params, drawn) = self.trial_parameters(seed);
        let motivation = match &params {
            Cow::Owned(p) if p.motivation != self.params.motivation => Cow::Owned(
                MotivationSampler::new(&p.motivation).unwrap_or_else(|_| self.motivation.clone()),
            ),
            _ => Cow::Borrowed(&self.motivation),
        };
        let mut rng = trial_rng(seed);
        let mut community = Community::convene(seed, &params, &motivation, ws, &mut rng);
        observe(&community.record(0, ws, 0, 0, 0.0, 0.0));
        let mut ending = None;
        for t in 1..=self.steps {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return None;
            }
            let week = community.week(t, ws, &mut rng);
            observe(&community.record(
                t,
                ws,
                week.newcomers,
                week.leavers,
                week.revenue,
                week.operating_cost,
            ));
            if let Some(end) = community.outcome(t) {
                ending = Some(end);
                break;
            }
            community.host_review(t);
        }
        Some(community.result(ending, self.steps, drawn))
    }
}

/// Why a community fizzled (MODEL.md §outcomes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FizzleCause {
    /// Fewer active contributors than the critical mass for `fizzle_patience` weeks.
    TooFewActive,
    /// Every participant has left.
    EveryoneLeft,
    /// No host, and the unpaid shortfall exceeded the reserve.
    OutOfMoney,
}

impl FizzleCause {
    /// The name used in `trials.csv`, `trace.csv` and the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            FizzleCause::TooFewActive => "too_few_active",
            FizzleCause::EveryoneLeft => "everyone_left",
            FizzleCause::OutOfMoney => "out_of_money",
        }
    }

    /// Every cause, in the order of MODEL.md.
    pub const ALL: [FizzleCause; 3] = [
        FizzleCause::EveryoneLeft,
        FizzleCause::TooFewActive,
        FizzleCause::OutOfMoney,
    ];
}

/// Why the host withdrew (MODEL.md §the host's withdrawal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostExit {
    /// Its commitment ran out.
    Commitment,
    /// Activity stayed below critical mass for `host.patience` weeks: no longer viable.
    NotViable,
    /// Nothing built by `host.review_week`: not useful.
    NotUseful,
    /// A periodic review (budget cycle) decided not to continue.
    Review,
}

impl HostExit {
    /// The name used in `trials.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostExit::Commitment => "commitment",
            HostExit::NotViable => "not_viable",
            HostExit::NotUseful => "not_useful",
            HostExit::Review => "review",
        }
    }

    /// Every reason, in the order the host checks them.
    pub const ALL: [HostExit; 4] = [
        HostExit::Commitment,
        HostExit::NotViable,
        HostExit::NotUseful,
        HostExit::Review,
    ];
}

/// What one week changed, besides the community's state.
struct WeekFlows {
    newcomers: u32,
    leavers: u32,
    revenue: f64,
    operating_cost: f64,
}

/// Quantities fixed for the whole trial, derived once from the parameters.
struct Derived {
    /// The host's facilitation spend per week (MODEL.md §11).
    spend_per_week: f64,
    /// Assets per contribution, with the plan's gain (MODEL.md §9).
    productivity: f64,
    /// The weekly factor of the core idea's fading part, 2^(−1/h) (MODEL.md §1).
    fade: f64,
    /// 1 / M, 1 / k (0 when k = 0) and 1 / τ (0 when τ = 0): multiplications in the weekly
    /// step instead of divisions.
    per_population: f64,
    per_critical_mass: f64,
    per_noise: f64,
    /// The parts of the weekly terms that change only with the host's presence, without the
    /// host (index 0) and with it (index 1); computed as the weekly step would, so the terms
    /// are the same bit for bit.
    by_host: [HostTerms; 2],
    /// Thresholds (see [`below_threshold`]) of a newcomer staying when unanswered (index 0)
    /// and answered (index 1) (MODEL.md §7).
    newcomer_stay: [u64; 2],
}

/// The parts of a week's terms fixed by the host's effect f (0 without the host).
#[derive(Clone, Copy)]
struct HostTerms {
    /// w_o · o, the weight of ownership times ownership o = o₀ (1 − crowding · f) (§4).
    ownership_term: f64,
    /// The cost of contributing without the coordination cost:
    /// κ (1 − facilitation · f) · plan (§5).
    cost: f64,
    /// The base leaving rate times the ownership's protection: b (1 − protection · o) (§7).
    leave: f64,
    /// Recruitment's chance before brand and word of mouth: external + outreach · f (§8).
    join: f64,
    /// The host's weekly building of assets (§9).
    build: f64,
}

impl HostTerms {
    fn new(p: &Parameters, ownership_base: f64, plan_clarity: f64, f: f64, present: bool) -> Self {
        let ownership = ownership_base * (1.0 - p.agenda.host_crowding * f);
        HostTerms {
            ownership_term: p.agenda.ownership_weight * ownership,
            cost: p.participation.cost * (1.0 - p.host.facilitation * f) * plan_clarity,
            leave: p.attrition.base_rate * (1.0 - p.attrition.ownership_protection * ownership),
            join: p.recruitment.external + p.recruitment.outreach * f,
            build: if present {
                p.host.build_rate * p.host.investment
            } else {
                0.0
            },
        }
    }
}

impl Derived {
    fn new(p: &Parameters) -> Self {
        let investment = p.host.investment;
        let known = 1.0 - p.approach.uncertainty;
        // The host's effect at full presence, f(I) = I / (I + I½) (MODEL.md §host effect); the
        // factor a plan applies to the cost of contributing (§5); participants' ownership
        // before the host's crowding (§4).
        let host_effect = investment / (investment + p.host.half_effect);
        let plan_clarity = 1.0 - p.approach.structure * p.approach.clarity * known;
        let ownership_base = p.agenda.participant_share
            * (1.0 - p.approach.structure * p.approach.ownership_penalty);
        Derived {
            by_host: [
                HostTerms::new(p, ownership_base, plan_clarity, 0.0, false),
                HostTerms::new(p, ownership_base, plan_clarity, host_effect, true),
            ],
            newcomer_stay: [
                below_threshold(p.recruitment.newcomer_return_unanswered),
                below_threshold(p.recruitment.newcomer_return_answered),
            ],
            spend_per_week: investment
                * p.host.day_rate
                * (1.0 + p.approach.structure * p.approach.planning_overhead),
            productivity: p.benefit.productivity
                * (1.0 + p.approach.structure * p.approach.productivity_gain * known),
            fade: if p.core_idea.half_life > 0.0 {
                0.5f64.powf(1.0 / p.core_idea.half_life)
            } else {
                1.0
            },
            per_population: 1.0 / f64::from(p.community.population),
            per_critical_mass: if p.community.critical_mass > 0 {
                1.0 / f64::from(p.community.critical_mass)
            } else {
                0.0
            },
            per_noise: if p.participation.noise > 0.0 {
                1.0 / p.participation.noise
            } else {
                0.0
            },
        }
    }
}

/// The terms of this week's choice that every participant shares (MODEL.md §1-5).
struct Terms {
    /// Pull of the core idea on a fully motivated participant, c(t).
    cause: f64,
    /// Everything else in the utility: b + g + w_o·o + w_B·B − κ.
    common: f64,
    /// Leaving hazard of a satisfied participant, before dissatisfaction.
    base_leave: f64,
    /// Threshold of a newcomer staying after their first week (see [`below_threshold`]).
    newcomer_stay: u64,
}

/// This week's rules of MODEL.md §6-7 in the form the participants' loop uses.
struct LeavingRules {
    /// Idle weeks that make a participant leave (`u32::MAX` when the rule is off).
    idle_limit: u32,
    /// The factor on motivation after a week of idling (1) and of contributing (burnout's
    /// 1 − β_w).
    worn: [f64; 2],
    /// Thresholds on the low 32 bits of a draw (see [`below_threshold`]): leaving when
    /// satisfied (uᵢ ≥ 0) and dissatisfied (uᵢ < 0), and a newcomer staying.
    hazard: [u64; 2],
    newcomer_stay: u64,
    /// Participants from this index on joined last week.
    newcomers_from: usize,
}

impl LeavingRules {
    /// Every participant in order draws one 64-bit word: `choose(mᵢ, bits)` says, from its
    /// high 32 bits, whether they contribute and whether they are dissatisfied (uᵢ < 0); its
    /// low 32 bits decide the hazard; a newcomer draws a second word for staying (its low 32
    /// bits). Leavers are dropped by compacting the vectors in place (the order of those who
    /// stay is kept). Returns the active contributors who stay, and the number who stay.
    #[inline(always)]
    fn apply<C>(&self, ws: &mut Workspace, rng: &mut Xoshiro256PlusPlus, choose: C) -> (u32, usize)
    where
        C: Fn(f64, u64) -> (u32, bool),
    {
        let n = ws.motivation.len();
        let motivation = &mut ws.motivation[..n];
        let idle = &mut ws.idle[..n];
        let (mut kept, mut active) = (0usize, 0u32);
        // Founders and earlier joiners, then last week's newcomers: neither loop tests the
        // index for being a newcomer.
        let split = self.newcomers_from.min(n);
        let mut state = (motivation, idle, &mut kept, &mut active);
        self.participants::<false, C>(0..split, &mut state, rng, &choose);
        self.participants::<true, C>(split..n, &mut state, rng, &choose);
        ws.truncate(kept);
        (active, kept)
    }

    /// The participants of `range` (newcomers when `NEWCOMERS`) in order, for [`Self::apply`]:
    /// `state` holds the motivations, the idle counts, and the counts of those kept and of
    /// the active who stay so far.
    #[inline(always)]
    fn participants<const NEWCOMERS: bool, C>(
        &self,
        range: std::ops::Range<usize>,
        state: &mut (&mut [f64], &mut [u32], &mut usize, &mut u32),
        rng: &mut Xoshiro256PlusPlus,
        choose: &C,
    ) where
        C: Fn(f64, u64) -> (u32, bool),
    {
        let (motivation, idle, kept_out, active_out) = state;
        let (mut kept, mut active) = (**kept_out, **active_out);
        for i in range {
            let m = motivation[i];
            // Arithmetic, not branches, on the coin flip `contributes` (0 or 1).
            let bits = rng.next_u64();
            let (contributes, dissatisfied) = choose(m, bits);
            // idle + 1 when idling, 0 when contributing (a mask, not a multiplication).
            let weeks_idle = (idle[i] + 1) & contributes.wrapping_sub(1);
            // Burnout: each week of contributing wears motivation down (MODEL.md §6).
            let m = m * self.worn[contributes as usize];
            let hazard = self.hazard[usize::from(dissatisfied)];
            let mut leaves = (weeks_idle >= self.idle_limit) | (low32(bits) < hazard);
            if NEWCOMERS {
                leaves |= low32(rng.next_u64()) >= self.newcomer_stay;
            }
            let stays = u32::from(!leaves);
            motivation[kept] = m;
            idle[kept] = weeks_idle;
            kept += stays as usize;
            active += contributes & stays;
        }
        (**kept_out, **active_out) = (kept, active);
    }
}

/// The state of one community during a trial (MODEL.md §state of a trial); the participants'
/// own state lives in the [`Workspace`].
struct Community<'a> {
    p: &'a Parameters,
    d: Derived,
    motivation: &'a MotivationSampler,
    events: Xoshiro256PlusPlus,
    /// Members N.
    n: u32,
    /// Active contributors this week, and last week (a₋).
    active: u32,
    active_prev: u32,
    peak: u32,
    assets: f64,
    /// The saturating share of the assets, A / (A + A½), as of the end of last week.
    saturation: f64,
    brand: f64,
    stage: Stage,
    host_active: bool,
    host_spend: f64,
    host_covered: f64,
    host_weeks: u32,
    host_withdrew: u32,
    host_exit: Option<HostExit>,
    /// Unfunded shortfall D while there is no host.
    deficit: f64,
    /// Assets at the host's last periodic review.
    assets_at_review: f64,
    /// Week of the host's next periodic review (0: none), a countdown instead of a division
    /// by `review_every` each week.
    next_review: u32,
    revenue_total: f64,
    final_balance: f64,
    /// Weeks in a row below critical mass, and funded while formalising with a partner.
    below_run: u32,
    funded_run: u32,
    /// Week a hosting partner was found (0: not yet).
    partner_week: u32,
    /// 2^(−(t−1)/h), updated each week.
    fading_pull: f64,
    /// Index of the first of last week's newcomers in the workspace (they are the last ones).
    newcomers_from: usize,
    joined: u64,
    left: u64,
    participant_steps: u64,
}

impl<'a> Community<'a> {
    /// Week 0: the founding group has all turned up (MODEL.md §state of a trial).
    fn convene(
        seed: u64,
        p: &'a Parameters,
        motivation: &'a MotivationSampler,
        ws: &mut Workspace,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Self {
        ws.clear();
        let n = p.community.initial_participants;
        for _ in 0..n {
            let m = motivation.sample(rng);
            ws.push(m);
        }
        Community {
            p,
            d: Derived::new(p),
            motivation,
            events: events_rng(seed),
            n,
            active: n,
            active_prev: n,
            peak: n,
            assets: 0.0,
            saturation: 0.0,
            brand: p.brand.initial,
            stage: Stage::Convening,
            host_active: p.host.investment > 0.0,
            host_spend: 0.0,
            host_covered: 0.0,
            host_weeks: 0,
            host_withdrew: 0,
            host_exit: None,
            deficit: 0.0,
            assets_at_review: 0.0,
            next_review: p.host.review_every,
            revenue_total: 0.0,
            final_balance: 0.0,
            below_run: 0,
            funded_run: 0,
            partner_week: 0,
            fading_pull: 1.0,
            // Founders are not newcomers: none of them needs a reply to stay (MODEL.md §7).
            newcomers_from: n as usize,
            joined: 0,
            left: 0,
            participant_steps: 0,
        }
    }

    /// One week, in the order of MODEL.md §one week.
    #[inline]
    fn week(&mut self, t: u32, ws: &mut Workspace, rng: &mut Xoshiro256PlusPlus) -> WeekFlows {
        self.participant_steps += u64::from(self.n);
        let terms = self.terms();
        let leavers = self.choices_and_leaving(&terms, ws, rng);
        let newcomers = self.recruitment(ws, rng);
        self.assets_and_brand();
        let (revenue, operating_cost) = self.economics();
        self.life_cycle_stage(t, revenue, operating_cost);
        WeekFlows {
            newcomers,
            leavers,
            revenue,
            operating_cost,
        }
    }

    /// MODEL.md §1-5: the pull of the core idea, the benefit of shared assets, critical mass,
    /// ownership and the cost of contributing; and the hazards of §7.
    #[inline]
    fn terms(&mut self) -> Terms {
        let p = self.p;
        let h = &self.d.by_host[usize::from(self.host_active)];
        // §1 Pull of the core idea, fading towards its floor.
        let cause = p.core_idea.strength
            * (p.core_idea.floor + (1.0 - p.core_idea.floor) * self.fading_pull);
        self.fading_pull *= self.d.fade;
        // §2 Non-rival benefit from shared assets, concave.
        let benefit = p.benefit.strength * self.saturation;
        // §3 Critical mass: others' activity is worth attending up to k active people.
        let critical_mass = p.community.critical_mass;
        let social = if critical_mass == 0 {
            p.participation.social_weight
        } else {
            p.participation.social_weight
                * (f64::from(self.active_prev) * self.d.per_critical_mass).min(1.0)
        };
        // §4 Ownership of the agenda (its weighted term, fixed by the host's presence).
        // §5 Cost of contributing.
        let cost =
            h.cost + p.participation.coordination_cost * f64::from(self.n) * self.d.per_population;
        let common = benefit + social + h.ownership_term + p.brand.weight * self.brand - cost;
        // §7 Leaving hazards.
        let base_leave = h.leave * (1.0 - p.brand.retention * self.brand);
        let answered = self.host_active || self.active_prev >= critical_mass.max(1);
        let newcomer_stay = self.d.newcomer_stay[usize::from(answered)];
        Terms {
            cause,
            common,
            base_leave,
            newcomer_stay,
        }
    }

    /// MODEL.md §6-7: each participant decides to contribute or idle, then to stay or leave.
    /// Returns the number who left; sets the active contributors.
    #[inline]
    fn choices_and_leaving(
        &mut self,
        terms: &Terms,
        ws: &mut Workspace,
        rng: &mut Xoshiro256PlusPlus,
    ) -> u32 {
        let a = &self.p.attrition;
        let noise = self.p.participation.noise;
        let rules = LeavingRules {
            idle_limit: if a.idle_limit > 0 {
                a.idle_limit
            } else {
                u32::MAX
            },
            worn: [1.0, 1.0 - a.burnout],
            hazard: [
                below_threshold(terms.base_leave),
                below_threshold(terms.base_leave + a.dissatisfied_rate),
            ],
            newcomer_stay: terms.newcomer_stay,
            newcomers_from: self.newcomers_from,
        };
        let (active, kept) = if noise > 0.0 {
            // −uᵢ/τ = mᵢ · (−c/τ) − (rest)/τ; the logistic choice by the logit table.
            let slope = -terms.cause * self.d.per_noise;
            let offset = -terms.common * self.d.per_noise;
            let logit = &*LOGIT;
            rules.apply(ws, rng, |m, bits| {
                let x = m * slope + offset;
                (logit.choose(bits, x), x > 0.0)
            })
        } else {
            rules.apply(ws, rng, |m, _bits| {
                let u = m * terms.cause + terms.common;
                (u32::from(u > 0.0), u < 0.0)
            })
        };
        let leavers = self.n - kept as u32;
        self.n = kept as u32;
        self.left += u64::from(leavers);
        self.active = active;
        leavers
    }

    /// MODEL.md §8: newcomers by Bass diffusion with outreach, brand and word of mouth.
    #[inline]
    fn recruitment(&mut self, ws: &mut Workspace, rng: &mut Xoshiro256PlusPlus) -> u32 {
        let p = self.p;
        let population = p.community.population;
        let pool = population.saturating_sub(self.n);
        let join = (self.d.by_host[usize::from(self.host_active)].join
            + p.brand.reach * self.brand
            + p.recruitment.word_of_mouth * f64::from(self.active) * self.d.per_population)
            .min(1.0);
        let newcomers = binomial(pool, join, rng);
        self.newcomers_from = ws.motivation.len();
        for _ in 0..newcomers {
            let m = self.motivation.sample(rng);
            ws.push(m);
        }
        self.n += newcomers;
        self.joined += u64::from(newcomers);
        self.peak = self.peak.max(self.n);
        newcomers
    }

    /// MODEL.md §9-10: shared assets (production, decay, erosion when stalled) and the brand.
    #[inline]
    fn assets_and_brand(&mut self) {
        let p = self.p;
        let host_build = self.d.by_host[usize::from(self.host_active)].build;
        let decay = if self.active < p.community.critical_mass {
            p.benefit.decay + p.benefit.stall_decay
        } else {
            p.benefit.decay
        };
        self.assets = self.assets * (1.0 - decay.min(1.0))
            + self.d.productivity * f64::from(self.active)
            + host_build;
        let visible = self.assets / (self.assets + p.benefit.half_saturation);
        self.saturation = visible;
        self.brand = (self.brand + p.brand.growth * visible * (1.0 - self.brand)
            - p.brand.decay * self.brand)
            .clamp(0.0, 1.0);
    }

    /// MODEL.md §11: revenue and operating cost; who pays the shortfall. Returns (R, C).
    #[inline]
    fn economics(&mut self) -> (f64, f64) {
        let e = &self.p.economics;
        let revenue = e.revenue_per_asset * self.assets * (1.0 + e.brand_premium * self.brand);
        let operating_cost = e.fixed_cost + e.cost_per_participant * f64::from(self.n);
        self.revenue_total += revenue;
        self.final_balance = revenue - operating_cost;
        if self.host_active {
            self.host_spend += self.d.spend_per_week;
            self.host_covered += (operating_cost - revenue).max(0.0);
            self.host_weeks += 1;
        } else {
            self.deficit = (self.deficit + operating_cost - revenue).max(0.0);
        }
        (revenue, operating_cost)
    }

    /// MODEL.md §12: the furthest stage reached, the search for a hosting partner, and the
    /// run counters the outcomes use.
    #[inline]
    fn life_cycle_stage(&mut self, t: u32, revenue: f64, operating_cost: f64) {
        let l = &self.p.lifecycle;
        let a = self.assets;
        let reached = if a >= l.formalising_assets && self.brand >= l.formalising_brand {
            Stage::Formalising
        } else if a >= l.collaborating_assets {
            Stage::Collaborating
        } else if a >= l.exploring_assets {
            Stage::Exploring
        } else {
            Stage::Convening
        };
        self.stage = self.stage.max(reached);
        if self.stage == Stage::Formalising
            && self.partner_week == 0
            && (l.partner_rate >= 1.0 || self.events.random::<f64>() < l.partner_rate)
        {
            self.partner_week = t;
        }
        self.below_run = if self.active < self.p.community.critical_mass {
            self.below_run + 1
        } else {
            0
        };
        self.funded_run = if self.partner_week > 0 && revenue >= operating_cost {
            self.funded_run + 1
        } else {
            0
        };
        debug_assert!(self.assets.is_finite() && self.brand.is_finite() && revenue.is_finite());
    }

    /// MODEL.md §13: fizzling is checked before graduation.
    #[inline]
    fn outcome(&self, t: u32) -> Option<(Outcome, u32, Option<FizzleCause>)> {
        let cause = if self.n == 0 {
            Some(FizzleCause::EveryoneLeft)
        } else if self.below_run >= self.p.community.fizzle_patience {
            Some(FizzleCause::TooFewActive)
        } else if !self.host_active && self.deficit > self.p.economics.reserve {
            Some(FizzleCause::OutOfMoney)
        } else {
            None
        };
        if cause.is_some() {
            Some((Outcome::Fizzled, t, cause))
        } else if self.funded_run >= self.p.lifecycle.graduation_patience {
            Some((Outcome::Graduated, t, None))
        } else {
            None
        }
    }

    /// MODEL.md §14: the host reviews at the end of the week; also moves a₋.
    #[inline]
    fn host_review(&mut self, t: u32) {
        let h = &self.p.host;
        if self.host_active {
            let exit = if h.commitment > 0 && t >= h.commitment {
                Some(HostExit::Commitment)
            } else if self.below_run >= h.patience {
                Some(HostExit::NotViable)
            } else if h.review_week > 0 && t == h.review_week && self.stage == Stage::Convening {
                Some(HostExit::NotUseful)
            } else if t == self.next_review {
                // Every `review_every` weeks: t % review_every == 0 (weeks are taken in order).
                self.next_review = self.next_review.saturating_add(h.review_every);
                // Visible progress: what was built since the last review, saturating.
                let gain = (self.assets - self.assets_at_review).max(0.0);
                self.assets_at_review = self.assets;
                let visible = gain / (gain + h.review_scale);
                let keep = h.review_continue + (1.0 - h.review_continue) * visible;
                (self.events.random::<f64>() >= keep).then_some(HostExit::Review)
            } else {
                None
            };
            if exit.is_some() {
                self.host_active = false;
                self.host_withdrew = t;
                self.host_exit = exit;
            }
        }
        self.active_prev = self.active;
    }

    /// The state after week `t`, for `hothouse trace`.
    #[inline]
    fn record(
        &self,
        t: u32,
        ws: &Workspace,
        newcomers: u32,
        leavers: u32,
        revenue: f64,
        operating_cost: f64,
    ) -> StepRecord {
        let mean_motivation = if ws.motivation.is_empty() {
            0.0
        } else {
            ws.motivation.iter().sum::<f64>() / ws.motivation.len() as f64
        };
        StepRecord {
            time: t,
            stage: self.stage,
            participants: self.n,
            active: self.active,
            mean_motivation,
            assets: self.assets,
            brand: self.brand,
            host_active: self.host_active,
            host_investment: if self.host_active {
                self.p.host.investment
            } else {
                0.0
            },
            host_spend: self.host_spend,
            host_covered: self.host_covered,
            revenue,
            operating_cost,
            newcomers,
            leavers,
            deficit: self.deficit,
            partner_found: self.partner_week > 0,
            critical_mass: self.p.community.critical_mass,
        }
    }

    fn result(
        self,
        ending: Option<(Outcome, u32, Option<FizzleCause>)>,
        steps: u32,
        drawn: Vec<f64>,
    ) -> TrialResult {
        let (outcome, time, cause) = ending.unwrap_or((Outcome::Censored, steps, None));
        TrialResult {
            outcome,
            time,
            stage: self.stage,
            peak_participants: self.peak,
            final_participants: self.n,
            final_active: self.active,
            assets: self.assets,
            brand: self.brand,
            host_spend: self.host_spend,
            host_covered: self.host_covered,
            host_weeks: self.host_weeks,
            host_withdrew: self.host_withdrew,
            revenue: self.revenue_total,
            final_balance: self.final_balance,
            joined: self.joined,
            left: self.left,
            participant_steps: self.participant_steps,
            cause,
            host_exit: self.host_exit,
            partner_week: self.partner_week,
            drawn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_seeds_depend_only_on_master_and_trial() {
        assert_eq!(trial_seed(42, 7), trial_seed(42, 7));
        assert_ne!(trial_seed(42, 7), trial_seed(42, 8));
        assert_ne!(trial_seed(42, 7), trial_seed(43, 7));
        // SplitMix64 reference value for input 0 (first output of the generator seeded with 0).
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn logit_table_decides_exactly_as_the_logistic_expression() {
        let table = LogitTable::new();
        let mut rng = trial_rng(99);
        for k in 0..2_000_000u64 {
            let bits = rng.next_u64();
            let r = choice_uniform(bits);
            // Values of x spread widely, and values placed right at this draw's threshold.
            let x = if k % 2 == 0 {
                (rng.random::<f64>() - 0.5) * 40.0
            } else {
                ((1.0 - r) / r).ln() + (rng.random::<f64>() - 0.5) * 1e-12
            };
            assert_eq!(
                table.choose(bits, x) == 1,
                r * (1.0 + x.exp()) < 1.0,
                "bits {bits} x {x}"
            );
        }
        for x in [f64::INFINITY, f64::NEG_INFINITY, 800.0, -800.0] {
            for bits in [0u64, 1, u64::MAX, 1 << 54, (1 << 54) - 1] {
                let r = choice_uniform(bits);
                assert_eq!(table.choose(bits, x) == 1, r * (1.0 + x.exp()) < 1.0);
            }
        }
    }

    #[test]
    fn hazard_thresholds_round_up_to_multiples_of_two_to_the_minus_32() {
        let two32 = 1u64 << 32;
        assert_eq!(below_threshold(0.0), 0);
        assert_eq!(below_threshold(-1.0), 0);
        assert_eq!(below_threshold(f64::NAN), 0);
        assert_eq!(below_threshold(1.0), two32);
        assert_eq!(below_threshold(2.0), two32);
        assert_eq!(below_threshold(0.5), two32 / 2);
        // 0.01 · 2³² = 42,949,672.96: the draws 0 to 42,949,672 (ceil) are below.
        assert_eq!(below_threshold(0.01), 42_949_673);
        assert_eq!(below_threshold(1e-12), 1);
        // Probability 1 − 2⁻³² leaves out only the largest draw; 1 keeps every draw.
        assert_eq!(below_threshold(1.0 - 1.0 / two32 as f64), two32 - 1);
        assert!(low32(u64::MAX) < below_threshold(1.0));
        assert!(low32(u64::MAX) >= below_threshold(1.0 - 1.0 / two32 as f64));
        assert_eq!(low32(0xdead_beef_0000_0007), 7);
        assert_eq!(choice_uniform(1 << 63), 0.5);
    }

    #[test]
    fn power_is_repeated_multiplication() {
        for x in [0.0, 0.3, 0.5, 0.97, 1.0] {
            let mut expected = 1.0f64;
            for n in 0..300u32 {
                let p = power(x, n);
                assert!((p - expected).abs() <= 1e-12 * expected, "{x}^{n}");
                expected *= x;
            }
        }
        assert_eq!(power(0.5, 10), 1.0 / 1024.0);
    }

    #[test]
    fn same_seed_same_trial() {
        let model = Model::new(Parameters::default(), 104).unwrap();
        let mut ws = Workspace::new();
        let a = model.run(trial_seed(1, 3), &mut ws);
        let b = model.run(trial_seed(1, 3), &mut ws);
        assert_eq!(a, b);
    }
}
