import type { PickleGlobal } from './pickle.js';
import type { Storage } from './tensor.js';

/** The allowed pickle globals; anything else throws a ConvertError naming it. */
export function findGlobal(module: string, name: string): PickleGlobal;
/** The dtype of a persistent id's storage type. */
export function storageDtype(type: unknown): string;
/** persistent_load for torch's storage ids. */
export function storageLoader(storages: Map<string, Storage>, attach?: (storage: Storage) => void): (pid: unknown) => Storage;
