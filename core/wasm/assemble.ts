/**
 * Assembles WebAssembly text (the subset maas's scanners are written in) into a binary module, so the
 * text in the source is the one place the code lives: no build step, no binary in the repository.
 *
 * The subset: memories (defined, or imported and shared), mutable or constant globals, functions with
 * named params and locals, exports, instructions in folded form, block/loop/if with labels and no
 * block results, calls by name, and the numeric, memory and control instructions in PLAIN, MEMORY and
 * IMMEDIATE. test/unit/core/wasm checks the bytes against wabt's.
 */

type Sexp = string | Sexp[];

const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

/** Opcodes without immediates: those the scanner, the printer and the tests' sample use. */
const PLAIN: Record<string, number> = {
  unreachable: 0x00,
  nop: 0x01,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.ne': 0x47,
  'i32.lt_s': 0x48,
  'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c,
  'i32.le_u': 0x4d,
  'i32.ge_s': 0x4e,
  'i32.ge_u': 0x4f,
  'i64.eqz': 0x50,
  'i64.eq': 0x51,
  'i64.ne': 0x52,
  'i64.lt_u': 0x54,
  'i64.gt_u': 0x56,
  'i64.le_u': 0x58,
  'i64.ge_u': 0x5a,
  'f32.ne': 0x5c,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.and': 0x71,
  'i32.or': 0x72,
  'i32.shl': 0x74,
  'i32.shr_u': 0x76,
  'i64.clz': 0x79,
  'i64.add': 0x7c,
  'i64.sub': 0x7d,
  'i64.mul': 0x7e,
  'i64.div_u': 0x80,
  'i64.rem_u': 0x82,
  'i64.and': 0x83,
  'i64.or': 0x84,
  'i64.shl': 0x86,
  'i64.shr_u': 0x88,
  'f64.abs': 0x99,
  'f64.neg': 0x9a,
  'f64.add': 0xa0,
  'f64.sub': 0xa1,
  'f64.mul': 0xa2,
  'f64.div': 0xa3,
  'i32.wrap_i64': 0xa7,
  'i64.extend_i32_u': 0xad,
  'f32.demote_f64': 0xb6,
  'f64.convert_i32_u': 0xb8,
  'f64.convert_i64_u': 0xba,
  'f64.promote_f32': 0xbb,
  'i64.reinterpret_f64': 0xbd,
};

/** Instructions with one immediate: an index, a label or a constant. */
const IMMEDIATE = new Set([
  'call',
  'local.get',
  'local.set',
  'global.get',
  'global.set',
  'br',
  'br_if',
  'i32.const',
  'i64.const',
  'f64.const',
]);

/** Memory instructions: opcode and natural alignment (log2 of the access size). */
const MEMORY: Record<string, [number, number]> = {
  'i32.load': [0x28, 2],
  'i64.load': [0x29, 3],
  'f32.load': [0x2a, 2],
  'f64.load': [0x2b, 3],
  'i32.load8_u': [0x2d, 0],
  'i32.load16_u': [0x2f, 1],
  'i32.store': [0x36, 2],
  'f32.store': [0x38, 2],
  'f64.store': [0x39, 3],
  'i32.store8': [0x3a, 0],
  'i32.store16': [0x3b, 1],
};

/** What is used of WebAssembly, declared here: TypeScript declares it with the DOM, which Node code has not. */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports?: object) => { readonly exports: object };
  readonly Memory: new (limits: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => WebAssemblyMemory;
}

export interface WebAssemblyMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** The engine's WebAssembly; throws where there is none. */
export function webAssembly(): WebAssemblyApi {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) throw new Error('WebAssembly is not available');
  return api;
}

/** Assembles, compiles and instantiates a module without imports; its exports. */
export function instantiateWat(text: string): object {
  const api = webAssembly();
  return new api.Instance(new api.Module(assembleWat(text))).exports;
}

export function assembleWat(text: string): Uint8Array {
  const forms = parseSexps(text);
  const module = forms[0];
  if (forms.length !== 1 || !Array.isArray(module) || module[0] !== 'module')
    throw new Error('expected one (module ...)');
  return new ModuleAssembler(module.slice(1)).bytes();
}

