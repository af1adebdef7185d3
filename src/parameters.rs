//! The model's parameters: one registry that defines, for every parameter, its dotted path in a
//! scenario file, its type, its allowed range, its default and what it means.
//!
//! The registry is the single source of truth for scenario parsing, sweeps, validation messages,
//! the manifest and `hothouse check`. docs/MODEL.md explains each parameter and its source.

use serde::Serialize;
use std::fmt;

/// A parameter value as written in a scenario file or a sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Text(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Text(v) => f.write_str(v),
        }
    }
}

impl ParamValue {
    /// The value as a real number (None for text).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Float(x) => Some(*x),
            ParamValue::Text(_) => None,
        }
    }
}

impl Serialize for ParamValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ParamValue::Int(v) => s.serialize_i64(*v),
            ParamValue::Float(v) => s.serialize_f64(*v),
            ParamValue::Text(v) => s.serialize_str(v),
        }
    }
}

/// What values a parameter accepts.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A finite real number in `[min, max]`.
    Float { min: f64, max: f64 },
    /// A real number in `(min, max]`: the lower bound is excluded.
    PositiveFloat { max: f64 },
    /// A whole number in `[min, max]`.
    Int { min: i64, max: i64 },
    /// One of a list of names.
    Choice(&'static [&'static str]),
}

impl Kind {
    /// A phrase saying what is allowed, for error messages.
    pub fn allowed(&self) -> String {
        match self {
            Kind::Float { min, max } => format!("a number from {min} to {max}"),
            Kind::PositiveFloat { max } => format!("a number greater than 0 and at most {max}"),
            Kind::Int { min, max } => format!("a whole number from {min} to {max}"),
            Kind::Choice(names) => format!("one of {}", quoted_list(names)),
        }
    }

    /// Checks a value and returns it in canonical form (integers given for real-valued
    /// parameters become floats), or a message saying what is wrong.
    pub fn check(&self, value: &ParamValue) -> Result<ParamValue, String> {
        match (self, value) {
            (Kind::Float { .. } | Kind::PositiveFloat { .. }, ParamValue::Int(i)) => {
                self.check(&ParamValue::Float(*i as f64))
            }
            (Kind::Float { min, max }, ParamValue::Float(x)) => {
                if !x.is_finite() {
                    Err(format!(
                        "{x} is not a finite number; expected {}",
                        self.allowed()
                    ))
                } else if x < min || x > max {
                    Err(format!("{x} is out of range; expected {}", self.allowed()))
                } else {
                    Ok(ParamValue::Float(*x))
                }
            }
            (Kind::PositiveFloat { max }, ParamValue::Float(x)) => {
                if !x.is_finite() {
                    Err(format!(
                        "{x} is not a finite number; expected {}",
                        self.allowed()
                    ))
                } else if *x <= 0.0 || x > max {
                    Err(format!("{x} is out of range; expected {}", self.allowed()))
                } else {
                    Ok(ParamValue::Float(*x))
                }
            }
            (Kind::Int { min, max }, ParamValue::Int(i)) => {
                if i < min || i > max {
                    Err(format!("{i} is out of range; expected {}", self.allowed()))
                } else {
                    Ok(ParamValue::Int(*i))
                }
            }
            (Kind::Int { .. }, ParamValue::Float(x)) => Err(format!(
                "{x} is not a whole number; expected {}",
                self.allowed()
            )),
            (Kind::Choice(names), ParamValue::Text(s)) => {
                if names.contains(&s.as_str()) {
                    Ok(ParamValue::Text(s.clone()))
                } else {
                    Err(format!("\"{s}\" is not known; expected {}", self.allowed()))
                }
            }
            (Kind::Choice(_), other) => Err(format!(
                "{other} is a number; expected {} (a quoted string)",
                self.allowed()
            )),
            (_, ParamValue::Text(s)) => {
                Err(format!("\"{s}\" is text; expected {}", self.allowed()))
            }
        }
    }
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One parameter of the model: where it lives, what it accepts and what it means.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Dotted path, `group.name`, as written in scenario files and sweeps.
    pub path: &'static str,
    pub kind: Kind,
    /// Unit of measurement ("" when dimensionless).
    pub unit: &'static str,
    /// A short name for people: titles, axes, the summary and the explorer.
    pub display: &'static str,
    /// One line saying what it represents.
    pub doc: &'static str,
    /// Where real communities and hosts plausibly lie: the range a sensitivity study varies
    /// the parameter over unless told otherwise (`None` for choices).
    pub plausible: Option<Plausible>,
}

