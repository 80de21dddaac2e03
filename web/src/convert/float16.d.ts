/** The float16 bits of a float32 value, rounded to nearest even (numpy's astype(float16)). */
export function float16Bits(value: number): number;
/** float32 values to float16 bits. */
export function toFloat16Bits(values: ArrayLike<number>): Uint16Array;
/** The value of float16 bits. */
export function float16Value(bits: number): number;
