//! The `modelgate` binary: parse the command line, run the command, exit with its code.
//!
//! An error can quote a file, a config or a server: it is printed with every line prefixed
//! and control characters escaped, so that no part of it is read as a CI workflow command.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use modelgate::app;
use modelgate::cli::{Cli, Command};
use modelgate::report::escape;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; any other parse failure is usage (2).
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match &cli.command {
        Command::Check(args) => app::check(args),
        Command::Metrics(args) => app::metrics(args).map(|out| {
            print!("{out}");
            0
        }),
        Command::Validate(args) => app::validate(args).map(|msg| {
            println!("{msg}");
            0
        }),
        Command::Schema => {
            print!("{}", app::schema());
            Ok(0)
        }
        Command::Sql(args) => app::sql(args).map(|text| {
            print!("{text}");
            0
        }),
        Command::Init(args) => app::init(args).map(|msg| {
            eprintln!("{msg}");
            0
        }),
        Command::Completions(args) => {
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "modelgate",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("{}", escape::terminal_lines(&e.to_string(), "modelgate: "));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
