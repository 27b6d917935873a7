import { instantiateWat, type WebAssemblyMemory } from '../wasm/assemble.js';

/**
 * FP32 outputs printed as JSON numbers: the very text `Float32Array.prototype.join(',')` gives,
 * written by WebAssembly. V8 prints each value as a double in the shortest digits that read back as
 * it (about 270 ns a value on the benchmark's machine), and caches at most 16,384 recent numbers,
 * which real outputs, new each request, never hit. Silero's 257 output values took about 70 µs.
 *
 * The digits come from Ryu (Ulf Adams, "Ryū: fast float-to-string conversion", PLDI 2018): the
 * shortest decimal inside the double's rounding interval and, of those, the nearest, ties to even:
 * what ECMAScript's Number::toString asks for and V8 gives. Its 128-bit multipliers are worked out
 * here with BigInt, once, for each of the 277 binary exponents an FP32 value can have as a double.
 * The layout is ECMAScript's too: plain digits up to 21 before the point, 6 zeros after it, else
 * exponent form ("1.5e-7", "1e+21"). test/unit/core/oip/number-print.test.ts compares it with
 * String() value by value on samples, tools/check-float-printer.ts on every positive FP32 value.
 *
 * It refuses (undefined) arrays holding NaN or an infinity, which JSON cannot carry: the caller
 * writes those its own way.
 */

// Memory: per-exponent entries at 0, digit pairs, powers of ten, then a chunk of input floats and
// its text.
const EXPONENT_MIN = 874; // the double exponent (biased) of the smallest FP32 value, 2^-149
const EXPONENT_MAX = 1150; // and of the largest, below 2^128
const ENTRY_BYTES = 32; // i64 multiplier low, high; i32 shift, e10, q, e2 >= 0
const PAIRS_AT = 8_864; // "00" to "99"
const POW10_AT = 9_064; // 10^0 to 10^17, i64
const IN_AT = 16_384;
const CHUNK = 16_384; // values per call
const LONGEST = 25; // "-1.2345678901234567e-100,"
const OUT_AT = IN_AT + CHUNK * 4;
const PAGES = Math.ceil((OUT_AT + CHUNK * LONGEST) / 65_536);
// Ryu's precision for its powers of 5 (DOUBLE_POW5_BITCOUNT, DOUBLE_POW5_INV_BITCOUNT).
const POW5_BITS = 125;

