/** A global a resolver allows: what REDUCE and NEWOBJ call. */
export class PickleGlobal {
  constructor(module: string, name: string, o?: { call?: (args: readonly unknown[]) => unknown });
  readonly module: string;
  readonly name: string;
  readonly call?: (args: readonly unknown[]) => unknown;
  readonly qualifiedName: string;
}
/** Tuples are frozen arrays. */
export function isTuple(value: unknown): value is readonly unknown[];
/** Reads one pickle at start without executing anything; end is the byte after STOP. */
export function unpickle(bytes: Uint8Array, options: {
  start?: number;
  findGlobal: (module: string, name: string) => PickleGlobal;
  persistentLoad?: (pid: unknown) => unknown;
  what?: string;
}): { value: unknown; end: number };
