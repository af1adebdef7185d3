//! The `hothouse` command line: a thin layer over the library.

use clap::{Args, Parser, Subcommand};
use hothouse::answer::{self, weeks};
use hothouse::columnar::TrialsFormat;
use hothouse::error::{EXIT_BAD_INPUT, Error};
use hothouse::manifest::Shard;
use hothouse::progress::Progress;
use hothouse::scenario::{self, Scenario};
use hothouse::simulation::{self, RunReport, RunSettings};
use hothouse::{merge, output, trace};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `println!` that exits quietly when stdout is closed (`hothouse params | head -1`), instead of
/// panicking on the broken pipe.
macro_rules! println {
    () => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock()) {
            stdout_failed(e)
        }
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            stdout_failed(e)
        }
    }};
}

/// Stdout cannot be written: a closed pipe is the reader's choice (exit 0, quietly); anything
/// else is a failure.
fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(hothouse::error::EXIT_FAILURE);
}

fn warn(notes: &[String]) {
    for n in notes {
        eprintln!("warning: {n}");
    }
}

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
    /// Join the output folders of shards into the output of the whole run (or study)
    Merge {
        /// Shard folders written by `hothouse run --shard K/N` (or `hothouse sensitivity --shard K/N`)
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
    Params {
        /// Print the table of docs/MODEL.md (Markdown) instead
        #[arg(long)]
        markdown: bool,
    },
    /// Rank the parameters by how much they move the outputs (Morris or Sobol'), from the
    /// scenario's [sensitivity] table
    Sensitivity(SensitivityArgs),
    /// Redraw the pictures of an existing output folder from its CSV files
    Plot {
        /// An output folder of `hothouse run` or `merge`
        dir: PathBuf,
    },
    /// Open a live explorer in the browser (levers, answer, curves) with a JSON API
    Serve(ServeArgs),
    /// Write DIR/report.html: one self-contained page about a run, for decision makers
    Report {
        /// An output folder of `hothouse run` or `merge`
        dir: PathBuf,
    },
    /// Measure a run against a real life-cycle record (distance D; compare.csv, compare.png)
    Compare(CompareArgs),
    /// Fit a scenario's [calibrate] parameters to a real record (SMC-ABC on the distance D)
    Calibrate(CalibrateArgs),
}