/// A parameter's plausible range: `low` to `high`, uniform or (`log`) log-uniform between them.
/// A judgement of what real communities and hosts could look like around the default
/// (docs/MODEL.md gives the defaults' sources); most span half to twice the default, log-uniform
/// where the parameter is a rate or a scale that varies by factors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plausible {
    pub low: f64,
    pub high: f64,
    pub log: bool,
}

/// Conversion between a typed parameter field and a [`ParamValue`].
pub trait ParamType: Sized {
    fn from_value(value: &ParamValue) -> Option<Self>;
    fn to_value(&self) -> ParamValue;
}

impl ParamType for f64 {
    fn from_value(value: &ParamValue) -> Option<Self> {
        match value {
            ParamValue::Float(x) => Some(*x),
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Text(_) => None,
        }
    }
    fn to_value(&self) -> ParamValue {
        ParamValue::Float(*self)
    }
}

impl ParamType for u32 {
    fn from_value(value: &ParamValue) -> Option<Self> {
        match value {
            ParamValue::Int(i) => u32::try_from(*i).ok(),
            _ => None,
        }
    }
    fn to_value(&self) -> ParamValue {
        ParamValue::Int(i64::from(*self))
    }
}

/// The family of the distribution of participants' motivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MotivationDistribution {
    Fixed,
    Uniform,
    Beta,
    Normal,
}

impl MotivationDistribution {
    pub const NAMES: &'static [&'static str] = &["fixed", "uniform", "beta", "normal"];
}

impl ParamType for MotivationDistribution {
    fn from_value(value: &ParamValue) -> Option<Self> {
        match value {
            ParamValue::Text(s) => match s.as_str() {
                "fixed" => Some(Self::Fixed),
                "uniform" => Some(Self::Uniform),
                "beta" => Some(Self::Beta),
                "normal" => Some(Self::Normal),
                _ => None,
            },
            _ => None,
        }
    }
    fn to_value(&self) -> ParamValue {
        let name = match self {
            Self::Fixed => "fixed",
            Self::Uniform => "uniform",
            Self::Beta => "beta",
            Self::Normal => "normal",
        };
        ParamValue::Text(name.to_string())
    }
}

