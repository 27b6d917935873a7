import { isAscii } from 'node:buffer';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { assembleWat, type WebAssemblyMemory, webAssembly } from '../wasm/assemble.js';

/**
 * The fast path for an input's flat `data` array of JSON numbers: a WebAssembly scanner that reads
 * eight digits at a time into a 64-bit integer, where JavaScript has only doubles and byte-by-byte
 * loops. About twice the speed of the JavaScript scanner on a 224x224x3 FP32 image (docs/benchmarks.md).
 *
 * It accepts only the common case: a flat array of numbers with at most 19 significant digits and a
 * power of ten within 1e-44..1e19, in JSON's grammar. On anything else it gives up, and the caller
 * scans the same text the general way, so what is accepted or refused never depends on this path.
 * Those bounds keep every value below 1e38, which FP32 holds: one beyond FP32's range is refused for
 * an FP32 input, and the general scanner marks it (TensorNumbers.beyondFloat32), at no cost here.
 *
 * Values are correctly rounded doubles (the very ones JSON.parse gives) whenever the digits fit in
 * 2^53; longer mantissas are rounded twice, within 1e-14 of JSON.parse's value, and marked inexact,
 * as TensorNumbers expects. For an input declared FP32 it rounds each value to FP32 itself, as
 * TensorNumbers.toFloat32 would, and so skips a pass over the values in JavaScript.
 *
 * On a machine with more than one core, a large array is scanned in two parts at once: the second by
 * a helper thread over the same (shared) memory. The parts meet at a comma the calling thread's part
 * must end on, so the result is the one a single scan gives; anything unexpected (the helper not
 * ready, gone, or giving up) leaves the rest to the calling thread or to the general scanner. A large
 * text's second part is handed over before its first is even written (loadAsciiText).
 */

/** How far a value marked inexact may be from JSON.parse's double, relatively: both scanners keep to it. */
export const INEXACT_WITHIN = 1e-14;

// Memory: powers of ten at 0 (1e22, the largest, at 176), the state of the calling thread's last scan
// at STATE_AT and the helper's at HELPER_STATE_AT, the helper's orders at ORDER_AT, a chunk of results
// for each at OUT_AT and HELPER_OUT_AT, the document's bytes at INPUT_AT, then SENTINEL zero bytes,
// which no number or separator contains: the scanner stops there without checking the end, and its
// eight-byte reads stay inside memory. The state is in memory, not in globals: reading a
// WebAssembly.Global from JavaScript is a call into the engine, and three of them per scan measured
// more than a small scan.
const STATE_AT = 192; // i32s: next, closed, exact
const HELPER_STATE_AT = 208;
const ORDER_AT = 224; // i32s: task (0 idle, 1 to scan, 2 an order coming), ready, start, f32,
// capacity, count, limit (how far the text is written: NO_LIMIT when all of it, GIVE_UP to stop)
const OUT_AT = 256;
const CHUNK_BYTES = 524_288; // results per call: each area stays 512 KiB whatever the body
const HELPER_OUT_AT = OUT_AT + CHUNK_BYTES;
const INPUT_AT = HELPER_OUT_AT + CHUNK_BYTES;
const SENTINEL = 16;
const PAGE = 65_536;
// A shared memory declares its largest size; only the pages written take memory.
const MAX_PAGES = 16_384; // 1 GiB, far beyond any body API Gateway passes
const NO_LIMIT = 0x7fff_ffff;
// Below this, waking the helper costs about what it saves (about 1 ns a byte, 10-50 µs to wake).
const PARALLEL_FROM = 262_144;
// Where in a large text the helper's part starts, as a fraction of its length: adjusted after each
// scan that used it (balanceAhead), so that both threads end together on whatever machine this is.
// This thread writes the whole text, the helper takes a while to wake, and the two may not be as fast.
let aheadFrom = 0.5;
const AHEAD_STEP = 0.004;
// How far into a text its datatype is looked for: a tensor's fields come before its data.
const HEAD_CHARS = 1024;
// The helper's part is written in this many chunks, the helper scanning behind them.
const AHEAD_CHUNKS = 8;
const GIVE_UP = 0; // a limit no position takes: every position is at INPUT_AT or beyond
// A primed helper spins this long for its order at most, which comes after one chunk's write.
const PRIMED_SPIN_MS = 20;
// The helper scans a megabyte in about a millisecond: this long means it is stuck, or gone.
const HELPER_PATIENCE_MS = 2_000;

