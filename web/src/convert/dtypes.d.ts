export interface DtypeInfo {
  size: number;
  floating: boolean;
  read?: (view: DataView, byteOffset: number) => number;
}
/** numpy dtype name -> element size, whether floating, and how to read one element. */
export const DTYPES: Record<string, DtypeInfo>;
/** torch storage class name (FloatStorage, ...) -> dtype name. */
export const STORAGE_TYPES: Record<string, string>;
