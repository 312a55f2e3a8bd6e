//! Copying to the clipboard through the terminal: OSC 52
//! (`ESC ] 52 ; c ; <base64> BEL`), which terminals (and tmux with
//! `set-clipboard on`) put on the clipboard, over SSH too. Rows are copied
//! as tab-separated lines under a header line, as spreadsheets paste them.

use std::io::Write;

use base64::Engine;

/// The escape sequence that puts `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

/// Sends `text` to the terminal's clipboard.
pub fn send(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

/// Rows as text: a header line, then one line per row, cells parted by
/// tabs (a tab or line break inside a cell becomes a space).
pub fn rows_text(header: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |cell: &str| cell.replace(['\t', '\n', '\r'], " ");
    let mut lines = vec![header.join("\t")];
    for row in rows {
        lines.push(row.iter().map(|c| clean(c)).collect::<Vec<_>>().join("\t"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc_52_carries_the_text_in_base64_and_rows_are_tab_separated() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        let rows = vec![
            vec!["1".to_owned(), "Ann\tLee".to_owned()],
            vec!["2".to_owned(), "Bo".to_owned()],
        ];
        assert_eq!(
            rows_text(&["ID", "Name"], &rows),
            "ID\tName\n1\tAnn Lee\n2\tBo"
        );
    }
}