export const SCANNER_WAT = `
(module
  (import "scanner" "memory" (memory 1 ${MAX_PAGES} shared))
  ;; scan(pos, out, capacity, f32, state, limit): numbers from pos (just inside '[' or after a ','),
  ;; written at out as f64, or with $f32 as f32, until capacity of them, or a value starting at limit
  ;; or later. Returns how many; -1 to give up. At state: next, where to go on (after ']' when closed,
  ;; else the start of the next value); closed; exact, which drops to 0 when a value was rounded twice
  ;; (the caller sets it to 1 first).
  (func (export "scan") (param $pos i32) (param $out i32) (param $capacity i32) (param $f32 i32)
    (param $state i32) (param $limit i32) (result i32)
    (local $c i32) (local $count i32) (local $scale i32) (local $exp i32) (local $esign i32)
    (local $power i32) (local $neg i32) (local $approx i32)
    (local $m i64) (local $w i64)
    (local $v f64) (local $d f64) (local $f f32)
    (i32.store offset=4 (local.get $state) (i32.const 0))
    (block $giveUp
      (loop $value
        (if (i32.or (i32.eq (local.get $count) (local.get $capacity))
              (i32.ge_u (local.get $pos) (local.get $limit))) (then
          (i32.store (local.get $state) (local.get $pos))
          (return (local.get $count))))
        ;; whitespace, which only bytes up to ' ' can be: the loop is entered only then (entering a
        ;; loop costs its stack check, and this one and the separator's made a tenth of the scan)
        (local.set $c (i32.load8_u (local.get $pos)))
        (if (i32.le_u (local.get $c) (i32.const 32)) (then
          (block $text (loop $space
            (br_if $text (i32.eqz (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 10)))
              (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 9))))))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $pos)))
            (br $space)))))
        ;; -?(0|[1-9][0-9]*)
        (local.set $neg (i32.eq (local.get $c) (i32.const 45)))
        (if (local.get $neg) (then
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $c (i32.load8_u (local.get $pos)))))
        (br_if $giveUp (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
        (local.set $m (i64.const 0))
        (local.set $scale (i32.const 0))
        (if (i32.eq (local.get $c) (i32.const 48))
          (then
            ;; a leading zero stands alone: a digit after it is refused at the separator below
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $pos))))
          (else
            (loop $integer
              (br_if $giveUp (i64.ge_u (local.get $m) (i64.const 1000000000000000000)))
              (local.set $m (i64.add (i64.mul (local.get $m) (i64.const 10))
                (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
              (local.set $c (i32.load8_u (local.get $pos)))
              (br_if $integer (i32.le_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9))))))
        ;; (.[0-9]+)?
        (if (i32.eq (local.get $c) (i32.const 46)) (then
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (br_if $giveUp (i32.gt_u (i32.sub (i32.load8_u (local.get $pos)) (i32.const 48)) (i32.const 9)))
          ;; eight digits at a time while they fit: all digits when each byte is 0x30-0x39 (high nibble
          ;; 3, still 3 once 6 is added), then their value by pairs, fours and eights
          (block $short (loop $eight
            (br_if $short (i64.ge_u (local.get $m) (i64.const 100000000000)))
            (local.set $w (i64.load (local.get $pos)))
            (br_if $short (i64.ne
              (i64.or (i64.and (local.get $w) (i64.const 0xF0F0F0F0F0F0F0F0))
                (i64.shr_u (i64.and (i64.add (local.get $w) (i64.const 0x0606060606060606))
                  (i64.const 0xF0F0F0F0F0F0F0F0)) (i64.const 4)))
              (i64.const 0x3333333333333333)))
            (local.set $w (i64.sub (local.get $w) (i64.const 0x3030303030303030)))
            (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.shr_u (local.get $w) (i64.const 8))))
            (local.set $w (i64.shr_u
              (i64.add
                (i64.mul (i64.and (local.get $w) (i64.const 0x000000FF000000FF)) (i64.const 0x000F424000000064))
                (i64.mul (i64.and (i64.shr_u (local.get $w) (i64.const 16)) (i64.const 0x000000FF000000FF))
                  (i64.const 0x0000271000000001)))
              (i64.const 32)))
            (local.set $m (i64.add (i64.mul (local.get $m) (i64.const 100000000)) (local.get $w)))
            (local.set $scale (i32.add (local.get $scale) (i32.const 8)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 8)))
            (br $eight)))
          (local.set $c (i32.load8_u (local.get $pos)))
          (block $fractionEnd (loop $fraction
            (br_if $fractionEnd (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
            (br_if $giveUp (i64.ge_u (local.get $m) (i64.const 1000000000000000000)))
            (local.set $m (i64.add (i64.mul (local.get $m) (i64.const 10))
              (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
            (local.set $scale (i32.add (local.get $scale) (i32.const 1)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $pos)))
            (br $fraction)))))
        ;; ([eE][+-]?[0-9]+)?
        (local.set $exp (i32.const 0))
        (if (i32.eq (i32.or (local.get $c) (i32.const 32)) (i32.const 101)) (then
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $c (i32.load8_u (local.get $pos)))
          (local.set $esign (i32.const 1))
          (if (i32.eq (local.get $c) (i32.const 45)) (then (local.set $esign (i32.const -1))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 45)) (i32.eq (local.get $c) (i32.const 43))) (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $pos)))))
          (br_if $giveUp (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
          (loop $exponent
            (if (i32.lt_u (local.get $exp) (i32.const 100000)) (then
              (local.set $exp (i32.add (i32.mul (local.get $exp) (i32.const 10))
                (i32.sub (local.get $c) (i32.const 48))))))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $pos)))
            (br_if $exponent (i32.le_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9))))
          (local.set $exp (i32.mul (local.get $exp) (local.get $esign)))))
        ;; mantissa x 10^power. Powers of ten up to 1e22 are exact doubles, so with a mantissa within
        ;; 2^53 and |power| <= 22 this is one correctly rounded operation on exact operands. Powers down
        ;; to 1e-44 take a second step by 1e22, and so a second rounding. Powers only up to 1e19: with
        ;; under 1e19 for the mantissa, every value stays below 1e38, within FP32's range.
        (local.set $power (i32.sub (local.get $exp) (local.get $scale)))
        (br_if $giveUp (i32.gt_u (i32.add (local.get $power) (i32.const 44)) (i32.const 63)))
        (local.set $approx (i64.gt_u (local.get $m) (i64.const 9007199254740992)))
        (local.set $v (f64.convert_i64_u (local.get $m)))
        (if (i32.lt_s (local.get $power) (i32.const -22)) (then
          (local.set $approx (i32.const 1))
          (local.set $v (f64.div (local.get $v) (f64.load (i32.const 176))))
          (local.set $power (i32.add (local.get $power) (i32.const 22)))))
        (if (i32.ge_s (local.get $power) (i32.const 0))
          (then (local.set $v (f64.mul (local.get $v) (f64.load (i32.shl (local.get $power) (i32.const 3))))))
          (else (local.set $v (f64.div (local.get $v)
            (f64.load (i32.shl (i32.sub (i32.const 0) (local.get $power)) (i32.const 3)))))))
        (if (local.get $neg) (then (local.set $v (f64.neg (local.get $v)))))
        (if (local.get $approx) (then (i32.store offset=8 (local.get $state) (i32.const 0))))
        (if (local.get $f32)
          (then
            ;; Rounded to FP32 as JSON.parse's double would round. A twice-rounded value lies within
            ;; 1e-14 of that double: when both ends of that range round to the same float, so does it.
            ;; Otherwise (close to a rounding boundary) the exact parse decides.
            (local.set $f (f32.demote_f64 (local.get $v)))
            (if (local.get $approx) (then
              (local.set $d (f64.mul (f64.abs (local.get $v)) (f64.const ${INEXACT_WITHIN})))
              (br_if $giveUp (f32.ne (f32.demote_f64 (f64.sub (local.get $v) (local.get $d))) (local.get $f)))
              (br_if $giveUp (f32.ne (f32.demote_f64 (f64.add (local.get $v) (local.get $d))) (local.get $f)))))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))) (local.get $f)))
          (else
            (f64.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 3))) (local.get $v))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        ;; whitespace, then ',' for the next value or ']' for the end; a ',' at once without the loop
        (if (i32.eq (local.get $c) (i32.const 44)) (then
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (br $value)))
        (loop $separator
          (if (i32.eq (local.get $c) (i32.const 44)) (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $value)))
          (if (i32.eq (local.get $c) (i32.const 93)) (then
            (i32.store (local.get $state) (i32.add (local.get $pos) (i32.const 1)))
            (i32.store offset=4 (local.get $state) (i32.const 1))
            (return (local.get $count))))
          (br_if $giveUp (i32.eqz (i32.or
            (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 10)))
            (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 9))))))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $c (i32.load8_u (local.get $pos)))
          (br $separator))))
    (i32.const -1))
)`;

