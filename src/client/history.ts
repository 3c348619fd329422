/**
 * The persistent history of the interactive client ($HOME/.freshet_history): one entry per line, oldest
 * first, with backslash escapes for the rare entry that must keep a line break. It is bounded, so it is
 * rewritten whole after each statement, which also means a crash loses nothing. The file is private to
 * the user (mode 0600) because statements can hold credentials (connector options).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';

export const HISTORY_SIZE = 1000;
/** Longer entries (a pasted data file, say) are not worth recalling and would bloat the file. */
const MAX_ENTRY_LENGTH = 64 * 1024;

export function defaultHistoryPath(): string {
  return join(homedir(), '.freshet_history');
}

function escape(entry: string): string {
  return entry.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

function unescape(line: string): string {
  return line.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

export class HistoryFile {
  readonly path: string;
  readonly size: number;

  constructor(path: string = defaultHistoryPath(), size: number = HISTORY_SIZE) {
    this.path = path;
    this.size = size;
  }

  /** Entries newest first, as node:readline keeps them. A missing or unreadable file is an empty history. */
  load(): string[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    const entries = text.split('\n').filter((l) => l !== '').map(unescape);
    return entries.slice(-this.size).reverse();
  }

  /**
   * Writes entries given newest first. Failing to save history must never interrupt work at the prompt,
   * so errors (no or read-only home, full disk) are swallowed.
   */
  save(entries: readonly string[]): void {
    const kept = entries.filter((e) => e.length <= MAX_ENTRY_LENGTH).slice(0, this.size);
    const text = kept.slice().reverse().map(escape).join('\n') + (kept.length > 0 ? '\n' : '');
    try {
      writeFileSync(this.path, text, { mode: 0o600 });
    } catch {
      // history is a convenience; see above
    }
  }
}
