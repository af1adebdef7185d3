//! The `hothouse` command line: a thin layer over the library.

use clap::{Args, Parser, Subcommand};
use hothouse::columnar::TrialsFormat;
use hothouse::error::{EXIT_BAD_INPUT, Error};
use hothouse::manifest::Shard;
use hothouse::scenario::{self, Scenario};
use hothouse::simulation::{self, RunReport, RunSettings};
use hothouse::{merge, output, trace};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Parser)]
#[command(
    name = "hothouse",
    version,
    propagate_version = true,
    about = "Will a collaborative data community fizzle out or graduate? Agent-based Monte-Carlo answers.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every variant of a scenario and write the output folder
    Run(RunArgs),
    /// Validate a scenario and print its variants; writes nothing
    Check {
        /// The scenario file (TOML)
        scenario: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Re-run one trial and write its week-by-week history (trace.csv, trace.png)
    Trace(TraceArgs),
    /// Join the output folders of shards into the output of the whole run
    Merge {
        /// Shard folders written by `hothouse run --shard K/N`
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Folder for the merged output
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing output folder
        #[arg(long)]
        force: bool,
        /// Do not draw pictures
        #[arg(long)]
        no_plots: bool,
    },
    /// List every model parameter: its path, default, allowed values, unit and meaning
    Params,
    /// Redraw the pictures of an existing output folder from its CSV files
    Plot {
        /// An output folder of `hothouse run` or `merge`
        dir: PathBuf,
    },
}

#[derive(Args, Clone)]
struct Overrides {
    /// Trials per variant (overrides the file)
    #[arg(long, allow_negative_numbers = true)]
    trials: Option<u64>,
    /// Master seed (overrides the file)
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Horizon in weeks (overrides the file)
    #[arg(long, allow_negative_numbers = true)]
    steps: Option<u64>,
}

#[derive(Args)]
struct RunArgs {
    /// The scenario file (TOML)
    scenario: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
    /// Output folder [default: output/<scenario name>, or output/<scenario name>-shard-K-of-N]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<usize>,
    /// Run only shard K of N (1-based), for clusters; join shards with `hothouse merge`
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Replace an existing output folder
    #[arg(long)]
    force: bool,
    /// Continue an interrupted run from the variants it had finished
    #[arg(long)]
    resume: bool,
    /// Do not draw pictures
    #[arg(long)]
    no_plots: bool,
    /// Do not write trials.csv (for huge sweeps)
    #[arg(long)]
    no_trials: bool,
    /// File of trial rows: trials.csv, or trials.parquet with the swept values as columns
    #[arg(long, value_enum, default_value_t = Format::Csv, conflicts_with = "no_trials")]
    format: Format,
    /// No progress bar and no summary table
    #[arg(long, short)]
    quiet: bool,
}

/// `--format` of `run`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Parquet,
}

#[derive(Args)]
struct TraceArgs {
    /// The scenario file (TOML)
    scenario: PathBuf,
    /// Variant index (0-based, as in variants.csv)
    #[arg(long, default_value_t = 0)]
    variant: usize,
    /// Trial index (0-based, as in trials.csv)
    #[arg(long, default_value_t = 0)]
    trial: u64,
    #[command(flatten)]
    overrides: Overrides,
    /// Output folder [default: output/<scenario name>-trace-v<V>-t<I>]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Do not draw trace.png
    #[arg(long)]
    no_plots: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_BAD_INPUT as u8
            } else {
                0
            });
        }
    };
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn report(e: &Error) {
    match e {
        Error::Scenario(s) => {
            let handler =
                miette::GraphicalReportHandler::new_themed(if std::io::stderr().is_terminal() {
                    miette::GraphicalTheme::unicode()
                } else {
                    miette::GraphicalTheme::unicode_nocolor()
                });
            // One report: the count, then every problem with its line, key, value, what is
            // allowed and a pointer into the file.
            let mut text = String::new();
            if handler.render_report(&mut text, s.as_ref()).is_ok() {
                eprint!("{text}");
            } else {
                eprintln!("error: {s}");
                for line in s.lines() {
                    eprintln!("  {line}");
                }
            }
        }
        other => eprintln!("error: {other}"),
    }
}

fn load(path: &Path, o: &Overrides) -> Result<(Scenario, String), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::BadInput(format!(
            "{}: cannot read the scenario file ({e})",
            path.display()
        ))
    })?;
    let file = path.display().to_string();
    let s = Scenario::parse(&file, &text)?
        .with_overrides(o.trials, o.seed, o.steps)
        .map_err(|m| Error::Usage(format!("{file}: {m}")))?;
    Ok((s, text))
}