export const PRINTER_WAT = `
(module
  (memory (export "memory") ${PAGES})
  ;; the high half of a * b goes here, the low half is returned
  (global $high (mut i64) (i64.const 0))

  ;; a * b, 64 x 64 to 128 bits, in 32-bit halves
  (func $multiply (param $a i64) (param $b i64) (result i64)
    (local $aL i64) (local $aH i64) (local $bL i64) (local $bH i64) (local $ll i64) (local $lh i64)
    (local $hl i64) (local $mid i64)
    (local.set $aL (i64.and (local.get $a) (i64.const 0xFFFFFFFF)))
    (local.set $aH (i64.shr_u (local.get $a) (i64.const 32)))
    (local.set $bL (i64.and (local.get $b) (i64.const 0xFFFFFFFF)))
    (local.set $bH (i64.shr_u (local.get $b) (i64.const 32)))
    (local.set $ll (i64.mul (local.get $aL) (local.get $bL)))
    (local.set $lh (i64.mul (local.get $aL) (local.get $bH)))
    (local.set $hl (i64.mul (local.get $aH) (local.get $bL)))
    (local.set $mid (i64.add (i64.add
        (i64.shr_u (local.get $ll) (i64.const 32))
        (i64.and (local.get $lh) (i64.const 0xFFFFFFFF)))
      (i64.and (local.get $hl) (i64.const 0xFFFFFFFF))))
    (global.set $high (i64.add (i64.add (i64.add
        (i64.mul (local.get $aH) (local.get $bH))
        (i64.shr_u (local.get $lh) (i64.const 32)))
        (i64.shr_u (local.get $hl) (i64.const 32)))
      (i64.shr_u (local.get $mid) (i64.const 32))))
    (i64.or (i64.shl (local.get $mid) (i64.const 32)) (i64.and (local.get $ll) (i64.const 0xFFFFFFFF))))

  ;; bits 64 + s and up of the 192-bit x2:x1:x0, 0 < s < 64
  (func $shifted (param $x1 i64) (param $x2 i64) (param $s i64) (result i64)
    (i64.or (i64.shr_u (local.get $x1) (local.get $s))
      (i64.shl (local.get $x2) (i64.sub (i64.const 64) (local.get $s)))))

  ;; how many times 5 divides v (v > 0)
  (func $pow5Factor (param $v i64) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i64.ne (i64.rem_u (local.get $v) (i64.const 5)) (i64.const 0)))
      (local.set $v (i64.div_u (local.get $v) (i64.const 5)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))

  ;; the count lowest decimal digits of x (below 10^17), written backwards, in pairs, ending at end
  (func $put (param $x i64) (param $end i32) (param $count i32)
    (local $hi i32)
    (if (i32.gt_s (local.get $count) (i32.const 8))
      (then
        (local.set $hi (i32.wrap_i64 (i64.div_u (local.get $x) (i64.const 100000000))))
        (call $put8 (i32.wrap_i64 (i64.sub (local.get $x)
          (i64.mul (i64.extend_i32_u (local.get $hi)) (i64.const 100000000))))
          (local.get $end))
        (call $put32 (local.get $hi) (i32.sub (local.get $end) (i32.const 8))
          (i32.sub (local.get $count) (i32.const 8))))
      (else (call $put32 (i32.wrap_i64 (local.get $x)) (local.get $end) (local.get $count)))))

  ;; exactly eight digits of x (below 10^8): halves, then pairs, which do not wait on each other
  (func $put8 (param $x i32) (param $end i32) (local $a i32) (local $b i32) (local $p i32)
    ;; x / 10000 and then / 100, exact in these ranges
    (local.set $a (i32.wrap_i64 (i64.shr_u
      (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 3518437209)) (i64.const 45))))
    (local.set $b (i32.sub (local.get $x) (i32.mul (local.get $a) (i32.const 10000))))
    (local.set $p (i32.shr_u (i32.mul (local.get $a) (i32.const 5243)) (i32.const 19)))
    (i32.store16 (i32.sub (local.get $end) (i32.const 8))
      (i32.load16_u offset=${PAIRS_AT} (i32.shl (local.get $p) (i32.const 1))))
    (i32.store16 (i32.sub (local.get $end) (i32.const 6))
      (i32.load16_u offset=${PAIRS_AT} (i32.shl
        (i32.sub (local.get $a) (i32.mul (local.get $p) (i32.const 100))) (i32.const 1))))
    (local.set $p (i32.shr_u (i32.mul (local.get $b) (i32.const 5243)) (i32.const 19)))
    (i32.store16 (i32.sub (local.get $end) (i32.const 4))
      (i32.load16_u offset=${PAIRS_AT} (i32.shl (local.get $p) (i32.const 1))))
    (i32.store16 (i32.sub (local.get $end) (i32.const 2))
      (i32.load16_u offset=${PAIRS_AT} (i32.shl
        (i32.sub (local.get $b) (i32.mul (local.get $p) (i32.const 100))) (i32.const 1)))))

  ;; the count lowest digits of x, written backwards in pairs ending at end
  (func $put32 (param $x i32) (param $end i32) (param $count i32) (local $d i32)
    (block $done (loop $pair
      (br_if $done (i32.lt_s (local.get $count) (i32.const 2)))
      ;; x / 100, exact for every 32-bit x
      (local.set $d (i32.wrap_i64 (i64.shr_u
        (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 1374389535)) (i64.const 37))))
      (local.set $end (i32.sub (local.get $end) (i32.const 2)))
      (i32.store16 (local.get $end) (i32.load16_u offset=${PAIRS_AT}
        (i32.shl (i32.sub (local.get $x) (i32.mul (local.get $d) (i32.const 100))) (i32.const 1))))
      (local.set $x (local.get $d))
      (local.set $count (i32.sub (local.get $count) (i32.const 2)))
      (br $pair)))
    (if (local.get $count) (then
      (i32.store8 (i32.sub (local.get $end) (i32.const 1)) (i32.add (local.get $x) (i32.const 48))))))

  ;; len bytes from from to to; the end
  (func $copy (param $from i32) (param $to i32) (param $len i32) (result i32)
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $len) (i32.const 0)))
      (i32.store8 (local.get $to) (i32.load8_u (local.get $from)))
      (local.set $from (i32.add (local.get $from) (i32.const 1)))
      (local.set $to (i32.add (local.get $to) (i32.const 1)))
      (local.set $len (i32.sub (local.get $len) (i32.const 1)))
      (br $next)))
    (local.get $to))

  ;; len '0's at to; the end
  (func $zeros (param $to i32) (param $len i32) (result i32)
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $len) (i32.const 0)))
      (i32.store8 (local.get $to) (i32.const 48))
      (local.set $to (i32.add (local.get $to) (i32.const 1)))
      (local.set $len (i32.sub (local.get $len) (i32.const 1)))
      (br $next)))
    (local.get $to))

  ;; print(count): the count f32 values at ${IN_AT} as comma-separated JSON numbers at ${OUT_AT};
  ;; returns where the text ends, or -1 at a NaN or an infinity
  (func (export "print") (param $count i32) (result i32)
    (local $in i32) (local $end i32) (local $out i32) (local $entry i32) (local $e i32)
    (local $q i32) (local $removed i32) (local $last i32) (local $vrTZ i32) (local $vmTZ i32)
    (local $roundUp i32) (local $start i32) (local $k i32) (local $n i32)
    (local $bits i64) (local $mant i64) (local $mv i64) (local $mmShift i64)
    (local $vr i64) (local $vp i64) (local $vm i64) (local $vrDiv i64) (local $vpDiv i64)
    (local $vmDiv i64) (local $output i64) (local $mulL i64) (local $mulH i64) (local $s i64)
    (local $p0 i64) (local $p1 i64) (local $p2 i64) (local $x0 i64) (local $x1 i64) (local $x2 i64)
    (local $d0 i64) (local $d1 i64) (local $d2 i64)
    (local.set $in (i32.const ${IN_AT}))
    (local.set $end (i32.add (i32.const ${IN_AT}) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $out (i32.const ${OUT_AT}))
    (block $done (loop $value
      (br_if $done (i32.ge_u (local.get $in) (local.get $end)))
      (if (i32.ne (local.get $in) (i32.const ${IN_AT})) (then
        (i32.store8 (local.get $out) (i32.const 44))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))))
      (local.set $bits (i64.reinterpret_f64 (f64.promote_f32 (f32.load (local.get $in)))))
      (local.set $in (i32.add (local.get $in) (i32.const 4)))
      (local.set $e (i32.wrap_i64 (i64.and (i64.shr_u (local.get $bits) (i64.const 52))
        (i64.const 0x7FF))))
      (if (i32.eq (local.get $e) (i32.const 0x7FF)) (then (return (i32.const -1))))
      ;; zero, either sign, is "0"; FP32's subnormals are normal doubles
      (if (i32.eqz (local.get $e)) (then
        (i32.store8 (local.get $out) (i32.const 48))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))
        (br $value)))
      (if (i64.ne (i64.shr_u (local.get $bits) (i64.const 63)) (i64.const 0)) (then
        (i32.store8 (local.get $out) (i32.const 45))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))))

      ;; Ryu: the interval's ends and middle, scaled by 10^-e10, as integers
      (local.set $mant (i64.and (local.get $bits) (i64.const 0xFFFFFFFFFFFFF)))
      (local.set $mmShift (i64.extend_i32_u (i64.ne (local.get $mant) (i64.const 0))))
      (local.set $mv (i64.shl (i64.or (local.get $mant) (i64.const 0x10000000000000)) (i64.const 2)))
      (local.set $entry (i32.shl (i32.sub (local.get $e) (i32.const ${EXPONENT_MIN})) (i32.const 5)))
      ;; P = mv * (H:L), 192 bits; then vr = P, vp = P + 2(H:L), vm = P - (1 + mmShift)(H:L), each
      ;; shifted right by 64 + s: Ryu's three mulShift64s, sharing the one product
      (local.set $mulL (i64.load (local.get $entry)))
      (local.set $mulH (i64.load offset=8 (local.get $entry)))
      (local.set $s (i64.extend_i32_u (i32.load offset=16 (local.get $entry))))
      (local.set $p0 (call $multiply (local.get $mv) (local.get $mulL)))
      (local.set $p1 (global.get $high))
      (local.set $x0 (call $multiply (local.get $mv) (local.get $mulH)))
      (local.set $p2 (global.get $high))
      (local.set $p1 (i64.add (local.get $p1) (local.get $x0)))
      (local.set $p2 (i64.add (local.get $p2) (i64.extend_i32_u (i64.lt_u (local.get $p1) (local.get $x0)))))
      (local.set $vr (call $shifted (local.get $p1) (local.get $p2) (local.get $s)))
      ;; 2(H:L) as d2:d1:d0
      (local.set $d0 (i64.shl (local.get $mulL) (i64.const 1)))
      (local.set $d1 (i64.or (i64.shl (local.get $mulH) (i64.const 1)) (i64.shr_u (local.get $mulL) (i64.const 63))))
      (local.set $d2 (i64.shr_u (local.get $mulH) (i64.const 63)))
      (local.set $x0 (i64.add (local.get $p0) (local.get $d0)))
      (local.set $x1 (i64.add (local.get $p1) (local.get $d1)))
      (local.set $x2 (i64.add (i64.add (local.get $p2) (local.get $d2))
        (i64.extend_i32_u (i64.lt_u (local.get $x1) (local.get $p1)))))
      (if (i64.lt_u (local.get $x0) (local.get $p0)) (then
        (local.set $x1 (i64.add (local.get $x1) (i64.const 1)))
        (if (i64.eqz (local.get $x1)) (then (local.set $x2 (i64.add (local.get $x2) (i64.const 1)))))))
      (local.set $vp (call $shifted (local.get $x1) (local.get $x2) (local.get $s)))
      (if (i64.eqz (local.get $mmShift)) (then
        (local.set $d0 (local.get $mulL))
        (local.set $d1 (local.get $mulH))
        (local.set $d2 (i64.const 0))))
      (local.set $x0 (i64.sub (local.get $p0) (local.get $d0)))
      (local.set $x1 (i64.sub (local.get $p1) (local.get $d1)))
      (local.set $x2 (i64.sub (i64.sub (local.get $p2) (local.get $d2))
        (i64.extend_i32_u (i64.lt_u (local.get $p1) (local.get $d1)))))
      (if (i64.lt_u (local.get $p0) (local.get $d0)) (then
        (if (i64.eqz (local.get $x1)) (then (local.set $x2 (i64.sub (local.get $x2) (i64.const 1)))))
        (local.set $x1 (i64.sub (local.get $x1) (i64.const 1)))))
      (local.set $vm (call $shifted (local.get $x1) (local.get $x2) (local.get $s)))
      (local.set $q (i32.load offset=24 (local.get $entry)))
      (local.set $vrTZ (i32.const 0))
      (local.set $vmTZ (i32.const 0))
      ;; every FP32 value is an even double: the interval's ends belong to it
      (if (i32.load offset=28 (local.get $entry))
        (then
          (if (i32.le_s (local.get $q) (i32.const 21)) (then
            (if (i64.eqz (i64.rem_u (local.get $mv) (i64.const 5)))
              (then (local.set $vrTZ (i32.ge_s (call $pow5Factor (local.get $mv)) (local.get $q))))
              (else (local.set $vmTZ (i32.ge_s
                (call $pow5Factor (i64.sub (i64.sub (local.get $mv) (i64.const 1)) (local.get $mmShift)))
                (local.get $q))))))))
        (else
          (if (i32.le_s (local.get $q) (i32.const 1))
            (then
              (local.set $vrTZ (i32.const 1))
              (local.set $vmTZ (i32.wrap_i64 (local.get $mmShift))))
            (else (if (i32.lt_s (local.get $q) (i32.const 63)) (then
              (local.set $vrTZ (i64.eqz (i64.and (local.get $mv)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $q))) (i64.const 1)))))))))))

      ;; the shortest digits inside the interval, the nearest of them
      (local.set $removed (i32.const 0))
      (local.set $last (i32.const 0))
      (if (i32.or (local.get $vrTZ) (local.get $vmTZ))
        (then
          (block $b1 (loop $l1
            (local.set $vpDiv (i64.div_u (local.get $vp) (i64.const 10)))
            (local.set $vmDiv (i64.div_u (local.get $vm) (i64.const 10)))
            (br_if $b1 (i64.le_u (local.get $vpDiv) (local.get $vmDiv)))
            (local.set $vmTZ (i32.and (local.get $vmTZ)
              (i64.eq (local.get $vm) (i64.mul (local.get $vmDiv) (i64.const 10)))))
            (local.set $vrTZ (i32.and (local.get $vrTZ) (i32.eqz (local.get $last))))
            (local.set $vrDiv (i64.div_u (local.get $vr) (i64.const 10)))
            (local.set $last (i32.wrap_i64
              (i64.sub (local.get $vr) (i64.mul (local.get $vrDiv) (i64.const 10)))))
            (local.set $vr (local.get $vrDiv))
            (local.set $vp (local.get $vpDiv))
            (local.set $vm (local.get $vmDiv))
            (local.set $removed (i32.add (local.get $removed) (i32.const 1)))
            (br $l1)))
          (if (local.get $vmTZ) (then
            (block $b2 (loop $l2
              (local.set $vmDiv (i64.div_u (local.get $vm) (i64.const 10)))
              (br_if $b2 (i64.ne (local.get $vm) (i64.mul (local.get $vmDiv) (i64.const 10))))
              (local.set $vpDiv (i64.div_u (local.get $vp) (i64.const 10)))
              (local.set $vrDiv (i64.div_u (local.get $vr) (i64.const 10)))
              (local.set $vrTZ (i32.and (local.get $vrTZ) (i32.eqz (local.get $last))))
              (local.set $last (i32.wrap_i64
                (i64.sub (local.get $vr) (i64.mul (local.get $vrDiv) (i64.const 10)))))
              (local.set $vr (local.get $vrDiv))
              (local.set $vp (local.get $vpDiv))
              (local.set $vm (local.get $vmDiv))
              (local.set $removed (i32.add (local.get $removed) (i32.const 1)))
              (br $l2)))))
          ;; exactly halfway: to even
          (if (i32.and (i32.and (local.get $vrTZ) (i32.eq (local.get $last) (i32.const 5)))
                (i64.eqz (i64.and (local.get $vr) (i64.const 1))))
            (then (local.set $last (i32.const 4))))
          (local.set $output (i64.add (local.get $vr) (i64.extend_i32_u (i32.or
            (i32.and (i64.eq (local.get $vr) (local.get $vm)) (i32.eqz (local.get $vmTZ)))
            (i32.ge_u (local.get $last) (i32.const 5)))))))
        (else
          (local.set $roundUp (i32.const 0))
          (local.set $vpDiv (i64.div_u (local.get $vp) (i64.const 100)))
          (local.set $vmDiv (i64.div_u (local.get $vm) (i64.const 100)))
          (if (i64.gt_u (local.get $vpDiv) (local.get $vmDiv)) (then
            (local.set $vrDiv (i64.div_u (local.get $vr) (i64.const 100)))
            (local.set $roundUp (i64.ge_u
              (i64.sub (local.get $vr) (i64.mul (local.get $vrDiv) (i64.const 100))) (i64.const 50)))
            (local.set $vr (local.get $vrDiv))
            (local.set $vp (local.get $vpDiv))
            (local.set $vm (local.get $vmDiv))
            (local.set $removed (i32.const 2))))
          (block $b3 (loop $l3
            (local.set $vpDiv (i64.div_u (local.get $vp) (i64.const 10)))
            (local.set $vmDiv (i64.div_u (local.get $vm) (i64.const 10)))
            (br_if $b3 (i64.le_u (local.get $vpDiv) (local.get $vmDiv)))
            (local.set $vrDiv (i64.div_u (local.get $vr) (i64.const 10)))
            (local.set $roundUp (i64.ge_u
              (i64.sub (local.get $vr) (i64.mul (local.get $vrDiv) (i64.const 10))) (i64.const 5)))
            (local.set $vr (local.get $vrDiv))
            (local.set $vp (local.get $vpDiv))
            (local.set $vm (local.get $vmDiv))
            (local.set $removed (i32.add (local.get $removed) (i32.const 1)))
            (br $l3)))
          (local.set $output (i64.add (local.get $vr) (i64.extend_i32_u
            (i32.or (i64.eq (local.get $vr) (local.get $vm)) (local.get $roundUp)))))))

      ;; ECMAScript's layout for k digits with the point n places after the first digit's place:
      ;; the digits are written where they end up, in pairs
      (local.set $k (i32.wrap_i64 (i64.shr_u
        (i64.mul (i64.sub (i64.const 64) (i64.clz (local.get $output))) (i64.const 1233))
        (i64.const 12))))
      (local.set $k (i32.add (local.get $k) (i64.ge_u (local.get $output)
        (i64.load offset=${POW10_AT} (i32.shl (local.get $k) (i32.const 3))))))
      (local.set $n (i32.add (i32.add (i32.load offset=20 (local.get $entry)) (local.get $removed))
        (local.get $k)))
      (if (i32.and (i32.le_s (local.get $k) (local.get $n)) (i32.le_s (local.get $n) (i32.const 21)))
        (then
          (call $put (local.get $output) (i32.add (local.get $out) (local.get $k)) (local.get $k))
          (local.set $out (call $zeros (i32.add (local.get $out) (local.get $k))
            (i32.sub (local.get $n) (local.get $k)))))
        (else (if (i32.and (i32.gt_s (local.get $n) (i32.const 0)) (i32.le_s (local.get $n) (i32.const 21)))
          (then
            ;; one place to the right, then the integer part back and the point after it
            (local.set $start (i32.add (local.get $out) (i32.const 1)))
            (call $put (local.get $output) (i32.add (local.get $start) (local.get $k)) (local.get $k))
            (drop (call $copy (local.get $start) (local.get $out) (local.get $n)))
            (i32.store8 (i32.add (local.get $out) (local.get $n)) (i32.const 46))
            (local.set $out (i32.add (local.get $start) (local.get $k))))
          (else (if (i32.and (i32.gt_s (local.get $n) (i32.const -6)) (i32.le_s (local.get $n) (i32.const 0)))
            (then
              (i32.store16 (local.get $out) (i32.const 0x2E30)) ;; "0."
              (local.set $out (call $zeros (i32.add (local.get $out) (i32.const 2))
                (i32.sub (i32.const 0) (local.get $n))))
              (call $put (local.get $output) (i32.add (local.get $out) (local.get $k)) (local.get $k))
              (local.set $out (i32.add (local.get $out) (local.get $k))))
            (else
              ;; d[.ddd]e+x or e-x; FP32's powers of ten are within two digits
              (call $put (local.get $output) (i32.add (i32.add (local.get $out) (i32.const 1))
                (local.get $k)) (local.get $k))
              (i32.store8 (local.get $out) (i32.load8_u offset=1 (local.get $out)))
              (if (i32.gt_s (local.get $k) (i32.const 1))
                (then
                  (i32.store8 offset=1 (local.get $out) (i32.const 46))
                  (local.set $out (i32.add (i32.add (local.get $out) (local.get $k)) (i32.const 1))))
                (else (local.set $out (i32.add (local.get $out) (i32.const 1)))))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (i32.store16 (local.get $out)
                (select (i32.const 0x2D65) (i32.const 0x2B65) (i32.lt_s (local.get $n) (i32.const 0))))
              (local.set $n (select (i32.sub (i32.const 0) (local.get $n)) (local.get $n)
                (i32.lt_s (local.get $n) (i32.const 0))))
              (local.set $k (i32.add (i32.const 1) (i32.ge_u (local.get $n) (i32.const 10))))
              (call $put (i64.extend_i32_u (local.get $n))
                (i32.add (i32.add (local.get $out) (i32.const 2)) (local.get $k)) (local.get $k))
              (local.set $out (i32.add (i32.add (local.get $out) (i32.const 2)) (local.get $k)))))))))
      (br $value)))
    (local.get $out))
)`;

