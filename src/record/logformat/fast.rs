//! A small backtracking matcher for the subset of the `--log-format` language that nearly all
//! formats use: literal text (escaped punctuation included), runs of spaces (`\s+`), fields
//! (lazy `.*?`) and optional groups `( ... )?`.
//!
//! It explores alternatives in the same priority order as a backtracking regex engine
//! (greedy `\s+`, lazy fields, an optional group tried before skipping it), so it finds the
//! same match and the same field spans as the Loghub tools. It only runs on ASCII lines
//! without a newline, and gives up after a step budget; the caller then uses the compiled
//! regex, which has the same semantics and a linear-time guarantee.

use super::super::scan::is_ws;

/// Longest program the matcher takes: it recurses once per instruction, so this bounds its
/// stack use (real formats have a few dozen); longer formats use the regex only.
const MAX_INSTS: usize = 256;

/// Steps allowed per line byte before giving up (plus a constant for short lines).
const STEPS_PER_BYTE: usize = 64;
const STEPS_BASE: usize = 1024;

/// Python's `\s` on ASCII text: the usual whitespace plus the separators 0x1c..=0x1f.
#[inline]
fn is_py_ws(c: u8) -> bool {
    is_ws(c) || (0x1c..=0x1f).contains(&c)
}

#[derive(Debug, Clone)]
enum Inst {
    Lit(Vec<u8>),
    Ws,
    /// Field number.
    Field(usize),
    /// An optional group: `end` is the instruction after it; `fields` the field numbers inside.
    Opt {
        end: usize,
        fields: (usize, usize),
    },
    End,
}

/// A compiled format for the fast matcher.
#[derive(Debug, Clone)]
pub(super) struct Program {
    insts: Vec<Inst>,
    fields: usize,
}

/// A piece of a format string: literal text or a field name.
pub(super) enum Piece<'a> {
    Literal(&'a str),
    Field,
}

impl Program {
    /// Compiles the pieces of a format, or `None` if they use regex syntax beyond the subset.
    pub(super) fn compile(pieces: &[Piece<'_>]) -> Option<Program> {
        let mut insts = Vec::new();
        let mut lit = Vec::new();
        let mut fields = 0;
        // Open groups: (index of their Opt instruction, first field inside).
        let mut open: Vec<(usize, usize)> = Vec::new();
        let flush = |lit: &mut Vec<u8>, insts: &mut Vec<Inst>| {
            if !lit.is_empty() {
                insts.push(Inst::Lit(std::mem::take(lit)));
            }
        };
        for piece in pieces {
            match piece {
                Piece::Field => {
                    flush(&mut lit, &mut insts);
                    insts.push(Inst::Field(fields));
                    fields += 1;
                }
                Piece::Literal(text) => {
                    let b = text.as_bytes();
                    let mut i = 0;
                    while i < b.len() {
                        match b[i] {
                            b' ' => {
                                flush(&mut lit, &mut insts);
                                while b.get(i + 1) == Some(&b' ') {
                                    i += 1;
                                }
                                insts.push(Inst::Ws);
                            }
                            b'\\' => {
                                let &c = b.get(i + 1)?;
                                if !c.is_ascii_punctuation() {
                                    return None;
                                }
                                lit.push(c);
                                i += 1;
                            }
                            b'(' => {
                                if !open.is_empty() || b.get(i + 1) == Some(&b'?') {
                                    return None;
                                }
                                flush(&mut lit, &mut insts);
                                open.push((insts.len(), fields));
                                insts.push(Inst::Opt {
                                    end: 0,
                                    fields: (0, 0),
                                });
                            }
                            b')' => {
                                if b.get(i + 1) != Some(&b'?')
                                    || matches!(b.get(i + 2), Some(b'?' | b'+' | b'*'))
                                {
                                    return None;
                                }
                                flush(&mut lit, &mut insts);
                                let (at, first) = open.pop()?;
                                let end = insts.len();
                                insts[at] = Inst::Opt {
                                    end,
                                    fields: (first, fields),
                                };
                                i += 1;
                            }
                            b'.' | b'^' | b'$' | b'*' | b'+' | b'?' | b'[' | b']' | b'{' | b'}'
                            | b'|' => return None,
                            c if c.is_ascii() && !c.is_ascii_control() => lit.push(c),
                            _ => return None,
                        }
                        i += 1;
                    }
                }
            }
        }
        if !open.is_empty() {
            return None;
        }
        flush(&mut lit, &mut insts);
        insts.push(Inst::End);
        (insts.len() <= MAX_INSTS).then_some(Program { insts, fields })
    }

    /// Matches `line` (stripped); fills `spans` (start, end) per field, `(usize::MAX, 0)` for
    /// fields that did not take part. `None` when the line is outside what this matcher handles
    /// or the budget ran out; `Some(false)` when the format does not match.
    pub(super) fn matches(&self, line: &[u8], spans: &mut [(usize, usize)]) -> Option<bool> {
        if spans.len() < self.fields || !line.is_ascii() || memchr::memchr(b'\n', line).is_some() {
            return None;
        }
        let mut run = Run {
            insts: &self.insts,
            line,
            spans,
            steps: STEPS_BASE + STEPS_PER_BYTE * line.len(),
        };
        let ok = run.at(0, 0);
        if run.steps == 0 { None } else { Some(ok) }
    }
}

struct Run<'p, 'l, 's> {
    insts: &'p [Inst],
    line: &'l [u8],
    spans: &'s mut [(usize, usize)],
    /// Steps left; 0 means the budget ran out.
    steps: usize,
}

