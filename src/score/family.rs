//! Template families: clusters whose templates hold the same words except at one position,
//! where each holds its own constant (`session opened for user news`, `... cyrus`,
//! `... test`). A miner keeps such siblings apart while a position has seen only a few
//! distinct values, and shards merged from different runs can split one template the same
//! way; together they are one template with a variable at that position.
//!
//! Owns finding the families from template text alone (so it works with any miner and with
//! merged states), writing the family's template with `<*>` at the differing position, and
//! the family's tests: the summed rate (a change no single sibling shows significantly) and
//! the mix of members (a "virtual slot" whose values are the siblings' constants). It also
//! decides which family findings to report and which member findings they explain. It does
//! not choose windows, count events or rank findings: `score` feeds it the rows it has
//! tested and takes back flags.
//!
//! # Finding families
//! Each template is split into whitespace-separated words. For every position a key is made
//! from the other words and the position, as a sum of per-word hashes so that each of the
//! L keys of a template costs O(1) after one pass over its words. Keys are sorted; a run of
//! equal keys is checked word by word (hash collisions never make siblings) and each class of
//! at least two templates that agree everywhere but that position is a family. A cluster may
//! belong to several families, one per position. Only one differing position is considered:
//! two differing words more often name different events (`Accepted password for root` and
//! `Failed password for guest`) than two values of one field.
//!
//! # Reporting
//! A family's summed rate is reported when its change is shared (`shared_change`): members
//! that moved alike, not one sibling's burst, which stays that sibling's finding. It then
//! replaces its members' findings of the same kind; a member that moved differently keeps
//! its own. A change of the members' mix is reported as the family's `param_shift` when some
//! members rose and others fell at a combined rate that held (`opposite_movers`), as when
//! `status=201` gives way to `status=503`; it replaces those members' rises and falls.

use std::collections::{HashMap, HashSet};

use super::stats::{self, Direction};
use super::{Flag, Kind, Row, ScoreConfig, ValueShare};

/// Most members of one family. Larger classes are skipped (and counted): a word position
/// with hundreds of constants is an identifier, and a finding naming hundreds of clusters is
/// not readable; the members' own findings still stand. It also bounds the members list
/// written per finding.
pub const MAX_FAMILY_MEMBERS: usize = 256;

/// Most (template, position) keys built in one analysis, 16 bytes each: 2M keys hold 100k
/// templates of 20 words in 32 MB. Templates are taken busiest first, so when the budget runs
/// out the families left out are those of the rarest templates, which carry the least
/// evidence; the analysis says so in a note.
pub const MAX_FAMILY_KEYS: usize = 2_000_000;

/// Expected count below which a member is pooled with the other small members in the mix
/// test: the chi-square approximation of the G statistic needs expected counts of about five
/// in most cells (Cochran 1954, "Some methods for strengthening the common chi-square
/// tests", Biometrics 10).
const MIX_MIN_EXPECTED: f64 = 5.0;

/// Values listed before and after for a family's mix shift.
const TOP_VALUES: usize = 5;

/// One family of sibling templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Member cluster ids, ascending; the first is the family's representative id.
    pub members: Vec<u32>,
    /// The family template: the members' shared words with `<*>` at the differing position
    /// (the common prefix and suffix of the differing words are kept, cut at punctuation).
    pub template: String,
    /// Index of the differing position among the `<*>` of [`Family::template`]; `None` when
    /// the members' templates are identical (one template under several ids).
    pub slot: Option<u16>,
    /// Each member's value at the differing position (its word without the common prefix
    /// and suffix), in the order of `members`.
    pub values: Vec<String>,
}

/// What the family search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// The families, in a deterministic order (by members).
    pub families: Vec<Family>,
    /// Templates left out because the key budget ran out.
    pub templates_skipped: usize,
    /// Classes of siblings larger than the member cap, skipped.
    pub oversized: usize,
}

