//! The native side of `CompressionStream` and `DecompressionStream`, in place of deno_web's
//! three ops (its JS, the streams and argument checks, is kept; `replace` swaps the ops'
//! implementations under their names). The formats and the bytes out are the same; what
//! differs is that the memory a stream takes is held to its isolate's memory limit:
//!
//! - A stream's state lives outside the heap, where neither the heap limit nor the
//!   ArrayBuffer allocator sees it: a zlib stream's is charged when the stream is made, at
//!   the size measured for flate2's zlib-rs backend (an encoder 404 KiB, a decoder 79 KiB,
//!   with their 32 KiB output buffer); a brotli stream's is counted allocation by
//!   allocation through brotli's own allocator interface (its window grows with the data,
//!   up to 16 MiB for a decoder). Charges are given back when the stream ends or V8
//!   collects it.
//! - Output is written into a sink that holds no more than the room left under the limit,
//!   so one call on a decompression bomb stops with `memory-limit` at the limit, where
//!   deno_web's op inflated all of it (a 1 MiB gzip of zeros is 1 GiB) before returning.
//! - Each call's output is charged as it becomes a `Uint8Array`, and given back when V8
//!   frees that buffer, as buffers made in JS are counted.
//!
//! An isolate without a memory limit counts nothing.

#![allow(
    unsafe_code,
    reason = "a cppgc-managed object must implement deno_core's unsafe GarbageCollected"
)]

use std::cell::Cell;
use std::cell::RefCell;
use std::ffi::CStr;
use std::io;
use std::io::Write;
use std::mem;

use brotli::enc::encode::BrotliEncoderOperation;
use brotli::enc::encode::BrotliEncoderParameter;
use brotli::enc::encode::BrotliEncoderStateStruct;
use brotli::enc::BrotliAlloc;
use brotli::writer::DecompressorWriterCustomAlloc;
use brotli::Allocator;
use brotli::SliceWrapper;
use brotli::SliceWrapperMut;
use deno_core::op2;
use deno_core::v8;
use deno_core::GarbageCollected;
use deno_core::OpDecl;
use deno_core::OpState;
use deno_core::ToV8;
use deno_error::JsErrorBox;
use flate2::write::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::write::GzDecoder;
use flate2::write::GzEncoder;
use flate2::write::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::ext::counter::CountedBytes;
use crate::ext::counter::Counter;

/// What a zlib encoder holds (flate2 over zlib-rs at the default level, measured: 413,308
/// bytes with its output buffer).
const ZLIB_ENCODER: usize = 416 * 1024;

/// What a zlib decoder holds (measured: 80,780 bytes with its window and output buffer).
const ZLIB_DECODER: usize = 80 * 1024;

/// The brotli encoder's settings, as deno_web's: quality 6 (nginx's on-the-fly default) and
/// a window of 2^22 bytes.
const BROTLI_QUALITY: u32 = 6;
const BROTLI_WINDOW_BITS: u32 = 22;

/// The brotli decoder's output buffer (deno_web's size).
const BROTLI_BUFFER: usize = 4096;

/// Swaps deno_web's compression ops for this module's, keeping their names (an op
/// middleware: it sees every op of every extension).
pub(crate) fn replace(op: OpDecl) -> OpDecl {
    match op.name {
        "op_compression_new" => op.with_implementation_from(&op_isogate_compression_new()),
        "op_compression_write" => op.with_implementation_from(&op_isogate_compression_write()),
        "op_compression_finish" => op.with_implementation_from(&op_isogate_compression_finish()),
        _ => op,
    }
}

/// A compression or decompression stream's state, owned by V8's heap (cppgc) as deno_web's
/// is: dropped, and its charge given back, when the JS object is collected.
struct Stream {
    coder: RefCell<Option<Coder>>,
    counter: Option<Counter>,
    /// The fixed charge for the state (zlib's; brotli's is counted by its allocator), until
    /// the state is dropped.
    charged: Cell<usize>,
}

