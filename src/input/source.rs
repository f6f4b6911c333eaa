//! Opening inputs: paths and stdin, memory maps and streams, gzip and zstd.
//!
//! Owns [`Input`] (one opened input), how it is read ([`Access`]), its compression
//! ([`Compression`], detected from magic bytes, never from the file name) and the errors a
//! user sees about it ([`InputError`]). Splitting the bytes is [`Splitter`]'s job; this
//! module only decides where the bytes come from and feeds them in.
//!
//! Plain regular files with a length are memory-mapped and split in one pass. Everything
//! else (stdin, pipes, FIFOs, character devices, `/proc` files that report length 0, files
//! that cannot be mapped, every compressed input and UTF-16 text with a byte-order mark,
//! which is decoded to UTF-8 on the way) is streamed through a fixed buffer of
//! [`READ_CHUNK_BYTES`], so memory stays bounded by that buffer plus the one capped event a
//! [`Splitter`] carries between reads.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use memmap2::Mmap;

use super::Event;
use super::split::{SplitConfig, SplitStats, Splitter};
use super::utf16::{Utf16Sniffer, has_utf16_bom};

/// Bytes read from a stream at a time: 1 MiB amortises the per-read cost and the copy of the
/// event open at each seam, and stays small next to the rest of the process.
pub const READ_CHUNK_BYTES: usize = 1024 * 1024;

/// Bytes [`Input::peek`] shows: 64 KiB, several hundred lines of a typical log, enough to
/// recognise its header format.
pub const PEEK_BYTES: usize = 64 * 1024;

/// gzip's magic bytes (RFC 1952, section 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// zstd frame magic number 0xFD2FB528, little-endian (RFC 8878, section 3.1.1).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// What to read: a path, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// Standard input, written `-` on the command line.
    Stdin,
    /// A file, FIFO or device.
    Path(PathBuf),
}

impl InputSpec {
    /// `-` means standard input; anything else is a path.
    pub fn from_arg(arg: &std::ffi::OsStr) -> InputSpec {
        if arg == "-" {
            InputSpec::Stdin
        } else {
            InputSpec::Path(PathBuf::from(arg))
        }
    }

    /// The name used in messages: `<stdin>` or the path as given.
    pub fn display_name(&self) -> String {
        match self {
            InputSpec::Stdin => "<stdin>".to_string(),
            InputSpec::Path(p) => p.display().to_string(),
        }
    }
}

/// How an input's bytes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The whole file is memory-mapped and split in one pass, without copies.
    Mmap,
    /// Read chunk by chunk into a fixed buffer.
    Stream,
}

/// An input's compression, detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed (or in a format that is not recognised: read as is).
    None,
    /// gzip, possibly several members one after another (as `cat a.gz b.gz` makes).
    Gzip,
    /// zstd, possibly several frames.
    Zstd,
}

impl Compression {
    /// Recognises gzip and zstd from the first bytes of an input.
    pub fn detect(magic: &[u8]) -> Compression {
        if magic.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if magic.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// `gzip`, `zstd` or `plain`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// A command that checks a file of this format, for error messages.
    fn check_command(self) -> &'static str {
        match self {
            Compression::None => "cat",
            Compression::Gzip => "gzip -t",
            Compression::Zstd => "zstd -t",
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an input could not be read (fully). Each names the input and says what to do; the
/// other inputs of a run can still be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The path does not exist.
    #[error("{name}: no such file; check the path (use `-` to read standard input)")]
    NotFound { name: String },
    /// The path is a directory.
    #[error("{name}: is a directory; pass the log files inside it instead (e.g. `{name}/*.log`)")]
    IsDirectory { name: String },
    /// The input cannot be opened or read for lack of permission.
    #[error(
        "{name}: permission denied; check the file's permissions or run as a user who can read it"
    )]
    PermissionDenied { name: String },
    /// Compressed data ends early or is damaged. The events before the damage were
    /// delivered.
    #[error(
        "{name}: {format} data is truncated or corrupt after about {compressed_bytes} compressed \
         bytes ({lines} lines before that point were read): {source}; check it with \
         `{} {name}` or fetch a complete copy", format.check_command()
    )]
    Corrupt {
        name: String,
        format: Compression,
        /// Compressed bytes read from the file when the damage was noticed (decoders read
        /// ahead, so the damage is at or before this offset).
        compressed_bytes: u64,
        /// Decompressed bytes delivered before the damage.
        decompressed_bytes: u64,
        /// Lines delivered before the damage.
        lines: u64,
        source: io::Error,
    },
    /// Reading failed part way. The events before the failure were delivered.
    #[error(
        "{name}: read failed after {bytes} bytes ({lines} lines were read): {source}; \
         check the device or file and run again"
    )]
    Read {
        name: String,
        bytes: u64,
        lines: u64,
        source: io::Error,
    },
    /// Opening failed for another reason.
    #[error("{name}: cannot open: {source}")]
    Open { name: String, source: io::Error },
}