#[derive(Args)]
struct CalibrateArgs {
    /// The scenario file (TOML) with a [calibrate] table
    scenario: PathBuf,
    /// The record: a CSV file with columns name, start, end, outcome, time_weeks
    #[arg(long)]
    data: PathBuf,
    /// Output folder [default: output/<scenario name>-calibrate]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Master seed of the fit [default: the scenario's seed]
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Worker threads [default: all cores]
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<usize>,
    /// Replace an existing output folder
    #[arg(long)]
    force: bool,
    /// Continue an interrupted fit from its last finished generation
    #[arg(long)]
    resume: bool,
    /// No progress lines
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct CompareArgs {
    /// An output folder of `hothouse run` or `merge`
    run_dir: PathBuf,
    /// The record: a CSV file with columns name, start, end, outcome, time_weeks
    record: PathBuf,
    /// Compare weeks 0..WEEKS [default: the run's horizon or the record's longest follow-up, whichever is shorter]
    #[arg(long, value_name = "WEEKS", allow_negative_numbers = true)]
    window: Option<u32>,
    /// Folder for compare.csv and compare.png/.svg [default: RUN_DIR]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Do not draw compare.png/.svg
    #[arg(long)]
    no_plots: bool,
}

#[derive(Args)]
struct ServeArgs {
    /// The scenario file (TOML) [default: the bundled scenarios/default.toml]
    scenario: Option<PathBuf>,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to listen on; the default serves this machine only
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Worker threads [default: all cores]
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<usize>,
}

#[derive(Args, Clone, Default)]
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
struct SensitivityArgs {
    /// The scenario file (TOML) with a [sensitivity] table
    scenario: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
    /// Output folder [default: output/<scenario name>-sensitivity]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<usize>,
    /// Run only part K of N of the design (1-based)
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Replace an existing output folder
    #[arg(long)]
    force: bool,
    /// Continue an interrupted study from the design points it had finished
    #[arg(long)]
    resume: bool,
    /// Do not draw sensitivity.png/.svg
    #[arg(long)]
    no_plots: bool,
    /// No progress bar and no ranking table
    #[arg(long, short)]
    quiet: bool,
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
    /// Replace an existing output folder
    #[arg(long)]
    force: bool,
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
    warn(&hothouse::inert::check(&file, &s, &text).map_err(Error::BadInput)?);
    Ok((s, text))
}

fn default_out(s: &Scenario) -> PathBuf {
    Path::new("output").join(scenario::safe_folder_name(&s.name))
}

/// Runs one command.
///
/// Long because it has one short arm per command of the command line, and reads best whole.
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
            if let Some(out) = &a.out {
                output::check_folder_path(out)?;
            }
            let t = trace::trace(&s, a.variant, a.trial)?;
            let out = a.out.unwrap_or_else(|| {
                Path::new("output").join(format!(
                    "{}-trace-v{}-t{}",
                    scenario::safe_folder_name(&s.name),
                    a.variant,
                    a.trial
                ))
            });
            let files = write_trace(&t, &out, a.force, !a.no_plots)?;
            let why = match (t.result.cause, s.variants().get(a.variant)) {
                // The trial's own parameters (with any per-community draws).
                (Some(c), Some(v)) => {
                    let params = v.model(&s).map_err(Error::BadInput)?;
                    let (params, _) = params.trial_parameters(t.seed);
                    format!(" ({})", trace::cause_words(c, &params))
                }
                _ => String::new(),
            };
            println!(
                "trial {} of variant {} (seed {}): {} at week {}{why}, furthest stage {}",
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
        } => merge_folders(&dirs, &out, force, !no_plots),
        Command::Sensitivity(a) => sensitivity(a),
        Command::Params { markdown } => {
            if markdown {
                print!("{}", hothouse::parameters::markdown_table());
            } else {
                print_params();
            }
            Ok(())
        }
        Command::Compare(a) => compare(a),
        Command::Calibrate(a) => calibrate(a),
        Command::Plot { dir } => {
            // Held while drawing, so that no run publishes over the folder meanwhile; leftover
            // temporary pictures of an interrupted plot are then stale.
            let _lock = match std::fs::canonicalize(&dir) {
                Ok(abs) if abs.is_dir() => {
                    let lock = output::lock_target(&abs)?;
                    output::remove_stale_temporaries(&abs);
                    Some(lock)
                }
                _ => None,
            };
            for f in hothouse::plots::draw_run(&dir)? {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Serve(a) => serve(a),
        Command::Report { dir } => {
            for f in hothouse::report::write(&dir)? {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
    }
}

/// Writes a trace into the folder `out` as `run` writes its results: an existing folder only
/// with `force`, replaced whole, never half-written.
fn write_trace(
    t: &trace::Trace,
    out: &Path,
    force: bool,
    plots: bool,
) -> Result<Vec<PathBuf>, Error> {
    let (_lock, notes) = output::claim_target(out, force)?;
    warn(&notes);
    let staging = output::staging_dir(out);
    if std::fs::symlink_metadata(&staging).is_ok() {
        // Left by an interrupted command (the lock is ours).
        std::fs::remove_dir_all(&staging)
            .or_else(|_| std::fs::remove_file(&staging))
            .map_err(|e| Error::io(&staging, e))?;
    }
    let files = trace::write(t, &staging, plots)?;
    warn(&output::publish(&staging, out)?);
    Ok(files
        .iter()
        .filter_map(|f| f.file_name().map(|n| out.join(n)))
        .collect())
}

fn serve(a: ServeArgs) -> Result<(), Error> {
    use hothouse::serve::{ServeOptions, api::Served};
    let served = match &a.scenario {
        Some(path) => {
            let (_, text) = load(path, &Overrides::default())?;
            Served::new(&path.display().to_string(), &text)?
        }
        None => Served::bundled()?,
    };
    let threads = thread_count(a.threads)?;
    let name = served.scenario.name.clone();
    let opts = ServeOptions {
        served,
        bind: a.bind,
        port: a.port,
        threads,
    };
    hothouse::serve::serve(opts, |addr| {
        println!("hothouse explorer of \"{name}\": http://{addr}/  (Ctrl-C to stop)");
    })?;
    println!("stopped");
    Ok(())
}

/// `--threads`: at least 1; all cores when not given.
fn thread_count(threads: Option<usize>) -> Result<usize, Error> {
    match threads {
        Some(0) => Err(Error::Usage("--threads 0: give at least 1 thread".into())),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
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
    let threads = thread_count(a.threads)?;
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
    // After the handler is set, so that a Ctrl-C once the lock file names this process always
    // ends it through the handler, which removes the lock file.
    let (_lock, notes) = output::claim_target(&target, a.force)?;
    warn(&notes);
    let range = shard
        .map(|sh| sh.trial_range(s.trials))
        .unwrap_or((0, s.trials));
    let total = (range.1 - range.0) * s.variant_count() as u64;
    let bar = Progress::new(total, a.quiet, std::io::stderr().is_terminal());
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
    let progress = |n: u64| bar.advance(n);
    let resumed = |n: u64| bar.resumed(n);
    let result = simulation::run(
        &s,
        &a.scenario.display().to_string(),
        &text,
        &target,
        &settings,
        &cancel,
        &progress,
        &resumed,
    );
    bar.finish();
    let r = result?;
    warn(&r.warnings);
    if a.quiet {
        return Ok(());
    }
    print_header(&r);
    print_summary(&r);
    for f in &r.files {
        println!("wrote {}", f.display());
    }
    Ok(())
}

/// The first line of `run` and `merge`: what was simulated.
fn print_header(r: &RunReport) {
    let m = &r.manifest;
    let (first, end) = m.trial_range;
    println!(
        "{}: {} variant(s) x {} trial(s), {}, seed {}{}",
        m.scenario_name,
        r.summaries.len(),
        end - first,
        weeks(m.steps),
        m.seed,
        m.shard
            .map(|sh| format!(", shard {}/{}", sh.index, sh.count))
            .unwrap_or_default()
    );
}

fn compare(a: CompareArgs) -> Result<(), Error> {
    let c = hothouse::compare::compare(&a.run_dir, &a.record, a.window)?;
    let files = c.write(a.out.as_deref().unwrap_or(&a.run_dir), !a.no_plots)?;
    print!("{}", c.text());
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(())
}

/// `hothouse merge`: the shards of a run, or the parts of a sensitivity study.
fn merge_folders(dirs: &[PathBuf], out: &Path, force: bool, plots: bool) -> Result<(), Error> {
    use hothouse::sensitivity::parts;
    if dirs.first().is_some_and(|d| parts::is_study_folder(d)) {
        let r = parts::merge(dirs, out, force, plots)?;
        for f in &r.files {
            println!("wrote {}", f.display());
        }
        println!("merged {} parts into {}", dirs.len(), r.out.display());
        return Ok(());
    }
    let r = merge::merge(dirs, out, force, plots)?;
    warn(&r.warnings);
    print_header(&r);
    print_summary(&r);
    println!("merged {} shards into {}", dirs.len(), r.out.display());
    Ok(())
}

fn sensitivity(a: SensitivityArgs) -> Result<(), Error> {
    use hothouse::sensitivity::{config, study};
    let (s, text) = load(&a.scenario, &a.overrides)?;
    let file = a.scenario.display().to_string();
    let plan = config::read_study(&file, &text, &s)?.ok_or_else(|| {
        Error::BadInput(format!(
            "{file}: no [sensitivity] table; add one with method = \"morris\" or \"sobol\" (see docs/SENSITIVITY.md)"
        ))
    })?;
    let shard = a
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let threads = thread_count(a.threads)?;
    let target = a.out.clone().unwrap_or_else(|| {
        let name = scenario::safe_folder_name(&s.name);
        Path::new("output").join(match shard {
            Some(sh) => format!("{name}-sensitivity-shard-{}-of-{}", sh.index, sh.count),
            None => format!("{name}-sensitivity"),
        })
    });
    output::check_target(&target, a.force)?;
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                std::process::exit(hothouse::error::EXIT_FAILURE);
            }
        });
    }
    let points = plan.points() as u64;
    let in_shard = shard
        .map(|sh| sh.trial_range(points))
        .map_or(points, |(a, b)| b - a);
    let bar = Progress::new(
        in_shard * s.trials,
        a.quiet,
        std::io::stderr().is_terminal(),
    );
    let settings = study::Settings {
        threads,
        shard,
        resume: a.resume,
        plots: !a.no_plots,
    };
    let progress = |n: u64| bar.advance(n);
    let result = study::run(
        &s, &plan, &file, &text, &target, &settings, &cancel, &progress,
    );
    bar.finish();
    let r = result?;
    if !a.quiet {
        print_study(&s, &plan, &r);
    }
    Ok(())
}