type ScanFunction = (
  pos: number,
  out: number,
  capacity: number,
  f32: number,
  state: number,
  limit: number,
) => number;

/** The instance with views of its memory, made again whenever the memory grows (old ones keep its old size). */
interface Scanner {
  readonly scan: ScanFunction;
  readonly module: object;
  readonly memory: WebAssemblyMemory;
  bytes: Buffer;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
}

let scanner: Scanner | null | undefined; // null: WebAssembly unavailable here

/** Assembles the scanner now (several ms the first time in a process), instead of at its first use. */
export function prepareScanner(): void {
  instance();
}

function instance(): Scanner | null {
  if (scanner !== undefined) return scanner;
  try {
    const api = webAssembly();
    const module = new api.Module(assembleWat(SCANNER_WAT));
    // Shared, so that a helper thread can scan part of a large array in it (see HELPER_SOURCE).
    const memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const { scan } = new api.Instance(module, { scanner: { memory } }).exports as {
      scan: ScanFunction;
    };
    scanner = { scan, module, memory, ...viewsOf(memory) };
    scanner.f64.set(
      Array.from({ length: 23 }, (_, i) => 10 ** i),
      0,
    );
  } catch {
    scanner = null;
  }
  return scanner;
}

function viewsOf(memory: WebAssemblyMemory) {
  const { buffer } = memory;
  return {
    bytes: Buffer.from(buffer),
    i32: new Int32Array(buffer),
    f32: new Float32Array(buffer),
    f64: new Float64Array(buffer),
  };
}