fn default_out(s: &Scenario) -> PathBuf {
    Path::new("output").join(scenario::safe_folder_name(&s.name))
}

fn dispatch(cmd: Command) -> Result<(), Error> {
    match cmd {
        Command::Run(a) => run(a),
        Command::Check {
            scenario,
            overrides,
        } => {
            let (s, _) = load(&scenario, &overrides)?;
            print_check(&s);
            Ok(())
        }
        Command::Trace(a) => {
            let (s, _) = load(&a.scenario, &a.overrides)?;
            let t = trace::trace(&s, a.variant, a.trial)?;
            let out = a.out.unwrap_or_else(|| {
                Path::new("output").join(format!(
                    "{}-trace-v{}-t{}",
                    scenario::safe_folder_name(&s.name),
                    a.variant,
                    a.trial
                ))
            });
            let files = trace::write(&t, &out, !a.no_plots)?;
            println!(
                "trial {} of variant {} (seed {}): {} at week {}, furthest stage {}",
                a.trial, a.variant, t.seed, t.result.outcome, t.result.time, t.result.stage
            );
            for f in files {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Merge {
            dirs,
            out,
            force,
            no_plots,
        } => {
            let r = merge::merge(&dirs, &out, force, !no_plots)?;
            print_summary(&r);
            println!("merged {} shards into {}", dirs.len(), r.out.display());
            Ok(())
        }
        Command::Params => {
            print_params();
            Ok(())
        }
        Command::Plot { dir } => {
            for f in hothouse::plots::draw_run(&dir)? {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
    }
}

fn run(a: RunArgs) -> Result<(), Error> {
    let (s, text) = load(&a.scenario, &a.overrides)?;
    let shard = a
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let threads = match a.threads {
        Some(0) => return Err(Error::Usage("--threads 0: give at least 1 thread".into())),
        Some(n) => n,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    // Shards of one run get folders of their own, so they never collide on one machine.
    let target = a.out.clone().unwrap_or_else(|| match shard {
        Some(sh) => Path::new("output").join(format!(
            "{}-shard-{}-of-{}",
            scenario::safe_folder_name(&s.name),
            sh.index,
            sh.count
        )),
        None => default_out(&s),
    });
    output::check_target(&target, a.force)?;

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C: stop at once; the staging folder keeps finished variants.
                std::process::exit(hothouse::error::EXIT_FAILURE);
            }
        });
    }
    let range = shard
        .map(|sh| sh.trial_range(s.trials))
        .unwrap_or((0, s.trials));
    let total = (range.1 - range.0) * s.variant_count() as u64;
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{bar:40} {human_pos}/{human_len} trials  {rate}  eta {eta}",
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
        b
    };
    let settings = RunSettings {
        threads,
        shard,
        write_trials: !a.no_trials,
        trials_format: match a.format {
            Format::Csv => TrialsFormat::Csv,
            Format::Parquet => TrialsFormat::Parquet,
        },
        resume: a.resume,
        plots: !a.no_plots,
    };
    let progress = |n: u64| bar.inc(n);
    let result = simulation::run(
        &s,
        &a.scenario.display().to_string(),
        &text,
        &target,
        &settings,
        &cancel,
        &progress,
    );
    bar.finish_and_clear();
    let r = result?;
    if !a.quiet {
        println!(
            "{}: {} variant(s) x {} trial(s), {} weeks, seed {}{}",
            s.name,
            s.variant_count(),
            range.1 - range.0,
            s.steps,
            s.seed,
            shard
                .map(|sh| format!(", shard {}/{}", sh.index, sh.count))
                .unwrap_or_default()
        );
        print_summary(&r);
    }
    for f in &r.files {
        println!("wrote {}", f.display());
    }
    Ok(())
}

fn print_params() {
    use hothouse::parameters::{Parameters, SPECS};
    let defaults = Parameters::default();
    println!(
        "Parameters of the model (set them in a scenario's [group] tables or sweep them by path;"
    );
    println!("docs/MODEL.md gives each one's equation and source):");
    let mut group = "";
    for spec in SPECS {
        let g = spec.path.split('.').next().unwrap_or("");
        if g != group {
            group = g;
            println!();
            println!("[{g}]");
        }
        let default = defaults
            .get(spec.path)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let unit = if spec.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", spec.unit)
        };
        println!("  {:<42} = {default}{unit}", spec.path);
        println!("      {}; {}", spec.doc, spec.kind.allowed());
    }
}

