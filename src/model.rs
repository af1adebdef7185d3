//! The agent-based model of one community's life cycle, simulated in weekly steps.
//!
//! docs/MODEL.md gives every equation with its source; the comments here point to its sections.
//! The hot loop works on flat vectors held in a [`Workspace`] that is reused across trials, so a
//! trial allocates nothing once the workspace has grown to the community's peak size.

use crate::motivation::MotivationSampler;
use crate::outcome::Outcome;
use crate::parameters::Parameters;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution};
use serde::Serialize;
use std::fmt;

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
}

/// Per-participant state as flat vectors (structure of arrays), reused across trials.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    motivation: Vec<f64>,
    idle: Vec<u32>,
    newcomer: Vec<bool>,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }

    fn clear(&mut self) {
        self.motivation.clear();
        self.idle.clear();
        self.newcomer.clear();
    }

    #[inline]
    fn push(&mut self, motivation: f64) {
        self.motivation.push(motivation);
        self.idle.push(0);
        self.newcomer.push(true);
    }

    #[inline]
    fn remove(&mut self, i: usize) {
        self.motivation.swap_remove(i);
        self.idle.swap_remove(i);
        self.newcomer.swap_remove(i);
    }
}

/// Buckets of the uniform draw in [`LogitTable`].
const LOGIT_BUCKETS: usize = 1024;

/// Decides the logistic choice `r * (1 + exp(x)) < 1` without exp() in all but about one case
/// in a thousand, with the same result bit for bit. The choice is `x < ln((1 - r) / r)`, a
/// decreasing function of r; the table holds it at the bucket edges r = i / 1024, so for r in
/// bucket i the threshold lies between `edge[i + 1]` and `edge[i]`. Only when x falls between
/// them (give or take 1e-9, far more than rounding can move the float comparison) is the
/// exact expression evaluated.
#[derive(Debug, Clone)]
struct LogitTable {
    edge: [f64; LOGIT_BUCKETS + 1],
}

impl LogitTable {
    const MARGIN: f64 = 1e-9;

    fn new() -> Self {
        let mut edge = [0.0; LOGIT_BUCKETS + 1];
        for (i, e) in edge.iter_mut().enumerate() {
            let r = i as f64 / LOGIT_BUCKETS as f64;
            *e = ((1.0 - r) / r).ln(); // +inf at r = 0, -inf at r = 1
        }
        Self { edge }
    }

    /// `bits` is the generator's next u64, from which `rng.random::<f64>()` would make
    /// r = (bits >> 11) * 2^-53; its bucket floor(r * 1024) is simply bits >> 54.
    #[inline(always)]
    fn choose(&self, bits: u64, x: f64) -> bool {
        let i = (bits >> (64 - LOGIT_BUCKETS.trailing_zeros())) as usize & (LOGIT_BUCKETS - 1);
        if x < self.edge[i + 1] - Self::MARGIN {
            true
        } else if x > self.edge[i] + Self::MARGIN {
            false
        } else {
            let r = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            r * (1.0 + x.exp()) < 1.0
        }
    }
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

/// Everything a trial needs that does not change between trials of a variant.
#[derive(Debug, Clone)]
pub struct Model {
    pub params: Parameters,
    pub steps: u32,
    motivation: MotivationSampler,
    logit: Box<LogitTable>,
}

impl Model {
    pub fn new(params: Parameters, steps: u32) -> Result<Self, String> {
        let motivation = MotivationSampler::new(&params.motivation)?;
        Ok(Self {
            params,
            steps,
            motivation,
            logit: Box::new(LogitTable::new()),
        })
    }

    /// Simulates one trial from `seed`.
    pub fn run(&self, seed: u64, ws: &mut Workspace) -> TrialResult {
        self.run_observed(seed, ws, |_| {})
    }