/// 64-bit finaliser of SplitMix64 (Steele, Lea & Flood 2014): spreads the bits of a sum of
/// word hashes so that sums of different words rarely collide.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a over the bytes of a word (Fowler, Noll & Vo): short words, cheap and adequate once
/// mixed; equality is always checked on the words themselves.
fn word_hash(w: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in w.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The contribution of word hash `h` at position `k`.
fn term(h: u64, k: usize) -> u64 {
    mix64(h ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Finds the families among `templates` (cluster id and template text), which should come
/// busiest first: when more than `max_keys` keys would be needed, the later templates are
/// left out. Classes larger than `max_members` are skipped.
pub fn find(templates: &[(u32, &str)], max_keys: usize, max_members: usize) -> Search {
    let mut out = Search::default();
    let words: Vec<Vec<&str>> = templates
        .iter()
        .map(|(_, t)| t.split_ascii_whitespace().collect())
        .collect();
    // (key, template index, position)
    let mut keys: Vec<(u64, u32, u16)> = Vec::new();
    for (ti, ws) in words.iter().enumerate() {
        let n = ws.len();
        if n == 0 || n > usize::from(u16::MAX) {
            continue;
        }
        if keys.len() + n > max_keys {
            out.templates_skipped = words.len() - ti;
            break;
        }
        let Ok(ti32) = u32::try_from(ti) else { break };
        let literal = |w: &str| !w.contains("<*>");
        let literals = ws.iter().filter(|w| literal(w)).count();
        let terms: Vec<u64> = ws
            .iter()
            .enumerate()
            .map(|(k, w)| term(word_hash(w), k))
            .collect();
        let total = terms.iter().fold(0u64, |a, &t| a.wrapping_add(t));
        let len_term = mix64(n as u64);
        for (j, w) in ws.iter().enumerate() {
            // The shared words must hold at least one literal word, or the "family" is just
            // every message of that many words.
            if literals - usize::from(literal(w)) == 0 {
                continue;
            }
            let key = total
                .wrapping_sub(terms[j])
                .wrapping_add(mix64(len_term ^ (j as u64 + 1)));
            keys.push((key, ti32, j as u16));
        }
    }
    keys.sort_unstable();
    let mut seen: HashSet<Vec<u32>> = HashSet::new();
    let mut run_start = 0;
    while run_start < keys.len() {
        let key = keys[run_start].0;
        let mut run_end = run_start + 1;
        while run_end < keys.len() && keys[run_end].0 == key {
            run_end += 1;
        }
        let run = &keys[run_start..run_end];
        run_start = run_end;
        if run.len() < 2 {
            continue;
        }
        if run.len() > max_members {
            // Collisions are rare, so a run this long is one oversized class.
            out.oversized += 1;
            continue;
        }
        // Classes of templates equal everywhere but at their position.
        let mut classes: Vec<Vec<(u32, u16)>> = Vec::new();
        for &(_, ti, j) in run {
            let same = |&(ri, rj): &(u32, u16)| {
                let (a, b) = (&words[ri as usize], &words[ti as usize]);
                rj == j
                    && a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .enumerate()
                        .all(|(k, (x, y))| k == usize::from(j) || x == y)
            };
            match classes.iter_mut().find(|c| c.first().is_some_and(same)) {
                Some(c) => c.push((ti, j)),
                None => classes.push(vec![(ti, j)]),
            }
        }
        for class in classes {
            if class.len() < 2 {
                continue;
            }
            let mut members: Vec<(u32, usize)> = class
                .iter()
                .map(|&(ti, _)| (templates[ti as usize].0, ti as usize))
                .collect();
            members.sort_unstable();
            members.dedup_by_key(|m| m.0);
            if members.len() < 2 {
                continue;
            }
            let ids: Vec<u32> = members.iter().map(|m| m.0).collect();
            if !seen.insert(ids.clone()) {
                // Identical templates agree at every position: one family is enough.
                continue;
            }
            let j = usize::from(class[0].1);
            let member_words: Vec<&[&str]> =
                members.iter().map(|m| words[m.1].as_slice()).collect();
            out.families.push(build(ids, &member_words, j));
        }
    }
    out.families.sort_by(|a, b| a.members.cmp(&b.members));
    out
}

/// Groups of clusters joined by any family (the connected components of the sibling
/// relation), as a map from each member to its group's smallest id. Clusters in no family
/// are not in the map.
pub fn components(families: &[Family]) -> HashMap<u32, u32> {
    // Union-find over member ids, smallest id as the root.
    fn root(parent: &mut HashMap<u32, u32>, mut x: u32) -> u32 {
        let mut path = Vec::new();
        while let Some(&p) = parent.get(&x) {
            if p == x {
                break;
            }
            path.push(x);
            x = p;
        }
        for y in path {
            parent.insert(y, x);
        }
        x
    }
    let mut parent: HashMap<u32, u32> = HashMap::new();
    for f in families {
        for &m in &f.members {
            parent.entry(m).or_insert(m);
        }
        for w in f.members.windows(2) {
            let (a, b) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
            if a != b {
                parent.insert(a.max(b), a.min(b));
            }
        }
    }
    let ids: Vec<u32> = parent.keys().copied().collect();
    ids.into_iter()
        .map(|id| (id, root(&mut parent, id)))
        .collect()
}

/// The family of members whose words (`member_words`, one slice per member) differ only at
/// position `j`.
fn build(members: Vec<u32>, member_words: &[&[&str]], j: usize) -> Family {
    let at: Vec<&str> = member_words
        .iter()
        .map(|w| w.get(j).copied().unwrap_or(""))
        .collect();
    let shared = member_words.first().copied().unwrap_or(&[]);
    if at.iter().all(|w| *w == at[0]) {
        return Family {
            values: at.iter().map(|w| (*w).to_string()).collect(),
            members,
            template: shared.join(" "),
            slot: None,
        };
    }
    let (p, s) = common_affixes(&at);
    let first = at[0];
    let word = format!("{}<*>{}", &first[..p], &first[first.len() - s..]);
    let slot = shared[..j]
        .iter()
        .map(|w| w.matches("<*>").count())
        .sum::<usize>();
    let mut out_words: Vec<&str> = shared.to_vec();
    out_words[j] = &word;
    Family {
        values: at.iter().map(|w| w[p..w.len() - s].to_string()).collect(),
        members,
        template: out_words.join(" "),
        slot: u16::try_from(slot).ok(),
    }
}

/// Lengths in bytes of the prefix and suffix shared by every word, each cut back to end (or
/// start) at ASCII punctuation so that `user=guest` and `user=test` give `user=` and not the
/// accidental `est`, and never reaching into a member's own `<*>`.
fn common_affixes(words: &[&str]) -> (usize, usize) {
    let first = words[0].as_bytes();
    let min_len = words.iter().map(|w| w.len()).min().unwrap_or(0);
    let mut p = words.iter().fold(first.len(), |acc, w| {
        acc.min(
            first
                .iter()
                .zip(w.as_bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        )
    });
    // Not into a wildcard of any member.
    for w in words {
        if let Some(i) = w.find("<*>") {
            p = p.min(i);
        }
    }
    while p > 0 && !first[p - 1].is_ascii_punctuation() {
        p -= 1;
    }
    let mut s = words.iter().fold(first.len(), |acc, w| {
        acc.min(
            first
                .iter()
                .rev()
                .zip(w.as_bytes().iter().rev())
                .take_while(|(a, b)| a == b)
                .count(),
        )
    });
    s = s.min(min_len - p);
    for w in words {
        if let Some(i) = w.rfind("<*>") {
            s = s.min(w.len() - (i + 3));
        }
    }
    while s > 0 && !first[first.len() - s].is_ascii_punctuation() {
        s -= 1;
    }
    (p, s)
}

// ---------------------------------------------------------------------------------------------
// Tests on families

/// The rate of a set of rows, tested as one template.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rates {
    /// Centred incident/baseline exposure ratio.
    pub eff_ratio: f64,
    /// Incident share of the exposure under no change.
    pub p0: f64,
    /// Pseudo-count of the fold change.
    pub pseudo_count: f64,
}

impl Rates {
    /// Summed counts of `rows` as one row under `id`, with its test and fold change.
    pub fn combine<'a>(&self, id: u32, rows: impl IntoIterator<Item = &'a Row>) -> Row {
        let (mut b, mut i) = (0u64, 0u64);
        for r in rows {
            b = b.saturating_add(r.b);
            i = i.saturating_add(r.i);
        }
        self.row(id, b, i)
    }

    /// A tested row for counts `b` and `i`.
    pub fn row(&self, id: u32, b: u64, i: u64) -> Row {
        let (ln_p, dir) = stats::ln_poisson_rate_test(b, i, self.p0);
        Row {
            id,
            b,
            i,
            ln_p,
            ln_q: 0.0,
            lfc: ((i as f64 + self.pseudo_count) / (b as f64 + self.pseudo_count) / self.eff_ratio)
                .log2(),
            dir,
        }
    }
}

/// The G-test of the members' shares between the windows: the family as a slot whose values
/// are the members. Small members are pooled into `<other>`.
#[derive(Debug, Clone)]
pub(super) struct MixCandidate {
    /// Natural log of the p-value.
    pub ln_p: f64,
    /// Largest change of one value's share.
    pub effect: f64,
    /// Values before.
    pub before: Vec<ValueShare>,
    /// Values after.
    pub after: Vec<ValueShare>,
}

/// The mix test of a family whose member rows are `rows` (in the order of `fam.members`).
pub(super) fn mix_test(fam: &Family, rows: &[&Row], cfg: &ScoreConfig) -> Option<MixCandidate> {
    fam.slot?;
    let nb: u64 = rows.iter().map(|r| r.b).sum();
    let ni: u64 = rows.iter().map(|r| r.i).sum();
    if nb < cfg.param_min_count || ni < cfg.param_min_count {
        return None;
    }
    let (nbf, nif) = (nb as f64, ni as f64);
    let n = nbf + nif;
    let mut cols: Vec<(&str, u64, u64)> = Vec::new();
    let (mut other_b, mut other_i) = (0u64, 0u64);
    for (r, v) in rows.iter().zip(&fam.values) {
        let col = (r.b + r.i) as f64;
        if col * nbf.min(nif) / n < MIX_MIN_EXPECTED {
            other_b += r.b;
            other_i += r.i;
        } else {
            cols.push((v.as_str(), r.b, r.i));
        }
    }
    let mut bs: Vec<u64> = cols.iter().map(|c| c.1).collect();
    let mut is: Vec<u64> = cols.iter().map(|c| c.2).collect();
    bs.push(other_b);
    is.push(other_i);
    let (_, _, ln_p) = stats::g_test_2xk(&bs, &is)?;
    let effect = bs
        .iter()
        .zip(&is)
        .map(|(&b, &i)| (i as f64 / nif - b as f64 / nbf).abs())
        .fold(0.0, f64::max);
    let side = |pick: fn(&(&str, u64, u64)) -> u64, other: u64, total: f64| {
        let mut v: Vec<ValueShare> = cols
            .iter()
            .filter(|c| pick(c) > 0)
            .map(|c| ValueShare {
                value: c.0.to_string(),
                count: pick(c),
                share: pick(c) as f64 / total,
                possibly_more: 0,
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v.truncate(TOP_VALUES);
        if other > 0 {
            v.push(ValueShare {
                value: "<other>".into(),
                count: other,
                share: other as f64 / total,
                possibly_more: 0,
            });
        }
        v
    };
    Some(MixCandidate {
        ln_p,
        effect,
        before: side(|c| c.1, other_b, nbf),
        after: side(|c| c.2, other_i, nif),
    })
}

/// Sign of a kind's direction: +1 for more events, -1 for fewer.
fn direction_sign(kind: Kind) -> f64 {
    if kind == Kind::Drop { -1.0 } else { 1.0 }
}

/// Whether a family's rate change of `kind` is shared by its members rather than carried by
/// one or two of them, and which members share it.
///
/// Members that moved the other way by the fold threshold are left aside (they are findings
/// of their own kind). Among the rest, the member with the strongest evidence in the family's
/// direction is compared with the others (G-test of the 2x2 table of counts); while they
/// differ significantly, that member is set aside too, as a change of its own. What remains
/// is the core: members that moved alike. The family speaks for the core when it has at
/// least two members and, if anything was set aside, the core's own counts show the change
/// (same kind, significant on their own); otherwise the change was one sibling's burst and
/// is reported as that sibling's. Returns the core, or `None`.
pub(super) fn shared_change(
    kind: Kind,
    members: &[&Row],
    rates: &Rates,
    cfg: &ScoreConfig,
) -> Option<Vec<u32>> {
    let sign = direction_sign(kind);
    let want = if sign > 0.0 {
        Direction::Up
    } else {
        Direction::Down
    };
    let ln_fdr = cfg.fdr.ln();
    let mut core: Vec<&Row> = members
        .iter()
        .copied()
        // Not contrary: fold changes are finite (the pseudo-count keeps them so).
        .filter(|r| sign * r.lfc > -cfg.min_log2_fold)
        .collect();
    let mut set_aside = core.len() < members.len();
    while core.len() >= 2 {
        let strongest = core
            .iter()
            .enumerate()
            .filter(|(_, r)| r.dir == want)
            .min_by(|a, b| a.1.ln_p.total_cmp(&b.1.ln_p).then(a.0.cmp(&b.0)))
            .or_else(|| {
                core.iter()
                    .enumerate()
                    .max_by(|a, b| (sign * a.1.lfc).total_cmp(&(sign * b.1.lfc)))
            })
            .map(|(k, _)| k)?;
        let s = core[strongest];
        let rest = rates.combine(
            s.id,
            core.iter()
                .enumerate()
                .filter(|(k, _)| *k != strongest)
                .map(|(_, r)| *r),
        );
        let differs = stats::g_test_2xk(&[s.b, rest.b], &[s.i, rest.i])
            .is_some_and(|(_, _, ln_p)| ln_p <= ln_fdr);
        if !differs {
            break;
        }
        core.remove(strongest);
        set_aside = true;
    }
    if core.len() < 2 {
        return None;
    }
    if set_aside {
        let own = rates.combine(core[0].id, core.iter().copied());
        if own.ln_p > ln_fdr || super::rate_kind(&own, rates.p0, cfg) != Some(kind) {
            return None;
        }
    }
    Some(core.iter().map(|r| r.id).collect())
}

/// Members that moved up and down in a mix shift, when the shift is one: both groups moved
/// significantly by the fold threshold, and together they kept their rate (events moved from
/// some members to others, as when `status=201` gives way to `status=503`). Unrelated
/// siblings that happen to spike and drop at once rarely balance.
pub(super) fn opposite_movers(
    members: &[&Row],
    rates: &Rates,
    cfg: &ScoreConfig,
) -> Option<(Vec<u32>, Vec<u32>)> {
    let up: Vec<&Row> = members
        .iter()
        .copied()
        .filter(|r| r.lfc >= cfg.min_log2_fold)
        .collect();
    let down: Vec<&Row> = members
        .iter()
        .copied()
        .filter(|r| r.lfc <= -cfg.min_log2_fold)
        .collect();
    if up.is_empty() || down.is_empty() {
        return None;
    }
    let ln_fdr = cfg.fdr.ln();
    let u = rates.combine(0, up.iter().copied());
    let d = rates.combine(0, down.iter().copied());
    let moved = |r: &Row, sign: f64| sign * r.lfc >= cfg.min_log2_fold && r.ln_p <= ln_fdr;
    if !moved(&u, 1.0) || !moved(&d, -1.0) {
        return None;
    }
    let both = rates.row(0, u.b + d.b, u.i + d.i);
    if both.lfc.abs() >= cfg.min_log2_fold {
        return None;
    }
    Some((
        up.iter().map(|r| r.id).collect(),
        down.iter().map(|r| r.id).collect(),
    ))
}

/// The tested families, for [`decide`].
pub(super) struct Candidates<'a> {
    /// The families.
    pub families: &'a [Family],
    /// Their summed rows (rate test and BH q-value filled in), in the same order.
    pub rows: &'a [Row],
    /// Mix tests, by family index.
    pub mix: &'a [(usize, MixCandidate)],
    /// BH q-values (log) of the mix tests, in the order of `mix`.
    pub mix_qs: &'a [f64],
}

/// One family finding before overlaps are resolved.
struct Proposal {
    flag: Flag,
    /// Members the finding speaks for, under the finding's kind.
    claims: Vec<u32>,
    /// Member findings it explains.
    explained: Vec<(u32, Kind)>,
}

/// Chooses the family findings: a significant summed rate whose change the members share
/// ([`shared_change`]), and a significant mix change whose movers balance
/// ([`opposite_movers`]). Findings are taken by score; one that speaks for a member already
/// covered by an accepted family finding of the same kind (the same cluster can be in a
/// family per word position) is left out. Returns the flags and the member findings they
/// explain: for a rate change, the members' findings of the same kind; for a mix change,
/// the up-movers' `new` and `spike` and the down-movers' `drop`, which are that shift seen
/// one member at a time. `make` builds a family's flag from its row, kind and effect.
pub(super) fn decide(
    c: &Candidates<'_>,
    rows: &[Row],
    rates: &Rates,
    cfg: &ScoreConfig,
    make: impl Fn(&Row, Kind, f64, &Family) -> Flag,
) -> (Vec<Flag>, HashSet<(u32, Kind)>) {
    let ln_fdr = cfg.fdr.ln();
    let members_of = |f: &Family| -> Vec<&Row> {
        f.members
            .iter()
            .filter_map(|&id| super::row_of(rows, id))
            .collect()
    };
    let mut proposals: Vec<Proposal> = Vec::new();
    for (f, r) in c.families.iter().zip(c.rows) {
        if r.b + r.i == 0 || r.ln_q > ln_fdr {
            continue;
        }
        let Some(kind) = super::rate_kind(r, rates.p0, cfg) else {
            continue;
        };
        let Some(aligned) = shared_change(kind, &members_of(f), rates, cfg) else {
            continue;
        };
        proposals.push(Proposal {
            flag: make(r, kind, r.lfc.abs(), f),
            explained: aligned.iter().map(|&id| (id, kind)).collect(),
            claims: aligned,
        });
    }
    for ((k, m), &ln_q) in c.mix.iter().zip(c.mix_qs) {
        let (Some(f), Some(r)) = (c.families.get(*k), c.rows.get(*k)) else {
            continue;
        };
        if ln_q > ln_fdr || m.effect < cfg.min_share_change {
            continue;
        }
        let Some((up, down)) = opposite_movers(&members_of(f), rates, cfg) else {
            continue;
        };
        let mut pr = r.clone();
        pr.ln_p = m.ln_p;
        pr.ln_q = ln_q;
        let mut flag = make(
            &pr,
            Kind::ParamShift,
            super::SCORE_SHARE_WEIGHT * m.effect,
            f,
        );
        flag.slot = f.slot;
        flag.values_before = m.before.clone();
        flag.values_after = m.after.clone();
        let explained = up
            .iter()
            .flat_map(|&id| [(id, Kind::New), (id, Kind::Spike)])
            .chain(down.iter().map(|&id| (id, Kind::Drop)))
            .collect();
        proposals.push(Proposal {
            flag,
            claims: up.into_iter().chain(down).collect(),
            explained,
        });
    }
    proposals.sort_by(|a, b| {
        b.flag
            .score
            .total_cmp(&a.flag.score)
            .then_with(|| a.flag.members.cmp(&b.flag.members))
            .then_with(|| a.flag.kind.cmp(&b.flag.kind))
    });
    let mut claimed: HashSet<(u32, Kind)> = HashSet::new();
    let mut explained: HashSet<(u32, Kind)> = HashSet::new();
    let mut out = Vec::new();
    for p in proposals {
        let kind = p.flag.kind;
        if p.claims.iter().any(|&id| claimed.contains(&(id, kind))) {
            continue;
        }
        claimed.extend(p.claims.iter().map(|&id| (id, kind)));
        explained.extend(p.explained);
        out.push(p.flag);
    }
    (out, explained)
}

/// Removes the member findings that accepted family findings explain: `explained` holds
/// `(cluster id, kind)` pairs. Family findings themselves are never removed.
pub(super) fn suppress(flags: &mut Vec<Flag>, explained: &HashSet<(u32, Kind)>) {
    flags.retain(|f| f.members.len() > 1 || !explained.contains(&(f.cluster_id, f.kind)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fams(t: &[(u32, &str)]) -> Vec<Family> {
        find(t, MAX_FAMILY_KEYS, MAX_FAMILY_MEMBERS).families
    }

    #[test]
    fn siblings_at_one_position_form_a_family() {
        let f = fams(&[
            (3, "session opened for user news by (uid=<*>)"),
            (18, "session opened for user test by (uid=<*>)"),
            (19, "session opened for user cyrus by (uid=<*>)"),
            (5, "session closed for user <*>"),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].members, vec![3, 18, 19]);
        assert_eq!(f[0].template, "session opened for user <*> by (uid=<*>)");
        assert_eq!(f[0].slot, Some(0));
        assert_eq!(f[0].values, vec!["news", "test", "cyrus"]);
    }

    #[test]
    fn shared_prefixes_are_kept_at_punctuation() {
        let f = fams(&[
            (1, "auth failure; rhost=<*> user=<*>"),
            (2, "auth failure; rhost=<*> user=guest"),
            (3, "auth failure; rhost=<*> user=test"),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].template, "auth failure; rhost=<*> user=<*>");
        assert_eq!(f[0].slot, Some(1));
        assert_eq!(f[0].values, vec!["<*>", "guest", "test"]);
        let g = fams(&[(1, "GET /a status=201 ok"), (2, "GET /a status=503 ok")]);
        assert_eq!(g[0].template, "GET /a status=<*> ok");
        assert_eq!(g[0].values, vec!["201", "503"]);
        let h = fams(&[(1, "x (alpha)"), (2, "x (beta)")]);
        assert_eq!(h[0].template, "x (<*>)");
    }

    #[test]
    fn a_cluster_can_be_in_one_family_per_position() {
        let f = fams(&[
            (1, "cupsd startup succeeded"),
            (2, "cupsd shutdown succeeded"),
            (3, "sshd startup succeeded"),
        ]);
        let t: Vec<&str> = f.iter().map(|f| f.template.as_str()).collect();
        assert_eq!(t, vec!["cupsd <*> succeeded", "<*> startup succeeded"]);
    }

    #[test]
    fn components_join_families_that_share_a_member() {
        let f = fams(&[
            (1, "cupsd startup succeeded"),
            (2, "cupsd shutdown succeeded"),
            (3, "sshd startup succeeded"),
            (4, "a b c"),
            (5, "a b d"),
            (6, "lonely template here"),
        ]);
        let c = components(&f);
        let mut got: Vec<(u32, u32)> = c.into_iter().collect();
        got.sort_unstable();
        assert_eq!(got, vec![(1, 1), (2, 1), (3, 1), (4, 4), (5, 4)]);
    }

    #[test]
    fn one_word_and_all_wildcard_templates_make_no_family() {
        assert!(fams(&[(1, "warning"), (2, "normal"), (3, "critical")]).is_empty());
        assert!(fams(&[(1, "<*> <*>"), (2, "foo <*>"), (3, "<*> bar")]).is_empty());
        assert!(fams(&[(1, "a b c"), (2, "a b c d")]).is_empty());
    }

    #[test]
    fn identical_templates_are_one_family_without_a_slot() {
        let f = fams(&[(7, "job <*> done"), (2, "job <*> done")]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].members, vec![2, 7]);
        assert_eq!(f[0].template, "job <*> done");
        assert_eq!(f[0].slot, None);
    }

    #[test]
    fn caps_are_counted() {
        let many: Vec<String> = (0..10).map(|i| format!("user u{i} logged in")).collect();
        let t: Vec<(u32, &str)> = many
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u32, s.as_str()))
            .collect();
        let s = find(&t, MAX_FAMILY_KEYS, 4);
        assert!(s.families.is_empty());
        assert_eq!(s.oversized, 1);
        let s = find(&t, 4, MAX_FAMILY_MEMBERS);
        assert_eq!(s.templates_skipped, 9);
        assert!(s.families.is_empty());
        let s = find(&t, 12, MAX_FAMILY_MEMBERS);
        assert_eq!(s.templates_skipped, 7);
        assert_eq!(s.families.len(), 1);
        assert_eq!(s.families[0].members, vec![0, 1, 2]);
    }

    #[test]
    fn affixes_never_cut_into_a_wildcard_or_overlap() {
        assert_eq!(common_affixes(&["user=<*>", "user=x"]), (5, 0));
        assert_eq!(common_affixes(&["<a>", "<*>"]), (0, 0));
        assert_eq!(common_affixes(&["a.b", "a.b.b"]), (2, 0));
        assert_eq!(common_affixes(&["é(x)", "é(yy)"]), (3, 1));
    }
}