interface Printer {
  readonly print: (count: number) => number;
  readonly floats: Float32Array;
  readonly text: Buffer;
}

let printer: Printer | null | undefined;

/**
 * `values.join(',')`, the text JSON.stringify gives each value, or undefined when one is NaN or
 * infinite. FP32 arrays are printed by the WebAssembly; FP64 ones by join().
 */
export function printFloats(values: Float32Array | Float64Array): string | undefined {
  const p = values instanceof Float32Array ? assembled() : null;
  if (p === null) return joinFinite(values);
  let text = '';
  for (let from = 0; from < values.length; from += CHUNK) {
    const count = Math.min(CHUNK, values.length - from);
    p.floats.set(values.subarray(from, from + count));
    const end = p.print(count);
    if (end < 0) return undefined;
    const piece = p.text.toString('latin1', 0, end - OUT_AT);
    text = from === 0 ? piece : `${text},${piece}`;
  }
  return text;
}

/** Assembles the printer now (7-9 ms the first time in a process), instead of at its first use. */
export function preparePrinter(): void {
  assembled();
}

function assembled(): Printer | null {
  if (printer === undefined) printer = instance();
  return printer;
}

function instance(): Printer | null {
  try {
    const { print, memory } = instantiateWat(PRINTER_WAT) as {
      print: (count: number) => number;
      memory: WebAssemblyMemory;
    };
    const view = new DataView(memory.buffer);
    writeExponentTable(view);
    for (let i = 0; i < 100; i++)
      view.setUint16(PAIRS_AT + 2 * i, 0x3030 + (i % 10) * 256 + Math.floor(i / 10), true);
    for (let i = 0; i <= 17; i++) view.setBigUint64(POW10_AT + 8 * i, 10n ** BigInt(i), true);
    return {
      print,
      floats: new Float32Array(memory.buffer, IN_AT, CHUNK),
      text: Buffer.from(memory.buffer, OUT_AT, CHUNK * LONGEST),
    };
  } catch {
    return null; // no WebAssembly here: join() prints the same text, slower
  }
}

