//! Suspicious content: text that reads like instructions to a language model.
//!
//! Log lines are attacker-controlled (a user name, a URL, a chat message all end up in logs),
//! and a model summarising them may follow instructions hidden inside. This module finds
//! such text and marks it for quarantine. It owns the phrase rules, the hidden-character
//! rule and the base64 rule; the parent module turns the marks into `<SUSPICIOUS_n>`
//! placeholders and audit entries.
//!
//! # Rules and their precision
//!
//! A false positive hides a value from the model; a false negative lets an attacker steer
//! it. The rules therefore lean to catching, while keeping ordinary log wording clean:
//!
//! * Phrases that address a model or override its instructions ("ignore previous
//!   instructions", "disregard the above", "you are now", "system prompt", "act as an AI",
//!   "the summary must say", "do not mention", "respond only with"). Verbs are matched as
//!   whole words, so "ignoring previous checkpoint" or "acted as proxy" stay. The override
//!   verbs (ignore, disregard, forget, override, bypass) count even when glued to what comes
//!   before them (`user=bob42ignore previous instructions`): a model reads them all the same. "act as" alone
//!   counts only at the start of a sentence or after "you"/"please"
//!   ("the node will act as leader" stays).
//! * Chat-template role markers (`<|im_start|>`, `[INST]`, `<<SYS>>`, `### Instruction`,
//!   `assistant:`, `"role": "system"`) always count. `system:` counts only when the same
//!   line goes on to address someone (`you`, `your`, `must`, `ignore`, `respond`, ...):
//!   "system: boot complete" stays, "system: you must reply OK" does not. `user:` never
//!   counts on its own: it is everywhere in logs.
//! * Fake answers in the summary's own format (`"headline":`, `"findings":`,
//!   `"root_cause":`), prompt-envelope tags (`</logs>`, `<system>`, `<instructions>`) and
//!   banner-style delimiters (`=== END OF LOGS ===`).
//! * Markup that acts when rendered: markdown images, `javascript:` links, HTML tags such as
//!   `<script>`/`<img>`/`<iframe>`, event handlers, HTML comments and code fences.
//! * Invisible characters: zero-width, bidi controls, tag characters (invisible ASCII),
//!   variation selectors 17-256. A byte order mark at the very start is not counted.
//! * Base64: a run that decodes to readable text is suspicious by itself (nothing in a log
//!   needs to hide prose), and is marked as an instruction when the decoded text matches a
//!   phrase rule (checked two levels deep). A random-looking run of 64 or more characters
//!   is suspicious too. Hex (hashes, ids) never counts.
//!
//! Phrases are also looked for in a folded view of the text (look-alike letters, fullwidth
//! and styled letters, `%XX`/`\uXXXX`/HTML escapes decoded, invisible characters removed).
//!
//! What gets replaced: a phrase, marker or hidden character quarantines the rest of its line
//! from the start of the enclosing double-quoted string (or from the match when it is not
//! in one), since the words after a trigger are the payload. A base64 run quarantines only
//! itself.
//!
//! Known gaps: instructions split over several lines are caught only from the line with a
//! trigger; paraphrases without any trigger word, other languages, spaced-out letters and
//! leetspeak are not recognised.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::secrets::rx;
use super::{Cand, SuspiciousKind, b64, fold};

/// Separator between the words of a phrase: spaces, `+` (spaces in query strings) and the
/// punctuation attackers use to dodge a literal match (`ignore_previous-instructions`).
const S: &str = r"[\s_*~+\-]+";

struct Phrase {
    pattern: &'static str,
    kind: SuspiciousKind,
    desc: &'static str,
    /// Longest accepted match in bytes (0: any). A bounded repetition such as `.{0,120}`
    /// inside the pattern would multiply the automaton's size and push the regex engine off
    /// its fast path, so the bound is checked on the match instead.
    max_len: usize,
}

const fn p(pattern: &'static str, kind: SuspiciousKind, desc: &'static str) -> Phrase {
    Phrase {
        pattern,
        kind,
        desc,
        max_len: 0,
    }
}

