/**
 * Durations as Vault accepts them: integer seconds ("3600", 3600) or Go duration strings
 * ("720h", "1h30m", "90s", "500ms", "1.5h"). Internally every TTL is whole seconds.
 */
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400,
};
const GO_DURATION = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;
/** Go's time.Duration is int64 nanoseconds (about ±292 years); Vault refuses anything longer, and
 * so do we: beyond it expiry Dates turn invalid and TTL arithmetic loses precision. */
const MAX_SECONDS = 9_223_372_036;

function inRange(seconds: number, input: unknown): number {
  if (!Number.isFinite(seconds) || Math.abs(seconds) > MAX_SECONDS) throw new Error(`time: invalid duration ${JSON.stringify(input)}`);
  return seconds;
}

/** Returns seconds, or throws a plain Error with a message suitable to show the user. */
export function parseDuration(input: unknown): number {
  if (typeof input === 'number') {
    return inRange(Math.trunc(input), input);
  }
  if (typeof input !== 'string') throw new Error(`invalid duration type ${typeof input}`);
  const s = input.trim();
  if (s === '') return 0;
  if (/^-?\d+$/.test(s)) return inRange(parseInt(s, 10), input);
  let sign = 1;
  let i = 0;
  if (s[0] === '-' || s[0] === '+') { sign = s[0] === '-' ? -1 : 1; i = 1; }
  let total = 0;
  let matched = false;
  while (i < s.length) {
    GO_DURATION.lastIndex = i;
    const m = GO_DURATION.exec(s);
    if (!m) throw new Error(`time: invalid duration "${input}"`);
    total += parseFloat(m[1]!) * UNIT_SECONDS[m[2]!]!;
    i = GO_DURATION.lastIndex;
    matched = true;
  }
  if (!matched) throw new Error(`time: invalid duration "${input}"`);
  return inRange(sign * Math.floor(total + 1e-9), input);
}

/** Formats seconds the way Go's time.Duration.String() does ("768h0m0s"), as the vault CLI shows TTLs. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let s = Math.abs(Math.trunc(seconds));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  let out = '';
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${s}s`;
  return (neg ? '-' : '') + out;
}