fn print_check(s: &Scenario) {
    println!("{}: valid", s.name);
    if !s.description.is_empty() {
        println!("  {}", s.description.trim());
    }
    println!(
        "  seed {}, {} trials per variant, {} weeks, {} variant(s), {} trials in all",
        s.seed,
        s.trials,
        s.steps,
        s.variant_count(),
        s.trials.saturating_mul(s.variant_count() as u64)
    );
    for v in s.variants() {
        println!("  variant {}: {}", v.index, v.label(s));
    }
}

fn print_summary(r: &RunReport) {
    let width = r
        .labels
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .clamp(12, 60);
    println!(
        "{:>7}  {:<width$} {:>8} {:>24} {:>9} {:>8} {:>11} {:>12}",
        "variant",
        "swept values",
        "trials",
        "P(graduate) [95% CI]",
        "median",
        "RMST",
        "log-rank p",
        "host £k/grad"
    );
    let p_text = |p: f64| {
        if p < 0.001 {
            "<0.001".to_string()
        } else {
            format!("{p:.3}")
        }
    };
    let p_vs_0 = |v: usize| -> String {
        r.logrank
            .iter()
            .find(|(a, b, _)| a == "0" && *b == v.to_string())
            .map(|(_, _, t)| p_text(t.p_value))
            .unwrap_or_else(|| "-".into())
    };
    for (i, s) in r.summaries.iter().enumerate() {
        println!(
            "{:>7}  {:<width$} {:>8} {:>24} {:>9} {:>8.1} {:>11} {:>12}",
            i,
            r.labels.get(i).map(String::as_str).unwrap_or(""),
            s.trials,
            format!(
                "{:.3} [{:.3}, {:.3}]",
                s.p_graduate, s.p_graduate_lower, s.p_graduate_upper
            ),
            s.median_survival
                .map(|t| format!("{t} wk"))
                .unwrap_or_else(|| "not hit".into()),
            s.rmst,
            if i == 0 {
                "(ref)".to_string()
            } else {
                p_vs_0(i)
            },
            r.outlay_per_graduate(i)
                .map(|x| format!("{x:.1}"))
                .unwrap_or_else(|| "-".into())
        );
    }
    if let Some((_, _, t)) = r.logrank.iter().find(|(_, b, _)| b == "all") {
        println!(
            "log-rank test across all variants: chi2 = {:.2}, df = {}, p = {}",
            t.chi2,
            t.df,
            p_text(t.p_value)
        );
    }
    println!(
        "median = median weeks to fizzle (Kaplan-Meier); RMST = mean weeks not fizzled within the horizon;\nhost £k/grad = the host's whole outlay (facilitation and operating shortfall), in thousands of pounds, per graduation"
    );
    print_answer(r);
}

/// A plain-language answer: the odds, and which variant gives the best and worst odds.
fn print_answer(r: &RunReport) {
    let steps = r.manifest.steps;
    let pct = |p: f64| format!("{:.0}%", 100.0 * p);
    if r.summaries.len() == 1 {
        let s = &r.summaries[0];
        println!(
            "In short: {} of communities graduate within {steps} weeks (95% CI {} to {}), {} fizzle out.",
            pct(s.p_graduate),
            pct(s.p_graduate_lower),
            pct(s.p_graduate_upper),
            pct(s.fizzled as f64 / s.trials.max(1) as f64)
        );
        return;
    }
    let best = r
        .summaries
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.p_graduate.total_cmp(&b.1.p_graduate));
    let worst = r
        .summaries
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.p_graduate.total_cmp(&b.1.p_graduate));
    if let (Some((bi, b)), Some((wi, w))) = (best, worst) {
        let label = |i: usize| r.labels.get(i).cloned().unwrap_or_default();
        let cost = |i: usize| {
            r.outlay_per_graduate(i)
                .map(|x| format!(", £{x:.1}k of host outlay per graduation"))
                .unwrap_or_default()
        };
        println!(
            "In short: the best odds of graduating within {steps} weeks are {} with {} (variant {bi}{}); the worst, {} with {} (variant {wi}{}).",
            pct(b.p_graduate),
            label(bi),
            cost(bi),
            pct(w.p_graduate),
            label(wi),
            cost(wi)
        );
        let cheapest = (0..r.summaries.len())
            .filter_map(|i| r.outlay_per_graduate(i).map(|c| (i, c)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((ci, c)) = cheapest {
            println!(
                "Per graduation, the host pays least with {} (variant {ci}): £{c:.1}k.",
                label(ci)
            );
        }
    }
}
