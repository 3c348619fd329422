/**
 * Runs every sql-tests/**\/*.slt file: one vitest suite per file (a fresh engine each), one test per
 * record, named `file:line` so that a failure points at the record.
 *
 *   TZ=UTC npx vitest run test/slt                          run them all
 *   TZ=UTC npx vitest run test/slt -t joins.slt             one file
 *   FRESHET_SLT_COMPLETE=1 npx vitest run test/slt          write DuckDB's answers into `oracle` records
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseSlt, SltParseError, type SltFile } from './slt-file.ts';
import { SltRunner } from './runner.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SQL_TESTS = join(ROOT, 'sql-tests');
const COMPLETE = process.env['FRESHET_SLT_COMPLETE'] === '1';

function sltFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sltFiles(p));
    else if (e.name.endsWith('.slt')) out.push(p);
  }
  return out.sort();
}

for (const path of sltFiles(SQL_TESTS)) {
  const name = relative(ROOT, path);
  let file: SltFile;
  try {
    file = parseSlt(name, readFileSync(path, 'utf8'));
  } catch (e) {
    if (!(e instanceof SltParseError)) throw e;
    describe(name, () => {
      it(`${name} parses`, () => {
        throw e;
      });
    });
    continue;
  }
  describe(name, () => {
    const runner = new SltRunner(file, COMPLETE);
    beforeAll(() => runner.open());
    afterAll(async () => {
      await runner.close();
      const text = COMPLETE ? runner.rewrite() : undefined;
      if (text !== undefined) writeFileSync(path, text);
    });
    for (const rec of file.records) {
      it(`${name}:${rec.line}`, () => runner.run(rec));
    }
  });
}
