//! User-given header formats (`--log-format`) in the Loghub/Drain convention.
//!
//! `<Date> <Time> <Level> <Component>: <Content>` becomes the regex the Loghub tools build:
//! each `<Field>` a lazy group, the text between fields regex syntax (so `\[` is a bracket and
//! `(\[<PID>\])?` an optional group) with every run of spaces matching any run of whitespace,
//! anchored at both ends and matched against the line without surrounding whitespace. The
//! `Content` field is the message, byte for byte what those tools produce. Fields holding the
//! timestamp are found by name (Date, Time, Timestamp, Month, Day, ...) and by value (the
//! field, or run of adjacent fields, whose text parses as a time on most sample lines), then
//! read with the same parsers as detected formats; a `Level` field is normalised.
//!
//! Lines the format does not match go to the per-line fallback.

use std::borrow::Cow;

mod fast;

use regex_automata::util::primitives::NonMaxUsize;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, PatternID, meta};

use super::time::{self, Family, TimeCfg};
use super::{Record, RecordError, Timestamp, level_token};

/// Capture slots available per match (two per group, group 0 included): formats with more
/// than 31 groups are rejected so that matching needs no heap allocation per line.
const MAX_SLOTS: usize = 64;

/// Most fields a format may have (one capture group each, within [`MAX_SLOTS`]).
const MAX_FIELDS: usize = MAX_SLOTS / 2 - 1;

/// Field spans of one match: (start, end) per field, `(usize::MAX, 0)` when a field did not
/// take part.
type Spans = [(usize, usize); MAX_FIELDS];

/// Compiled size limit for the format's regex, so a pathological format fails with an error
/// instead of exhausting memory (10 MiB, the `regex` crate's own default).
const REGEX_SIZE_LIMIT: usize = 10 << 20;

/// What a field holds, judged by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Content,
    Level,
    Component,
    Time,
    Other,
}

fn role_of(name: &str) -> Role {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "content" => Role::Content,
        "level" | "severity" | "lvl" | "loglevel" | "priority" => Role::Level,
        "component" | "program" | "logger" | "module" => Role::Component,
        "ts" | "clock" => Role::Time,
        _ if ["date", "time", "stamp", "day", "month", "year"]
            .iter()
            .any(|w| n.contains(w)) =>
        {
            Role::Time
        }
        _ => Role::Other,
    }
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    group: usize,
    role: Role,
}

/// A parsed and compiled `--log-format`.
#[derive(Debug, Clone)]
pub struct LogFormat {
    source: String,
    regex: meta::Regex,
    /// The same format for the fast matcher, when it stays within its subset.
    fast: Option<fast::Program>,
    fields: Vec<Field>,
    content: usize,
    slot_len: usize,
}

impl LogFormat {
    /// Parses a format string such as `<Date> <Time> <Level> \[<Process>\] <Component>: <Content>`.
    pub fn parse(format: &str) -> Result<LogFormat, RecordError> {
        let err = |reason: String| RecordError::LogFormat {
            format: format.to_owned(),
            reason,
        };
        let mut pattern = String::from("^");
        let mut names: Vec<&str> = Vec::new();
        let mut pieces = Vec::new();
        let mut rest = format;
        while !rest.is_empty() {
            let (literal, field, after) = split_field(rest);
            push_literal(&mut pattern, literal);
            pieces.push(fast::Piece::Literal(literal));
            if let Some(name) = field {
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(err(format!(
                        "field <{name}> is not a name; use letters, digits and _"
                    )));
                }
                if names.contains(&name) {
                    return Err(err(format!("field <{name}> appears twice")));
                }
                names.push(name);
                pieces.push(fast::Piece::Field);
                pattern.push_str("(?P<");
                pattern.push_str(name);
                pattern.push_str(">(?-u:.)*?)");
            }
            rest = after;
        }
        pattern.push('$');
        if !names.iter().any(|n| role_of(n) == Role::Content) {
            return Err(err("it has no <Content> field".to_owned()));
        }
        let regex = meta::Regex::builder()
            .syntax(syntax::Config::new().utf8(false))
            .configure(
                meta::Regex::config()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
            )
            .build(&pattern)
            .map_err(|e| err(e.to_string()))?;
        let slot_len = regex.group_info().slot_len();
        if slot_len > MAX_SLOTS {
            return Err(err(format!(
                "it has {} groups; at most {} are supported",
                slot_len / 2 - 1,
                MAX_SLOTS / 2 - 1
            )));
        }
        let mut fields = Vec::with_capacity(names.len());
        for name in names {
            let group = regex
                .group_info()
                .to_index(PatternID::ZERO, name)
                .ok_or_else(|| err(format!("field <{name}> did not compile into a group")))?;
            fields.push(Field {
                name: name.to_owned(),
                group,
                role: role_of(name),
            });
        }
        let content = fields
            .iter()
            .position(|f| f.role == Role::Content)
            .ok_or_else(|| err("it has no <Content> field".to_owned()))?;
        let fast = fast::Program::compile(&pieces);
        Ok(LogFormat {
            source: format.to_owned(),
            regex,
            fast,
            fields,
            content,
            slot_len,
        })
    }

    /// The format as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The field names, in order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name.as_str())
    }

    /// Matches a stripped line; fills `spans` and returns whether it matched.
    #[inline]
    fn matches(&self, line: &[u8], spans: &mut Spans) -> bool {
        if let Some(fast) = &self.fast {
            if let Some(m) = fast.matches(line, spans) {
                return m;
            }
        }
        let mut slots = [None; MAX_SLOTS];
        let input = Input::new(line).anchored(Anchored::Yes);
        if self
            .regex
            .search_slots(&input, &mut slots[..self.slot_len])
            .is_none()
        {
            return false;
        }
        let pos = |s: Option<&Option<NonMaxUsize>>| s.copied().flatten().map(NonMaxUsize::get);
        for (i, f) in self.fields.iter().enumerate() {
            spans[i] = match (pos(slots.get(2 * f.group)), pos(slots.get(2 * f.group + 1))) {
                (Some(a), Some(b)) => (a, b),
                _ => (usize::MAX, 0),
            };
        }
        true
    }

    /// Whether lines are matched by the fast matcher (tests compare both paths).
    #[cfg(test)]
    fn has_fast_path(&self) -> bool {
        self.fast.is_some()
    }

    /// The same format without the fast matcher.
    #[cfg(test)]
    fn regex_only(&self) -> LogFormat {
        LogFormat {
            fast: None,
            ..self.clone()
        }
    }
}

