// The model the CLI uses without --model: the package's models/default.safetensors, the same
// file load() takes when given no model.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { defaultModelUrl } from '../api/default-model.js';

export const DEFAULT_MODEL = fileURLToPath(defaultModelUrl());

/** The default model's path, or null when this package does not have it. */
export function defaultModel() {
  return existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : null;
}

export const NO_MODEL_MESSAGE =
  'a model is needed: pass --model FILE (a model file made by models/convert.py); ' +
  'the default model (models/default.safetensors) is missing from this package';
