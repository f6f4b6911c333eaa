//! Mining with several threads, with the same result as one.
//!
//! Owns the pipeline behind `--threads N` (N > 1): one reader goes through the inputs in order
//! (each opened, its header format detected, its bytes split into events) and packs the event
//! heads into batches of about [`BATCH_BYTES`]; N - 1 workers parse the headers and mask the
//! messages of whole batches, in any order; one miner takes the prepared batches back in
//! order and mines every event exactly as the single-threaded loop does, and prepares a
//! waiting batch itself whenever the next one in order is not ready (so that no core idles
//! while the miner waits, and N threads keep N cores busy). Parsing and masking
//! are pure functions of a line, and the miner sees the same lines in the same order, so the
//! templates, counts, reports and per-line output do not depend on the thread count.
//!
//! Memory stays bounded whatever the input: at most [`in_flight`] batches exist between the
//! reader and the miner, however slow one of them is. This module does not parse flags or
//! render anything; what happens to a mined event is [`Sink::event`](super::Sink)'s business.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::{InputInfo, ReadConfig, ReadSummary, Sink, read_events};
use crate::mask::{MaskedBatch, MaskedLine, Masker};
use crate::record::{HeaderFormat, Level, Record, Timestamp};
use crate::window::Group;

/// Event-head bytes per batch: thousands of lines, so that handing a batch between threads
/// costs little next to the work on it, and small enough that the batches in flight (heads,
/// messages and masked tokens, about eight times the heads) stay a few tens of MB.
pub const BATCH_BYTES: usize = 256 * 1024;

/// Most events per batch, whatever their size: bounds the masked lines a batch keeps.
pub const BATCH_EVENTS: usize = 8192;

/// Masked-line buffers a mined batch may keep for the next one; beyond this (after lines far
/// longer than usual) they are freed, so that long lines cannot pin memory.
const RETAIN_BYTES: usize = 4 << 20;

/// Batches allowed between the reader and the miner: each worker's, one queued per worker,
/// and the one being mined. Bounds memory when one batch is slow and later ones finish first.
fn in_flight(threads: usize) -> usize {
    threads.saturating_mul(2).saturating_add(1)
}

/// One input's place in a batch.
struct BatchInput {
    /// Index of the input in the run (baseline inputs first).
    run: usize,
    group: Group,
    format: Arc<HeaderFormat>,
}

/// Consecutive events as read: their heads copied back to back.
struct Batch {
    index: u64,
    data: Vec<u8>,
    /// `(end of the head in data, physical lines, index into inputs)`; a head starts where
    /// the previous one ended.
    events: Vec<(usize, u32, u32)>,
    inputs: Vec<BatchInput>,
}

impl Batch {
    fn new(index: u64, data: Vec<u8>) -> Batch {
        Batch {
            index,
            data,
            events: Vec::new(),
            inputs: Vec::new(),
        }
    }
}

/// Where a byte string of a parsed event is: in the batch's heads (`data`), or in `text` when
/// the header parser had to build it (a JSON message with its escapes undone).
#[derive(Clone, Copy)]
enum Span {
    Head(usize, usize),
    Text(usize, usize),
}

/// One event after header parsing.
struct Parsed {
    lines: u32,
    slot: u32,
    ts: Option<Timestamp>,
    level: Option<Level>,
    msg: Span,
    component: Option<Span>,
}

/// A batch with its headers parsed and its messages masked, ready to mine. Its buffers are
/// reused for later batches once it has been mined.
#[derive(Default)]
struct Prepared {
    index: u64,
    inputs: Vec<(usize, Group)>,
    /// The event heads, as read.
    data: Vec<u8>,
    events: Vec<Parsed>,
    /// Message bytes that are not a slice of a head.
    text: Vec<u8>,
    /// Record notes (times, levels) of each input of the batch, in `inputs` order: sums,
    /// minima and maxima, which add up the same in any order.
    notes: Vec<InputInfo>,
    /// The masked message of each event.
    masked: MaskedBatch,
}

impl Prepared {
    fn bytes(&self, span: Span) -> &[u8] {
        match span {
            Span::Head(a, b) => self.data.get(a..b),
            Span::Text(a, b) => self.text.get(a..b),
        }
        .unwrap_or_default()
    }
}

/// Where `part` lies in `data`, when it is a slice of it.
fn span_in(data: &[u8], part: &[u8]) -> Option<Span> {
    let start = (part.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= data.len()).then_some(Span::Head(start, end))
}

/// Buffers of mined batches, for the next ones: the miner puts them back, workers and the
/// reader take them. Never holds more than the batches in flight.
#[derive(Default)]
struct Recycle {
    prepared: Mutex<Vec<Prepared>>,
    heads: Mutex<Vec<Vec<u8>>>,
}

impl Recycle {
    fn take_prepared(&self) -> Prepared {
        self.prepared
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }

    fn take_heads(&self) -> Vec<u8> {
        self.heads
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_else(|| Vec::with_capacity(BATCH_BYTES + 4096))
    }

    fn give(&self, mut p: Prepared) {
        let mut heads = std::mem::take(&mut p.data);
        heads.clear();
        if heads.capacity() > BATCH_BYTES * 2 {
            heads = Vec::with_capacity(BATCH_BYTES + 4096);
        }
        if p.masked.heap_bytes() + p.text.capacity() > RETAIN_BYTES {
            p.masked = MaskedBatch::new();
            p.text = Vec::new();
        }
        if let Ok(mut v) = self.heads.lock() {
            v.push(heads);
        }
        if let Ok(mut v) = self.prepared.lock() {
            v.push(p);
        }
    }
}

/// Reads every input and mines it: `threads` workers parse and mask, this call's scope runs
/// the miner on `sink` in input order. Returns what was read.
pub(super) fn run(read: &ReadConfig, sink: &mut Sink<'_>, threads: usize) -> ReadSummary {
    let threads = threads.max(1);
    let masker = sink.miner.masker();
    let (batch_tx, batch_rx) = mpsc::sync_channel::<Batch>(threads);
    let batch_rx = Mutex::new(batch_rx);
    let (ready_tx, ready_rx) = mpsc::channel::<Prepared>();
    let (ticket_tx, ticket_rx) = mpsc::sync_channel::<()>(in_flight(threads));
    for _ in 0..in_flight(threads) {
        let _ = ticket_tx.send(());
    }
    let recycle = Recycle::default();
    let (mut summary, notes) = std::thread::scope(|s| {
        let recycle = &recycle;
        let batch_rx = &batch_rx;
        for _ in 1..threads {
            let ready_tx = ready_tx.clone();
            s.spawn(move || {
                loop {
                    let next = match batch_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(batch) = next else { return };
                    let p = prepare(batch, masker, recycle.take_prepared());
                    if ready_tx.send(p).is_err() {
                        return;
                    }
                }
            });
        }
        drop(ready_tx);
        let miner = s.spawn(move || {
            let help = |batch| prepare(batch, masker, recycle.take_prepared());
            mine_in_order(ready_rx, batch_rx, help, sink, &ticket_tx, recycle)
        });
        let summary = read_batches(
            read,
            || recycle.take_heads(),
            |batch| {
                if ticket_rx.recv().is_err() || batch_tx.send(batch).is_err() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        drop(batch_tx);
        let notes = miner.join().unwrap_or_default();
        (summary, notes)
    });
    for (run, n) in &notes {
        if let Some(info) = summary.inputs.get_mut(*run) {
            info.absorb_notes(n);
        }
    }
    summary
}

/// Where the miner's next prepared batch comes from.
enum Next {
    Prepared(Prepared),
    /// Every batch has been prepared and handed over.
    Done,
}

/// The next prepared batch for the miner: one that a worker finished, else one the miner
/// prepares itself from the batches waiting for a worker, else (nothing waiting) the next
/// one a worker finishes.
fn next_prepared(
    ready: &mpsc::Receiver<Prepared>,
    batches: &Mutex<mpsc::Receiver<Batch>>,
    help: &impl Fn(Batch) -> Prepared,
) -> Next {
    let mut wait = HELP_POLL_MIN;
    loop {
        if let Ok(p) = ready.try_recv() {
            return Next::Prepared(p);
        }
        // Never wait for the lock: a worker holds it while it waits for the reader, and the
        // reader may be waiting for this miner to hand back a ticket.
        let waiting = match batches.try_lock() {
            Ok(rx) => Some(rx.try_recv()),
            Err(std::sync::TryLockError::WouldBlock) => Some(Err(mpsc::TryRecvError::Empty)),
            Err(std::sync::TryLockError::Poisoned(_)) => None,
        };
        match waiting {
            Some(Ok(batch)) => return Next::Prepared(help(batch)),
            // Reading is over and every batch was taken: wait for the workers' last ones.
            Some(Err(mpsc::TryRecvError::Disconnected)) | None => {
                return ready.recv().map_or(Next::Done, Next::Prepared);
            }
            Some(Err(mpsc::TryRecvError::Empty)) => match ready.recv_timeout(wait) {
                Ok(p) => return Next::Prepared(p),
                // Nothing to prepare yet either (a slow input): look again, less often.
                Err(mpsc::RecvTimeoutError::Timeout) => wait = (wait * 2).min(HELP_POLL_MAX),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // No worker left: prepare the rest here.
                    return match batches.lock().ok().map(|rx| rx.recv()) {
                        Some(Ok(batch)) => Next::Prepared(help(batch)),
                        _ => Next::Done,
                    };
                }
            },
        }
    }
}

/// How long the miner waits for a worker's batch before it looks again for a batch to
/// prepare itself: from the first to the second, doubling while nothing comes.
const HELP_POLL_MIN: std::time::Duration = std::time::Duration::from_millis(1);
const HELP_POLL_MAX: std::time::Duration = std::time::Duration::from_millis(64);

/// Mines prepared batches in batch order, preparing waiting batches itself while the next
/// one is not ready (`help`); returns the record notes (times, levels) per input.
fn mine_in_order(
    ready: mpsc::Receiver<Prepared>,
    batches: &Mutex<mpsc::Receiver<Batch>>,
    help: impl Fn(Batch) -> Prepared,
    sink: &mut Sink<'_>,
    tickets: &mpsc::SyncSender<()>,
    recycle: &Recycle,
) -> BTreeMap<usize, InputInfo> {
    let mut pending: BTreeMap<u64, Prepared> = BTreeMap::new();
    let mut next = 0u64;
    let mut notes: BTreeMap<usize, InputInfo> = BTreeMap::new();
    while let Next::Prepared(p) = next_prepared(&ready, batches, &help) {
        pending.insert(p.index, p);
        while let Some(p) = pending.remove(&next) {
            next += 1;
            for (i, ev) in p.events.iter().enumerate() {
                let Some(&(_, group)) = p.inputs.get(ev.slot as usize) else {
                    continue;
                };
                let rec = Record {
                    ts: ev.ts,
                    level: ev.level,
                    component: ev.component.map(|c| p.bytes(c)),
                    message: Cow::Borrowed(p.bytes(ev.msg)),
                };
                sink.event(group, ev.lines, &rec, p.masked.get(i));
            }
            for (&(run, _), n) in p.inputs.iter().zip(&p.notes) {
                match notes.get_mut(&run) {
                    Some(a) => a.absorb_notes(n),
                    None => {
                        notes.insert(run, n.clone());
                    }
                }
            }
            recycle.give(p);
            let _ = tickets.send(());
        }
    }
    notes
}

/// Parses the headers and masks the messages of one batch, into the buffers of `p`.
fn prepare(batch: Batch, masker: Masker, mut p: Prepared) -> Prepared {
    p.index = batch.index;
    p.inputs.clear();
    p.inputs
        .extend(batch.inputs.iter().map(|i| (i.run, i.group)));
    p.events.clear();
    p.text.clear();
    p.masked.clear();
    p.notes.clear();
    p.notes.extend(
        batch
            .inputs
            .iter()
            .map(|i| InputInfo::new(String::new(), i.group)),
    );
    let data = batch.data;
    let mut ml = MaskedLine::new();
    let mut start = 0usize;
    for &(end, lines, slot) in &batch.events {
        let head = data.get(start..end).unwrap_or_default();
        start = end;
        let rec = match batch.inputs.get(slot as usize) {
            Some(input) => input.format.parse(head),
            None => Record::plain(head),
        };
        if let Some(n) = p.notes.get_mut(slot as usize) {
            n.note(&rec);
        }
        masker.mask(&rec.message, &mut ml);
        p.masked.push(&ml);
        let msg = match span_in(&data, &rec.message) {
            Some(s) => s,
            None => {
                let a = p.text.len();
                p.text.extend_from_slice(&rec.message);
                Span::Text(a, p.text.len())
            }
        };
        let component = rec.component.map(|c| {
            span_in(&data, c).unwrap_or_else(|| {
                let a = p.text.len();
                p.text.extend_from_slice(c);
                Span::Text(a, p.text.len())
            })
        });
        p.events.push(Parsed {
            lines,
            slot,
            ts: rec.ts,
            level: rec.level,
            msg,
            component,
        });
    }
    p.data = data;
    p
}

/// Reads every input in order (see [`read_events`]) and hands out its events in batches.
/// `dispatch` stops the reading by returning `Break`.
fn read_batches<F, B>(cfg: &ReadConfig, mut buffer: B, mut dispatch: F) -> ReadSummary
where
    F: FnMut(Batch) -> ControlFlow<()>,
    B: FnMut() -> Vec<u8>,
{
    let mut batch = Batch::new(0, buffer());
    let mut stopped = false;
    let summary = read_events(cfg, |input, ev, _| {
        if batch.inputs.last().map(|i| i.run) != Some(input.run) {
            batch.inputs.push(BatchInput {
                run: input.run,
                group: input.group,
                format: Arc::clone(input.format),
            });
        }
        let slot = u32::try_from(batch.inputs.len() - 1).unwrap_or(u32::MAX);
        batch.data.extend_from_slice(ev.head);
        batch.events.push((batch.data.len(), ev.lines, slot));
        if batch.data.len() >= BATCH_BYTES || batch.events.len() >= BATCH_EVENTS {
            let next = Batch::new(batch.index + 1, buffer());
            if dispatch(std::mem::replace(&mut batch, next)).is_break() {
                stopped = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    if !stopped && !batch.events.is_empty() {
        let _ = dispatch(batch);
    }
    summary
}