use SuspiciousKind as K;

/// The phrase rules. `{S}` stands for [`S`]. All are case-insensitive.
const PHRASES: &[Phrase] = &[
    // Overriding instructions.
    p(
        r"(?:ignore|disregard|forget|bypass)\b[\s_*~+\-,:]+(?:(?:all|any|every|each|of|the|your|my|these|those|everything|anything|that|what){S}){0,3}(?:previous|prior|above|earlier|preceding|former|foregoing|original|initial|existing|system|safety|developer)\b",
        K::InstructionOverride,
        "tells the reader to ignore earlier or system instructions",
    ),
    p(
        r"(?:ignore|disregard|forget|override|bypass)\b[\s_*~+\-,:]+(?:(?:all|any|every|of|the|your|my|these|those|its|their){S}){0,3}(?:instructions?|prompts?|guidelines|guardrails|directives?|programming|system{S}(?:prompt|message)s?)\b",
        K::InstructionOverride,
        "tells the reader to ignore its instructions",
    ),
    p(
        r"(?:ignore|disregard|forget)\b[\s_*~+\-,:]+(?:everything|anything|all){S}(?:above|before|else|so{S}far|you{S}(?:were|have{S}been){S}told|you{S}know)\b",
        K::InstructionOverride,
        "tells the reader to forget what came before",
    ),
    p(
        r"\bforget{S}everything\b",
        K::InstructionOverride,
        "tells the reader to forget what came before",
    ),
    p(
        r"\bnew{S}(?:system{S})?(?:instructions?|directives?|prompt)\s*:",
        K::InstructionOverride,
        "announces new instructions",
    ),
    p(
        r"\b(?:updated|revised|real|actual|true|important|urgent|priority|additional|secret|hidden){S}(?:system{S})?instructions?\s*:",
        K::InstructionOverride,
        "announces new instructions",
    ),
    p(
        r"\binstructions?{S}(?:for|to){S}(?:the{S})?(?:ai|assistant|model|llm|language{S}model|summari[sz]er|analy[sz]er|bot|agent|chatbot)\b",
        K::InstructionOverride,
        "instructions addressed to an AI",
    ),
    // Changing the model's role.
    p(
        r"\byou{S}are{S}(?:now|no{S}longer)\b|\byou're{S}now\b",
        K::RoleChange,
        "tells the reader it is now someone else",
    ),
    p(
        r"\byour{S}(?:new|real|true|actual){S}(?:role|task|instructions?|persona|goal|job|purpose)\b",
        K::RoleChange,
        "gives the reader a new role",
    ),
    p(
        r"\b(?:from{S}now{S}on|henceforth|from{S}this{S}point{S}on)\b[\s_*~+\-,]*(?:you|your|always|only|never|respond|reply|answer|say|ignore|act|treat)\b",
        K::RoleChange,
        "sets a rule for the reader's future answers",
    ),
    p(
        r"\byou{S}(?:must|should|will|shall|need{S}to|have{S}to|are{S}to|can{S}now)(?:{S}(?:now|instead|only|always|never|not|just|simply))*{S}(?:ignore|respond|reply|answer|say|output|tell|act|pretend|forget|state|write|print|classify|conclude|summari[sz]e|disregard|obey|comply)\b",
        K::RoleChange,
        "tells the reader what to do",
    ),
    p(
        r"\b(?:pretend|imagine){S}(?:to{S}be|you{S}are|that{S}you|you're)\b",
        K::RoleChange,
        "asks the reader to pretend",
    ),
    p(
        r"\b(?:act|behave|respond|roleplay|role-play){S}as{S}(?:if{S}you|though{S}you|an?{S}(?:ai|assistant|language{S}model|llm|chatbot|unrestricted|unfiltered|jailbroken|different|new|helpful|evil|expert)|my)\b",
        K::RoleChange,
        "asks the reader to act as someone else",
    ),
    p(
        r#"(?m)(?:^[\s"'>*#\-]*|[.!?;"][\s_*~+\-]*|\b(?:you|please|now)(?:{S}(?:will|must|should|now|to|shall))*{S})act{S}as{S}(?:an?|the|if|though|my|your|someone|somebody)\b"#,
        K::RoleChange,
        "asks the reader to act as someone else",
    ),
    // Extracting the prompt or secrets.
    p(
        r"\bsystem\s+prompt\b",
        K::PromptExtraction,
        "mentions the system prompt",
    ),
    p(
        r"\b(?:reveal|print|show|repeat|leak|output|dump|display|tell{S}me|give{S}me){S}(?:me{S})?(?:your|the){S}(?:(?:system|initial|original|hidden|secret|full){S})?(?:prompt|instructions)\b",
        K::PromptExtraction,
        "asks for the reader's instructions",
    ),
    p(
        r"\binclude{S}(?:(?:all|the|any|every){S})*(?:api{S}keys?|secrets?|credentials|passwords?|tokens?|environment{S}variables){S}in{S}(?:the{S}|your{S})?(?:summary|report|answer|output|response)\b",
        K::PromptExtraction,
        "asks the reader to leak secrets into its answer",
    ),
    // Addressing the model.
    p(
        r"\b(?:dear|hey|hi|hello|note{S}to(?:{S}the)?|message{S}(?:to|for)(?:{S}the)?|attention[\s_*~+\-]*[,:!])[\s_*~+\-,:]*(?:ai|assistant|llm|model|language{S}model|chatgpt|gpt(?:-?\d\w*)?|claude|gemini|copilot|llama|mistral|summari[sz]er|analy[sz]er|agent|chatbot|bot)s?\b",
        K::AddressesModel,
        "addresses an AI directly",
    ),
    p(
        r"\bas\s+an?\s+(?:ai|large\s+language\s+model|language\s+model|llm|ai\s+assistant)\b",
        K::AddressesModel,
        "speaks as or to an AI",
    ),
    p(
        r"\b(?:ai|llm|assistant|chatgpt|claude|gpt|model|summari[sz]er|analy[sz]er|agent)[\s_*~+\-]*[,:][\s_*~+\-]*(?:please{S})?(?:ignore|report|say|respond|reply|summari[sz]e|tell|state|conclude|output|write|do{S}not|don't|never|always|classify|mark|disregard|forget)\b",
        K::AddressesModel,
        "gives an AI an order",
    ),
    // Steering the answer.
    p(
        r"\b(?:summary|report|analysis|answer|response|output|conclusion|headline|assessment|verdict){S}(?:should|must|shall|needs{S}to|has{S}to|is{S}to){S}(?:only{S})?(?:say|state|read|report|conclude|claim|indicate|mention|be{S}that|declare|show{S}that)\b",
        K::SteersOutput,
        "dictates what the summary says",
    ),
    p(
        r"\b(?:do{S}not|don't|dont|never|must{S}not|should{S}not){S}(?:mention|report|flag|alert{S}on|summari[sz]e|reveal|disclose|tell|escalate|include{S}(?:this|these|any)|notify|page)\b",
        K::SteersOutput,
        "tells the reader to leave something out",
    ),
    p(
        r"\binstead[\s_*~+\-,]*(?:say|report|respond|reply|state|write|output|answer|tell|conclude|claim)\b",
        K::SteersOutput,
        "tells the reader what to answer instead",
    ),
    p(
        r#"\b(?:respond|reply|answer){S}(?:only\b|with{S}(?:only|exactly|just)\b|(?:with|using){S}(?:the{S}following|json\b)|(?:with|using)[\s_*~+\-]*["'`])"#,
        K::SteersOutput,
        "dictates the form of the answer",
    ),
    p(
        r"\b(?:report|say|state|conclude|claim){S}that{S}(?:everything|all{S}(?:systems?|services?)|the{S}(?:system|service|cluster|incident)s?|there{S}(?:is|are|were|was){S}no|no{S}(?:issues?|incidents?|errors?|anomal))",
        K::SteersOutput,
        "dictates the conclusion",
    ),
    p(
        r"\b(?:classify|mark|treat|label){S}(?:this|these|all|the{S}following|it|them|everything|every)(?:{S}(?:of|the|following|other|errors?|events?|failures?|alerts?|clusters?|lines?|incidents?|findings?|below|above))*{S}as{S}(?:benign|normal|safe|expected|harmless|noise|false{S}positives?|resolved|low{S}(?:priority|severity))\b",
        K::SteersOutput,
        "dictates how findings are classified",
    ),
    // Jailbreaks.
    p(
        r"\bjailbr(?:eak|oken)\b|\bdo{S}anything{S}now\b|\b(?:enable|activate|enter){S}(?:dan|jailbreak|unrestricted|god){S}mode\b|\bprompt{S}injection\b",
        K::Jailbreak,
        "jailbreak wording",
    ),
    // Role markers of chat templates.
    p(
        r"<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|eom_id|python_tag|fim_[a-z]+|tool_call|tool_response)\s*\|>",
        K::RoleMarker,
        "chat-template special token",
    ),
    p(
        r"\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|\[/?(?:SYSTEM_PROMPT|TOOL_CALLS|AVAILABLE_TOOLS)\]",
        K::RoleMarker,
        "chat-template instruction marker",
    ),
    p(
        r"#{2,}[\s_*~+\-]*(?:instructions?|system(?:{S}prompt)?|response|assistant|human|prompt|new{S}instructions?)\b",
        K::RoleMarker,
        "instruction-format heading",
    ),
    p(
        r#"(?m)(?:^|[\s"'>\]|}{(\[])(?:assistant|human|ai{S}assistant)[\s_*~+\-]*:"#,
        K::RoleMarker,
        "chat role label",
    ),
    Phrase {
        pattern: r#"(?m)(?:^|[\s"'>\]|}{(\[])(?:system|developer|sys)[\s_*~+\-]*:[^\n]*?\b(?:you|your|ignore|disregard|forget|must|always|never|respond|reply|answer|instructions?|prompt|pretend|summari[sz]\w*|the{S}(?:ai|assistant|model))\b"#,
        kind: K::RoleMarker,
        desc: "system role label followed by an order",
        // The order must follow within about a sentence of the label.
        max_len: 140,
    },
    p(
        r#"\\?"role\\?"\s*:\s*\\?"(?:system|assistant|developer|tool)\\?""#,
        K::RoleMarker,
        "chat message with a privileged role",
    ),
    p(
        r"</?[\s_*~+\-]*(?:system|instructions?|prompt|assistant|human|user_?(?:query|input|message|prompt)|context|logs?|log_lines|data|evidence|document|untrusted[_\-]?\w*|tool_?(?:call|result|response)|function_?(?:call|result))[\s_*~+\-]*>",
        K::Delimiter,
        "prompt-envelope tag",
    ),
    p(
        r"[=#*~<\[\-]{3,}[\s_*~+\-]*(?:end|begin|start)[\s_*~+\-]+(?:of{S})?(?:the{S})?(?:logs?|log{S}data|data|input|context|untrusted{S}\w+|system{S}prompt|instructions|document|evidence|user{S}input|conversation)\b",
        K::Delimiter,
        "banner that pretends to end or start a prompt section",
    ),
    // Fake answers in the summary's format.
    p(
        r#"\\?"(?:headline|findings|root_cause|claims|citations)\\?"\s*:"#,
        K::FakeAnswer,
        "JSON shaped like the summary's answer",
    ),
    // Markup that acts when rendered.
    p(
        r"!\[[^\]\n]*\]\([\s]*(?:https?:|//|data:|ftp:)",
        K::Markup,
        "markdown image (loads a URL when rendered)",
    ),
    p(
        r"\[[^\]\n]+\]\(\s*(?:javascript|data|vbscript):|\b(?:javascript|vbscript)\s*:",
        K::Markup,
        "script link",
    ),
    p(
        r"<\s*/?\s*(?:script|iframe|img|svg|object|embed|style|meta|link|form|base|frame|frameset|math|details|video|audio|source)\b",
        K::Markup,
        "HTML tag that acts when rendered",
    ),
    p(
        r"\bon(?:error|load|click|mouseover|focus|toggle)\s*=",
        K::Markup,
        "HTML event handler",
    ),
    p(r"<!--|```", K::Markup, "HTML comment or code fence"),
];

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let sources: Vec<String> = PHRASES
        .iter()
        .map(|ph| format!("(?i){}", ph.pattern.replace("{S}", S)))
        .collect();
    let each: Vec<Regex> = sources.iter().map(|src| rx(src)).collect();
    let set = RegexSet::new(each.iter().map(Regex::as_str))
        .expect("built-in suspicious-phrase patterns compile");
    Compiled { set, each }
});

