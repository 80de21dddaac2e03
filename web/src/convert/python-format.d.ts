/** A float in a configuration written by pythonJson. */
export class PyFloat {
  constructor(value: number);
  readonly value: number;
}
export function pyFloat(value: number): PyFloat;
/** Python's repr() of a float. */
export function floatRepr(x: number): string;
/** A number as Python prints it. */
export function numberRepr(x: number | bigint): string;
/** A JSON string literal as Python's json.dumps writes it. */
export function jsonString(s: string, ensureAscii?: boolean): string;
/** Python's json.dumps(value) (default separators, ensure_ascii). */
export function pythonJson(value: unknown): string;
/** Python's repr() of a str. */
export function stringRepr(s: string): string;
/** Python's text of a list of numbers or strings. */
export function listRepr(items: ReadonlyArray<number | bigint | string>): string;