impl InputError {
    /// The input the error is about, as shown to the user.
    pub fn name(&self) -> &str {
        match self {
            InputError::NotFound { name }
            | InputError::IsDirectory { name }
            | InputError::PermissionDenied { name }
            | InputError::Corrupt { name, .. }
            | InputError::Read { name, .. }
            | InputError::Open { name, .. } => name,
        }
    }

    fn open(name: &str, err: io::Error) -> InputError {
        let name = name.to_string();
        match err.kind() {
            io::ErrorKind::NotFound => InputError::NotFound { name },
            io::ErrorKind::PermissionDenied => InputError::PermissionDenied { name },
            io::ErrorKind::IsADirectory => InputError::IsDirectory { name },
            _ => InputError::Open { name, source: err },
        }
    }
}

/// Progress of the raw (possibly compressed) byte source, shared with the decoder stack:
/// how far it got, and whether an error came from it rather than from the decoder.
#[derive(Debug, Default)]
struct RawProgress {
    bytes: AtomicU64,
    failed: AtomicBool,
}

/// Counts the bytes read from the raw source and notes its failures.
struct CountingReader<R> {
    inner: R,
    progress: Arc<RawProgress>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.progress.failed.store(true, Ordering::Relaxed);
                }
                Err(e)
            }
        }
    }
}

enum Body {
    Mapped(Mmap),
    Stream(Box<dyn Read + Send>),
    Done,
}

/// One opened input. Read it once with [`for_each_event`](Self::for_each_event); look at
/// its first bytes before that with [`peek`](Self::peek).
pub struct Input {
    name: String,
    compression: Compression,
    access: Access,
    body: Body,
    /// Bytes read ahead by `peek`, delivered first by `for_each_event`.
    peeked: Vec<u8>,
    peek_done: bool,
    /// A read error met while peeking, reported by `for_each_event` after the events
    /// before it.
    deferred: Option<io::Error>,
    progress: Arc<RawProgress>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("compression", &self.compression)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens a path or stdin. Plain regular files are memory-mapped; everything else is
    /// streamed. Compression is detected from the first bytes.
    pub fn open(spec: &InputSpec) -> Result<Input, InputError> {
        match spec {
            InputSpec::Stdin => Input::from_reader(spec.display_name(), io::stdin()),
            InputSpec::Path(path) => Input::open_path(path),
        }
    }