/// Run of base64 characters long enough to hold a sentence.
static B64_RUN: LazyLock<Regex> = LazyLock::new(|| rx(r"[A-Za-z0-9+/_\-]{20,}={0,2}"));

/// Minimum length of a random-looking base64 run that is suspicious without decoding to
/// text: 64 characters (48 bytes) is longer than any hash or id in common use except hex,
/// which is excluded.
const BLOB_MIN_LEN: usize = 64;

/// Shortest decoded text (bytes) taken as prose rather than chance.
const TEXT_MIN_BYTES: usize = 12;

/// How deep base64 inside base64 is unwrapped.
const MAX_DEPTH: u8 = 2;

/// One place where suspicious content starts.
struct Trigger {
    start: usize,
    end: usize,
    kind: SuspiciousKind,
    desc: Cow<'static, str>,
    /// Quarantine to the end of the line (phrases, markers, hidden characters) or only the
    /// match (base64 runs).
    to_eol: bool,
}

/// Whether `text` contains any phrase (stops at the first).
pub(super) fn has_phrase(text: &str) -> bool {
    COMPILED.set.is_match(text)
}

/// Whether `text` contains a phrase; returns the first rule that matched.
fn first_phrase(text: &str) -> Option<&'static Phrase> {
    let m = COMPILED.set.matches(text);
    m.iter().next().and_then(|i| PHRASES.get(i))
}