/// Splits off the text before the first `<Name>` (a `<` followed by at least one character
/// other than `<` `>` and then `>`, as the Loghub tools split), the name, and the rest.
fn split_field(s: &str) -> (&str, Option<&str>, &str) {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let open = i + off;
        match memchr::memchr2(b'<', b'>', &b[open + 1..]) {
            Some(k) if b[open + 1 + k] == b'>' && k > 0 => {
                let close = open + 1 + k;
                return (&s[..open], Some(&s[open + 1..close]), &s[close + 1..]);
            }
            _ => i = open + 1,
        }
    }
    (s, None, "")
}

/// Appends literal format text: regex syntax, with each run of spaces matching any whitespace.
fn push_literal(pattern: &mut String, literal: &str) {
    let mut in_spaces = false;
    for c in literal.chars() {
        if c == ' ' {
            if !in_spaces {
                // Python's `\s` also matches the separators 0x1c..=0x1f; Rust's does not.
                pattern.push_str(r"[\s\x1C-\x1F]+");
            }
            in_spaces = true;
        } else {
            pattern.push(c);
            in_spaces = false;
        }
    }
}

/// A user format plus what the sample taught about its timestamp fields.
#[derive(Debug, Clone)]
pub(crate) struct UserFormat {
    format: LogFormat,
    /// First and last field (indices into `fields`) of the timestamp text.
    time: Option<(usize, usize)>,
    family: Option<Family>,
}

/// The span of field `i`, if it took part in the match.
#[inline]
fn span(spans: &Spans, i: usize) -> Option<(usize, usize)> {
    spans.get(i).copied().filter(|&(s, e)| s <= e)
}

impl UserFormat {
    /// Picks the timestamp fields: the candidate span whose text parses as a time on the most
    /// sample lines; time-like names win ties, then longer spans, then earlier ones.
    pub(crate) fn learn(format: &LogFormat, lines: &[&[u8]], cfg: &TimeCfg) -> UserFormat {
        let fields = &format.fields;
        let mut cands: Vec<(usize, usize, bool)> = Vec::new();
        let mut i = 0;
        while i < fields.len() {
            if fields[i].role != Role::Time {
                i += 1;
                continue;
            }
            let mut j = i;
            while fields.get(j + 1).is_some_and(|f| f.role == Role::Time) {
                j += 1;
            }
            for a in i..=j {
                for b in a..=j {
                    cands.push((a, b, true));
                }
            }
            i = j + 1;
        }
        for (k, f) in fields.iter().enumerate() {
            if matches!(f.role, Role::Other | Role::Level | Role::Component) {
                cands.push((k, k, false));
            }
        }
        let mut hits = vec![0usize; cands.len()];
        let mut families: Vec<Option<Family>> = vec![None; cands.len()];
        let mut spans = [(usize::MAX, 0); MAX_FIELDS];
        for line in lines {
            if !format.matches(line, &mut spans) {
                continue;
            }
            for (c, &(a, b, _)) in cands.iter().enumerate() {
                let (Some((s, _)), Some((_, e))) = (span(&spans, a), span(&spans, b)) else {
                    continue;
                };
                let Some(text) = line.get(s..e) else { continue };
                let text = super::scan::strip(text);
                if let Some(found) = time::probe(text, 0, cfg).filter(|f| f.end == text.len()) {
                    hits[c] += 1;
                    families[c].get_or_insert(found.family);
                }
            }
        }
        let best = (0..cands.len()).filter(|&c| hits[c] > 0).max_by_key(|&c| {
            let (a, b, by_name) = cands[c];
            (hits[c], by_name, b - a, std::cmp::Reverse(a))
        });
        UserFormat {
            format: format.clone(),
            time: best.map(|c| (cands[c].0, cands[c].1)),
            family: best.and_then(|c| families[c]),
        }
    }