    /// Streams any reader (a pipe, a socket, a test buffer) as an input named `name`,
    /// decompressing it if its first bytes say gzip or zstd, and decoding UTF-16 text that
    /// starts with a byte-order mark (after decompression) to UTF-8.
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl Read + Send + 'static,
    ) -> Result<Input, InputError> {
        let name = name.into();
        let progress = Arc::new(RawProgress::default());
        let mut raw = CountingReader {
            inner: reader,
            progress: Arc::clone(&progress),
        };
        let mut magic = [0u8; ZSTD_MAGIC.len()];
        let mut got = 0;
        while got < magic.len() {
            match raw.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(InputError::open(&name, e)),
            }
        }
        let magic = &magic[..got];
        let compression = Compression::detect(magic);
        let raw = Cursor::new(magic.to_vec()).chain(raw);
        let body: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(Utf16Sniffer::new(raw)),
            Compression::Gzip => Box::new(Utf16Sniffer::new(MultiGzDecoder::new(raw))),
            Compression::Zstd => Box::new(Utf16Sniffer::new(
                zstd::stream::read::Decoder::new(raw).map_err(|e| InputError::open(&name, e))?,
            )),
        };
        Ok(Input {
            name,
            compression,
            access: Access::Stream,
            body: Body::Stream(body),
            peeked: Vec::new(),
            peek_done: false,
            deferred: None,
            progress,
        })
    }

    fn open_path(path: &Path) -> Result<Input, InputError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| InputError::open(&name, e))?;
        let meta = file.metadata().map_err(|e| InputError::open(&name, e))?;
        if meta.is_dir() {
            return Err(InputError::IsDirectory { name });
        }
        // Only regular files with a length are worth mapping: pipes, FIFOs and devices
        // cannot be mapped, and `/proc` files report length 0 but have content.
        if meta.is_file() && meta.len() > 0 {
            // SAFETY: the map is only read. If another process truncates the file while we
            // read it, the kernel may deliver SIGBUS; modifications in place show up as
            // changed bytes, which splitting tolerates like any other bytes. This is the
            // usual trade-off of tools that map their inputs.
            if let Ok(map) = unsafe { Mmap::map(&file) } {
                let compression = Compression::detect(&map);
                // UTF-16 is decoded while streaming, like a compressed file.
                if compression == Compression::None && !has_utf16_bom(&map) {
                    #[cfg(unix)]
                    let _ = map.advise(memmap2::Advice::Sequential);
                    return Ok(Input {
                        name,
                        compression,
                        access: Access::Mmap,
                        body: Body::Mapped(map),
                        peeked: Vec::new(),
                        peek_done: true,
                        deferred: None,
                        progress: Arc::new(RawProgress::default()),
                    });
                }
                // Compressed or UTF-16: stream it through the decoder instead. Mapping did
                // not move the file's read position.
            }
        }
        Input::from_reader(name, file)
    }

    /// The input's name for messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the input is memory-mapped or streamed.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The compression detected from the input's first bytes.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The whole input when it is a memory-mapped plain file (not yet consumed), for
    /// cutting it into chunks with [`chunk_boundaries`](super::chunk_boundaries) and
    /// splitting them in parallel.
    pub fn mapped(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Mapped(map) => Some(map),
            _ => None,
        }
    }

    /// The first bytes of the input, decompressed, up to [`PEEK_BYTES`] (fewer if the input
    /// is shorter), without consuming them: [`for_each_event`](Self::for_each_event) still
    /// delivers them. The last line may be cut. A read error met here is reported by
    /// `for_each_event` after the events before it; empty once the input was consumed.
    pub fn peek(&mut self) -> &[u8] {
        if !self.peek_done {
            self.peek_done = true;
            if let Body::Stream(reader) = &mut self.body {
                self.peeked.resize(PEEK_BYTES, 0);
                let mut got = 0;
                while got < PEEK_BYTES {
                    match reader.read(&mut self.peeked[got..]) {
                        Ok(0) => break,
                        Ok(n) => got += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            self.deferred = Some(e);
                            break;
                        }
                    }
                }
                self.peeked.truncate(got);
            }
        }
        match &self.body {
            Body::Mapped(map) => &map[..map.len().min(PEEK_BYTES)],
            _ => &self.peeked,
        }
    }

    /// Splits the whole input into events, delivering each to `f` with `source` as its
    /// source index, and returns the counts. `f` can stop early by returning
    /// [`ControlFlow::Break`] (the counts then cover what was read).
    ///
    /// On a read error or damaged compressed data, the events before it are delivered
    /// first (including the line cut by the damage) and then the error is returned. The
    /// input is consumed either way: a second call delivers nothing.
    pub fn for_each_event<F>(
        &mut self,
        source: u32,
        cfg: &SplitConfig,
        mut f: F,
    ) -> Result<SplitStats, InputError>
    where
        F: FnMut(&Event<'_>) -> ControlFlow<()>,
    {
        let mut splitter = Splitter::new(cfg.clone(), source, 1);
        match std::mem::replace(&mut self.body, Body::Done) {
            Body::Done => {}
            Body::Mapped(map) => {
                if splitter.feed(&map, &mut f).is_continue() {
                    let _ = splitter.finish(&mut f);
                }
            }
            Body::Stream(mut reader) => {
                let peeked = std::mem::take(&mut self.peeked);
                if splitter.feed(&peeked, &mut f).is_break() {
                    return Ok(splitter.stats());
                }
                drop(peeked);
                if let Some(err) = self.deferred.take() {
                    let _ = splitter.finish(&mut f);
                    return Err(self.read_error(err, &splitter));
                }
                let mut buf = vec![0u8; READ_CHUNK_BYTES];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            if splitter.feed(&buf[..n], &mut f).is_break() {
                                return Ok(splitter.stats());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = splitter.finish(&mut f);
                            return Err(self.read_error(e, &splitter));
                        }
                    }
                }
                let _ = splitter.finish(&mut f);
            }
        }
        Ok(splitter.stats())
    }

    /// Classifies an error met while streaming: from the decoder (damaged data) or from
    /// the source itself.
    fn read_error(&self, err: io::Error, splitter: &Splitter) -> InputError {
        let stats = splitter.stats();
        let raw_failed = self.progress.failed.load(Ordering::Relaxed);
        if self.compression != Compression::None && !raw_failed {
            InputError::Corrupt {
                name: self.name.clone(),
                format: self.compression,
                compressed_bytes: self.progress.bytes.load(Ordering::Relaxed),
                decompressed_bytes: stats.bytes,
                lines: stats.lines,
                source: err,
            }
        } else {
            InputError::Read {
                name: self.name.clone(),
                bytes: stats.bytes,
                lines: stats.lines,
                source: err,
            }
        }
    }
}

/// Reads several inputs one after another, in order; input `k` of `specs` gets source
/// index `k` in its events. An input that cannot be opened or read has its error in its
/// slot of the result (after the events read before a read error) and the next input is
/// read all the same. When `f` returns [`ControlFlow::Break`], reading stops: the result
/// then has one entry per input started.
pub fn for_each_event_in<F>(
    specs: &[InputSpec],
    cfg: &SplitConfig,
    mut f: F,
) -> Vec<Result<SplitStats, InputError>>
where
    F: FnMut(&Event<'_>) -> ControlFlow<()>,
{
    let mut results = Vec::with_capacity(specs.len());
    let mut stopped = false;
    for (source, spec) in (0u32..).zip(specs) {
        let result = Input::open(spec).and_then(|mut input| {
            input.for_each_event(source, cfg, |event| {
                let flow = f(event);
                stopped = flow.is_break();
                flow
            })
        });
        results.push(result);
        if stopped {
            break;
        }
    }
    results
}
