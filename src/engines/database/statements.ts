/**
 * SQL statements as Vault's database engine takes them: a field holds one string or a list;
 * each entry may itself be a JSON array, base64 text, or several statements separated by
 * `;` (Vault's ParseArbitraryStringSlice), and `{{name}}`-style placeholders are replaced
 * verbatim (Vault's QueryHelper: the operator's statement decides the quoting).
 */
import { badRequest } from '../../lib/errors.js';

/** A statements field's value → list of non-empty strings; a single string is one entry (never split on commas). */
export function statementsField(field: string, v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).filter((s) => s.trim() !== '');
  throw badRequest(`error converting input for field "${field}": expected a string or a list of strings`);
}

function decodeBase64(s: string): string | undefined {
  const t = s.trim();
  if (t.length < 4 || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  const text = Buffer.from(t, 'base64').toString('utf8');
  // Only text that round-trips and is printable counts as base64; "GRANT" happens to be valid base64 alphabet.
  if (Buffer.from(text, 'utf8').toString('base64') !== t || /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) return undefined;
  return text;
}

/** One stored entry → the statements to run, in order. */
export function splitStatements(entry: string, sep = ';'): string[] {
  let s = decodeBase64(entry) ?? entry;
  if (s.trim().startsWith('[')) {
    try {
      const arr = JSON.parse(s);
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return arr.map((x: string) => x.trim()).filter(Boolean);
    } catch { /* not JSON: split as text */ }
  }
  s = s.trim();
  return s.split(sep).map((x) => x.trim()).filter(Boolean);
}

/** Replaces each `{{key}}` with its value. */
export function renderStatement(stmt: string, values: Record<string, string>): string {
  let out = stmt;
  for (const [k, v] of Object.entries(values)) out = out.split(`{{${k}}}`).join(v);
  return out;
}

/**
 * PostgreSQL bodies (`DO $$ … END $$`) contain `;` that must not split them: an entry with
 * END outside its quoted parts runs as a whole, as Vault's postgres plugin does.
 */
export function containsMultilineStatement(stmt: string): boolean {
  const withoutLiterals = stmt.replace(/"[^"]*"/g, '').replace(/'[^']*'/g, '');
  return /\bEND\b/.test(withoutLiterals);
}