impl Run<'_, '_, '_> {
    /// Whether the program from instruction `pc` matches the line from `pos` to its end.
    fn at(&mut self, pc: usize, pos: usize) -> bool {
        if self.steps == 0 {
            return false;
        }
        self.steps -= 1;
        let line = self.line;
        match self.insts.get(pc) {
            None | Some(Inst::End) => pos == line.len(),
            Some(Inst::Lit(l)) => line[pos..].starts_with(l) && self.at(pc + 1, pos + l.len()),
            Some(Inst::Ws) => {
                let mut k = pos;
                while k < line.len() && is_py_ws(line[k]) {
                    k += 1;
                }
                (pos + 1..=k).rev().any(|e| self.at(pc + 1, e))
            }
            Some(&Inst::Opt { end, fields }) => {
                if self.at(pc + 1, pos) {
                    return true;
                }
                for f in fields.0..fields.1 {
                    self.spans[f] = (usize::MAX, 0);
                }
                self.at(end, pos)
            }
            Some(&Inst::Field(f)) => {
                let next = self.insts.get(pc + 1);
                let mut e = pos;
                loop {
                    // Skip ends where the next instruction cannot start.
                    match next {
                        None | Some(Inst::End) => e = line.len(),
                        Some(Inst::Lit(l)) => match memchr::memchr(l[0], &line[e..]) {
                            Some(off) => e += off,
                            None => return false,
                        },
                        Some(Inst::Ws) => match line[e..].iter().position(|&c| is_py_ws(c)) {
                            Some(off) => e += off,
                            None => return false,
                        },
                        _ => {}
                    }
                    self.spans[f] = (pos, e);
                    if self.at(pc + 1, e) {
                        self.spans[f] = (pos, e);
                        return true;
                    }
                    if e >= line.len() || self.steps == 0 {
                        return false;
                    }
                    e += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prog(pieces: &[Piece<'_>]) -> Option<Program> {
        Program::compile(pieces)
    }

    #[test]
    fn subset_compiles_and_other_syntax_does_not() {
        use Piece::{Field, Literal};
        assert!(prog(&[Field, Literal(r" \[x\] "), Field]).is_some());
        assert!(prog(&[Field, Literal(r"(\["), Field, Literal(r"\])?: "), Field]).is_some());
        assert!(prog(&[Field, Literal(r" \d+ "), Field]).is_none());
        assert!(prog(&[Field, Literal(" . "), Field]).is_none());
        assert!(prog(&[Field, Literal("(a|b) "), Field]).is_none());
        assert!(prog(&[Field, Literal("(a) "), Field]).is_none());
        assert!(prog(&[Field, Literal("(a "), Field]).is_none());
        let long = "a ".repeat(MAX_INSTS);
        assert!(prog(&[Field, Literal(&long), Field]).is_none());
    }

    #[test]
    fn lazy_fields_and_greedy_spaces() {
        use Piece::{Field, Literal};
        let p = prog(&[Field, Literal(" "), Field, Literal(": "), Field]).unwrap();
        let mut spans = [(0, 0); 3];
        assert_eq!(p.matches(b"a  b c: d: e", &mut spans), Some(true));
        assert_eq!(spans, [(0, 1), (3, 6), (8, 12)]);
        assert_eq!(p.matches(b"a b", &mut spans), Some(false));
        assert_eq!(p.matches("a \u{e9}: x".as_bytes(), &mut spans), None);
    }

    #[test]
    fn optional_group_is_tried_first_and_cleared_when_skipped() {
        use Piece::{Field, Literal};
        let p = prog(&[Field, Literal(r"(\["), Field, Literal(r"\])?: "), Field]).unwrap();
        let mut spans = [(0, 0); 3];
        assert_eq!(p.matches(b"sshd[12]: hi", &mut spans), Some(true));
        assert_eq!(spans, [(0, 4), (5, 7), (10, 12)]);
        assert_eq!(p.matches(b"kernel: [1] x", &mut spans), Some(true));
        assert_eq!(spans, [(0, 6), (usize::MAX, 0), (8, 13)]);
    }
}