/** A document's bytes, copied once into the scanner's memory; valid until the next document is loaded. */
export interface LoadedDocument {
  /**
   * Scans the flat array whose '[' is at `pos`: its numbers and the position after its ']', or
   * undefined where the general scanner must decide. `float32`: the numbers rounded to FP32 (as
   * TensorNumbers.toFloat32 rounds them) instead of doubles, for an input declared FP32.
   */
  scan(pos: number, float32?: boolean): ScannedNumbers | undefined;
}

export interface ScannedNumbers {
  readonly values: Float64Array | Float32Array;
  /** Every double is JSON.parse's own; always false for FP32 values, which are rounded. */
  readonly exact: boolean;
  readonly end: number;
}

/** Copies `bytes` into the scanner's memory; undefined where WebAssembly or the memory is unavailable. */
export function loadDocument(bytes: Uint8Array): LoadedDocument | undefined {
  const input = inputArea(bytes.length);
  if (input === undefined) return undefined;
  input.bytes.set(bytes);
  return documentOver(input.wasm, bytes.length, undefined);
}

/**
 * Writes `text` into the scanner's memory when it is all ASCII, as JSON of numbers is: a copy and a
 * check of what it wrote, where bytes would take a measure of their UTF-8 length, an encoding and a
 * copy into this memory. Its bytes there and the document over them, both valid until the next
 * document is loaded; undefined for any other text, or where WebAssembly or the memory is unavailable.
 *
 * A large text's second part is written first, and handed to the helper thread as a guess at the
 * second part of a tensor's data (see Ahead) as soon as its first chunk is written: the helper scans
 * behind the writes, then while this thread writes the first part. Writing 3 MB took a tenth of the
 * time the scan of it takes, and waking the helper 100-150 µs on a virtual machine, so it is woken
 * before the first write. Where the guess is wrong, its work is not used.
 */
export function loadAsciiText(
  text: string,
): { bytes: Uint8Array; document: LoadedDocument } | undefined {
  const input = inputArea(text.length);
  if (input === undefined) return undefined;
  const { wasm, bytes } = input;
  const cut = text.length >= PARALLEL_FROM && helperIdle(wasm) ? cutOf(text) : 0;
  const ahead = cut > 0 ? handOver(wasm, text, cut, bytes) : undefined;
  if (ahead === null) return undefined;
  // Not ASCII here after all: what the helper scans is never read.
  const head = cut > 0 ? text.slice(0, cut) : text;
  if (!writeAscii(head, cut > 0 ? bytes.subarray(0, cut) : bytes)) return undefined;
  return { bytes, document: documentOver(wasm, text.length, ahead) };
}

/**
 * Writes `text` from `cut` on in chunks, ordering the helper on it after the first and telling it how
 * far the text is written after each: the Ahead it scans, or null where the text is not all ASCII.
 */
function handOver(wasm: Scanner, text: string, cut: number, bytes: Buffer): Ahead | null {
  const order = wasm.i32;
  // Idle (the caller asked): woken now, it spins until the order that follows the first chunk.
  Atomics.store(order, TASK, 2);
  Atomics.notify(order, TASK);
  // FP32 tensors are the common large input; a guess, checked where the parts meet.
  const f32 = text.lastIndexOf('"FP32"', HEAD_CHARS) >= 0;
  const ahead = { at: INPUT_AT + cut, f32 };
  const chunk = Math.ceil((text.length - cut) / AHEAD_CHUNKS);
  for (let from = cut; from < text.length; ) {
    // Chunks end just after a comma: the helper's scan stops at a value written whole.
    const comma = text.indexOf(',', from + chunk);
    const to = comma < 0 ? text.length : comma + 1;
    if (!writeAscii(text.slice(from, to), bytes.subarray(from, to))) {
      // Unordered, it goes back to sleep (unless it did so already, spun out); ordered, it stops.
      if (from === cut) Atomics.compareExchange(order, TASK, 2, 0);
      else Atomics.store(order, LIMIT, GIVE_UP);
      return null;
    }
    const written = to === text.length ? NO_LIMIT : INPUT_AT + to;
    if (from === cut) orderHelper(wasm, ahead.at, f32 ? 1 : 0, capacityOf(f32), written);
    else Atomics.store(order, LIMIT, written);
    from = to;
  }
  return ahead;
}