fn phrase_triggers(text: &str, map: &dyn Fn(usize) -> usize, folded: bool, out: &mut Vec<Trigger>) {
    let c = &*COMPILED;
    for i in c.set.matches(text).iter() {
        let (Some(ph), Some(re)) = (PHRASES.get(i), c.each.get(i)) else {
            continue;
        };
        let desc: Cow<'static, str> = if folded {
            Cow::Owned(format!(
                "{} (after folding look-alike characters and decoding escapes)",
                ph.desc
            ))
        } else {
            Cow::Borrowed(ph.desc)
        };
        for m in re.find_iter(text) {
            if ph.max_len > 0 && m.len() > ph.max_len {
                continue;
            }
            // Some rules consume the character before a role label to anchor it; whitespace
            // there is not part of the payload.
            let lead = m.as_str().len() - m.as_str().trim_start().len();
            out.push(Trigger {
                start: map(m.start() + lead),
                end: map(m.end()),
                kind: ph.kind,
                desc: desc.clone(),
                to_eol: true,
            });
        }
    }
}

/// Hidden characters: one trigger per line (the first), starting at the token that holds it.
fn invisible_triggers(s: &str, out: &mut Vec<Trigger>) {
    if s.is_ascii() {
        return;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if fold::is_invisible(c) && !(i == 0 && c == '\u{FEFF}') {
            let line_start = memchr::memrchr(b'\n', &b[..i]).map_or(0, |p| p + 1);
            let token_start = b[line_start..i]
                .iter()
                .rposition(|&x| x.is_ascii_whitespace() || matches!(x, b'=' | b':' | b'"' | b'\''))
                .map_or(line_start, |p| line_start + p + 1);
            out.push(Trigger {
                start: token_start,
                end: i + len,
                kind: K::InvisibleCharacter,
                desc: Cow::Owned(format!(
                    "invisible or text-reordering character U+{:04X}",
                    c as u32
                )),
                to_eol: true,
            });
            match memchr::memchr(b'\n', &b[i..]) {
                Some(p) => i += p + 1,
                None => break,
            }
            continue;
        }
        i += len;
    }
}