function parseSexps(text: string): Sexp[] {
  const tokens = text.replace(/;;[^\n]*/g, ' ').match(/\(|\)|"[^"]*"|[^\s()]+/g);
  const stack: Sexp[][] = [[]];
  for (const token of tokens ?? []) {
    if (token === '(') stack.push([]);
    else if (token === ')') {
      const done = stack.pop();
      if (done === undefined || stack.length === 0) throw new Error('unbalanced )');
      stack.at(-1)!.push(done);
    } else stack.at(-1)!.push(token);
  }
  if (stack.length !== 1) throw new Error('unbalanced (');
  return stack[0]!;
}

interface Func {
  readonly type: number;
  readonly locals: number[]; // types of the locals after the params
  readonly body: Sexp[];
  readonly names: Map<string, number>;
}

class ModuleAssembler {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly funcs: Func[] = [];
  private readonly imports: number[][] = [];
  private readonly memories: number[][] = [];
  private readonly globals: number[][] = [];
  private readonly globalNames = new Map<string, number>();
  private readonly funcNames = new Map<string, number>();
  private readonly exports: number[][] = [];

  constructor(fields: Sexp[]) {
    for (const field of fields) {
      if (!Array.isArray(field)) throw new Error(`unexpected ${field} in module`);
      const [kind, ...rest] = field;
      if (kind === 'memory') this.memory(rest);
      else if (kind === 'import') this.import(rest);
      else if (kind === 'global') this.global(rest);
      else if (kind === 'func') this.func(rest);
      else throw new Error(`unsupported module field ${String(kind)}`);
    }
  }

  bytes(): Uint8Array {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, items: number[][]) => {
      if (items.length === 0) return;
      const content = [...u32(items.length), ...items.flat()];
      out.push(id, ...u32(content.length), ...content);
    };
    section(1, this.typeBytes);
    section(2, this.imports);
    section(
      3,
      this.funcs.map((f) => u32(f.type)),
    );
    section(5, this.memories);
    section(6, this.globals);
    section(7, this.exports);
    section(
      10,
      this.funcs.map((f) => {
        const code = [
          ...localGroups(f.locals),
          ...new BodyAssembler(f, this.globalNames, this.funcNames).assemble(),
        ];
        return [...u32(code.length), ...code];
      }),
    );
    return Uint8Array.from(out);
  }

  private memory(rest: Sexp[]): void {
    const index = this.imports.length + this.memories.length;
    this.memories.push(limits(rest.filter((r) => !this.exported(r, 0x02, index))));
  }

  /** `(import "module" "name" (memory ...))`: memories are the only imports the subset takes. */
  private import(rest: Sexp[]): void {
    if (this.memories.length > 0) throw new Error('imports come before memories');
    const [module, name, desc] = rest;
    if (!Array.isArray(desc) || desc[0] !== 'memory')
      throw new Error('only memories can be imported');
    this.imports.push([...nameBytes(module), ...nameBytes(name), 0x02, ...limits(desc.slice(1))]);
  }

  private global(rest: Sexp[]): void {
    const index = this.globals.length;
    let items = rest;
    if (typeof items[0] === 'string' && items[0].startsWith('$')) {
      this.globalNames.set(items[0], index);
      items = items.slice(1);
    }
    items = items.filter((r) => !this.exported(r, 0x03, index));
    const [type, init] = items;
    const mutable = Array.isArray(type) && type[0] === 'mut';
    const valtype = valtypeOf(mutable ? (type as Sexp[])[1] : type);
    if (!Array.isArray(init)) throw new Error('a global needs an initial value');
    this.globals.push([valtype, mutable ? 1 : 0, ...constant(init), 0x0b]);
  }

  private func(rest: Sexp[]): void {
    const index = this.funcs.length;
    const names = new Map<string, number>();
    const params: number[] = [];
    const results: number[] = [];
    const locals: number[] = [];
    const body: Sexp[] = [];
    for (const [at, item] of rest.entries()) {
      if (at === 0 && typeof item === 'string' && item.startsWith('$')) {
        this.funcNames.set(item, index); // its own name, for calls
        continue;
      }
      if (Array.isArray(item) && this.exported(item, 0x00, index)) continue;
      if (Array.isArray(item) && (item[0] === 'param' || item[0] === 'local')) {
        const list = item[0] === 'param' ? params : locals;
        const declared = item.slice(1) as string[];
        if (declared[0]?.startsWith('$')) {
          names.set(declared[0], params.length + locals.length);
          list.push(valtypeOf(declared[1]));
        } else for (const t of declared) list.push(valtypeOf(t));
      } else if (Array.isArray(item) && item[0] === 'result')
        for (const t of item.slice(1)) results.push(valtypeOf(t));
      else body.push(item);
    }
    const signature = [0x60, ...u32(params.length), ...params, ...u32(results.length), ...results];
    const key = signature.join(',');
    let type = this.types.indexOf(key);
    if (type < 0) {
      type = this.types.push(key) - 1;
      this.typeBytes.push(signature);
    }
    this.funcs.push({ type, locals, body, names });
  }

  /** Records `(export "name")` inside a field; says whether `item` was one. */
  private exported(item: Sexp, kind: number, index: number): boolean {
    if (!Array.isArray(item) || item[0] !== 'export') return false;
    this.exports.push([...nameBytes(item[1]), kind, ...u32(index)]);
    return true;
  }
}

