/**
 * Java-style date/time patterns (`yyyy-MM-dd HH:mm:ss.SSS`), as Flink's DATE_FORMAT, TO_TIMESTAMP,
 * UNIX_TIMESTAMP and partition formatters use them. Patterns are compiled once into a formatter and a
 * parser.
 */
import { FreshetError, SqlState } from '../util/errors.ts';
import { fieldsOfMillis, daysFromCivil, civilFromDays, MS_PER_DAY, daysInMonth } from './temporal.ts';

type Token = { kind: 'field'; letter: string; count: number } | { kind: 'text'; text: string };

const LETTERS = new Set('GyYuMLdDEeaHkKhmsSnzZXwWFQ'.split(''));
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      let j = i + 1;
      let text = '';
      while (j < pattern.length) {
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") { text += "'"; j += 2; continue; }
          break;
        }
        text += pattern[j++];
      }
      out.push({ kind: 'text', text: j === i + 1 && pattern[j] === "'" ? "'" : text });
      i = j + 1;
      continue;
    }
    if (LETTERS.has(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      out.push({ kind: 'field', letter: c, count: j - i });
      i = j;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      throw new FreshetError(SqlState.invalidParameterValue, `unknown pattern letter '${c}' in date format '${pattern}'`, {
        hint: "Quote literal text with single quotes, e.g. 'yyyy''T''HH'.",
      });
    }
    out.push({ kind: 'text', text: c });
    i++;
  }
  return out;
}

const pad = (n: number, w: number): string => {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= w ? s : '0'.repeat(w - s.length) + s);
};

/** Day of week, 0 = Sunday. */
function dayOfWeek(days: number): number {
  return ((days % 7) + 7 + 4) % 7;
}

export type DateFormatter = (ms: number) => string;

const formatterCache = new Map<string, DateFormatter>();

/** Formats epoch milliseconds of a wall-clock time with a Java pattern. */
export function dateFormatter(pattern: string): DateFormatter {
  let f = formatterCache.get(pattern);
  if (f) return f;
  const tokens = tokenize(pattern);
  f = (ms: number) => {
    const t = fieldsOfMillis(ms);
    const days = Math.floor(ms / MS_PER_DAY);
    let s = '';
    for (const tok of tokens) {
      if (tok.kind === 'text') { s += tok.text; continue; }
      const n = tok.count;
      switch (tok.letter) {
        case 'y': case 'u': case 'Y': s += n === 2 ? pad(t.year % 100, 2) : pad(t.year, n); break;
        case 'M': case 'L': s += n >= 4 ? MONTHS[t.month - 1] : n === 3 ? MONTHS[t.month - 1]!.slice(0, 3) : pad(t.month, n); break;
        case 'd': s += pad(t.day, n); break;
        case 'D': s += pad(days - daysFromCivil(t.year, 1, 1) + 1, n); break;
        case 'E': case 'e': s += n >= 4 ? DAYS[dayOfWeek(days)] : DAYS[dayOfWeek(days)]!.slice(0, 3); break;
        case 'a': s += t.hour < 12 ? 'AM' : 'PM'; break;
        case 'H': s += pad(t.hour, n); break;
        case 'k': s += pad(t.hour === 0 ? 24 : t.hour, n); break;
        case 'K': s += pad(t.hour % 12, n); break;
        case 'h': s += pad(t.hour % 12 === 0 ? 12 : t.hour % 12, n); break;
        case 'm': s += pad(t.minute, n); break;
        case 's': s += pad(t.second, n); break;
        case 'S': s += String(t.micros).padStart(6, '0').padEnd(9, '0').slice(0, n); break;
        case 'n': s += String(t.micros * 1000).padStart(9, '0'); break;
        case 'Q': s += pad(Math.floor((t.month - 1) / 3) + 1, n); break;
        case 'w': {
          const jan1 = daysFromCivil(t.year, 1, 1);
          s += pad(Math.floor((days - jan1 + dayOfWeek(jan1)) / 7) + 1, n);
          break;
        }
        case 'W': s += pad(Math.floor((t.day - 1 + dayOfWeek(days - t.day + 1)) / 7) + 1, n); break;
        case 'F': s += pad(Math.floor((t.day - 1) / 7) + 1, n); break;
        case 'G': s += t.year > 0 ? 'AD' : 'BC'; break;
        case 'z': case 'Z': case 'X': s += n >= 3 || tok.letter === 'X' ? 'Z' : '+0000'; break;
        default: break;
      }
    }
    return s;
  };
  if (formatterCache.size > 256) formatterCache.clear();
  formatterCache.set(pattern, f);
  return f;
}

