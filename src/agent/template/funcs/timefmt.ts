/** Go's time.Format layouts (reference time Mon Jan 2 15:04:05 MST 2006), in UTC as consul-template uses. */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// Longest first, so "January" wins over "Jan" and "2006" over "2".
const TOKENS = [
  'January', 'Monday', '2006', 'Z07:00:00', '-07:00:00', 'Z07:00', '-07:00', 'Z0700', '-0700', 'Z07', '-07', 'Jan', 'Mon', 'MST',
  '002', '__2', '_2', '01', '02', '03', '04', '05', '06', '15', 'PM', 'pm', '1', '2', '3', '4', '5',
];

export const RFC3339 = '2006-01-02T15:04:05Z07:00';

export function formatGoTime(d: Date, layout: string): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  let out = '';
  let i = 0;
  while (i < layout.length) {
    // Fractional seconds: .000 / ,000 (fixed) and .999 (trailing zeros trimmed) after a dot or comma.
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac) {
      const digits = frac[1]!.length;
      const ns = String(d.getUTCMilliseconds() * 1_000_000).padStart(9, '0').slice(0, digits);
      if (frac[1]![0] === '0') out += layout[i] + ns;
      else {
        const trimmed = ns.replace(/0+$/, '');
        if (trimmed) out += layout[i] + trimmed;
      }
      i += frac[0].length;
      continue;
    }
    const tok = TOKENS.find((t) => layout.startsWith(t, i) && !(t === 'Jan' && /^Jan[a-z]/.test(layout.slice(i)) && !layout.startsWith('January', i)) && !(t === 'Mon' && /^Mon[a-z]/.test(layout.slice(i)) && !layout.startsWith('Monday', i)));
    if (!tok) {
      out += layout[i];
      i++;
      continue;
    }
    i += tok.length;
    const h = d.getUTCHours();
    switch (tok) {
      case 'January': out += MONTHS[d.getUTCMonth()]; break;
      case 'Jan': out += MONTHS[d.getUTCMonth()]!.slice(0, 3); break;
      case 'Monday': out += DAYS[d.getUTCDay()]; break;
      case 'Mon': out += DAYS[d.getUTCDay()]!.slice(0, 3); break;
      case '2006': out += String(d.getUTCFullYear()).padStart(4, '0'); break;
      case '06': out += p2(d.getUTCFullYear() % 100); break;
      case '01': out += p2(d.getUTCMonth() + 1); break;
      case '1': out += String(d.getUTCMonth() + 1); break;
      case '02': out += p2(d.getUTCDate()); break;
      case '2': out += String(d.getUTCDate()); break;
      case '_2': out += String(d.getUTCDate()).padStart(2, ' '); break;
      case '002':
      case '__2': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        const yday = Math.floor((d.getTime() - start) / 86_400_000) + 1;
        out += tok === '002' ? String(yday).padStart(3, '0') : String(yday).padStart(3, ' ');
        break;
      }
      case '15': out += p2(h); break;
      case '03': out += p2(h % 12 === 0 ? 12 : h % 12); break;
      case '3': out += String(h % 12 === 0 ? 12 : h % 12); break;
      case '04': out += p2(d.getUTCMinutes()); break;
      case '4': out += String(d.getUTCMinutes()); break;
      case '05': out += p2(d.getUTCSeconds()); break;
      case '5': out += String(d.getUTCSeconds()); break;
      case 'PM': out += h >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += h >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += 'UTC'; break;
      default:
        // Zone offsets: UTC is "Z" in the Z forms, a zero offset in the others.
        out += tok.startsWith('Z') ? 'Z' : { '-07:00:00': '+00:00:00', '-07:00': '+00:00', '-0700': '+0000', '-07': '+00' }[tok];
    }
  }
  return out;
}