class BodyAssembler {
  private readonly out: number[] = [];
  private readonly labels: (string | undefined)[] = [];

  constructor(
    private readonly func: Func,
    private readonly globals: Map<string, number>,
    private readonly funcs: Map<string, number>,
  ) {}

  assemble(): number[] {
    this.sequence(this.func.body);
    this.out.push(0x0b);
    return this.out;
  }

  /** Instructions in folded form, the only form the subset takes: (op immediates... operands...). */
  private sequence(items: Sexp[]): void {
    for (const item of items) {
      if (!Array.isArray(item)) throw new Error(`expected a folded instruction, not ${item}`);
      this.folded(item);
    }
  }

  private folded(form: Sexp[]): void {
    const [op, ...rest] = form as [string, ...Sexp[]];
    // A block, loop or if may name itself first: its label, for br and br_if.
    const label = typeof rest[0] === 'string' && rest[0].startsWith('$') ? rest[0] : undefined;
    const inner = label === undefined ? rest : rest.slice(1);
    if (op === 'block' || op === 'loop') {
      this.out.push(op === 'block' ? 0x02 : 0x03, 0x40);
      this.labels.push(label);
      this.sequence(inner);
      this.labels.pop();
      this.out.push(0x0b);
      return;
    }
    if (op === 'if') {
      const thenAt = inner.findIndex((c) => Array.isArray(c) && c[0] === 'then');
      if (thenAt < 0) throw new Error('a folded if needs (then ...)');
      this.sequence(inner.slice(0, thenAt)); // the condition
      this.out.push(0x04, 0x40);
      this.labels.push(label);
      this.sequence((inner[thenAt] as Sexp[]).slice(1));
      const otherwise = inner[thenAt + 1];
      if (Array.isArray(otherwise) && otherwise[0] === 'else') {
        this.out.push(0x05);
        this.sequence(otherwise.slice(1));
      }
      this.labels.pop();
      this.out.push(0x0b);
      return;
    }
    const immediates: string[] = [];
    const operands: Sexp[] = [];
    for (const r of rest) {
      if (typeof r === 'string') immediates.push(r);
      else operands.push(r);
    }
    this.sequence(operands);
    this.plain(op, immediates);
  }