function joinFinite(values: Float32Array | Float64Array): string | undefined {
  for (const v of values) if (!Number.isFinite(v)) return undefined;
  return values.join(',');
}

/**
 * Ryu's parameters for each double exponent an FP32 value has: the power of 5 (or its inverse) as a
 * 128-bit multiplier, the shift after multiplying, e10 and q, and which of Ryu's two cases applies.
 */
function writeExponentTable(view: DataView): void {
  for (let exponent = EXPONENT_MIN; exponent <= EXPONENT_MAX; exponent++) {
    const e2 = exponent - 1023 - 52 - 2;
    let q: number;
    let e10: number;
    let multiplier: bigint;
    let shift: number;
    if (e2 >= 0) {
      q = log10Pow2(e2) - (e2 > 3 ? 1 : 0);
      e10 = q;
      const pow5 = 5n ** BigInt(q);
      const bits = bitLength(pow5);
      multiplier = (1n << BigInt(bits - 1 + POW5_BITS)) / pow5 + 1n;
      shift = -e2 + q + (POW5_BITS + bits - 1);
    } else {
      q = log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
      e10 = q + e2;
      const i = -e2 - q;
      const pow5 = 5n ** BigInt(i);
      const bits = bitLength(pow5);
      multiplier =
        bits >= POW5_BITS ? pow5 >> BigInt(bits - POW5_BITS) : pow5 << BigInt(POW5_BITS - bits);
      shift = q - (bits - POW5_BITS);
    }
    // The WebAssembly shifts a 128-bit sum by shift - 64 in one step: Ryu's range for doubles.
    if (shift <= 64 || shift >= 128) throw new Error(`shift ${shift} out of range`);
    const at = (exponent - EXPONENT_MIN) * ENTRY_BYTES;
    view.setBigUint64(at, BigInt.asUintN(64, multiplier), true);
    view.setBigUint64(at + 8, multiplier >> 64n, true);
    view.setInt32(at + 16, shift - 64, true);
    view.setInt32(at + 20, e10, true);
    view.setInt32(at + 24, q, true);
    view.setInt32(at + 28, e2 >= 0 ? 1 : 0, true);
  }
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}

/** floor(log10(2^e)) and floor(log10(5^e)), for the exponents here (Ryu's). */
function log10Pow2(e: number): number {
  return Math.floor((e * 78_913) / 2 ** 18);
}

function log10Pow5(e: number): number {
  return Math.floor((e * 732_923) / 2 ** 20);
}