/// What a sensitivity study found: its size, the five parameters ranked first per output,
/// and the files written.
fn print_study(
    s: &Scenario,
    plan: &hothouse::sensitivity::config::Study,
    r: &hothouse::sensitivity::study::Report,
) {
    println!(
        "{}: {} parameter(s), {} design point(s) x {} trial(s), {} weeks, seed {}, {:.1} s",
        s.name,
        plan.factors.len(),
        r.points,
        s.trials,
        s.steps,
        s.seed,
        r.wall_seconds
    );
    for o in &plan.outputs {
        let mut top: Vec<_> = r.indices.iter().filter(|i| i.output == *o).collect();
        top.sort_by_key(|i| i.rank);
        let names: Vec<String> = top
            .iter()
            .take(5)
            .map(|i| format!("{} ({:.3})", i.parameter, i.measures.ranking().estimate))
            .collect();
        if !names.is_empty() {
            println!("  {}: {}", o.name(), names.join(", "));
        }
    }
    for f in &r.files {
        println!("wrote {}", f.display());
    }
}

fn calibrate(a: CalibrateArgs) -> Result<(), Error> {
    let (s, text) = load(
        &a.scenario,
        &Overrides {
            trials: None,
            seed: None,
            steps: None,
        },
    )?;
    let threads = thread_count(a.threads)?;
    let out = a.out.clone().unwrap_or_else(|| {
        Path::new("output").join(format!("{}-calibrate", scenario::safe_folder_name(&s.name)))
    });
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::SeqCst));
    }
    let file = a.scenario.display().to_string();
    let options = hothouse::calibrate::Options {
        scenario_file: &file,
        scenario_text: &text,
        record: &a.data,
        out: &out,
        force: a.force,
        resume: a.resume,
        seed: a.seed,
        threads,
    };
    let progress = FitProgress::new(a.quiet);
    let result = hothouse::calibrate::calibrate(&s, &options, &cancel, &progress);
    progress.bar.finish_and_clear();
    let (cal, files) = result?;
    if a.quiet {
        return Ok(());
    }
    for line in cal.fitted_lines() {
        println!("{line}");
    }
    println!(
        "D at the posterior median: {:.4} (weeks 0-{})",
        cal.fitted_distance, cal.window
    );
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(())
}