/// Defines the parameter groups, the `Parameters` struct, its defaults and the registry.
macro_rules! parameters {
    (@plausible) => { None };
    (@plausible $low:literal, $high:literal) => {
        Some(Plausible { low: $low, high: $high, log: false })
    };
    (@plausible $low:literal, $high:literal, log) => {
        Some(Plausible { low: $low, high: $high, log: true })
    };
    ($(
        $(#[doc = $gdoc:literal])*
        $group:ident : $Group:ident {
            $( $field:ident : $ty:ty = $default:expr, $kind:expr, $unit:literal, $display:literal, $doc:literal
                $(, plausible($plow:literal, $phigh:literal $(, $plog:ident)?))?; )*
        }
    )*) => {
        $(
            $(#[doc = $gdoc])*
            #[derive(Debug, Clone, PartialEq, Serialize)]
            pub struct $Group {
                $( #[doc = $doc] pub $field: $ty, )*
            }

            impl Default for $Group {
                fn default() -> Self {
                    Self { $( $field: $default, )* }
                }
            }
        )*

        /// Every parameter of the model, grouped by concept.
        #[derive(Debug, Clone, PartialEq, Serialize, Default)]
        pub struct Parameters {
            $( pub $group: $Group, )*
        }

        /// The registry: every parameter's path, kind, unit and meaning, in file order.
        pub const SPECS: &[ParamSpec] = &[
            $( $( ParamSpec {
                path: concat!(stringify!($group), ".", stringify!($field)),
                kind: $kind,
                unit: $unit,
                display: $display,
                doc: $doc,
                plausible: parameters!(@plausible $( $plow, $phigh $(, $plog)? )?),
            }, )* )*
        ];

        /// The parameter groups (top-level tables of a scenario file).
        pub const GROUPS: &[&str] = &[ $( stringify!($group), )* ];

        impl Parameters {
            /// Sets the parameter at `path` to a value already checked by [`Kind::check`].
            /// Returns false when the path is unknown or the value has the wrong type.
            pub fn set(&mut self, path: &str, value: &ParamValue) -> bool {
                match path {
                    $( $( concat!(stringify!($group), ".", stringify!($field)) => {
                        match <$ty as ParamType>::from_value(value) {
                            Some(v) => { self.$group.$field = v; true }
                            None => false,
                        }
                    } )* )*
                    _ => false,
                }
            }

            /// The value of the parameter at `path`, if it exists.
            pub fn get(&self, path: &str) -> Option<ParamValue> {
                match path {
                    $( $( concat!(stringify!($group), ".", stringify!($field)) => {
                        Some(ParamType::to_value(&self.$group.$field))
                    } )* )*
                    _ => None,
                }
            }
        }
    };
}

const NO_MAX: f64 = 1e9;
const UNIT: Kind = Kind::Float { min: 0.0, max: 1.0 };
const NONNEG: Kind = Kind::Float {
    min: 0.0,
    max: NO_MAX,
};
const WEEKS: Kind = Kind::Int {
    min: 0,
    max: 1_000_000,
};
const PEOPLE: Kind = Kind::Int {
    min: 1,
    max: 10_000_000,
};

parameters! {
    /// The community's size, its pool of potential members and when it counts as dead.
    community: Community {
        initial_participants: u32 = 10, PEOPLE, "people", "Founding participants",
            "participants convened at week 0", plausible(4.0, 30.0);
        population: u32 = 120, PEOPLE, "people", "Potential members",
            "people who could ever join (Bass market size M); includes the participants", plausible(50.0, 500.0, log);
        critical_mass: u32 = 5, Kind::Int { min: 0, max: 10_000_000 }, "people", "Critical mass",
            "active contributors needed for the community to be worth attending (0 disables)", plausible(2.0, 10.0);
        fizzle_patience: u32 = 6, Kind::Int { min: 1, max: 1_000_000 }, "weeks", "Weeks below critical mass before fizzling",
            "consecutive weeks below critical mass after which the community has fizzled", plausible(3.0, 12.0);
    }

    /// How motivated each participant is, drawn once when they join.
    motivation: Motivation {
        distribution: MotivationDistribution = MotivationDistribution::Beta,
            Kind::Choice(MotivationDistribution::NAMES), "", "Motivation distribution",
            "family of the motivation distribution on [0, 1]";
        value: f64 = 0.5, UNIT, "", "Motivation (fixed)", "motivation of everyone when distribution = \"fixed\"", plausible(0.2, 0.8);
        low: f64 = 0.0, UNIT, "", "Lowest motivation", "lower end when distribution = \"uniform\"", plausible(0.0, 0.3);
        high: f64 = 1.0, UNIT, "", "Highest motivation", "upper end when distribution = \"uniform\"", plausible(0.6, 1.0);
        alpha: f64 = 2.0, Kind::PositiveFloat { max: 1e6 }, "", "Motivation Beta shape alpha",
            "first shape parameter when distribution = \"beta\"", plausible(1.0, 4.0, log);
        beta: f64 = 3.0, Kind::PositiveFloat { max: 1e6 }, "", "Motivation Beta shape beta",
            "second shape parameter when distribution = \"beta\"", plausible(1.5, 6.0, log);
        mean: f64 = 0.4, UNIT, "", "Mean motivation",
            "mean before truncation to [0, 1] when distribution = \"normal\"", plausible(0.2, 0.6);
        sd: f64 = 0.2, Kind::PositiveFloat { max: 1e3 }, "", "Motivation spread (sd)",
            "standard deviation before truncation when distribution = \"normal\"", plausible(0.1, 0.4);
    }

    /// Each participant's weekly choice to contribute, weighed against its cost.
    participation: Participation {
        cost: f64 = 1.15, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Cost of contributing",
            "cost of contributing in a week (time, attention) before facilitation", plausible(0.8, 1.5);
        noise: f64 = 0.25, Kind::Float { min: 0.0, max: 1e3 }, "utility", "Choice noise",
            "scale of the logistic choice; 0 makes the choice a sharp threshold", plausible(0.1, 0.5, log);
        social_weight: f64 = 0.3, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Value of a quorate community",
            "value of others' activity, reached when active contributors >= critical mass", plausible(0.1, 0.6);
        coordination_cost: f64 = 0.2, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Coordination cost of size",
            "extra cost when every potential member has joined (grows with size / population)", plausible(0.0, 0.4);
    }

    /// The core idea or cause that brings people together, which may fade (a crisis subsides).
    core_idea: CoreIdea {
        strength: f64 = 1.0, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Strength of the core idea",
            "pull of the cause at week 1 on a fully motivated participant", plausible(0.6, 1.4);
        half_life: f64 = 26.0, NONNEG, "weeks", "Half-life of the core idea",
            "weeks for the fading part of the pull to halve; 0 means it never fades", plausible(8.0, 104.0, log);
        floor: f64 = 0.4, UNIT, "", "Lasting share of the core idea",
            "share of the pull that never fades", plausible(0.2, 0.6);
    }

    /// Shared assets built by contributions, and the non-rival benefit they give everyone.
    benefit: Benefit {
        strength: f64 = 0.6, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Benefit of shared assets",
            "largest weekly benefit the shared assets can give each participant", plausible(0.3, 1.0);
        half_saturation: f64 = 20.0, Kind::PositiveFloat { max: NO_MAX }, "asset units", "Assets for half the benefit",
            "assets at which the benefit is half its largest value", plausible(10.0, 40.0, log);
        productivity: f64 = 0.1, NONNEG, "asset units/contribution", "Assets per contribution",
            "assets built by one contributor in one week", plausible(0.05, 0.2, log);
        decay: f64 = 0.03, UNIT, "1/week", "Asset decay",
            "share of the assets lost each week without upkeep", plausible(0.01, 0.06, log);
        stall_decay: f64 = 0.0, UNIT, "1/week", "Erosion when stalled",
            "extra share of the assets lost in each week with fewer active contributors than the critical mass; 0 disables", plausible(0.0, 0.05);
    }

    /// The host who convenes the community and invests facilitation time and resources.
    host: Host {
        investment: f64 = 1.0, Kind::Float { min: 0.0, max: 1e4 }, "staff-days/week", "Host investment",
            "facilitation time and resources the host puts in each week; 0 means no host", plausible(0.25, 4.0, log);
        half_effect: f64 = 1.0, Kind::PositiveFloat { max: 1e4 }, "staff-days/week", "Investment for half the host's effect",
            "investment at which the host's effects reach half their largest size", plausible(0.5, 2.0, log);
        facilitation: f64 = 0.4, UNIT, "", "Facilitation",
            "largest share of the cost of contributing that facilitation removes", plausible(0.2, 0.6);
        build_rate: f64 = 0.3, NONNEG, "asset units/staff-day", "Host's own building",
            "assets the host's own work builds", plausible(0.1, 0.6);
        day_rate: f64 = 0.4, NONNEG, "money/staff-day", "Cost of a staff-day",
            "what a staff-day of hosting costs the host (thousands of pounds)", plausible(0.3, 0.6);
        // plausible: 0 (open-ended) is the default; any commitment past the 104-week horizon
        // acts the same
        commitment: u32 = 0, WEEKS, "weeks", "Host commitment",
            "longest the host will support the community; 0 means open-ended", plausible(13.0, 130.0);
        patience: u32 = 5, Kind::Int { min: 1, max: 1_000_000 }, "weeks", "Host patience",
            "consecutive weeks below critical mass after which the host withdraws", plausible(4.0, 16.0);
        review_week: u32 = 26, WEEKS, "weeks", "Host's usefulness review",
            "week at which the host withdraws if nothing has been built yet; 0 means no review", plausible(13.0, 52.0);
        review_every: u32 = 0, WEEKS, "weeks", "Host review cycle",
            "weeks between the host's periodic reviews (budget cycles); 0 means no periodic review", plausible(13.0, 52.0);
        review_continue: f64 = 0.8, UNIT, "", "Host's will to continue with nothing to show",
            "chance the host continues at a periodic review when nothing was built since the last one (rises towards 1 with what was built)", plausible(0.6, 0.95);
        review_scale: f64 = 20.0, Kind::PositiveFloat { max: NO_MAX }, "asset units", "Progress that halves the risk at a review",
            "assets built since the last review that halve the chance of the host stopping", plausible(1.0, 20.0, log);
    }

    /// Who sets the agenda: participants' ownership raises commitment.
    agenda: Agenda {
        participant_share: f64 = 0.7, UNIT, "", "Participants' share of the agenda",
            "share of the agenda set by participants rather than the host", plausible(0.4, 1.0);
        ownership_weight: f64 = 0.3, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Value of ownership",
            "value of full ownership of the agenda to a participant", plausible(0.1, 0.5);
        host_crowding: f64 = 0.3, UNIT, "", "Host crowding out ownership",
            "share of ownership lost when the host's effects are at their largest", plausible(0.1, 0.5);
    }

    /// Informal and emergent (0) against structured and planned (1), as chosen with Cynefin.
    approach: Approach {
        structure: f64 = 0.0, UNIT, "", "Structure of the approach",
            "0 informal and emergent, 1 structured and planned", plausible(0.0, 1.0);
        planning_overhead: f64 = 1.0, Kind::Float { min: 0.0, max: 1e3 }, "", "Planning overhead",
            "extra host spend per staff-day at full structure (1 doubles it)", plausible(0.5, 1.5);
        productivity_gain: f64 = 1.0, Kind::Float { min: 0.0, max: 1e3 }, "", "Productivity gain of plans",
            "extra assets per contribution at full structure in a fully known domain (1 doubles them)", plausible(0.5, 1.5);
        clarity: f64 = 0.1, UNIT, "", "Clarity of plans",
            "share of the cost of contributing that a plan removes at full structure in a fully known domain", plausible(0.0, 0.2);
        uncertainty: f64 = 0.5, UNIT, "", "Domain uncertainty",
            "how complex the problem domain is (Cynefin): 0 complicated (plans work), 1 complex (plans do not help)", plausible(0.2, 0.8);
        ownership_penalty: f64 = 0.5, UNIT, "", "Ownership lost to plans",
            "share of participants' ownership lost at full structure", plausible(0.25, 0.75);
    }

    /// Newcomers: the host's outreach, word of mouth and the brand (Bass diffusion).
    recruitment: Recruitment {
        external: f64 = 0.001, UNIT, "1/week", "Joining on one's own",
            "weekly chance that a non-member joins on their own (Bass p)", plausible(0.0005, 0.002, log);
        outreach: f64 = 0.004, UNIT, "1/week", "Host outreach",
            "extra weekly joining chance at the host's largest outreach effect", plausible(0.002, 0.008, log);
        word_of_mouth: f64 = 0.05, Kind::Float { min: 0.0, max: 1e3 }, "1/week", "Word of mouth",
            "weekly joining chance per active share of the population (Bass q)", plausible(0.025, 0.1, log);
        newcomer_return_answered: f64 = 0.56, UNIT, "", "Newcomers staying when answered",
            "chance a newcomer stays after a first week in which someone responded", plausible(0.45, 0.7);
        newcomer_return_unanswered: f64 = 0.44, UNIT, "", "Newcomers staying when unanswered",
            "chance a newcomer stays after a first week in which nobody responded", plausible(0.3, 0.55);
    }

    /// Leaving: a base rate, dissatisfaction and drifting away when idle.
    attrition: Attrition {
        base_rate: f64 = 0.01, UNIT, "1/week", "Base leaving rate",
            "weekly chance that a satisfied participant leaves", plausible(0.005, 0.02, log);
        dissatisfied_rate: f64 = 0.08, UNIT, "1/week", "Extra leaving when dissatisfied",
            "extra weekly chance of leaving when taking part is not worth its cost", plausible(0.04, 0.16, log);
        idle_limit: u32 = 8, WEEKS, "weeks", "Idle weeks before leaving",
            "weeks without contributing after which a participant has left; 0 disables", plausible(4.0, 16.0);
        burnout: f64 = 0.0, UNIT, "1/contribution", "Burnout",
            "share of a participant's motivation worn away by each week of contributing; 0 disables", plausible(0.0, 0.01);
        ownership_protection: f64 = 0.5, UNIT, "", "Ownership protection",
            "share of the base leaving rate removed by full ownership", plausible(0.25, 0.75);
    }

    /// The community's brand: recognition that grows with visible outputs.
    brand: Brand {
        initial: f64 = 0.0, UNIT, "", "Initial brand recognition", "brand recognition at week 0 (0 unknown, 1 recognised)", plausible(0.0, 0.2);
        growth: f64 = 0.05, UNIT, "1/week", "Brand growth", "weekly growth towards the asset-driven level", plausible(0.025, 0.1, log);
        decay: f64 = 0.01, UNIT, "1/week", "Brand decay", "weekly loss of recognition", plausible(0.005, 0.02, log);
        weight: f64 = 0.3, Kind::Float { min: 0.0, max: 1e3 }, "utility/week", "Value of the brand",
            "value to a participant of belonging to a fully recognised brand", plausible(0.1, 0.5);
        reach: f64 = 0.004, UNIT, "1/week", "Brand reach",
            "extra weekly joining chance for non-members at full recognition", plausible(0.002, 0.008, log);
        retention: f64 = 0.5, UNIT, "", "Brand retention",
            "share of the base leaving rate removed at full recognition", plausible(0.25, 0.75);
    }

    /// Costs and revenue of running the initiative.
    economics: Economics {
        fixed_cost: f64 = 0.2, NONNEG, "money/week", "Fixed operating cost",
            "weekly operating cost (thousands of pounds)", plausible(0.1, 0.4, log);
        cost_per_participant: f64 = 0.005, NONNEG, "money/week/person", "Operating cost per participant",
            "weekly operating cost per participant", plausible(0.0025, 0.01, log);
        revenue_per_asset: f64 = 0.01, NONNEG, "money/week/asset unit", "Revenue per asset",
            "weekly revenue or partner funding per unit of shared assets", plausible(0.005, 0.02, log);
        brand_premium: f64 = 1.0, Kind::Float { min: 0.0, max: 1e3 }, "", "Brand premium on revenue",
            "extra revenue at full recognition (1 doubles it)", plausible(0.5, 1.5);
        reserve: f64 = 6.0, NONNEG, "money", "Reserve without a host",
            "shortfall participants can cover themselves when no host pays the costs", plausible(3.0, 12.0, log);
    }

    /// Stage thresholds of the life cycle and the graduation rule.
    lifecycle: Lifecycle {
        exploring_assets: f64 = 2.0, NONNEG, "asset units", "Assets to reach exploring",
            "assets (light agreements) that move the community from convening to exploring", plausible(1.0, 4.0);
        collaborating_assets: f64 = 10.0, NONNEG, "asset units", "Assets to reach collaborating",
            "assets (data landscaping, tools) that mark the collaborating stage", plausible(5.0, 20.0);
        formalising_assets: f64 = 40.0, NONNEG, "asset units", "Assets to reach formalising",
            "assets (standards, dashboards) that draw a hosting partner to formalise", plausible(20.0, 80.0);
        formalising_brand: f64 = 0.4, UNIT, "", "Brand to reach formalising",
            "brand recognition a hosting partner needs before formalising", plausible(0.2, 0.6);
        graduation_patience: u32 = 8, Kind::Int { min: 1, max: 1_000_000 }, "weeks", "Funded weeks to graduate",
            "consecutive weeks in formalising with revenue >= cost that make a graduation", plausible(4.0, 16.0);
        partner_rate: f64 = 1.0, Kind::PositiveFloat { max: 1.0 }, "1/week", "Chance of finding a hosting partner",
            "weekly chance, once formalising, of finding a partner willing to host the formal initiative; 1 means at once", plausible(0.02, 1.0, log);
    }
}

impl Kind {
    /// The allowed values in a compact mathematical form: `[0, 1]`, `(0, 1]`, `0, 1, … 52`,
    /// or the names of a choice.
    pub fn range_text(&self) -> String {
        match self {
            Kind::Float { min, max } => format!("[{min}, {}]", big(*max)),
            Kind::PositiveFloat { max } => format!("(0, {}]", big(*max)),
            Kind::Int { min, max } => format!("{min} … {} (whole)", big(*max as f64)),
            Kind::Choice(names) => names.join(", "),
        }
    }
}

/// 1000000000 as "1e9", small numbers as written.
fn big(x: f64) -> String {
    if x >= 1e5 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// The parameter table of docs/MODEL.md, generated from the registry so it cannot drift:
/// every parameter's path, display name, default, allowed range, plausible range (where a
/// sensitivity study varies it; "(log)": log-uniform), unit and meaning
/// (`hothouse params --markdown` prints it).
pub fn markdown_table() -> String {
    let defaults = Parameters::default();
    let mut out = String::from(
        "| parameter | name | default | allowed | plausible | unit | meaning |\n|---|---|---|---|---|---|---|\n",
    );
    for s in SPECS {
        let default = defaults
            .get(s.path)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let plausible = s.plausible.map_or(String::new(), |p| {
            format!(
                "{} to {}{}",
                p.low,
                p.high,
                if p.log { " (log)" } else { "" }
            )
        });
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            s.path,
            s.display,
            default,
            s.kind.range_text(),
            plausible,
            s.unit,
            s.doc.replace('|', "\\|")
        ));
    }
    out
}

/// The registry entry for `path`, if it is a parameter.
pub fn spec(path: &str) -> Option<&'static ParamSpec> {
    SPECS.iter().find(|s| s.path == path)
}

/// The parameter paths closest to `path`, for "did you mean" hints.
pub fn suggest(path: &str) -> Option<&'static str> {
    SPECS
        .iter()
        .map(|s| (strsim::levenshtein(path, s.path), s.path))
        .filter(|(d, _)| *d <= 3.max(path.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_default_is_within_its_range_and_round_trips() {
        let p = Parameters::default();
        for s in SPECS {
            let v = p.get(s.path).expect(s.path);
            let checked = s
                .kind
                .check(&v)
                .unwrap_or_else(|e| panic!("{}: {e}", s.path));
            let mut q = p.clone();
            assert!(q.set(s.path, &checked), "{}", s.path);
            assert_eq!(q, p, "{}", s.path);
        }
    }

    #[test]
    fn paths_are_unique() {
        let mut paths: Vec<_> = SPECS.iter().map(|s| s.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), SPECS.len());
    }

    #[test]
    fn kind_check_rejects_bad_values() {
        assert!(UNIT.check(&ParamValue::Float(f64::NAN)).is_err());
        assert!(UNIT.check(&ParamValue::Float(f64::INFINITY)).is_err());
        assert!(UNIT.check(&ParamValue::Float(1.5)).is_err());
        assert_eq!(UNIT.check(&ParamValue::Int(1)), Ok(ParamValue::Float(1.0)));
        assert!(WEEKS.check(&ParamValue::Float(2.5)).is_err());
        assert!(WEEKS.check(&ParamValue::Int(-1)).is_err());
        assert!(
            Kind::PositiveFloat { max: 1.0 }
                .check(&ParamValue::Float(0.0))
                .is_err()
        );
        assert!(
            Kind::Choice(MotivationDistribution::NAMES)
                .check(&ParamValue::Text("gamma".into()))
                .is_err()
        );
    }

    #[test]
    fn suggests_near_misses() {
        assert_eq!(suggest("host.investmnt"), Some("host.investment"));
        assert_eq!(suggest("zzzzzzzzzzzzzzzzzzzz"), None);
    }
}
