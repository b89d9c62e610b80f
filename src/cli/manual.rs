//! `roster completions SHELL` and `roster man`: made from the clap definitions, so
//! they never disagree with `--help`.

use std::io::Write;

use clap::CommandFactory;

use super::{Args, Exit};

/// The whole command line, as clap knows it.
pub fn command() -> clap::Command {
    Args::command()
}

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Exit> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "roster", &mut out);
    write_out(&out)
}

/// Writes the manual page, roff, to stdout: `roster` with every subcommand in it.
pub fn man() -> Result<(), Exit> {
    let mut out = Vec::new();
    render_man(&mut out).map_err(|e| Exit::Refused(format!("cannot write the page: {e}")))?;
    write_out(&out)
}

/// The manual page of `roster` and, after it, a section per subcommand (`users
/// delete`…), so that one page documents everything.
pub fn render_man(out: &mut Vec<u8>) -> std::io::Result<()> {
    let cmd = command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    // Every subcommand has its section below (not a page of its own to refer to).
    for (path, sub) in leaves(&cmd, "roster") {
        writeln!(out, ".SH \"{}\"", path.to_uppercase())?;
        let mut page = Vec::new();
        let sub = sub.clone().bin_name(path);
        let sub_man = clap_mangen::Man::new(sub.clone());
        sub_man.render_synopsis_section(&mut page)?;
        sub_man.render_description_section(&mut page)?;
        sub_man.render_options_section(&mut page)?;
        // Each part's headings become subheadings of this section.
        let text = String::from_utf8_lossy(&page).replace(".SH ", ".SS ");
        out.write_all(text.as_bytes())?;
    }
    writeln!(out, ".SH \"EXIT STATUS\"\n{}", roff_text(super::EXIT_CODES))?;
    writeln!(
        out,
        ".SH \"SEE ALSO\"\nThe README and docs/cli.md, in /usr/share/doc/roster/ when \
         installed from the package."
    )?;
    man.render_version_section(out)?;
    Ok(())
}

/// `text` as a roff paragraph: backslashes and leading dots or quotes would be
/// read as requests.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.' | '\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// Every command without subcommands of its own, with its full name.
fn leaves<'a>(cmd: &'a clap::Command, prefix: &str) -> Vec<(String, &'a clap::Command)> {
    let mut out = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let path = format!("{prefix} {}", sub.get_name());
        if sub.has_subcommands() {
            out.extend(leaves(sub, &path));
        } else {
            out.push((path, sub));
        }
    }
    out
}

fn write_out(bytes: &[u8]) -> Result<(), Exit> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Exit::Refused(format!("cannot write: {e}")))
        }
        _ => Ok(()),
    }
}
