/** The ryanuber/go-glob matching consul-template uses for function_denylist: only "*" is special. */
export function globMatch(pattern: string, subj: string): boolean {
  if (pattern === '') return subj === pattern;
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return subj === pattern;
  const leadingGlob = pattern.startsWith('*');
  const trailingGlob = pattern.endsWith('*');
  const end = parts.length - 1;
  let rest = subj;
  for (let i = 0; i < end; i++) {
    const idx = rest.indexOf(parts[i]!);
    if (i === 0 ? !leadingGlob && idx !== 0 : idx < 0) return false;
    rest = rest.slice(idx + parts[i]!.length);
  }
  return trailingGlob || rest.endsWith(parts[end]!);
}