export type DateParser = (text: string) => number | null;

const parserCache = new Map<string, DateParser>();

/**
 * Parses text with a Java pattern into epoch milliseconds of the wall-clock time, or null when it does
 * not match (Flink's TO_TIMESTAMP returns NULL rather than failing).
 */
export function dateParser(pattern: string): DateParser {
  let p = parserCache.get(pattern);
  if (p) return p;
  const tokens = tokenize(pattern);
  p = (text: string) => {
    let pos = 0;
    let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
    let pm: boolean | null = null;
    let hour12 = false;
    let dayOfYear = -1;
    for (let k = 0; k < tokens.length; k++) {
      const tok = tokens[k]!;
      if (tok.kind === 'text') {
        if (text.startsWith(tok.text, pos)) { pos += tok.text.length; continue; }
        return null;
      }
      if (tok.letter === 'a') {
        const w = text.slice(pos, pos + 2).toUpperCase();
        if (w === 'AM' || w === 'PM') { pm = w === 'PM'; pos += 2; continue; }
        return null;
      }
      if ((tok.letter === 'M' || tok.letter === 'L') && tok.count >= 3) {
        const idx = MONTHS.findIndex((m) => text.slice(pos).toLowerCase().startsWith((tok.count === 3 ? m.slice(0, 3) : m).toLowerCase()));
        if (idx < 0) return null;
        month = idx + 1;
        pos += tok.count === 3 ? 3 : MONTHS[idx]!.length;
        continue;
      }
      if (tok.letter === 'E') {
        const idx = DAYS.findIndex((d) => text.slice(pos).toLowerCase().startsWith((tok.count >= 4 ? d : d.slice(0, 3)).toLowerCase()));
        if (idx < 0) return null;
        pos += tok.count >= 4 ? DAYS[idx]!.length : 3;
        continue;
      }
      // numeric field: fixed width if the next token is also a field (adjacent fields like yyyyMMdd), else greedy
      const next = tokens[k + 1];
      const fixed = next !== undefined && next.kind === 'field';
      let end = pos;
      const maxLen = fixed ? tok.count : tok.letter === 'S' ? 9 : tok.letter === 'y' && tok.count !== 2 ? 9 : 9;
      if (text[end] === '-' && (tok.letter === 'y' || tok.letter === 'u')) end++;
      while (end < text.length && end - pos < maxLen && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
      if (end === pos) return null;
      const digits = text.slice(pos, end);
      const v = parseInt(digits, 10);
      pos = end;
      switch (tok.letter) {
        case 'y': case 'u': case 'Y': year = tok.count === 2 && digits.length <= 2 ? 2000 + v : v; break;
        case 'M': case 'L': month = v; break;
        case 'd': day = v; break;
        case 'D': dayOfYear = v; break;
        case 'H': case 'k': hour = v === 24 ? 0 : v; break;
        case 'h': case 'K': hour = v; hour12 = true; break;
        case 'm': minute = v; break;
        case 's': second = v; break;
        case 'S': micros = Math.round(Number('0.' + digits) * 1_000_000); break;
        case 'n': micros = Math.round(v / 1000); break;
        default: break;
      }
    }
    if (pos !== text.length) {
      // tolerate trailing fraction digits like Flink's lenient default pattern
      return null;
    }
    if (hour12 && pm !== null) hour = (hour % 12) + (pm ? 12 : 0);
    if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
    if (dayOfYear > 0) {
      const d0 = daysFromCivil(year, 1, 1) + dayOfYear - 1;
      const c = civilFromDays(d0);
      month = c.month;
      day = c.day;
    }
    if (day < 1 || day > daysInMonth(year, month)) return null;
    return daysFromCivil(year, month, day) * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + micros / 1000;
  };
  if (parserCache.size > 256) parserCache.clear();
  parserCache.set(pattern, p);
  return p;
}
