//! Template text in the Loghub convention.
//!
//! The Loghub-2.0 benchmark compares template text byte for byte with ground truth that was
//! normalised by the correction rules of Khan et al. (ICSE 2022, "Guidelines for assessing the
//! accuracy of log message template identification techniques"). [`loghub_correct`] applies the
//! same rules to a rendered template so that the miner's output follows that convention:
//!
//! * DS: whitespace runs become one space;
//! * PS: path-like pieces (`/a/b`) become `<*>`;
//! * BL/US: `true`, `false`, `null`, `root`, `admin` become `<*>`;
//! * DG: numbers become `<*>`;
//! * WV: a piece containing `<*>` becomes `<*>`;
//! * DV/CV: `<*>.<*>` and `<*><*>` collapse to `<*>`.
//!
//! This module only formats text; it does not decide what is variable.

/// Delimiters between pieces for the path rule.
fn is_path_delim(c: char) -> bool {
    c.is_whitespace() || ",!;:=|\"'[](){}".contains(c)
}

/// Delimiters between pieces for the word rules.
fn is_token_delim(c: char) -> bool {
    is_path_delim(c) || ".-+@#$%&".contains(c)
}

/// `(/[^/]+)+` matched against the whole piece.
fn is_path_piece(p: &str) -> bool {
    if !p.starts_with('/') || p.ends_with('/') {
        return false;
    }
    !p.contains("//")
}

/// Words that the convention treats as values.
fn is_value_word(p: &str) -> bool {
    ["true", "false", "null", "root", "admin"]
        .iter()
        .any(|w| p.eq_ignore_ascii_case(w))
}

/// `[^\s/]*<\*>[^\s/]*` matched against the whole piece (pieces hold no whitespace).
fn is_wildcard_piece(p: &str) -> bool {
    p.contains("<*>") && !p.contains('/')
}

/// Split `s` into pieces and the single-character delimiters between them, keeping both.
fn split_keep(s: &str, delim: fn(char) -> bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if delim(c) {
            out.push(&s[start..i]);
            out.push(&s[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// Apply the Loghub template-correction rules (see the module documentation).
pub fn loghub_correct(template: &str) -> String {
    let collapsed = template.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut t = String::with_capacity(collapsed.len());
    for p in split_keep(&collapsed, is_path_delim) {
        t.push_str(if is_path_piece(p) { "<*>" } else { p });
    }
    let mut out = String::with_capacity(t.len());
    for p in split_keep(&t, is_token_delim) {
        let var = is_value_word(p)
            || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            || (is_wildcard_piece(p) && p != "<*>/<*>");
        out.push_str(if var { "<*>" } else { p });
    }
    while out.contains("<*>.<*>") {
        out = out.replace("<*>.<*>", "<*>");
    }
    while out.contains("<*><*>") {
        out = out.replace("<*><*>", "<*>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::loghub_correct;

    #[test]
    fn rules() {
        assert_eq!(loghub_correct("a  b\t c "), "a b c");
        assert_eq!(loghub_correct("open /var/log/x failed"), "open <*> failed");
        assert_eq!(
            loghub_correct("rule: /var/www/html/"),
            "rule: /var/www/html/"
        );
        assert_eq!(loghub_correct("user root is TRUE"), "user <*> is <*>");
        assert_eq!(loghub_correct("took 12 ms"), "took <*> ms");
        assert_eq!(loghub_correct("blk_<*> x<*>y"), "<*> <*>");
        assert_eq!(loghub_correct("<*>.<*>.<*>:<*>"), "<*>:<*>");
        assert_eq!(loghub_correct("<*><*> a"), "<*> a");
        assert_eq!(loghub_correct("core.<*> node-<*>"), "core.<*> node-<*>");
        assert_eq!(loghub_correct("<*>/<*>:<*>"), "<*>/<*>:<*>");
        assert_eq!(loghub_correct("/<*>:<*>"), "<*>:<*>");
        assert_eq!(loghub_correct(""), "");
    }
}