/// Decoded bytes that read as text: valid UTF-8, almost all printable, mostly letters and
/// spaces.
fn readable(d: &[u8]) -> Option<&str> {
    let t = std::str::from_utf8(d).ok()?;
    let n = t.chars().count();
    if d.len() < TEXT_MIN_BYTES || n == 0 {
        return None;
    }
    let printable = t
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
        .count();
    let wordy = t.chars().filter(|c| c.is_alphabetic() || *c == ' ').count();
    (printable * 100 >= n * 95 && wordy * 100 >= n * 50).then_some(t)
}

/// Share of letters in same-case runs of four or more above which a run is made of words
/// (camelCase identifiers, paths): such runs hold about a tenth of the letters of random
/// base64 and most letters of words.
const MAX_WORDY_SHARE: f64 = 0.4;

/// Whether a run looks like random base64 rather than a path or identifier: all three
/// character classes, few letters in long same-case runs (words), case switching often
/// between neighbouring letters, and few `/` (paths have one every few characters).
fn random_looking(run: &str) -> bool {
    let b = run.as_bytes();
    let has = |f: fn(&u8) -> bool| b.iter().any(f);
    if !(has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit)) {
        return false;
    }
    let slashes = b.iter().filter(|&&x| x == b'/').count();
    if slashes * 16 > b.len() {
        return false;
    }
    let (mut pairs, mut switches) = (0usize, 0usize);
    for w in b.windows(2) {
        if w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic() {
            pairs += 1;
            if w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase() {
                switches += 1;
            }
        }
    }
    let (mut letters, mut wordy, mut run_len, mut run_upper) = (0usize, 0usize, 0usize, false);
    for &x in b.iter().chain(std::iter::once(&b' ')) {
        let alpha = x.is_ascii_alphabetic();
        if !(alpha && run_len > 0 && x.is_ascii_uppercase() == run_upper) {
            if run_len >= 4 {
                wordy += run_len;
            }
            run_len = 0;
        }
        if alpha {
            letters += 1;
            run_len += 1;
            run_upper = x.is_ascii_uppercase();
        }
    }
    pairs > 0 && switches * 5 >= pairs && (wordy as f64) < MAX_WORDY_SHARE * letters as f64
}

