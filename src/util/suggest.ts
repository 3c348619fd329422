/** "Did you mean" suggestions for unknown names, by edit distance. */

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n]!;
}

/** The candidates closest to `name` (case-insensitive), best first; empty when none is close. */
export function nearMatches(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(lower.length / 3));
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = lc === lower ? 0 : editDistance(lower, lc);
    const prefix = lc.startsWith(lower) || lower.startsWith(lc);
    if (d <= limit || (prefix && Math.min(lc.length, lower.length) >= 3)) scored.push([c, d]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return [...new Set(scored.map((s) => s[0]))].slice(0, max);
}

/** ", did you mean `x`?" or "" — to append to an "unknown ..." message. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const m = nearMatches(name, candidates);
  if (m.length === 0) return '';
  return `, did you mean ${m.map((x) => '`' + x + '`').join(' or ')}?`;
}