// SAFETY: `Stream` holds no V8 handles, so there is nothing to trace, and it may be
// collected whenever V8 finds it unreachable.
unsafe impl GarbageCollected for Stream {
    fn trace(&self, _visitor: &mut v8::cppgc::Visitor) {}

    fn get_name(&self) -> &'static CStr {
        c"CompressionResource"
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.release_state();
    }
}

impl Stream {
    /// Gives back the state's fixed charge (its coder is gone).
    fn release_state(&self) {
        if let Some(counter) = &self.counter {
            counter.release(self.charged.take());
        }
    }
}

/// <https://wicg.github.io/compression/#supported-formats>, each way.
enum Coder {
    DeflateDecoder(ZlibDecoder<Sink>),
    DeflateEncoder(ZlibEncoder<Sink>),
    DeflateRawDecoder(DeflateDecoder<Sink>),
    DeflateRawEncoder(DeflateEncoder<Sink>),
    GzDecoder(GzDecoder<Sink>),
    GzEncoder(GzEncoder<Sink>),
    BrotliDecoder(Box<BrotliDecoder>),
    BrotliEncoder(Box<BrotliEncoderStateStruct<Counting>>),
}

type BrotliDecoder = DecompressorWriterCustomAlloc<Sink, Block<u8>, Counting, Counting, Counting>;

/// Where a coder writes: holds at most `room` bytes; a write past it fails, and marks
/// that it did.
#[derive(Default)]
struct Sink {
    out: Vec<u8>,
    room: usize,
    /// The bytes a write past `room` would have held (0: none was refused).
    wanted: usize,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wanted = self.out.len().saturating_add(buf.len());
        if wanted > self.room {
            self.wanted = wanted;
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                "output past the memory limit",
            ));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// brotli's allocator for one stream: each block is counted while it lives.
#[derive(Clone, Default)]
struct Counting(Option<Counter>);

/// A block brotli asked [`Counting`] for.
struct Block<T> {
    data: Box<[T]>,
    counter: Option<Counter>,
}

impl<T> Default for Block<T> {
    fn default() -> Self {
        Self {
            data: Box::default(),
            counter: None,
        }
    }
}

impl<T> SliceWrapper<T> for Block<T> {
    fn slice(&self) -> &[T] {
        &self.data
    }
}

impl<T> SliceWrapperMut<T> for Block<T> {
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
}

impl<T> Drop for Block<T> {
    fn drop(&mut self) {
        if let Some(counter) = &self.counter {
            counter.release(mem::size_of_val::<[T]>(&self.data));
        }
    }
}

impl<T: Clone + Default> Allocator<T> for Counting {
    type AllocatedMemory = Block<T>;

    fn alloc_cell(&mut self, len: usize) -> Block<T> {
        let data = vec![T::default(); len].into_boxed_slice();
        // Brotli cannot be refused a block: past the limit the isolate is marked, and the
        // op that asked stops its turn when brotli returns.
        if let Some(counter) = &self.0 {
            counter.force(mem::size_of_val::<[T]>(&data));
        }
        Block {
            data,
            counter: self.0.clone(),
        }
    }

    fn free_cell(&mut self, data: Block<T>) {
        drop(data);
    }
}

impl BrotliAlloc for Counting {}

fn closed() -> JsErrorBox {
    JsErrorBox::type_error("resource is closed")
}

fn over_limit() -> JsErrorBox {
    JsErrorBox::range_error("compression stream output past the memory limit")
}

/// Why a call gave no output.
enum Failed {
    /// Its output would have taken this many bytes, past the room under the memory limit.
    Over(usize),
    Js(JsErrorBox),
}