    /// Simulates one trial, calling `observe` with the state at week 0 and after every week.
    pub fn run_observed<F: FnMut(&StepRecord)>(
        &self,
        seed: u64,
        ws: &mut Workspace,
        mut observe: F,
    ) -> TrialResult {
        let p = &self.params;
        let mut rng = trial_rng(seed);
        ws.clear();

        let population = p.community.population;
        let critical_mass = p.community.critical_mass;
        let investment = p.host.investment;
        // Host effect f(I) = I / (I + I_half): diminishing returns to investment (MODEL.md §host).
        let host_effect_full = investment / (investment + p.host.half_effect);
        let spend_per_week = investment
            * p.host.day_rate
            * (1.0 + p.approach.structure * p.approach.planning_overhead);
        // A plan makes tasks clear, in so far as the domain is known (Cynefin; MODEL.md §cost).
        let known = 1.0 - p.approach.uncertainty;
        let plan_clarity = 1.0 - p.approach.structure * p.approach.clarity * known;
        let productivity = p.benefit.productivity
            * (1.0 + p.approach.structure * p.approach.productivity_gain * known);
        let ownership_base = p.agenda.participant_share
            * (1.0 - p.approach.structure * p.approach.ownership_penalty);
        let fade = if p.core_idea.half_life > 0.0 {
            0.5f64.powf(1.0 / p.core_idea.half_life)
        } else {
            1.0
        };

        for _ in 0..p.community.initial_participants {
            let m = self.motivation.sample(&mut rng);
            ws.push(m);
        }
        // The founding group has all turned up: none of them is a newcomer in need of a reply.
        ws.newcomer.iter_mut().for_each(|n| *n = false);

        let mut n = p.community.initial_participants;
        let mut active_prev = n;
        let mut assets = 0.0f64;
        let mut brand = p.brand.initial;
        let mut stage = Stage::Convening;
        let mut host_active = investment > 0.0;
        let mut host_spend = 0.0f64;
        let mut host_covered = 0.0f64;
        let mut host_weeks = 0u32;
        let mut host_withdrew = 0u32;
        let mut deficit = 0.0f64;
        let mut revenue_total = 0.0f64;
        let mut below_run = 0u32;
        let mut funded_run = 0u32;
        let mut joined = 0u64;
        let mut left = 0u64;
        let mut participant_steps = 0u64;
        let mut peak = n;
        let mut fading_pull = 1.0f64; // 0.5^((t-1)/half_life), updated each week
        let mut final_balance = 0.0f64;
        let mut active = n;

        let mean = |ws: &Workspace| {
            if ws.motivation.is_empty() {
                0.0
            } else {
                ws.motivation.iter().sum::<f64>() / ws.motivation.len() as f64
            }
        };
        observe(&StepRecord {
            time: 0,
            stage,
            participants: n,
            active: n,
            mean_motivation: mean(ws),
            assets,
            brand,
            host_active,
            host_investment: if host_active { investment } else { 0.0 },
            host_spend,
            host_covered,
            revenue: 0.0,
            operating_cost: 0.0,
            newcomers: 0,
            leavers: 0,
        });

        let mut outcome = Outcome::Censored;
        let mut time = self.steps;
        for t in 1..=self.steps {
            participant_steps += u64::from(n);
            let f = if host_active { host_effect_full } else { 0.0 };
            // Pull of the core idea, fading towards its floor (MODEL.md §core idea).
            let cause = p.core_idea.strength
                * (p.core_idea.floor + (1.0 - p.core_idea.floor) * fading_pull);
            fading_pull *= fade;
            // Non-rival benefit from shared assets, concave (MODEL.md §benefit).
            let benefit = p.benefit.strength * assets / (assets + p.benefit.half_saturation);
            // Critical mass: others' activity is worth attending up to k active people.
            let social = if critical_mass == 0 {
                p.participation.social_weight
            } else {
                p.participation.social_weight
                    * (f64::from(active_prev) / f64::from(critical_mass)).min(1.0)
            };
            let ownership = ownership_base * (1.0 - p.agenda.host_crowding * f);
            let cost = p.participation.cost * (1.0 - p.host.facilitation * f) * plan_clarity
                + p.participation.coordination_cost * f64::from(n) / f64::from(population);
            let common =
                benefit + social + p.agenda.ownership_weight * ownership + p.brand.weight * brand
                    - cost;
            let base_leave = p.attrition.base_rate
                * (1.0 - p.attrition.ownership_protection * ownership)
                * (1.0 - p.brand.retention * brand);
            let answered = host_active || active_prev >= critical_mass.max(1);
            let newcomer_stay = if answered {
                p.recruitment.newcomer_return_answered
            } else {
                p.recruitment.newcomer_return_unanswered
            };
            let noise = p.participation.noise;
            let idle_limit = p.attrition.idle_limit;
            let dissatisfied = p.attrition.dissatisfied_rate;

            // Each participant decides: contribute or idle, then stay or leave (MODEL.md §choice).
            active = 0;
            let mut leavers = 0u32;
            let mut i = 0usize;
            while i < ws.motivation.len() {
                let u = ws.motivation[i] * cause + common;
                let contributes = if noise > 0.0 {
                    self.logit.choose(rng.random::<u64>(), -u / noise)
                } else {
                    u > 0.0
                };
                let idle = if contributes { 0 } else { ws.idle[i] + 1 };
                ws.idle[i] = idle;
                let hazard = if u < 0.0 {
                    base_leave + dissatisfied
                } else {
                    base_leave
                };
                let leaves = (idle_limit > 0 && idle >= idle_limit)
                    || rng.random::<f64>() < hazard
                    || (ws.newcomer[i] && rng.random::<f64>() >= newcomer_stay);
                ws.newcomer[i] = false;
                if leaves {
                    ws.remove(i);
                    leavers += 1;
                } else {
                    active += u32::from(contributes);
                    i += 1;
                }
            }
            n -= leavers;
            left += u64::from(leavers);

            // Recruitment: Bass diffusion with outreach, brand and word of mouth (MODEL.md §recruitment).
            let pool = population - n;
            let join = (p.recruitment.external
                + p.recruitment.outreach * f
                + p.brand.reach * brand
                + p.recruitment.word_of_mouth * f64::from(active) / f64::from(population))
            .min(1.0);
            let newcomers = if pool > 0 && join > 0.0 {
                match Binomial::new(u64::from(pool), join) {
                    Ok(b) => b.sample(&mut rng) as u32,
                    Err(_) => 0,
                }
            } else {
                0
            };
            for _ in 0..newcomers {
                let m = self.motivation.sample(&mut rng);
                ws.push(m);
            }
            n += newcomers;
            joined += u64::from(newcomers);
            peak = peak.max(n);

            // Shared assets: production minus decay (MODEL.md §benefit).
            let host_build = if host_active {
                p.host.build_rate * investment
            } else {
                0.0
            };
            assets =
                assets * (1.0 - p.benefit.decay) + productivity * f64::from(active) + host_build;
            // Brand recognition follows visible outputs (MODEL.md §brand).
            let visible = assets / (assets + p.benefit.half_saturation);
            brand = (brand + p.brand.growth * visible * (1.0 - brand) - p.brand.decay * brand)
                .clamp(0.0, 1.0);
            // Economics (MODEL.md §economics).
            let revenue =
                p.economics.revenue_per_asset * assets * (1.0 + p.economics.brand_premium * brand);
            let operating_cost =
                p.economics.fixed_cost + p.economics.cost_per_participant * f64::from(n);
            revenue_total += revenue;
            final_balance = revenue - operating_cost;
            if host_active {
                host_spend += spend_per_week;
                host_covered += (operating_cost - revenue).max(0.0);
                host_weeks += 1;
            } else {
                deficit = (deficit + operating_cost - revenue).max(0.0);
            }
            // Life-cycle stage: the furthest reached (MODEL.md §life cycle).
            let l = &p.lifecycle;
            let reached = if assets >= l.formalising_assets && brand >= l.formalising_brand {
                Stage::Formalising
            } else if assets >= l.collaborating_assets {
                Stage::Collaborating
            } else if assets >= l.exploring_assets {
                Stage::Exploring
            } else {
                Stage::Convening
            };
            stage = stage.max(reached);

            below_run = if active < critical_mass {
                below_run + 1
            } else {
                0
            };
            funded_run = if stage == Stage::Formalising && revenue >= operating_cost {
                funded_run + 1
            } else {
                0
            };
            debug_assert!(assets.is_finite() && brand.is_finite() && revenue.is_finite());

            observe(&StepRecord {
                time: t,
                stage,
                participants: n,
                active,
                mean_motivation: mean(ws),
                assets,
                brand,
                host_active,
                host_investment: if host_active { investment } else { 0.0 },
                host_spend,
                host_covered,
                revenue,
                operating_cost,
                newcomers,
                leavers,
            });

            // Outcomes: fizzling is checked before graduation (MODEL.md §outcomes).
            if n == 0
                || below_run >= p.community.fizzle_patience
                || (!host_active && deficit > p.economics.reserve)
            {
                outcome = Outcome::Fizzled;
                time = t;
                break;
            }
            if funded_run >= l.graduation_patience {
                outcome = Outcome::Graduated;
                time = t;
                break;
            }
            // The host reviews at the end of the week (MODEL.md §host).
            if host_active
                && ((p.host.commitment > 0 && t >= p.host.commitment)
                    || below_run >= p.host.patience
                    || (p.host.review_week > 0
                        && t == p.host.review_week
                        && stage == Stage::Convening))
            {
                host_active = false;
                host_withdrew = t;
            }
            active_prev = active;
        }

        TrialResult {
            outcome,
            time,
            stage,
            peak_participants: peak,
            final_participants: n,
            final_active: active,
            assets,
            brand,
            host_spend,
            host_covered,
            host_weeks,
            host_withdrew,
            revenue: revenue_total,
            final_balance,
            joined,
            left,
            participant_steps,
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
        use rand::Rng;
        let table = LogitTable::new();
        let mut rng = trial_rng(99);
        for k in 0..2_000_000u64 {
            let bits = rng.next_u64();
            let r = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            // Values of x spread widely, and values placed right at this draw's threshold.
            let x = if k % 2 == 0 {
                (rng.random::<f64>() - 0.5) * 40.0
            } else {
                ((1.0 - r) / r).ln() + (rng.random::<f64>() - 0.5) * 1e-12
            };
            assert_eq!(
                table.choose(bits, x),
                r * (1.0 + x.exp()) < 1.0,
                "bits {bits} x {x}"
            );
        }
        for x in [f64::INFINITY, f64::NEG_INFINITY, 800.0, -800.0] {
            for bits in [0u64, 1, u64::MAX, 1 << 54, (1 << 54) - 1] {
                let r = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                assert_eq!(table.choose(bits, x), r * (1.0 + x.exp()) < 1.0);
            }
        }
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
