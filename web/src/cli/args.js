// Command-line parsing shared by the CLI's subcommands: node:util's parseArgs for the
// tokens, plus typed, range-checked values and usage errors that name the option.
import { parseArgs } from 'node:util';

/** A mistake in the command line: the CLI prints it with a hint and exits with status 2. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * spec: { name: { type: 'string' | 'boolean' | 'number' | 'integer', short?, min?, max?,
 *                 allow?: [extra string values, e.g. 'auto'] } }
 * positionals: [min, max]. Returns { values, positionals }; missing options are absent.
 */
export function parseCommandLine(argv, spec, positionals = [0, Infinity]) {
  const options = {};
  for (const [name, o] of Object.entries(spec)) {
    options[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const values = {};
  for (const [name, raw] of Object.entries(parsed.values)) values[name] = convert(name, raw, spec[name]);
  const [min, max] = positionals;
  const n = parsed.positionals.length;
  if (n < min) throw new UsageError(`missing argument${min - n > 1 ? 's' : ''}`);
  if (n > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`);
  return { values, positionals: parsed.positionals };
}

function convert(name, raw, o) {
  if (o.type === 'boolean' || o.type === 'string') return raw;
  if (o.allow?.includes(raw)) return raw;
  const value = Number(raw);
  const whole = o.type === 'integer';
  if (raw.trim() === '' || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    throw new UsageError(`--${name} expects ${whole ? 'a whole number' : 'a number'}${o.allow ? ` or ${o.allow.join(', ')}` : ''}, not '${raw}'`);
  }
  if ((o.min !== undefined && value < o.min) || (o.max !== undefined && value > o.max)) {
    throw new UsageError(`--${name} must be from ${o.min ?? '-inf'} to ${o.max ?? 'inf'}, not ${raw}`);
  }
  return value;
}