#[op2]
#[cppgc]
fn op_isogate_compression_new(
    state: &mut OpState,
    #[string] format: &str,
    is_decoder: bool,
) -> Result<Stream, JsErrorBox> {
    let counter = state.try_borrow::<Counter>().cloned();
    let sink = Sink::default;
    let level = Compression::default();
    let (coder, charged) = match (format, is_decoder) {
        ("deflate", true) => (
            Coder::DeflateDecoder(ZlibDecoder::new(sink())),
            ZLIB_DECODER,
        ),
        ("deflate", false) => (
            Coder::DeflateEncoder(ZlibEncoder::new(sink(), level)),
            ZLIB_ENCODER,
        ),
        ("deflate-raw", true) => (
            Coder::DeflateRawDecoder(DeflateDecoder::new(sink())),
            ZLIB_DECODER,
        ),
        ("deflate-raw", false) => (
            Coder::DeflateRawEncoder(DeflateEncoder::new(sink(), level)),
            ZLIB_ENCODER,
        ),
        ("gzip", true) => (Coder::GzDecoder(GzDecoder::new(sink())), ZLIB_DECODER),
        ("gzip", false) => (
            Coder::GzEncoder(GzEncoder::new(sink(), level)),
            ZLIB_ENCODER,
        ),
        ("brotli", true) => {
            let alloc = Counting(counter.clone());
            let buffer = Allocator::<u8>::alloc_cell(&mut alloc.clone(), BROTLI_BUFFER);
            let decoder = DecompressorWriterCustomAlloc::new(
                sink(),
                buffer,
                alloc.clone(),
                alloc.clone(),
                alloc,
            );
            (Coder::BrotliDecoder(Box::new(decoder)), 0)
        }
        ("brotli", false) => {
            let mut encoder = BrotliEncoderStateStruct::new(Counting(counter.clone()));
            encoder.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_QUALITY, BROTLI_QUALITY);
            encoder.set_parameter(
                BrotliEncoderParameter::BROTLI_PARAM_LGWIN,
                BROTLI_WINDOW_BITS,
            );
            (Coder::BrotliEncoder(Box::new(encoder)), 0)
        }
        _ => return Err(JsErrorBox::type_error("Unsupported format")),
    };
    if let Some(counter) = &counter {
        if !counter.charge(charged) {
            return Err(JsErrorBox::range_error(
                "a compression stream's state does not fit in the memory limit",
            ));
        }
    }
    Ok(Stream {
        coder: RefCell::new(Some(coder)),
        counter,
        charged: Cell::new(charged),
    })
}

#[op2]
fn op_isogate_compression_write(
    #[cppgc] stream: &Stream,
    #[anybuffer] input: &[u8],
) -> Result<Output, JsErrorBox> {
    let mut coder = stream.coder.borrow_mut();
    let coder = coder.as_mut().ok_or_else(closed)?;
    let room = room(stream);
    let written = match coder {
        Coder::DeflateDecoder(d) => decode(d, input, room),
        Coder::DeflateEncoder(e) => encode(e, input, room),
        Coder::DeflateRawDecoder(d) => decode(d, input, room),
        Coder::DeflateRawEncoder(e) => encode(e, input, room),
        Coder::GzDecoder(d) => decode(d, input, room),
        Coder::GzEncoder(e) => encode(e, input, room),
        Coder::BrotliDecoder(d) => decode(d.as_mut(), input, room),
        Coder::BrotliEncoder(e) => brotli_compress(
            e,
            input,
            BrotliEncoderOperation::BROTLI_OPERATION_PROCESS,
            room,
        ),
    };
    output(stream, written)
}