/// What a base64 run hides, if anything.
fn classify_run(run: &str, depth: u8) -> Option<(SuspiciousKind, Cow<'static, str>)> {
    let body = run.trim_end_matches('=');
    if body.len() < 20 || body.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if let Some(text) = b64::decode(run).as_deref().and_then(readable) {
        if let Some(ph) = first_phrase(text) {
            return Some((
                K::EncodedInstruction,
                Cow::Owned(format!("base64 text that {}", ph.desc)),
            ));
        }
        if let Some(f) = fold::fold(text) {
            if let Some(ph) = first_phrase(&f.text) {
                return Some((
                    K::EncodedInstruction,
                    Cow::Owned(format!("base64 text that {} (after folding)", ph.desc)),
                ));
            }
        }
        if depth < MAX_DEPTH {
            for m in B64_RUN.find_iter(text) {
                if let Some((K::EncodedInstruction, d)) = classify_run(m.as_str(), depth + 1) {
                    return Some((K::EncodedInstruction, Cow::Owned(format!("nested {d}"))));
                }
            }
        }
        return Some((
            K::EncodedText,
            Cow::Borrowed("base64 run that decodes to readable text"),
        ));
    }
    (body.len() >= BLOB_MIN_LEN && random_looking(body)).then_some((
        K::EncodedBlob,
        Cow::Borrowed("long random-looking base64 run"),
    ))
}