/// What `calibrate` shows while it runs: on a terminal a bar per generation (particles found,
/// tolerance, acceptance rate so far); otherwise one line per finished generation.
struct FitProgress {
    bar: ProgressBar,
    quiet: bool,
    found: std::sync::atomic::AtomicU64,
    simulations: std::sync::atomic::AtomicU64,
}

impl FitProgress {
    fn new(quiet: bool) -> FitProgress {
        let bar = progress_bar(quiet, 0);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} {bar:30} {pos}/{len} particles  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        FitProgress {
            bar,
            quiet,
            found: Default::default(),
            simulations: Default::default(),
        }
    }
}

fn tolerance_text(t: f64) -> String {
    if t.is_finite() {
        format!("{t:.4}")
    } else {
        "none (prior)".into()
    }
}

impl hothouse::calibrate::Progress for FitProgress {
    fn generation_started(&self, index: usize, tolerance: f64, particles: usize) {
        self.found.store(0, Ordering::SeqCst);
        self.simulations.store(0, Ordering::SeqCst);
        self.bar.reset();
        self.bar.set_length(particles as u64);
        self.bar.set_prefix(format!(
            "generation {index}, tolerance {}",
            tolerance_text(tolerance)
        ));
    }

    fn particle_found(&self, simulations: u64) {
        let found = self.found.fetch_add(1, Ordering::SeqCst) + 1;
        let sims = self.simulations.fetch_add(simulations, Ordering::SeqCst) + simulations;
        self.bar.set_position(found);
        self.bar.set_message(format!(
            "acceptance {:.3}",
            found as f64 / sims.max(1) as f64
        ));
    }

    fn generation_done(&self, g: &hothouse::calibrate::smc::Generation, seconds: f64) {
        if !self.quiet {
            self.bar.suspend(|| {
                eprintln!(
                    "generation {}: tolerance {}, acceptance {:.3}, {} simulations, ESS {:.0}, {seconds:.1} s",
                    g.index,
                    tolerance_text(g.tolerance),
                    g.acceptance,
                    g.simulations,
                    g.ess
                )
            });
        }
    }
}

fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    b.set_style(
        ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} trials  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
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
    if !s.draws.is_empty() {
        println!("  drawn per community (a column each in trials.csv):");
        for d in &s.draws {
            println!(
                "    {}: {}",
                d.path,
                hothouse::variation::describe(&d.family)
            );
        }
    }
    for v in s.variants() {
        println!("  variant {}: {}", v.index, output::plain_label(s, &v));
    }
}

/// The summary table and the plain answer ([`answer::summary_lines`]).
fn print_summary(r: &RunReport) {
    for line in answer::summary_lines(r) {
        println!("{line}");
    }
}