/**
 * Decodes base64 text (API Gateway hands every body over so) straight into the scanner's memory, as
 * loadAsciiText writes text: a large document's second part first, handed to the helper thread chunk
 * by chunk. Decoding is a tenth of what a 3 MB document's separate buffer cost (a fresh allocation, a
 * Latin-1 string of it, then its copy here). Its bytes there and the document over them, both valid
 * until the next document is loaded; undefined where the text is not canonical base64 (the caller's
 * lenient decoder decides), or where WebAssembly or the memory is unavailable.
 */
export function loadBase64(
  base64: string,
): { bytes: Buffer; document: LoadedDocument } | undefined {
  const size = base64Size(base64);
  if (size === undefined) return undefined;
  const input = inputArea(size);
  if (input === undefined) return undefined;
  const { wasm, bytes } = input;
  // At a whole group of four characters, three bytes.
  const cut =
    size >= PARALLEL_FROM && helperIdle(wasm) ? Math.floor((base64.length * aheadFrom) / 4) * 4 : 0;
  const ahead = cut > 0 ? handOverBase64(wasm, base64, cut, bytes) : undefined;
  if (ahead === null) return undefined;
  const head = cut > 0 ? (cut / 4) * 3 : size;
  if (bytes.write(cut > 0 ? base64.slice(0, cut) : base64, 0, head, 'base64') !== head)
    return undefined; // what the helper scans is never read
  return { bytes, document: documentOver(wasm, size, ahead) };
}

