/**
 * Go's float formatting for %e, %f and %g: exact decimal expansion of the double and rounding
 * of exact ties to even (as strconv does), where JavaScript's toFixed would round them up.
 */

interface Decimal {
  /** Significant digits, no leading or trailing zeros ('' for zero). */
  digits: string;
  /** The value is 0.digits × 10^point. */
  point: number;
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let digits: string;
  let point: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    point = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    point = digits.length + e;
  }
  return { digits: digits.replace(/0+$/, ''), point };
}

/** The shortest digits that read back as x (what Go prints when no precision is given). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', point: 0 };
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential())!;
  return { digits: (m[1]! + (m[2] ?? '')).replace(/0+$/, ''), point: parseInt(m[3]!, 10) + 1 };
}

/** Keeps nd significant digits, rounding an exact tie to even as Go's strconv does. */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: '', point: d.point };
  if (nd >= d.digits.length) return d;
  const next = d.digits[nd]!;
  let up: boolean;
  if (next > '5') up = true;
  else if (next < '5') up = false;
  else if (/[1-9]/.test(d.digits.slice(nd + 1))) up = true;
  else up = nd > 0 && Number(d.digits[nd - 1]) % 2 === 1;
  let kept = d.digits.slice(0, nd);
  let point = d.point;
  if (up) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === '9') i--;
    if (i < 0) {
      kept = '1';
      point++;
    } else {
      kept = kept.slice(0, i) + String(Number(kept[i]) + 1);
    }
  }
  return { digits: kept.replace(/0+$/, ''), point };
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

/** Renders d.ddd…e±dd with `prec` fraction digits. */
function renderE(d: Decimal, prec: number, neg: boolean): string {
  let frac = '';
  for (let i = 1; i <= prec; i++) frac += digitAt(d, i);
  const exp = d.digits === '' ? 0 : d.point - 1;
  const mant = digitAt(d, 0) + (prec > 0 ? '.' + frac : '');
  return `${neg ? '-' : ''}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Renders ddd.ddd with `prec` fraction digits. */
function renderF(d: Decimal, prec: number, neg: boolean): string {
  let int = '';
  if (d.point <= 0) int = '0';
  else for (let i = 0; i < d.point; i++) int += digitAt(d, i);
  let frac = '';
  for (let i = 0; i < prec; i++) frac += digitAt(d, d.point + i);
  return `${neg ? '-' : ''}${int}${prec > 0 ? '.' + frac : ''}`;
}

export function fmtE(x: number, prec: number): string {
  const neg = x < 0 || Object.is(x, -0);
  const d = exactDecimal(Math.abs(x));
  return renderE(roundDecimal(d, prec + 1), prec, neg);
}

export function fmtF(x: number, prec: number): string {
  const neg = x < 0 || Object.is(x, -0);
  const d = exactDecimal(Math.abs(x));
  return renderF(roundDecimal(d, d.point + prec), prec, neg);
}

/** Go's %g: shortest digits when prec < 0; exponent form for exp < -4 or exp ≥ precision (6 when shortest). */
export function fmtG(x: number, prec: number): string {
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  const p = prec === 0 ? 1 : prec;
  const d = shortest ? shortestDecimal(Math.abs(x)) : roundDecimal(exactDecimal(Math.abs(x)), p);
  if (d.digits === '') return neg ? '-0' : '0';
  const eprec = shortest ? 6 : p;
  const exp = d.point - 1;
  if (exp < -4 || exp >= eprec) return renderE(d, d.digits.length - 1, neg);
  return renderF(d, Math.max(d.digits.length - d.point, 0), neg);
}