fn blob_triggers(s: &str, out: &mut Vec<Trigger>) {
    for m in B64_RUN.find_iter(s) {
        if let Some((kind, desc)) = classify_run(m.as_str(), 0) {
            out.push(Trigger {
                start: m.start(),
                end: m.end(),
                kind,
                desc,
                to_eol: false,
            });
        }
    }
}

/// Start of the double-quoted string that holds byte `at`, or `at` when it is not inside
/// one. Quotes are counted from the start of the line; a backslash escapes a quote.
fn quote_start(s: &str, at: usize) -> usize {
    let b = s.as_bytes();
    let line_start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |p| p + 1);
    let mut open: Option<usize> = None;
    let mut i = line_start;
    while i < at {
        match b[i] {
            b'\\' => i += 1,
            b'"' => open = if open.is_some() { None } else { Some(i + 1) },
            _ => {}
        }
        i += 1;
    }
    open.unwrap_or(at)
}

fn line_end(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let end = memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |p| from + p);
    if end > from && b[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Which kinds of triggers to look for.
pub(super) struct Scope {
    /// Phrase rules (the prefilter saw a trigger word).
    pub phrases: bool,
    /// Hidden characters and the folded view (the text has non-ASCII or escapes).
    pub unicode: bool,
    /// Base64 runs (the text has a long enough run).
    pub base64: bool,
}

/// Find suspicious content in `s` and push one candidate per quarantined range.
pub(super) fn suspicious(s: &str, scope: &Scope, out: &mut Vec<Cand>) {
    let mut trig = Vec::new();
    if scope.phrases {
        phrase_triggers(s, &|i| i, false, &mut trig);
    }
    if scope.unicode {
        invisible_triggers(s, &mut trig);
        if let Some(f) = fold::fold(s) {
            phrase_triggers(&f.text, &|i| f.origin_of(i, s.len()), true, &mut trig);
        }
    }
    if scope.base64 {
        blob_triggers(s, &mut trig);
    }
    if trig.is_empty() {
        return;
    }
    trig.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut covered = 0;
    for t in trig {
        if t.start < covered {
            continue;
        }
        let (start, end) = if t.to_eol {
            let last = t.end.saturating_sub(1).max(t.start).min(s.len());
            let start = quote_start(s, t.start).max(covered);
            let end = line_end(s, last).max(t.end.min(s.len()));
            let end = start + s[start..end].trim_end().len();
            (start, end)
        } else {
            (t.start, t.end)
        };
        if end <= start || !s.is_char_boundary(start) || !s.is_char_boundary(end) {
            continue;
        }
        out.push(Cand::suspicious(start, end, t.kind, t.desc));
        covered = end;
    }
}

/// Compiles every pattern of this module now (see [`crate::redact::warm_up`]).
pub(super) fn warm_up() {
    LazyLock::force(&COMPILED);
    LazyLock::force(&B64_RUN);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phrase_compiles() {
        assert_eq!(COMPILED.each.len(), PHRASES.len());
        assert!(!B64_RUN.as_str().is_empty());
    }

    #[test]
    fn quote_start_finds_the_enclosing_string() {
        let s = r#"a="x \" y" msg="hello ignore this""#;
        let at = s.find("ignore").unwrap();
        assert_eq!(&s[quote_start(s, at)..at], "hello ");
        assert_eq!(quote_start("plain ignore", 6), 6);
    }

    #[test]
    fn random_runs_and_identifiers() {
        assert!(random_looking(
            "q8ZxT2vLw9RkPbN4mYcJ7hGdF3sKaE6uWnV1tHrXoQiB5lMgC0pDyUjSzO2fA9eLk"
        ));
        assert!(!random_looking(
            "AbstractSingletonProxyFactoryBeanConfigurationPostProcessor2Impl"
        ));
        assert!(!random_looking(
            "usr/lib/jvm/java11/openjdk/amd64/lib/server/Lib9/ab/Cd/Ef/Gh"
        ));
    }
}
