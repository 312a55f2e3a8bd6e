//! `casting-server completions SHELL` and `casting-server man`: shell
//! completion scripts and the manual page, generated from the very clap
//! definitions that parse the command line, so they cannot drift from it.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::config::Cli;

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut impl Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    clap_complete::generate(shell, &mut command, name, out);
    out.flush().context("cannot write the completion script")
}

/// Writes the manual page (roff, section 1) to `out`, with a section per
/// subcommand.
pub fn man_page(out: &mut impl Write) -> anyhow::Result<()> {
    let command = Cli::command();
    clap_mangen::Man::new(command)
        .render(out)
        .context("cannot write the manual page")?;
    out.flush().context("cannot write the manual page")
}