  private plain(op: string, immediates: string[]): void {
    const out = this.out;
    const plain = PLAIN[op];
    if (plain !== undefined) {
      out.push(plain);
      return;
    }
    const memory = MEMORY[op];
    if (memory !== undefined) {
      let offset = 0;
      let align = memory[1];
      for (const imm of immediates) {
        if (imm.startsWith('offset=')) offset = Number(imm.slice(7));
        else if (imm.startsWith('align=')) align = Math.log2(Number(imm.slice(6)));
      }
      out.push(memory[0], ...u32(align), ...u32(offset));
      return;
    }
    if (!IMMEDIATE.has(op)) throw new Error(`unsupported instruction ${op}`);
    const [imm] = immediates;
    if (imm === undefined) throw new Error(`${op} needs an immediate`);
    switch (op) {
      case 'call': {
        const index = imm.startsWith('$') ? this.funcs.get(imm) : Number(imm);
        if (index === undefined) throw new Error(`unknown function ${imm}`);
        out.push(0x10, ...u32(index));
        return;
      }
      case 'local.get':
      case 'local.set':
        out.push(op === 'local.get' ? 0x20 : 0x21, ...u32(this.local(imm)));
        return;
      case 'global.get':
      case 'global.set': {
        const index = imm.startsWith('$') ? this.globals.get(imm) : Number(imm);
        if (index === undefined) throw new Error(`unknown global ${imm}`);
        out.push(op === 'global.get' ? 0x23 : 0x24, ...u32(index));
        return;
      }
      case 'br':
      case 'br_if':
        out.push(op === 'br' ? 0x0c : 0x0d, ...u32(this.depth(imm)));
        return;
      case 'i32.const':
      case 'i64.const':
      case 'f64.const':
        out.push(...constant([op, imm]));
        return;
    }
    throw new Error(`unsupported instruction ${op}`);
  }

  private local(name: string): number {
    const index = name.startsWith('$') ? this.func.names.get(name) : Number(name);
    if (index === undefined) throw new Error(`unknown local ${name}`);
    return index;
  }

  private depth(label: string): number {
    if (!label.startsWith('$')) return Number(label);
    const at = this.labels.lastIndexOf(label);
    if (at < 0) throw new Error(`unknown label ${label}`);
    return this.labels.length - 1 - at;
  }
}

function valtypeOf(name: Sexp | undefined): number {
  const type = typeof name === 'string' ? VALTYPE[name] : undefined;
  if (type === undefined) throw new Error(`unknown value type ${String(name)}`);
  return type;
}

function constant(form: Sexp[]): number[] {
  const [op, value] = form as [string, string];
  const literal = value.replaceAll('_', '');
  if (op === 'i32.const') return [0x41, ...sleb(BigInt.asIntN(32, BigInt(literal)))];
  if (op === 'i64.const') return [0x42, ...sleb(BigInt.asIntN(64, BigInt(literal)))];
  if (op === 'f64.const') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(Number(literal));
    return [0x44, ...bytes];
  }
  throw new Error(`unsupported constant ${op}`);
}

/** A memory's pages, at least and at most, and whether threads share it: `1`, `1 16`, `1 16 shared`. */
function limits(items: Sexp[]): number[] {
  const shared = items.at(-1) === 'shared';
  const [min, max] = (shared ? items.slice(0, -1) : items).map(Number);
  if (min === undefined || Number.isNaN(min) || (max !== undefined && Number.isNaN(max)))
    throw new Error('a memory needs its size in pages');
  if (shared && max === undefined) throw new Error('a shared memory needs a maximum');
  const flags = (max === undefined ? 0 : 1) | (shared ? 2 : 0);
  return [flags, ...u32(min), ...(max === undefined ? [] : u32(max))];
}

/** A quoted name as the binary format writes it: its UTF-8 length, then its bytes. */
function nameBytes(quoted: Sexp | undefined): number[] {
  if (typeof quoted !== 'string' || !quoted.startsWith('"')) throw new Error('expected a "name"');
  const bytes = Buffer.from(quoted.slice(1, -1), 'utf8');
  return [...u32(bytes.length), ...bytes];
}

/** Locals as the binary format groups them: runs of one type. */
function localGroups(types: number[]): number[] {
  const groups: [number, number][] = [];
  for (const t of types) {
    const last = groups.at(-1);
    if (last !== undefined && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  return [...u32(groups.length), ...groups.flatMap(([n, t]) => [...u32(n), t])];
}

function u32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}