#[op2]
fn op_isogate_compression_finish(
    #[cppgc] stream: &Stream,
    report_errors: bool,
) -> Result<Output, JsErrorBox> {
    let mut coder = stream.coder.borrow_mut().take().ok_or_else(closed)?;
    // The coder's last output is bounded by its state's size: the state's charge is given
    // back now, not when the stream object is collected.
    stream.release_state();
    let room = room(stream);
    if let Some(sink) = coder.sink() {
        sink.room = room;
    }
    let finished = match coder {
        Coder::DeflateDecoder(d) => finish(d.finish(), room),
        Coder::DeflateEncoder(e) => finish(e.finish(), room),
        Coder::DeflateRawDecoder(d) => finish(d.finish(), room),
        Coder::DeflateRawEncoder(e) => finish(e.finish(), room),
        Coder::GzDecoder(d) => finish(d.finish(), room),
        Coder::GzEncoder(e) => finish(e.finish(), room),
        Coder::BrotliDecoder(d) => d.into_inner().map(|sink| sink.out).map_err(|sink| {
            if sink.wanted > 0 {
                Failed::Over(sink.wanted)
            } else {
                Failed::Js(JsErrorBox::type_error("brotli decompression failed"))
            }
        }),
        Coder::BrotliEncoder(mut e) => brotli_compress(
            &mut e,
            &[],
            BrotliEncoderOperation::BROTLI_OPERATION_FINISH,
            room,
        ),
    };
    match finished {
        Err(Failed::Js(_)) if !report_errors => output(stream, Ok(Vec::new())),
        finished => output(stream, finished),
    }
}

impl Coder {
    /// Where the coder writes (a brotli encoder has no sink: each call makes its output).
    fn sink(&mut self) -> Option<&mut Sink> {
        Some(match self {
            Coder::DeflateDecoder(d) => d.sink(),
            Coder::DeflateEncoder(e) => e.sink(),
            Coder::DeflateRawDecoder(d) => d.sink(),
            Coder::DeflateRawEncoder(e) => e.sink(),
            Coder::GzDecoder(d) => d.sink(),
            Coder::GzEncoder(e) => e.sink(),
            Coder::BrotliDecoder(d) => d.sink(),
            Coder::BrotliEncoder(_) => return None,
        })
    }
}

/// The bytes a call may still hand out.
fn room(stream: &Stream) -> usize {
    stream.counter.as_ref().map_or(usize::MAX, Counter::room)
}

/// The output of a call, charged to its isolate; output past the room under the limit
/// stops the isolate, as a refused buffer does.
fn output(stream: &Stream, written: Result<Vec<u8>, Failed>) -> Result<Output, JsErrorBox> {
    let bytes = match written {
        Ok(bytes) => bytes,
        Err(Failed::Js(error)) => return Err(error),
        Err(Failed::Over(wanted)) => {
            if let Some(counter) = &stream.counter {
                counter.refuse(wanted);
            }
            return Err(over_limit());
        }
    };
    if stream.counter.as_ref().is_some_and(Counter::refused) {
        // A brotli block went past the limit while it worked.
        return Err(over_limit());
    }
    match &stream.counter {
        None => Ok(Output::Free(bytes)),
        Some(counter) => CountedBytes::charge(bytes, counter)
            .map(Output::Counted)
            .ok_or_else(over_limit),
    }
}

/// A coder that writes into a [`Sink`].
trait Sinking: Write {
    fn sink(&mut self) -> &mut Sink;
}

macro_rules! sinking {
    ($($coder:ty),*) => {
        $(impl Sinking for $coder {
            fn sink(&mut self) -> &mut Sink {
                self.get_mut()
            }
        })*
    };
}

sinking!(
    ZlibDecoder<Sink>,
    ZlibEncoder<Sink>,
    DeflateDecoder<Sink>,
    DeflateEncoder<Sink>,
    GzDecoder<Sink>,
    GzEncoder<Sink>,
    BrotliDecoder
);

/// Feeds `input` to a decoder and flushes it, as deno_web does (so that each chunk's output
/// comes out with it), holding the output to `room`.
fn decode(coder: &mut impl Sinking, input: &[u8], room: usize) -> Result<Vec<u8>, Failed> {
    coder.sink().room = room;
    let result = coder.write_all(input).and_then(|()| coder.flush());
    taken(coder.sink(), result)
}

/// Feeds `input` to an encoder (no flush, so the output does not depend on how the input
/// was chunked), holding the output to `room`.
fn encode(coder: &mut impl Sinking, input: &[u8], room: usize) -> Result<Vec<u8>, Failed> {
    coder.sink().room = room;
    let result = coder.write_all(input);
    taken(coder.sink(), result)
}

