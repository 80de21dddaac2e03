// A pickle interpreter that never executes anything: it reads the opcodes of protocols 2 to 5
// that torch.save and plain Python data use, builds plain JavaScript values, and hands every
// global reference to a resolver that allows only what a tensor checkpoint needs.
//
// Values: str -> string; int -> number (BigInt beyond 2^53); float -> number; bool; None ->
// null; list -> Array; tuple -> frozen Array; dict -> Map; bytes -> Uint8Array. Globals and
// what calling them builds are the resolver's business (see torch-globals.js). Nothing here
// recurses, so no nesting depth overflows the stack; every length is checked before it is read.
import { ConvertError } from './errors.js';

const TEXT = new TextDecoder('utf-8', { fatal: true });
const LATIN1 = new TextDecoder('latin1');
const MARK = Symbol('mark');

/** A global the resolver allows; call(args) is what REDUCE and NEWOBJ do with it, if anything. */
export class PickleGlobal {
  constructor(module, name, { call } = {}) {
    this.module = module;
    this.name = name;
    this.call = call;
  }

  get qualifiedName() {
    return `${this.module}.${this.name}`;
  }
}

export function isTuple(value) {
  return Array.isArray(value) && Object.isFrozen(value);
}

function tuple(items) {
  return Object.freeze(items);
}