    pub(crate) fn source(&self) -> &str {
        &self.format.source
    }

    /// Splits a stripped line, or `None` if the format does not match it.
    pub(crate) fn parse<'a>(&self, line: &'a [u8], cfg: &TimeCfg) -> Option<Record<'a>> {
        let f = &self.format;
        let mut spans = [(usize::MAX, 0); MAX_FIELDS];
        if !f.matches(line, &mut spans) {
            return None;
        }
        let text = |i: usize| span(&spans, i).and_then(|(s, e)| line.get(s..e));
        let ts = self.time.and_then(|(a, b)| {
            let (s, _) = span(&spans, a)?;
            let (_, e) = span(&spans, b)?;
            self.read_time(line.get(s..e)?, cfg)
        });
        let mut level = None;
        let mut component = None;
        for (i, field) in f.fields.iter().enumerate() {
            match field.role {
                Role::Level if level.is_none() => {
                    level = text(i).and_then(|t| level_token(t, true))
                }
                Role::Component if component.is_none() => component = text(i),
                _ => {}
            }
        }
        Some(Record {
            ts,
            level,
            component,
            message: Cow::Borrowed(text(f.content).unwrap_or_default()),
        })
    }

    fn read_time(&self, text: &[u8], cfg: &TimeCfg) -> Option<Timestamp> {
        self.family
            .and_then(|fam| time::parse_whole_as(text, fam, cfg))
            .or_else(|| time::parse_whole(text, cfg))
    }

    pub(crate) fn parse_time(&self, text: &[u8], cfg: &TimeCfg) -> Option<Timestamp> {
        self.read_time(text, cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_loghub_tools() {
        assert_eq!(split_field("a <B> c"), ("a ", Some("B"), " c"));
        assert_eq!(split_field("x<<B>"), ("x<", Some("B"), ""));
        assert_eq!(split_field("<>x"), ("<>x", None, ""));
        let mut p = String::new();
        push_literal(&mut p, r"  \[x ");
        assert_eq!(p, r"[\s\x1C-\x1F]+\[x[\s\x1C-\x1F]+");
    }

    #[test]
    fn bad_formats_are_errors_that_say_why() {
        for (f, want) in [
            ("<Date> <Time>", "no <Content>"),
            ("<Date> <Date> <Content>", "twice"),
            ("<1x> <Content>", "not a name"),
            ("<Date> [<Content>", "invalid --log-format"),
            ("<Da te> <Content>", "not a name"),
        ] {
            let e = LogFormat::parse(f).unwrap_err().to_string();
            assert!(e.contains(want), "{f}: {e}");
        }
        let many = format!("{}<Content>", "(a)".repeat(40));
        let e = LogFormat::parse(&many).unwrap_err().to_string();
        assert!(e.contains("groups"), "{e}");
    }

    /// Formats in the fast matcher's subset, from the Loghub benchmark and a few more.
    const FAST_FORMATS: &[&str] = &[
        "<Date> <Time> <Pid> <Level> <Component>: <Content>",
        r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
        r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
        r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
        r"\[<Time>\] \[<Level>\] <Content>",
        "<A><B> <Content>",
        r"<A>(: <B>)? <Content>",
    ];

    proptest::proptest! {
        #[test]
        fn fast_matcher_agrees_with_the_regex(
            which in 0..FAST_FORMATS.len(),
            line in "[a1: \t\\[\\]@\\-\x1c]{0,40}",
        ) {
            let f = LogFormat::parse(FAST_FORMATS[which]).unwrap();
            proptest::prop_assert!(f.has_fast_path());
            let slow = f.regex_only();
            let line = super::super::scan::strip(line.as_bytes());
            let mut a = [(usize::MAX, 0); MAX_FIELDS];
            let mut b = [(usize::MAX, 0); MAX_FIELDS];
            let (ma, mb) = (f.matches(line, &mut a), slow.matches(line, &mut b));
            proptest::prop_assert_eq!(ma, mb);
            if ma {
                proptest::prop_assert_eq!(a, b);
            }
        }
    }
}