/// What `sink` holds, taken (its capacity too), or the error.
fn taken(sink: &mut Sink, result: io::Result<()>) -> Result<Vec<u8>, Failed> {
    match result {
        Ok(()) => Ok(mem::take(&mut sink.out)),
        Err(_) if sink.wanted > 0 => Err(Failed::Over(sink.wanted)),
        Err(error) => Err(Failed::Js(JsErrorBox::type_error(error.to_string()))),
    }
}

/// A zlib coder's last output, or its error (past `room`: the sink went with the coder, so
/// what it wanted is not known beyond that).
fn finish(finished: io::Result<Sink>, room: usize) -> Result<Vec<u8>, Failed> {
    match finished {
        Ok(sink) => Ok(sink.out),
        Err(error) if error.kind() == io::ErrorKind::OutOfMemory => {
            Err(Failed::Over(room.saturating_add(1)))
        }
        Err(error) => Err(Failed::Js(JsErrorBox::type_error(error.to_string()))),
    }
}

/// Runs the brotli encoder over `input` (deno_web's loop), with its output held to `room`.
fn brotli_compress(
    encoder: &mut BrotliEncoderStateStruct<Counting>,
    input: &[u8],
    operation: BrotliEncoderOperation,
    room: usize,
) -> Result<Vec<u8>, Failed> {
    let mut input_offset = 0;
    let mut available_in = input.len();
    let mut output = vec![0; (input.len() / 16 + 1024).min(room.max(1024))];
    let mut output_offset = 0;
    let mut total_out = Some(0);
    loop {
        let mut available_out = output.len() - output_offset;
        let ok = encoder.compress_stream(
            operation,
            &mut available_in,
            input,
            &mut input_offset,
            &mut available_out,
            &mut output,
            &mut output_offset,
            &mut total_out,
            &mut |_, _, _, _| (),
        );
        if !ok {
            return Err(Failed::Js(JsErrorBox::type_error(
                "brotli compression failed",
            )));
        }
        let done = match operation {
            BrotliEncoderOperation::BROTLI_OPERATION_FINISH => encoder.is_finished(),
            _ => available_in == 0 && !encoder.has_more_output(),
        };
        if done {
            output.truncate(output_offset);
            return Ok(output);
        }
        if output_offset == output.len() {
            let wanted = output.len().saturating_mul(2);
            let grown = wanted.min(room);
            if grown <= output.len() {
                return Err(Failed::Over(wanted));
            }
            output.resize(grown, 0);
        }
    }
}

/// A call's output: a `Uint8Array` over bytes charged to the isolate (or free, when its
/// memory is not limited).
enum Output {
    Counted(CountedBytes),
    Free(Vec<u8>),
}

impl<'a> ToV8<'a> for Output {
    type Error = JsErrorBox;

    fn to_v8<'i>(
        self,
        scope: &mut v8::PinScope<'a, 'i>,
    ) -> Result<v8::Local<'a, v8::Value>, Self::Error> {
        if matches!(&self, Output::Free(bytes) if bytes.is_empty()) {
            let buffer = v8::ArrayBuffer::new(scope, 0);
            return v8::Uint8Array::new(scope, buffer, 0, 0)
                .map(Into::into)
                .ok_or_else(|| JsErrorBox::type_error("Failed to create typed array"));
        }
        let backing = match self {
            Output::Counted(bytes) => {
                v8::ArrayBuffer::new_backing_store_from_bytes(Box::new(bytes))
            }
            Output::Free(bytes) => v8::ArrayBuffer::new_backing_store_from_bytes(bytes),
        };
        let len = backing.byte_length();
        let buffer = v8::ArrayBuffer::with_backing_store(scope, &backing.make_shared());
        v8::Uint8Array::new(scope, buffer, 0, len)
            .map(Into::into)
            .ok_or_else(|| JsErrorBox::type_error("Failed to create typed array"))
    }
}
