//! The `jitgate` command line: a thin layer over the library.

/// Writes a line to standard error, ignoring a closed stream: a run whose stderr is closed ends
/// quietly through its exit status, never with a panic (§1.6b).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// [`note!`] without the newline (progress lines).
macro_rules! note_inline {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod activate_cmd;
mod agreement_line;
mod analysis_cmd;
mod bench_cmd;
mod eval_cmd;
mod in_order;
mod input;
mod replay_cmd;
mod test_cmd;
mod validate_cmd;
mod whatif;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Offline decisions for Microsoft Entra Conditional Access and PIM.
#[derive(Parser)]
#[command(name = "jitgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the tenant is and how it is read (every command that reads one).
#[derive(clap::Args, Clone)]
pub struct LoadArgs {
    /// Tenant bundle file or export directory.
    #[arg(long, value_name = "PATH")]
    pub tenant: PathBuf,
    /// Accept a tenant without any conditional access policy (an error otherwise: an empty or
    /// lost policy export would allow every sign-in).
    #[arg(long)]
    pub allow_empty: bool,
    /// Accept policies that include named locations the export does not define (an error
    /// otherwise; such an include matches nothing).
    #[arg(long)]
    pub allow_dangling: bool,
    /// Largest file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_file_size: u64,
}

impl LoadArgs {
    /// The library's options for these flags. Every command loads its tenants once and exits
    /// when done, so the files' JSON trees are left to the exit rather than freed.
    pub fn options(&self) -> jitgate::LoadOptions {
        jitgate::LoadOptions::default()
            .allow_empty(self.allow_empty)
            .allow_dangling(self.allow_dangling)
            .max_file_size(self.max_file_size)
            .leave_trees_to_exit(true)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Decide sign-ins: one decision (JSON) per request line, in input order.
    ///
    /// Requests are Graph What If `evaluate` bodies plus a `session` object, one per line (JSON
    /// Lines), or a `.json` file holding one request or an array. A line that cannot be parsed
    /// yields `{"line": N, "error": "..."}` in its place. Exit status: 0 when every line was
    /// decided, 1 when some were not, 2 when the tenant or the input cannot be used.
    Eval {
        #[command(flatten)]
        load: LoadArgs,
        /// Requests file (JSON Lines, or .json), or `-` for standard input.
        #[arg(long, value_name = "FILE")]
        requests: String,
        /// Add per-policy results (policyApplies, analysisReasons, result, outcome, controls).
        #[arg(long)]
        explain: bool,
        /// Where request data is absent or unknown (no address, country, platform or client app
        /// type; a user outside the directory), decide as its strictest value would: policies
        /// that data alone kept out are taken to apply. Decisions carry `missingData` either way.
        #[arg(long)]
        assume_worst: bool,
        /// Write decisions here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Which evaluator decides; both give byte-identical output.
        #[arg(long, value_enum, default_value = "compiled")]
        engine: eval_cmd::EngineKind,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
    },
    /// Decide PIM activation requests (directory roles and PIM for Groups), one per line.
    ///
    /// Each line is an envelope {"request": <Graph schedule request>, "signInIdentity",
    /// "signInConditions", "session"}. Same conventions as `eval`: input order kept, bad lines
    /// reported in place, exit 0 / 1 / 2.
    Activate {
        #[command(flatten)]
        load: LoadArgs,
        /// Requests file (JSON Lines, or .json), or `-` for standard input.
        #[arg(long, value_name = "FILE")]
        requests: String,
        /// Include the per-policy results of the authentication-context evaluation.
        #[arg(long)]
        explain: bool,
        /// Write decisions here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Which evaluator decides the authentication-context step.
        #[arg(long, value_enum, default_value = "compiled")]
        engine: eval_cmd::EngineKind,
    },
    /// Write a generated tenant or request stream (deterministic, from a seed).
    Generate {
        #[command(subcommand)]
        what: GenerateWhat,
    },
    /// Time the decision phase alone (decisions/s and ns/decision) on a given or generated tenant.
    ///
    /// Requests are parsed and prepared first; only deciding is timed. Run it under
    /// `valgrind --tool=callgrind` with a small `--count` for an instruction count that machine
    /// noise cannot move.
    Bench {
        /// Tenant bundle file or export directory (default: a generated tenant).
        #[arg(long, value_name = "PATH")]
        tenant: Option<PathBuf>,
        /// Size of the generated tenant.
        #[arg(long, value_enum, default_value = "limits")]
        size: bench_cmd::Size,
        /// Requests file (default: generated requests).
        #[arg(long, value_name = "FILE")]
        requests: Option<String>,
        /// Number of generated requests.
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Which evaluator to time.
        #[arg(long, value_enum, default_value = "compiled")]
        engine: eval_cmd::EngineKind,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Keep deciding for at least this many seconds.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Seed for generated inputs.
        #[arg(long, default_value_t = bench_cmd::SEED)]
        seed: u64,
        /// What to time: `decide` (prepared requests, the decision alone), `full` (prepare and
        /// the typed decision, what an embedder's `evaluate` pays), `json` (with explain and the
        /// JSON bytes), `cli` (a text line parsed, decided and written, as `eval` does without
        /// I/O) or `swap` (reader latency percentiles while a publisher swaps 100 times a second).
        #[arg(long, value_enum, default_value = "decide")]
        stage: bench_cmd::Stage,
    },
    /// Explain one sign-in for a person: every policy, applied or not and why, and what the user
    /// must do.
    Whatif {
        #[command(flatten)]
        load: LoadArgs,
        /// One request (a .json file, a one-line JSON Lines file, or `-`).
        #[arg(long, value_name = "FILE")]
        request: String,
        /// Print the full decision as JSON instead of the report.
        #[arg(long)]
        json: bool,
        /// List only the policies that applied.
        #[arg(long)]
        applied_only: bool,
        /// Colour: on a terminal unless NO_COLOR is set (auto), always or never.
        #[arg(long, value_enum, default_value = "auto")]
        color: whatif::ColorChoice,
        /// Wrap lines at this many columns (default: $COLUMNS, else 100).
        #[arg(long, value_name = "COLUMNS")]
        width: Option<usize>,
    },
    /// Replay sign-in logs: decide every logged sign-in and compare with the results Entra
    /// logged, policy by policy (agreement), or with --proposed, decide under both tenants and
    /// report what a change would do (impact).
    ///
    /// Reads Graph exports (list responses, pages concatenated, arrays, JSON Lines), PowerShell
    /// and Log Analytics exports (JSON or CSV), UTF-8 or UTF-16, streamed. One JSON line per
    /// record (agreement), or per changed record (impact); bad records are reported in place.
    /// Exit status: 0 when it ran (agreement is data), 1 under --fail-below, 2 unusable input.
    Replay {
        #[command(flatten)]
        load: LoadArgs,
        /// A changed tenant: report what it would change instead of agreement.
        #[arg(long, value_name = "PATH")]
        proposed: Option<PathBuf>,
        /// The sign-in records (a file, or `-` for standard input).
        #[arg(long, value_name = "FILE")]
        signins: String,
        /// Write the per-record lines here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Agreement: write only the records that do not fully agree.
        #[arg(long, conflicts_with = "proposed")]
        differences_only: bool,
        /// Agreement: exit 1 when fewer than this percentage of records agree fully.
        #[arg(long, value_name = "PCT", conflicts_with = "proposed")]
        fail_below: Option<f64>,
        /// Also write the summary as JSON to this file.
        #[arg(long, value_name = "FILE")]
        summary: Option<PathBuf>,
    },
    /// Every region of the sign-in condition space where a password alone is enough: no
    /// enforced policy that applies there requires MFA, an authentication strength, or blocks
    /// (docs/ANALYSIS.md).
    ///
    /// Walks the compiled table's classes (user classes, applications, address classes,
    /// countries, platforms, client apps, flows, device states, risks) instead of sampling, so
    /// the answer is complete. Each region carries a witness What If body `eval` accepts.
    /// Exit status: 0 when it ran (gaps are data), 2 unusable tenant or option.
    Gaps {
        #[command(flatten)]
        load: LoadArgs,
        /// What counts as protection: a comma-separated list of mfa, strength, block,
        /// compliantDevice, domainJoinedDevice, approvedApplication, compliantApplication,
        /// passwordChange, termsOfUse, custom.
        #[arg(long, value_name = "LIST", default_value = "mfa,strength,block")]
        strong: String,
        /// Treat report-only policies as enforced (what switching them on would close).
        #[arg(long)]
        include_report_only: bool,
        /// Read the directory (time-bound memberships) at this instant (default: now).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Instead of the report: for each request of this file (JSON Lines What If bodies),
        /// one JSON line naming the gap region it falls in (or null).
        #[arg(long, value_name = "REQUESTS")]
        classify: Option<String>,
        /// Nodes the walk may visit before it stops and says so.
        #[arg(long, value_name = "N", default_value_t = 5_000_000)]
        max_nodes: u64,
    },
    /// Every region whose outcome changes between two tenants, for a session profile: decision,
    /// requirements, deny reasons, session controls, with the policies responsible on each side
    /// and a witness (docs/ANALYSIS.md). Renamed or re-ordered equivalent policies change
    /// nothing. Exit status: 0 when it ran, 2 unusable tenant or option.
    Diff {
        /// The tenant before the change (bundle file or export directory).
        #[arg(long, value_name = "PATH")]
        before: PathBuf,
        /// The tenant after the change.
        #[arg(long, value_name = "PATH")]
        after: PathBuf,
        /// What the sign-ins have proven: authentication method names, `mfa`
        /// (microsoftAuthenticatorPush), `terms` (every agreement accepted), `passwordChanged`.
        #[arg(long, value_name = "LIST", default_value = "password")]
        session: String,
        /// Read the directories at this instant (default: now).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Instead of the report: for each request of this file, the changed region it falls in.
        #[arg(long, value_name = "REQUESTS")]
        classify: Option<String>,
        /// Nodes the walk may visit, and class indices the changed cells it finds may list, before it
        /// stops and says so.
        #[arg(long, value_name = "N", default_value_t = 5_000_000)]
        max_nodes: u64,
        /// Accept tenants without any conditional access policy.
        #[arg(long)]
        allow_empty: bool,
        /// Accept policies that include named locations the export does not define.
        #[arg(long)]
        allow_dangling: bool,
    },
    /// Run expected-outcome tests: files of named sign-in and activation cases, each with what
    /// its decision must be (docs/TESTING.md).
    ///
    /// Prints each case (ok, FAIL with a diff and the policies responsible, ERROR), then a
    /// summary. Exit status: 0 all passed, 1 some failed (or coverage below --min-coverage), 2
    /// the tenant, a file or a case is unusable.
    Test {
        #[command(flatten)]
        load: LoadArgs,
        /// Test files (.json, .yaml, .yml) or directories to search for them.
        #[arg(value_name = "FILES|DIRS", required = true)]
        paths: Vec<PathBuf>,
        /// `compiled` (default), or `both` to decide every case with the reference evaluator
        /// too and fail any case where the two disagree.
        #[arg(long, value_enum, default_value = "compiled")]
        engine: TestEngine,
        /// Run only cases with this tag, or whose name contains it.
        #[arg(long, value_name = "TAG|NAME")]
        filter: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// List the policies no case applied, and those that never decided an outcome.
        #[arg(long)]
        coverage: bool,
        /// Fail (exit 1) when fewer than this percentage of the enabled and report-only
        /// policies applied in some case.
        #[arg(long, value_name = "PCT")]
        min_coverage: Option<f64>,
    },
    /// Check a tenant export against Entra's limits and for consistency.
    ///
    /// Exit status: 0 when the tenant is usable (warnings allowed), 1 when it has errors (or
    /// warnings under --strict), 2 when it cannot be read at all.
    Validate {
        #[command(flatten)]
        load: LoadArgs,
        /// Treat limit warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Report a policy that locks out every account (`lockout`) as a warning, not an error.
        #[arg(long)]
        allow_lockout: bool,
        /// List the members of the Office365 and MicrosoftAdminPortals groups in use.
        #[arg(long)]
        app_groups: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Which evaluators `jitgate test` runs.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum TestEngine {
    /// The compiled engine.
    Compiled,
    /// The compiled engine and the reference evaluator, which must agree.
    Both,
}

#[derive(Subcommand)]
enum GenerateWhat {
    /// A tenant bundle (JSON) at Entra's limits or small.
    Tenant {
        /// Size.
        #[arg(long, value_enum, default_value = "limits")]
        size: bench_cmd::Size,
        /// Seed.
        #[arg(long, default_value_t = bench_cmd::SEED)]
        seed: u64,
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Sign-in log records (Graph `signIn` JSON Lines) for a tenant, with the per-policy
    /// results the reference evaluator gives them.
    Signinlogs {
        /// The tenant (default: a generated small tenant).
        #[arg(long, value_name = "PATH")]
        tenant: Option<PathBuf>,
        /// How many records.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Seed.
        #[arg(long, default_value_t = bench_cmd::SEED)]
        seed: u64,
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Sign-in requests (JSON Lines) for a generated tenant of the same size and seed.
    Requests {
        /// Size of the tenant they target.
        #[arg(long, value_enum, default_value = "limits")]
        size: bench_cmd::Size,
        /// How many.
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Seed.
        #[arg(long, default_value_t = bench_cmd::SEED)]
        seed: u64,
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Starts the worker pool: at most 4 threads per core (§1.6b), so a typo cannot spend half a
/// minute starting threads.
fn threads(n: Option<usize>) -> Result<(), ExitCode> {
    let Some(n) = n else {
        return Ok(());
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if n == 0 || n > 4 * cores {
        note!(
            "jitgate: --threads must be between 1 and {} (4 per core on this machine)",
            4 * cores
        );
        return Err(ExitCode::from(2));
    }
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
    {
        note!("jitgate: cannot start {n} threads: {e}");
        return Err(ExitCode::from(2));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Eval {
            load,
            requests,
            explain,
            assume_worst,
            output,
            engine,
            threads,
        } => {
            if let Err(code) = self::threads(threads) {
                return code;
            }
            eval_cmd::run_eval(&eval_cmd::EvalOptions {
                load: &load,
                requests: &requests,
                explain,
                assume_worst,
                output: output.as_deref(),
                engine,
            })
        }
        Command::Activate {
            load,
            requests,
            explain,
            output,
            engine,
        } => activate_cmd::run(&load, &requests, explain, output.as_deref(), engine),
        Command::Generate { what } => match what {
            GenerateWhat::Tenant { size, seed, output } => {
                bench_cmd::generate_tenant(size, seed, output.as_deref())
            }
            GenerateWhat::Signinlogs {
                tenant,
                count,
                seed,
                output,
            } => {
                bench_cmd::generate_sign_in_logs(tenant.as_deref(), count, seed, output.as_deref())
            }
            GenerateWhat::Requests {
                size,
                count,
                seed,
                output,
            } => bench_cmd::generate_requests(size, count, seed, output.as_deref()),
        },
        Command::Bench {
            tenant,
            size,
            requests,
            count,
            engine,
            threads,
            seconds,
            seed,
            stage,
        } => {
            if let Err(code) = self::threads(threads) {
                return code;
            }
            bench_cmd::run(&bench_cmd::BenchOptions {
                tenant,
                size,
                requests,
                count,
                engine,
                seconds,
                seed,
                stage,
            })
        }
        Command::Whatif {
            load,
            request,
            json,
            applied_only,
            color,
            width,
        } => {
            let layout = whatif::Layout::for_stdout(width, color, applied_only);
            eval_cmd::run_whatif(&load, &request, json, layout)
        }
        Command::Replay {
            load,
            proposed,
            signins,
            output,
            differences_only,
            fail_below,
            summary,
        } => replay_cmd::run(&replay_cmd::ReplayArgs {
            load: &load,
            proposed: proposed.as_deref(),
            signins: &signins,
            output: output.as_deref(),
            differences_only,
            fail_below,
            summary_json: summary.as_deref(),
        }),
        Command::Gaps {
            load,
            strong,
            include_report_only,
            at,
            json,
            classify,
            max_nodes,
        } => analysis_cmd::run_gaps(&analysis_cmd::GapArgs {
            load: &load,
            strong: &strong,
            include_report_only,
            at: at.as_deref(),
            json,
            classify: classify.as_deref(),
            max_nodes,
        }),
        Command::Diff {
            before,
            after,
            session,
            at,
            json,
            classify,
            max_nodes,
            allow_empty,
            allow_dangling,
        } => analysis_cmd::run_diff(&analysis_cmd::DiffArgs {
            before: &before,
            after: &after,
            options: jitgate::LoadOptions::default()
                .allow_empty(allow_empty)
                .allow_dangling(allow_dangling)
                .leave_trees_to_exit(true),
            session: &session,
            at: at.as_deref(),
            json,
            classify: classify.as_deref(),
            max_nodes,
        }),
        Command::Test {
            load,
            paths,
            engine,
            filter,
            json,
            junit,
            coverage,
            min_coverage,
        } => test_cmd::run(&test_cmd::TestArgs {
            load: &load,
            paths: &paths,
            both_engines: engine == TestEngine::Both,
            filter: filter.as_deref(),
            json,
            junit: junit.as_deref(),
            coverage,
            min_coverage,
        }),
        Command::Validate {
            load,
            strict,
            allow_lockout,
            app_groups,
            json,
        } => {
            let options = jitgate::ValidateOptions::default()
                .strict(strict)
                .lockout_is_error(!allow_lockout);
            validate_cmd::run(&load, options, json, app_groups)
        }
    }
}
