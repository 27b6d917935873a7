import { describe, expect, it } from '@jest/globals';
import wabtInit from 'wabt';
import { PRINTER_WAT } from '../../../../core/oip/number-print.js';
import { SCANNER_WAT } from '../../../../core/oip/number-scan.js';
import { assembleWat, instantiateWat, webAssembly } from '../../../../core/wasm/assemble.js';

const wabt = await wabtInit();
const wabtBytes = (text: string) =>
  Buffer.from(wabt.parseWat('test.wat', text).toBinary({}).buffer);

// If/else, a constant global, f64 constants, offsets, an unnamed param and a second function.
const SAMPLE = `
(module
  (memory (export "mem") 2)
  (global $base i32 (i32.const 64))
  (global $hits (export "hits") (mut i64) (i64.const -1))
  (func $quarter (param f64) (result f64)
    (f64.div (local.get 0) (f64.const 2.5e-1)))
  (func (export "sum") (param $n i32) (result f64) (local $i i32) (local $acc f64) (local $b i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $acc (f64.add (local.get $acc) (f64.convert_i32_u (local.get $i)))))
          (else (local.set $acc (f64.sub (local.get $acc) (f64.const 0.5)))))
        (i32.store8 offset=3 (global.get $base) (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $hits (i64.add (global.get $hits) (i64.const 0xFFFFFFFFFF)))
    (if (i32.const 0) (then (local.set $acc (f64.const -1))))
    (f64.add (local.get $acc) (f64.load align=4 (i32.const 0))))
)`;

describe('assembleWat', () => {
  it("assembles the number scanner to the very bytes wabt's wat2wasm gives", () => {
    expect(Buffer.from(assembleWat(SCANNER_WAT))).toEqual(wabtBytes(SCANNER_WAT));
  });

  it('assembles the number printer (calls, selects, 64-bit division) to the bytes wabt gives', () => {
    expect(Buffer.from(assembleWat(PRINTER_WAT))).toEqual(wabtBytes(PRINTER_WAT));
  });

  it('assembles globals, offsets, unnamed params and several functions as wabt does', () => {
    const bytes = assembleWat(SAMPLE);
    expect(Buffer.from(bytes)).toEqual(wabtBytes(SAMPLE));
    const { sum, hits, mem } = instantiateWat(SAMPLE) as {
      sum: (n: number) => number;
      hits: { value: bigint };
      mem: { buffer: ArrayBuffer };
    };
    expect(sum(5)).toBe(1 + 3 - 0.5 * 3);
    expect(hits.value).toBe(0xffffffffffn - 1n);
    expect(new Uint8Array(mem.buffer)[67]).toBe(4);
  });

  it('assembles an imported shared memory as wabt does, and its instances share it', () => {
    const text = `
(module
  (import "env" "memory" (memory 1 4 shared))
  (func (export "put") (param $at i32) (param $v i32) (i32.store offset=4 (local.get $at) (local.get $v)))
  (func (export "get") (param $at i32) (result i32) (i32.load8_u (local.get $at))))`;
    const bytes = assembleWat(text);
    expect(Buffer.from(bytes)).toEqual(wabtBytes(text));
    const api = webAssembly();
    const memory = new api.Memory({ initial: 1, maximum: 4, shared: true });
    const module = new api.Module(bytes);
    const [one, two] = [1, 2].map(
      () =>
        new api.Instance(module, { env: { memory } }).exports as {
          put: (at: number, v: number) => void;
          get: (at: number) => number;
        },
    );
    one!.put(8, 42);
    expect(two!.get(12)).toBe(42);
    expect(Object.prototype.toString.call(memory.buffer)).toBe('[object SharedArrayBuffer]');
  });

  it('assembles memory limits as wabt does', () => {
    for (const limits of ['2', '2 8', '2 8 shared']) {
      const text = `(module (memory (export "m") ${limits}))`;
      expect(Buffer.from(assembleWat(text))).toEqual(wabtBytes(text));
    }
  });

  it.each([
    ['an imported function', '(module (import "env" "f" (func)))', /only memories/],
    ['a shared memory without a maximum', '(module (memory 1 shared))', /needs a maximum/],
    ['a memory without a size', '(module (memory))', /size in pages/],
    ['an import after a memory', '(module (memory 1) (import "e" "m" (memory 1)))', /before/],
    ['an unknown instruction', '(module (func (i32.frobnicate)))', /unsupported instruction/],
    ['an unknown label', '(module (func (br $nowhere)))', /unknown label/],
    ['an unknown local', '(module (func (local.get $x) drop))', /unknown local/],
    ['a call to an unknown function', '(module (func (call $nowhere)))', /unknown function/],
    ['unbalanced parentheses', '(module (func)', /unbalanced/],
    ['a flat instruction', '(module (func i32.const 1 drop))', /folded/],
    ['two modules', '(module) (module)', /one \(module/],
  ])('refuses %s', (_, text, error) => {
    expect(() => assembleWat(text)).toThrow(error);
  });
});
