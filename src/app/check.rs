//! `modelgate check`: load, measure, judge, report, publish, exit.
//!
//! Result files from an earlier run at the requested paths are removed first, so that a
//! run ending in exit 2 leaves none behind; each file is then written whole (temporary
//! file and rename) before any network call. Everything from data, config or a server that
//! reaches stderr goes through [`escape::terminal`].

use std::io::{IsTerminal, Write};

use sha2::{Digest, Sha256};

use super::progress::Progress;
use super::{Error, guard, mlflow, write_file};
use crate::cli::CheckArgs;
use crate::config::{self, Overrides, Spec};
use crate::gate::{self, Outcome, Settings, Verdict};
use crate::measure::{self, Measurements};
use crate::publish;
use crate::report::{self, Run, escape};

/// Runs `check`; returns the exit code (0 pass, 1 blocked; errors are exit 2 / 3).
pub fn check(args: &CheckArgs) -> Result<i32, Error> {
    let outputs: Vec<&std::path::PathBuf> = [
        &args.json,
        &args.markdown,
        &args.junit,
        &args.metrics_txt,
        &args.html,
    ]
    .into_iter()
    .flatten()
    .collect();
    let config_file = std::fs::canonicalize(&args.config).ok();
    if let Some(p) = outputs
        .iter()
        .find(|p| config_file.is_some() && std::fs::canonicalize(p).ok() == config_file)
    {
        return Err(Error::Usage(format!(
            "{} is the config file; a report would overwrite it: choose another output path",
            p.display()
        )));
    }
    // `--commit-status` is the required check of the fork-safe flow: a run that could not
    // set it would leave that check pending for ever, so it is refused before judging.
    let mode = args.publish;
    let resolved = publish::resolve_mode(mode, &publish::Env::from_process());
    if args.commit_status && resolved != publish::Mode::GitHub {
        return Err(Error::Usage(format!(
            "--commit-status sets a GitHub commit status, but this run publishes to `{resolved}`: add --publish github (or run it inside GitHub Actions with --publish auto)"
        )));
    }
    // No stale "pass" from an earlier run may outlive a run that judges nothing.
    guard::remove_stale_outputs(outputs.iter().copied())?;
    let overrides = Overrides {
        candidate: args.candidate.clone(),
        baseline: args.baseline.clone(),
        seed: args.seed,
    };
    let origin = match &args.config_from {
        Some(reference) => config::Origin::GitRef(reference.clone()),
        None => config::Origin::WorkTree,
    };
    let (raw, text) = config::read_from(&origin, &args.config)?;
    let mut spec = config::extends::resolve(raw, &args.config, &overrides, &origin)?;
    let today = config::waiver::Date::today();
    config::waiver::expired(&spec.waivers, today, &spec.path)?;
    let mlflow_steps = mlflow::steps(args)?;
    if let Some(id) = &args.explain
        && !spec.gates.iter().any(|g| &g.id == id)
    {
        let ids: Vec<&str> = spec.gates.iter().map(|g| g.id.as_str()).collect();
        return Err(Error::Usage(format!(
            "--explain: no gate has the id `{id}`; the gates are {}",
            ids.join(", ")
        )));
    }
    // MLflow URIs become downloaded local files before `data` reads anything.
    let fetched = mlflow::fetch_inputs(&mut spec)?;
    mlflow_steps.check_candidate(&fetched)?;
    let progress = Progress::new(args.progress);
    progress.stage("reading and pairing the predictions");
    let html_slice = args.html_slice.as_deref().map(parse_slice).transpose()?;
    if args.html.is_some() && spec.task != config::Task::Binary {
        return Err(Error::Usage(format!(
            "--html draws a binary classifier's curves; `task: {}` has no HTML report yet (use --json and the Markdown report)",
            spec.task
        )));
    }
    let mut request = measure::paired_request(&spec);
    if let Some((col, _)) = &html_slice
        && !request
            .slicings
            .iter()
            .any(|s| s == std::slice::from_ref(col))
    {
        request.slicings.push(vec![col.clone()]);
    }
    let mut data = crate::data::load(&request).map_err(|e| fetched.relabel_error(e))?;
    fetched.relabel(&mut data);
    measure::check_probabilities(&spec, &data)?;
    let warnings: Vec<report::RunWarning> = guard::same_inputs(&spec, &data)?.into_iter().collect();
    guard::check_bootstrap_budget(&spec, &data)?;
    let extra = measure::Extra::load(&spec)?;
    let Measurements {
        measured,
        metrics,
        methods,
    } = measure::measure_all(&spec, &data, &extra, &mut |stage| {
        progress.stage(report::stage_text(&stage))
    });
    let slice_rows = match &html_slice {
        Some(s) => {
            Some(measure::charts::slice_rows(&data, s).map_err(|e| Error::Usage(e.to_string()))?)
        }
        None => None,
    };
    let charts = args.html.as_ref().map(|_| {
        measure::charts::charts(&data, spec.threshold, extra.reference_scores(), slice_rows)
    });
    progress.finish();

    let settings = Settings {
        min_slice: spec.min_slice,
        confidence: spec.confidence,
    };
    let mut outcomes: Vec<Outcome> = spec
        .gates
        .iter()
        .zip(&measured)
        .flat_map(|(g, m)| gate::judge(g, m, &settings))
        .collect();
    let mut warnings = warnings;
    warnings.extend(waive(&mut outcomes, &spec, today));
    let not_judged = gate::not_judged(&spec.gates, &outcomes);
    let verdict = Verdict::of_run(&outcomes, &not_judged, spec.on_nothing_judged);
    let run = Run {
        name: spec.name.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        config_path: match &args.config_from {
            Some(r) => format!("{r}:{}", args.config.display()),
            None => args.config.display().to_string(),
        },
        config_sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        candidate: data.candidate_file.clone(),
        baseline: data.baseline_file.clone(),
        seed: spec.seed,
        confidence: spec.confidence,
        threshold: spec.threshold,
        outcomes,
        verdict,
        metrics,
        methods,
        not_judged,
        on_nothing_judged: spec.on_nothing_judged,
        warnings,
        origins: fetched.origins(),
        reference: extra.reference_file(),
        skew: extra.skew,
        gate_sources: spec
            .gates
            .iter()
            .map(|g| g.id.clone())
            .zip(spec.gate_sources.iter().cloned())
            .collect(),
        policies: spec.policies.clone(),
    };

    if let Some(id) = &args.explain {
        print!("{}", report::explain(&spec, &run, id));
        return Ok(run.exit_code());
    }

    // Every requested file is written before any network call (docs/contract.md §1).
    let mut document = report::markdown(&run);
    // The comment links to the HTML report where the CI says its artifacts live.
    if let Some(link) = args
        .html
        .as_deref()
        .and_then(|p| publish::html_report_url(&publish::Env::from_process(), p))
    {
        let at = document.sections.len().min(1);
        document.sections.insert(at, report::html_link(&link));
    }
    let md = document.render();
    if let Some(p) = &args.json {
        write_file(p, &report::result_json(&run))?;
    }
    if let Some(p) = &args.junit {
        write_file(p, &report::junit_xml(&run))?;
    }
    if let (Some(p), Some(c)) = (&args.html, &charts) {
        write_file(p, &report::html(&run, c))?;
    }
    if let Some(p) = &args.metrics_txt {
        write_file(p, &report::openmetrics(&run))?;
    }
    match &args.markdown {
        Some(p) => write_file(p, &md)?,
        None => print_report(&run, &md),
    }
    let stderr_color = use_color(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    eprint!("{}", report::summary(&run, stderr_color));

    let code = run.exit_code();
    // Always: `--publish none` still writes the Actions outputs, summary and annotations.
    {
        let annotations = report::annotations(&run);
        let publication = publish::Publication {
            name: &spec.name,
            document: &document,
            verdict: verdict.as_str(),
            exit_code: code,
            report_path: args.markdown.as_deref().or(args.json.as_deref()),
            annotations: &annotations,
        };
        let env = publish::Env::from_process();
        let opts = publish::Options {
            mode,
            pr: args.pr,
            strict: args.strict_publish,
            commit_status: args.commit_status,
        };
        match publish::publish(&publication, &env, &opts) {
            Ok(done) => {
                for n in &done.notes {
                    eprintln!("modelgate: {}", escape::terminal(n));
                }
                for w in &done.warnings {
                    eprintln!("modelgate: warning: {}", escape::terminal(w));
                }
            }
            Err(e) if args.strict_publish => {
                return Err(Error::Publish {
                    message: e.to_string(),
                });
            }
            Err(e) => eprintln!(
                "modelgate: warning: could not publish the report: {}",
                escape::terminal(&e.to_string())
            ),
        }
    }
    mlflow::after_verdict(args, &mlflow_steps, &run, &md)?;
    Ok(code)
}

/// Applies the config's waivers; a waiver that matched nothing becomes a run warning.
fn waive(
    outcomes: &mut [Outcome],
    spec: &Spec,
    today: config::waiver::Date,
) -> Vec<report::RunWarning> {
    gate::waive::apply(outcomes, &spec.waivers, today)
        .into_iter()
        .map(|w| report::RunWarning::UnmatchedWaiver {
            gate: w.gate.clone(),
            slice: config::waiver::slice_text(&w.slice),
            line: w.line,
        })
        .collect()
}

/// The report on stdout: a plain, coloured table for a person at a terminal, Markdown for
/// files and pipes.
fn print_report(run: &Run, md: &str) {
    let mut out = std::io::stdout().lock();
    let text = if out.is_terminal() {
        let color = use_color(true, std::env::var_os("NO_COLOR").as_deref());
        report::terminal(run, color)
    } else {
        md.to_string()
    };
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Colour on a terminal unless `NO_COLOR` is set to a non-empty value (no-color.org: "when
/// present and not an empty string").
fn use_color(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// `--html-slice COL=VALUE` split at the first `=`.
fn parse_slice(arg: &str) -> Result<(String, String), Error> {
    match arg.split_once('=') {
        Some((col, value)) if !col.trim().is_empty() => Ok((col.to_string(), value.to_string())),
        _ => Err(Error::Usage(format!(
            "--html-slice {arg:?}: write COLUMN=VALUE, e.g. --html-slice country=MX"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::use_color;
    use std::ffi::OsStr;

    #[test]
    fn an_empty_no_color_keeps_colour() {
        assert!(use_color(true, None));
        assert!(use_color(true, Some(OsStr::new(""))));
        assert!(!use_color(true, Some(OsStr::new("1"))));
        assert!(!use_color(false, None));
    }
}