class Reader {
  constructor(bytes, start, what) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.what = what;
  }

  need(n, purpose) {
    if (n > this.bytes.length - this.pos) {
      throw new ConvertError(`${this.what}: truncated (${purpose} needs ${n} byte${n === 1 ? '' : 's'} at byte ${this.pos}, ${this.bytes.length - this.pos} left)`);
    }
  }

  u8() {
    this.need(1, 'an opcode');
    return this.bytes[this.pos++];
  }

  take(n, purpose) {
    this.need(n, purpose);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint(size, purpose) {
    this.need(size, purpose);
    const at = this.pos;
    this.pos += size;
    switch (size) {
      case 1: return this.view.getUint8(at);
      case 2: return this.view.getUint16(at, true);
      case 4: return this.view.getUint32(at, true);
      default: {
        const v = this.view.getBigUint64(at, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConvertError(`${this.what}: length ${v} at byte ${at} is out of range`);
        return Number(v);
      }
    }
  }

  line(purpose) {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new ConvertError(`${this.what}: truncated (${purpose} has no end of line)`);
    const text = LATIN1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  text(n, purpose) {
    const raw = this.take(n, purpose);
    try {
      return TEXT.decode(raw);
    } catch {
      throw new ConvertError(`${this.what}: a string at byte ${this.pos - n} is not UTF-8`);
    }
  }
}

/** A little-endian two's complement integer (LONG1, LONG4). */
function decodeLong(raw) {
  if (raw.length === 0) return 0;
  let v = 0n;
  for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
  if (raw[raw.length - 1] & 0x80) v -= 1n << BigInt(raw.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const MAX_LONG_BYTES = 64; // the ints of a checkpoint are small; refuse huge ones

/**
 * Reads one pickle from bytes at start. options: findGlobal(module, name) -> PickleGlobal (or
 * throws); persistentLoad(pid) -> value; what: how errors name the data ('data.pkl').
 * Returns { value, end } where end is the byte after the STOP opcode.
 */
export function unpickle(bytes, { start = 0, findGlobal, persistentLoad, what = 'pickle' }) {
  const r = new Reader(bytes, start, what);
  const stack = [];
  const marks = [];
  const memo = new Map();
  const bad = (problem) => new ConvertError(`${what}: ${problem} (byte ${r.pos - 1})`);
  const pop = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw bad('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw bad('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    if (marks.length === 0) throw bad('no MARK on the stack');
    const at = marks.pop();
    return stack.splice(at);
  };
  const asMap = (value, op) => {
    if (!(value instanceof Map)) throw bad(`${op} on something that is not a dict`);
    return value;
  };
  const asList = (value, op) => {
    if (!Array.isArray(value) || isTuple(value)) throw bad(`${op} on something that is not a list`);
    return value;
  };
  const hashable = (key) => {
    if (key instanceof Map || (Array.isArray(key) && !isTuple(key))) throw bad('unhashable dict key');
    return key;
  };
  const call = (callable, args, op) => {
    if (!(callable instanceof PickleGlobal) || !callable.call) {
      throw bad(`${op} of ${callable instanceof PickleGlobal ? callable.qualifiedName : 'a value that is not an allowed global'}`);
    }
    if (!isTuple(args)) throw bad(`${op} arguments are not a tuple`);
    return callable.call(args);
  };
  const global = (module, name) => {
    const g = findGlobal(module, name);
    if (!(g instanceof PickleGlobal)) throw new ConvertError(`refusing pickle global ${module}.${name}`);
    return g;
  };

  for (;;) {
    const op = r.u8();
    switch (op) {
      case 0x80: { // PROTO
        const version = r.u8();
        if (version > 5) throw bad(`unsupported pickle protocol ${version}`);
        break;
      }
      case 0x95: r.uint(8, 'FRAME'); break; // FRAME: a length hint only
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) throw bad('STOP with a stack of ' + stack.length + ' values');
        return { value: stack[0], end: r.pos };
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: { // BININT
        r.need(4, 'BININT');
        stack.push(r.view.getInt32(r.pos, true));
        r.pos += 4;
        break;
      }
      case 0x4b: stack.push(r.uint(1, 'BININT1')); break;
      case 0x4d: stack.push(r.uint(2, 'BININT2')); break;
      case 0x8a: { // LONG1
        const n = r.uint(1, 'LONG1');
        stack.push(decodeLong(r.take(n, 'LONG1')));
        break;
      }
      case 0x8b: { // LONG4
        const n = r.uint(4, 'LONG4');
        if (n > MAX_LONG_BYTES) throw bad(`a ${n}-byte integer`);
        stack.push(decodeLong(r.take(n, 'LONG4')));
        break;
      }
      case 0x47: { // BINFLOAT: big-endian double
        r.need(8, 'BINFLOAT');
        stack.push(r.view.getFloat64(r.pos, false));
        r.pos += 8;
        break;
      }
      case 0x58: stack.push(r.text(r.uint(4, 'BINUNICODE'), 'BINUNICODE')); break;
      case 0x8c: stack.push(r.text(r.uint(1, 'SHORT_BINUNICODE'), 'SHORT_BINUNICODE')); break;
      case 0x8d: stack.push(r.text(r.uint(8, 'BINUNICODE8'), 'BINUNICODE8')); break;
      // Python 2 str (and bytes that protocol 2 writes through them): latin-1 text
      case 0x54: stack.push(LATIN1.decode(r.take(r.uint(4, 'BINSTRING'), 'BINSTRING'))); break;
      case 0x55: stack.push(LATIN1.decode(r.take(r.uint(1, 'SHORT_BINSTRING'), 'SHORT_BINSTRING'))); break;
      case 0x42: stack.push(r.take(r.uint(4, 'BINBYTES'), 'BINBYTES').slice()); break;
      case 0x43: stack.push(r.take(r.uint(1, 'SHORT_BINBYTES'), 'SHORT_BINBYTES').slice()); break;
      case 0x8e: stack.push(r.take(r.uint(8, 'BINBYTES8'), 'BINBYTES8').slice()); break;
      case 0x74: stack.push(tuple(popMark())); break; // TUPLE
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) throw bad('DICT with an odd number of items');
        const d = new Map();
        for (let i = 0; i < items.length; i += 2) d.set(hashable(items[i]), items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        asMap(top(), 'SETITEM').set(hashable(key), value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) throw bad('SETITEMS with an odd number of items');
        const d = asMap(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(hashable(items[i]), items[i + 1]);
        break;
      }
      case 0x61: { const v = pop(); asList(top(), 'APPEND').push(v); break; } // APPEND
      case 0x65: { // APPENDS
        const items = popMark();
        const list = asList(top(), 'APPENDS');
        for (const v of items) list.push(v);
        break;
      }
      case 0x71: memo.set(r.uint(1, 'BINPUT'), top()); break;
      case 0x72: memo.set(r.uint(4, 'LONG_BINPUT'), top()); break;
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = r.uint(op === 0x68 ? 1 : 4, 'BINGET');
        if (!memo.has(key)) throw bad(`memo entry ${key} was never stored`);
        stack.push(memo.get(key));
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { // GLOBAL: "module\nname\n"
        const module = r.line('GLOBAL');
        const name = r.line('GLOBAL');
        stack.push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw bad('STACK_GLOBAL without strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(call(callable, args, 'REDUCE'));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ'));
        break;
      }
      case 0x62: { // BUILD: only an OrderedDict's attributes (a state_dict's _metadata), not needed
        pop();
        const target = top();
        if (!(target instanceof Map)) throw bad(`BUILD on a ${target?.constructor?.name ?? typeof target}`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!persistentLoad) throw bad('persistent id outside a torch checkpoint');
        stack.push(persistentLoad(pid));
        break;
      }
      default:
        throw bad(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