/** The bytes canonical base64 text decodes to; undefined for text of any other length. */
function base64Size(base64: string): number | undefined {
  if (base64.length % 4 !== 0) return undefined;
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/**
 * handOver for base64 text: decodes it from `cut` on in chunks, ordering the helper after the first
 * chunk, from just after its first comma, and telling it after each chunk how far whole values are
 * written (just after the last comma). The Ahead it scans, undefined where the first chunk holds no
 * comma (the document is scanned as ever), or null where the text is not canonical base64.
 */
function handOverBase64(
  wasm: Scanner,
  base64: string,
  cut: number,
  bytes: Buffer,
): Ahead | undefined | null {
  const order = wasm.i32;
  Atomics.store(order, TASK, 2);
  Atomics.notify(order, TASK);
  const size = bytes.length;
  // The datatype, read from the first bytes as loadAsciiText reads it from the text; the head's
  // decoding writes them again, the same.
  const headChars = Math.min(cut, Math.ceil(HEAD_CHARS / 3) * 4);
  const headBytes = (headChars / 4) * 3;
  const f32 =
    bytes.write(base64.slice(0, headChars), 0, headBytes, 'base64') === headBytes &&
    bytes.subarray(0, Math.min(headBytes, HEAD_CHARS + 6)).includes('"FP32"');
  const chunk = Math.ceil((base64.length - cut) / AHEAD_CHUNKS / 4) * 4;
  let ahead: Ahead | undefined;
  for (let from = cut; from < base64.length; ) {
    const to = Math.min(base64.length, from + chunk);
    const at = (from / 4) * 3;
    const end = to === base64.length ? size : (to / 4) * 3;
    if (bytes.write(base64.slice(from, to), at, end - at, 'base64') !== end - at) {
      if (ahead === undefined) Atomics.compareExchange(order, TASK, 2, 0);
      else Atomics.store(order, LIMIT, GIVE_UP);
      return null;
    }
    const lastComma = bytes.lastIndexOf(0x2c, end - 1);
    const written = end === size ? NO_LIMIT : INPUT_AT + lastComma + 1;
    if (ahead !== undefined) Atomics.store(order, LIMIT, written);
    else if (from === cut) {
      const comma = bytes.indexOf(0x2c, at);
      if (comma < 0 || comma >= end) {
        Atomics.compareExchange(order, TASK, 2, 0); // unordered, it goes back to sleep
      } else {
        ahead = { at: INPUT_AT + comma + 1, f32 };
        orderHelper(wasm, ahead.at, f32 ? 1 : 0, capacityOf(f32), written);
      }
    }
    from = to;
  }
  return ahead;
}

/**
 * Any UTF-16 unit beyond Latin-1. V8 compiles a pattern apart for strings of one byte a character,
 * which cannot hold such a unit, so it answers for them at once (0.2 µs for 3 MB); other strings it
 * scans.
 */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/** Writes `text` (as long as `into`) as its bytes when it is all ASCII; false for any other text. */
function writeAscii(text: string, into: Buffer): boolean {
  // A Latin-1 copy is a plain copy of a one-byte string: 3 MB in 0.1 ms, where encodeInto's UTF-8
  // took 0.4 on Node 20. It writes a unit beyond Latin-1 as its low byte, which can be ASCII (U+0130
  // as '0'), so such text is refused first; a Latin-1 character is caught as a byte beyond ASCII.
  if (BEYOND_LATIN1.test(text)) return false;
  into.write(text, 0, into.length, 'latin1');
  return isAscii(into);
}

/** Where the helper starts on a large text: just after a comma at aheadFrom; 0 where there is none. */
function cutOf(text: string): number {
  const comma = text.indexOf(',', Math.floor(text.length * aheadFrom));
  return comma < 0 ? 0 : comma + 1;
}

/**
 * The helper's scan of a large text's second part, ordered before the first part was written: from
 * `at` (just after a comma) to the first ']' after it, as FP32 when `f32`. The calling thread uses it
 * only if its own scan of an array, in the same mode, stops exactly at `at`: then `at` lies inside that
 * array, and the helper scanned the rest of it. Anywhere else (a string, another array), it is unused.
 */
interface Ahead {
  readonly at: number;
  readonly f32: boolean;
}

/** Room for `size` bytes of input, sentinel after them; undefined where WebAssembly or the memory is unavailable. */
function inputArea(size: number): { wasm: Scanner; bytes: Buffer } | undefined {
  const wasm = instance();
  if (wasm === null) return undefined;
  const needed = INPUT_AT + size + SENTINEL;
  const have = wasm.bytes.byteLength;
  if (have < needed) {
    try {
      wasm.memory.grow(Math.ceil((needed - have) / PAGE));
    } catch {
      return undefined; // the memory cannot grow that far: the general scanner needs none of it
    }
    Object.assign(wasm, viewsOf(wasm.memory));
  }
  wasm.bytes.fill(0, INPUT_AT + size, needed);
  return { wasm, bytes: wasm.bytes.subarray(INPUT_AT, INPUT_AT + size) };
}

/** Results of one scan call: the area for each thread holds this many. */
function capacityOf(f32: boolean): number {
  return CHUNK_BYTES / (f32 ? 4 : 8);
}

/** The scans of a document of `length` bytes at INPUT_AT, the helper maybe already on `ahead`. */
function documentOver(wasm: Scanner, length: number, ahead: Ahead | undefined): LoadedDocument {
  const end = INPUT_AT + length;
  return {
    scan(pos, float32 = false) {
      const first = INPUT_AT + pos + 1;
      if (wasm.bytes[first - 1] !== 0x5b) return undefined;
      const out = float32 ? wasm.f32 : wasm.f64;
      const capacity = capacityOf(float32);
      const f32 = float32 ? 1 : 0;
      const state = STATE_AT >> 2;
      const helperState = HELPER_STATE_AT >> 2;
      wasm.i32[state + 2] = 1; // exact, until a value is rounded twice
      let split = NO_LIMIT;
      if (ahead !== undefined && first <= ahead.at) {
        // An array before the helper's part ends before it, alone; the one it lies in needs its mode.
        if (ahead.f32 === float32) split = ahead.at;
      } else {
        ahead = undefined; // passed: the arrays after it share as ever
        split = splitFor(wasm, first, end);
        if (split !== NO_LIMIT) orderHelper(wasm, split, f32, capacity);
      }

      const gathered = new Gathered(out, first, end);
      let exact = true;

      let at = first;
      let limit = split;
      for (;;) {
        const n = wasm.scan(at, OUT_AT, capacity, f32, STATE_AT, limit);
        if (n < 0) return undefined;
        at = wasm.i32[state] as number;
        const closed = wasm.i32[state + 1] === 1;
        if (closed || at !== split) {
          gathered.add(OUT_AT, n, closed, at);
          if (closed) break;
          if (at >= limit) limit = NO_LIMIT; // else the chunk was full
          continue;
        }
        limit = NO_LIMIT;
        // At the helper's start: its part is the rest, as far as it got.
        if (ahead !== undefined) balanceAhead(Atomics.load(wasm.i32, TASK) === 0);
        const theirs = helperCount(wasm);
        if (theirs === undefined) {
          gathered.add(OUT_AT, n, false, at); // gone: the rest is this thread's
          continue;
        }
        if (theirs < 0) return undefined; // its part holds what the scanner gives up on
        scansShared++;
        exact &&= wasm.i32[helperState + 2] === 1;
        at = wasm.i32[helperState] as number;
        const helperClosed = wasm.i32[helperState + 1] === 1;
        gathered.addTwo(n, theirs, helperClosed, at);
        if (helperClosed) break;
      }
      return {
        values: gathered.result(),
        exact: !float32 && exact && wasm.i32[state + 2] === 1,
        end: at - INPUT_AT,
      };
    },
  };
}

/**
 * One array's numbers as the scanner's chunks arrive. A class rather than a closure made per scan:
 * the functions' bundling (keepNames) gives every named closure its name with a defineProperty as
 * it is made, which cost Silero's request about 12 µs here (sampled).
 */
class Gathered {
  readonly #out: Float64Array | Float32Array;
  readonly #Values: Float64ArrayConstructor | Float32ArrayConstructor;
  /** Where the array's numbers start and the document ends, in the scanner's memory. */
  readonly #first: number;
  readonly #end: number;
  #values: Float64Array | Float32Array | undefined;
  #count = 0;

  constructor(out: Float64Array | Float32Array, first: number, end: number) {
    this.#out = out;
    this.#Values = out instanceof Float32Array ? Float32Array : Float64Array;
    this.#first = first;
    this.#end = end;
  }

  /** Appends n results from byte `from` of the results area; `last`: they end the array. */
  add(from: number, n: number, last: boolean, at: number): void {
    const out = this.#out;
    const start = from / out.BYTES_PER_ELEMENT;
    if (this.#values === undefined && last) {
      // The whole array in one chunk, as all but the largest are: one copy, of the right size.
      this.#values = out.slice(start, start + n);
      this.#count = n;
      return;
    }
    let values = this.#values ?? new this.#Values(0);
    const total = this.#count + n;
    if (total > values.length) {
      // Sized from the bytes each value took so far, with a tenth to spare, rather than for the
      // shortest numbers the rest could hold: an image's 17-digit decimals take about 19 bytes.
      const first = this.#first;
      const guess = last ? total : Math.ceil(((total * (this.#end - first)) / (at - first)) * 1.1);
      const grown = new this.#Values(Math.max(guess, values.length * 2, total));
      grown.set(values.subarray(0, this.#count));
      values = grown;
    }
    values.set(out.subarray(start, start + n), this.#count);
    this.#values = values;
    this.#count = total;
  }

  /**
   * Appends this thread's n results and then the helper's, from their areas; `last`: they end the
   * array. Where they are the whole array, into one array of their size.
   */
  addTwo(n: number, theirs: number, last: boolean, at: number): void {
    if (this.#values === undefined && last) {
      const out = this.#out;
      const size = out.BYTES_PER_ELEMENT;
      // Not zeroed first: both sets below write every element, and zeroing 600 KB took 30 µs.
      const memory = Buffer.allocUnsafeSlow((n + theirs) * size);
      const values = new this.#Values(memory.buffer, 0, n + theirs);
      values.set(out.subarray(OUT_AT / size, OUT_AT / size + n));
      values.set(out.subarray(HELPER_OUT_AT / size, HELPER_OUT_AT / size + theirs), n);
      this.#values = values;
      this.#count = n + theirs;
      return;
    }
    this.add(OUT_AT, n, false, at);
    this.add(HELPER_OUT_AT, theirs, last, at);
  }

  /** The numbers gathered, exactly as many as were added. */
  result(): Float64Array | Float32Array {
    const values = this.#values ?? new this.#Values(0);
    return this.#count === values.length ? values : values.subarray(0, this.#count);
  }
}

// The helper: a worker thread with its own instance over the same memory, started the first time a
// large array comes, so that processes which never see one never pay for it. It is unref'd: it never
// keeps a process alive. Orders and results pass through ORDER_AT, ordered by Atomics.
const ORDER = ORDER_AT >> 2;
const TASK = ORDER;
const READY = ORDER + 1;
const START = ORDER + 2;
const F32 = ORDER + 3;
const CAPACITY = ORDER + 4;
const COUNT = ORDER + 5;
const LIMIT = ORDER + 6;

// Runs as a script or as a module (a worker takes the process's --input-type): hence import().
const HELPER_SOURCE = `
import('node:worker_threads').then(({ workerData }) => {
  const { module, memory } = workerData;
  const { scan } = new WebAssembly.Instance(module, { scanner: { memory } }).exports;
  const order = new Int32Array(memory.buffer, 0, ${ORDER + 7});
  const state = new Int32Array(memory.buffer, ${HELPER_STATE_AT}, 2);
  Atomics.store(order, ${READY}, 1);
  for (;;) {
    Atomics.wait(order, ${TASK}, 0);
    let task = Atomics.load(order, ${TASK});
    if (task === 2) {
      // Woken ahead of an order that comes within a chunk's write: spin rather than sleep again.
      const until = performance.now() + ${PRIMED_SPIN_MS};
      while ((task = Atomics.load(order, ${TASK})) === 2 && performance.now() < until);
      if (task === 2 && Atomics.compareExchange(order, ${TASK}, 2, 0) === 2) continue;
      task = Atomics.load(order, ${TASK});
    }
    if (task !== 1) continue;
    const f32 = order[${F32}];
    const capacity = order[${CAPACITY}];
    let at = order[${START}];
    let count = 0;
    try {
      // Up to how far the text is written, then on as more is: the writes outrun the scan.
      for (;;) {
        const limit = Atomics.load(order, ${LIMIT});
        if (limit === ${GIVE_UP}) throw new Error('given up');
        const n = scan(at, ${HELPER_OUT_AT} + count * (f32 ? 4 : 8), capacity - count, f32, ${HELPER_STATE_AT}, limit);
        if (n < 0) throw new Error('given up');
        count += n;
        at = state[0];
        if (state[1] === 1 || count === capacity || limit === ${NO_LIMIT}) break;
        const until = performance.now() + ${HELPER_PATIENCE_MS};
        while (Atomics.load(order, ${LIMIT}) === limit)
          if (performance.now() > until) throw new Error('no more written');
      }
    } catch {
      count = -1;
    }
    order[${COUNT}] = count;
    Atomics.store(order, ${TASK}, 0);
    Atomics.notify(order, ${TASK});
  }
});`;

let helper: 'not started' | 'started' | 'gone' = 'not started';
let scansShared = 0;

/**
 * Where the helper starts on the array whose first value is at `first`: just after a comma near its
 * middle. NO_LIMIT when the array is too small to share, or the helper cannot take it now.
 */
function splitFor(wasm: Scanner, first: number, end: number): number {
  if (end - first < PARALLEL_FROM || !helperIdle(wasm)) return NO_LIMIT;
  // A flat array of numbers ends at its first ']' (memchr: about 30 µs a megabyte).
  const close = wasm.bytes.indexOf(0x5d, first);
  if (close < 0 || close >= end || close - first < PARALLEL_FROM) return NO_LIMIT;
  const comma = wasm.bytes.indexOf(0x2c, first + ((close - first) >> 1));
  return comma < 0 || comma >= close ? NO_LIMIT : comma + 1;
}

/**
 * Moves where the helper's part of the next large text starts by a step: later when the helper was
 * still scanning as this thread reached its part, earlier when it was done. It settles within a step
 * of where both end together.
 */
function balanceAhead(helperWasDone: boolean): void {
  aheadFrom = Math.min(0.8, Math.max(0.2, aheadFrom + (helperWasDone ? -AHEAD_STEP : AHEAD_STEP)));
}

/** Whether the helper is there to take a part now (started on the first large document). */
function helperIdle(wasm: Scanner): boolean {
  if (helper === 'not started') startHelper(wasm);
  if (helper !== 'started' || Atomics.load(wasm.i32, READY) !== 1) return false;
  return Atomics.load(wasm.i32, TASK) === 0; // else still on a part no one waited for
}

function startHelper(wasm: Scanner): void {
  helper = 'gone';
  if (availableParallelism() < 2) return;
  try {
    const worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { module: wasm.module, memory: wasm.memory },
    });
    worker.unref();
    // Without a listener a worker's error would end the process; this thread just scans alone.
    worker.on('error', () => {
      helper = 'gone';
    });
    worker.on('exit', () => {
      helper = 'gone';
    });
    helper = 'started';
  } catch {
    // No threads here: every scan stays on the calling thread.
  }
}

/** Orders the helper to scan from `start`, up to `limit` for now (NO_LIMIT: the whole text is written). */
function orderHelper(
  wasm: Scanner,
  start: number,
  f32: number,
  capacity: number,
  limit = NO_LIMIT,
): void {
  const order = wasm.i32;
  order[(HELPER_STATE_AT >> 2) + 2] = 1;
  order[START] = start;
  order[F32] = f32;
  order[CAPACITY] = capacity;
  order[LIMIT] = limit;
  Atomics.store(order, TASK, 1);
  Atomics.notify(order, TASK);
}

/** How many values the helper wrote, once it is done; -1 if it gave up; undefined if it is gone. */
function helperCount(wasm: Scanner): number | undefined {
  const order = wasm.i32;
  const deadline = performance.now() + HELPER_PATIENCE_MS;
  while (Atomics.load(order, TASK) !== 0) {
    const left = deadline - performance.now();
    if (left <= 0) {
      helper = 'gone'; // it may still write its own areas, which no one reads any more
      return undefined;
    }
    Atomics.wait(order, TASK, 1, left);
  }
  return order[COUNT];
}

/** How many arrays the helper thread has scanned part of, in this process. */
export function scansHelped(): number {
  return scansShared;
}

/** Starts the helper thread (as a large array would) and resolves once it can take a part: false where it cannot run. */
export async function helperReady(): Promise<boolean> {
  const wasm = instance();
  if (wasm === null) return false;
  if (helper === 'not started') startHelper(wasm);
  while (helper === 'started' && !helperIdle(wasm))
    await new Promise((resolve) => setTimeout(resolve, 5));
  return helper === 'started';
}
