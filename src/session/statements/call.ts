/**
 * CALL [catalog.]sys.<procedure>(args): the table store's maintenance procedures, run on demand.
 *
 *   sys.compact(table [, partitions])                       full compaction, one COMPACT snapshot
 *   sys.expire_snapshots(table [, retain_max] [, retain_min] [, older_than] [, max_deletes])
 *   sys.rollback_to(table, snapshot_id)                     drop the snapshots after one
 *   sys.remove_orphan_files(table [, older_than] [, dry_run])
 *   sys.reset_consumer(table, consumer_id [, next_snapshot_id])
 *
 * This module binds the arguments (positional, then `name => value`; each a constant expression),
 * resolves the table argument to a table of a table-store catalog, and turns what the maintenance
 * functions of store/maintenance report into a result of rows. The work itself lives there.
 *
 * Procedures read and write the table's files directly; the catalog keeps only schemas in memory, and
 * every read opens the snapshots afresh, so what a CALL changed is what the next query sees, in this
 * session and in others.
 */
import type * as A from '../../sql/ast.ts';
import type { Binder } from '../../sql/bind/binder.ts';
import { bindExpr } from '../../sql/bind/expr.ts';
import { Scope } from '../../sql/bind/scope.ts';
import { oneRow } from '../../sql/bind/relation.ts';
import { evaluateConstant } from '../../exec/expr/compile.ts';
import type { NamePart } from '../../catalog/catalog-manager.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import type { Catalog } from '../../catalog/objects.ts';
import { identifierToString, quoteIdent } from '../../catalog/objects.ts';
import { TableStoreCatalog } from '../../catalog/table-store-catalog.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, isCharacter, isInteger, notNull, typeToString } from '../../types/data-type.ts';
import { makeCast } from '../../types/cast.ts';
import { localToInstant, parseTimestampParts } from '../../types/temporal.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { didYouMean } from '../../util/suggest.ts';
import type { FileStoreTable } from '../../store/table.ts';
import type { JsonScalar } from '../../store/value-codec.ts';
import { decodeValue, valueComparator } from '../../store/value-codec.ts';
import { compactTable } from '../../store/maintenance/compact.ts';
import { expireSnapshots } from '../../store/maintenance/expire.ts';
import { rollbackTo } from '../../store/maintenance/rollback.ts';
import { removeOrphanFiles } from '../../store/maintenance/orphan-files.ts';
import { listConsumers, readConsumer, removeConsumer, writeConsumer, checkConsumerId } from '../../store/consumer.ts';
import type { ResultColumn, RowsResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type ParamKind = 'table' | 'string' | 'integer' | 'boolean' | 'timestamp';

interface Param {
  name: string;
  kind: ParamKind;
  required: boolean;
  /** Smallest value an integer argument may take. */
  min?: number;
}

/** An argument as the procedure sees it: its value and where it was written. */
interface Arg {
  /** string for 'table' and 'string', number for 'integer' and 'timestamp' (epoch ms), boolean. */
  value: string | number | boolean;
  loc: A.Loc;
  /** The argument expression (to point inside a string literal). */
  expr: A.Expr;
}

interface Procedure {
  name: string;
  params: Param[];
  run(c: Call, args: Map<string, Arg>): Promise<RowsResult>;
}

const KIND_TEXT: Record<ParamKind, string> = {
  table: 'STRING', string: 'STRING', integer: 'BIGINT', boolean: 'BOOLEAN', timestamp: 'STRING',
};

function signature(p: Procedure): string {
  const params = p.params.map((x, i) => {
    const s = `${x.name} ${KIND_TEXT[x.kind]}`;
    return x.required ? (i === 0 ? s : `, ${s}`) : ` [, ${s}]`;
  });
  return `sys.${p.name}(${params.join('')})`;
}

function rows(columns: ResultColumn[], values: unknown[][], warnings: string[] = []): RowsResult {
  return { kind: 'rows', command: 'CALL', columns, rows: values, warnings };
}

const RESULT_STRING: ResultColumn[] = [{ name: 'result', type: notNull(T.string()) }];
const RESULT_BIGINT: ResultColumn[] = [{ name: 'result', type: notNull(T.bigint()) }];

/** One CALL being executed: its statement, binder (for positions) and the catalog it runs in. */
class Call {
  readonly session: Session;
  readonly ctx: StatementContext;
  readonly b: Binder;
  readonly st: A.CallStatement;
  readonly procedure: Procedure;
  /** The catalog named before `sys`, or the current one: where table names without a catalog are looked up. */
  readonly catalog: Catalog;

  constructor(session: Session, ctx: StatementContext, b: Binder, st: A.CallStatement, procedure: Procedure, catalog: Catalog) {
    this.session = session;
    this.ctx = ctx;
    this.b = b;
    this.st = st;
    this.procedure = procedure;
    this.catalog = catalog;
  }

  get title(): string {
    return `sys.${this.procedure.name}`;
  }

  error(sqlState: string, message: string, loc: A.Loc | undefined, hint?: string): FreshetError {
    return this.b.error(sqlState, message, loc, hint);
  }

  /**
   * Where a position inside a string argument is in the statement: exact when the literal is written
   * plainly (no doubled quotes or escapes), else the start of the argument.
   */
  insideString(arg: Arg, index: number): A.Loc {
    const e = arg.expr;
    if (e.kind === 'literal' && e.type === 'string' && this.b.source.slice(e.loc.start, e.loc.end) === `'${String(arg.value)}'`) {
      return { start: e.loc.start + 1 + index, end: e.loc.start + 1 + index };
    }
    return arg.loc;
  }

  /** The table-store table an argument names: 't', 'db.t' or 'catalog.db.t'. */
  async table(arg: Arg): Promise<FileStoreTable> {
    const text = arg.value as string;
    const parts = this.b.located(arg.loc, () => splitTableName(text));
    const cm = this.session.catalogs;
    const here = (v: string): NamePart => ({ value: v, quoted: true });
    let full: NamePart[];
    if (parts.length === 3) full = parts;
    else if (parts.length === 2) full = [here(this.catalog.name), ...parts];
    else {
      const db = this.catalog.name === cm.currentCatalog ? cm.currentDatabase : this.catalog.defaultDatabase;
      full = [here(this.catalog.name), here(db), parts[0]!];
    }
    const r = this.b.located(arg.loc, () => cm.resolve(full));
    const what = identifierToString(r.id);
    if (r.temporary) {
      throw this.error(SqlState.wrongObjectType, `${this.title} works on tables of the table store; ${what} is a temporary ${r.object.kind}`, arg.loc,
        'Procedures maintain the files of a stored table; temporary tables have none.');
    }
    const catalog = cm.catalog(r.id.catalog);
    if (!(catalog instanceof TableStoreCatalog)) {
      throw this.error(SqlState.wrongObjectType, `${this.title} works on tables of a table-store catalog; ${what} is in catalog ${quoteIdent(catalog.name)} of type '${catalog.type}'`, arg.loc,
        "Name a table of a table-store catalog (the default catalog, or one created WITH ('type' = 'table-store', 'warehouse' = '..')).");
    }
    const stored = catalog.storedTable(r.id.database, r.id.name);
    if (!stored) {
      const system = r.object.kind === 'table' && r.object.connector?.identifier.endsWith('-system');
      const kind = r.object.kind === 'view' ? 'a view'
        : system ? 'a system table'
          : `a '${r.object.options['connector'] ?? '?'}' table, only recorded in the catalog`;
      throw this.error(SqlState.wrongObjectType, `${this.title} works on tables of the table store; ${what} is ${kind}`, arg.loc,
        system ? `Name the table itself: '${r.id.name.slice(0, r.id.name.lastIndexOf('$'))}'.`
          : "Name a table created without a 'connector' option (or with 'connector' = 'table-store').");
    }
    // another engine may have changed the schema since the catalog read it; write with the newest
    return stored.refreshed();
  }

  /** Now, by the wall clock (epoch ms): file and snapshot times are wall-clock times, whatever clock jobs run on. */
  get wallNow(): number {
    return Date.now();
  }
}

/** Splits 'db.t' (parts may be quoted with backquotes, which may then hold dots). */
function splitTableName(text: string): NamePart[] {
  const parts: NamePart[] = [];
  let i = 0;
  const bad = (why: string): FreshetError => new FreshetError(SqlState.invalidName, `'${text}' is not a table name: ${why}`, {
    hint: "Write 't', 'database.t' or 'catalog.database.t' (quote a part with backquotes if it holds a dot).",
  });
  while (true) {
    let value = '';
    let quoted = false;
    if (text[i] === '`') {
      quoted = true;
      i++;
      while (true) {
        if (i >= text.length) throw bad('a backquote is not closed');
        if (text[i] === '`') {
          if (text[i + 1] === '`') {
            value += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
    } else {
      const j = text.indexOf('.', i);
      value = (j < 0 ? text.slice(i) : text.slice(i, j)).trim();
      i = j < 0 ? text.length : j;
    }
    if (value === '') throw bad(text.trim() === '' ? 'it is empty' : 'a part is empty');
    parts.push({ value, quoted });
    if (i >= text.length) break;
    if (text[i] !== '.') throw bad(`unexpected '${text[i]}' after a quoted part`);
    i++;
    if (i >= text.length) throw bad('it ends with a dot');
  }
  if (parts.length > 3) throw bad(`it has ${parts.length} parts; a table name has at most three (catalog.database.table)`);
  return parts;
}

// ---------------------------------------------------------------- partitions

/** 'dt=2024-01-01,hh=1;dt=2024-01-02': which partitions a compaction touches. */
function partitionFilter(c: Call, table: FileStoreTable, arg: Arg): (p: readonly JsonScalar[]) => boolean {
  const text = arg.value as string;
  const keys = table.schema.partitionKeys;
  const layout = table.layout;
  if (keys.length === 0) {
    throw c.error(SqlState.invalidParameterValue, `table ${table.name} is not partitioned, so partitions '${text}' selects nothing`, arg.loc,
      'Leave out the partitions argument to compact the whole table.');
  }
  const types = layout.partitionTypes;
  const defaultName = layout.options.partitionDefaultName();
  const specs: Array<Array<{ index: number; value: unknown }>> = [];
  let offset = 0;
  for (const piece of text.split(';')) {
    const spec: Array<{ index: number; value: unknown }> = [];
    let inner = offset;
    for (const pair of piece.split(',')) {
      const at = c.insideString(arg, inner + (pair.length - pair.trimStart().length));
      const eq = pair.indexOf('=');
      if (pair.trim() === '' || eq < 0) {
        throw c.error(SqlState.invalidParameterValue, `partitions '${text}': expected column=value, got '${pair.trim()}'`, at,
          `Write partitions as 'col=value,col2=value' and separate partitions with ';', e.g. '${keys.map((k) => `${k}=..`).join(',')}'.`);
      }
      const name = pair.slice(0, eq).trim();
      const raw = pair.slice(eq + 1).trim();
      const m = matchName({ value: name, quoted: false }, keys);
      if (m === undefined) {
        throw c.error(SqlState.undefinedColumn, `partitions '${text}': \`${name}\` is not a partition column of table ${table.name}${didYouMean(name, keys)}`, at,
          `Partition columns: ${keys.join(', ')}.`);
      }
      const index = keys.indexOf(m);
      if (spec.some((s) => s.index === index)) {
        throw c.error(SqlState.invalidParameterValue, `partitions '${text}': column ${m} is given twice for one partition`, at,
          "Separate partitions with ';'.");
      }
      let value: unknown = null;
      if (raw !== defaultName) {
        const t = types[index]!;
        try {
          value = makeCast(T.string(), t, { timeZone: c.ctx.timeZone })(raw);
        } catch (e) {
          if (!(e instanceof FreshetError)) throw e;
          throw c.error(SqlState.invalidTextRepresentation, `partitions '${text}': '${raw}' is not a value of partition column ${m} ${typeToString(t, false)}`, at,
            `Write the value as the partition directory shows it (SELECT partition FROM \`${table.name.split('.').pop()}$partitions\` lists them); '${defaultName}' selects NULL.`);
        }
      }
      spec.push({ index, value });
      inner += pair.length + 1;
    }
    specs.push(spec);
    offset += piece.length + 1;
  }
  const cmps = types.map(valueComparator);
  return (p) => specs.some((spec) => spec.every(({ index, value }) => {
    const v = decodeValue(types[index]!, p[index]);
    if (v === null || value === null) return v === value;
    return cmps[index]!(v, value) === 0;
  }));
}

// ---------------------------------------------------------------- the procedures

const TABLE: Param = { name: 'table', kind: 'table', required: true };

const PROCEDURES: Procedure[] = [
  {
    name: 'compact',
    params: [TABLE, { name: 'partitions', kind: 'string', required: false }],
    async run(c, a) {
      const table = await c.table(a.get('table')!);
      const part = a.get('partitions');
      const filter = part ? partitionFilter(c, table, part) : undefined;
      const warnings: string[] = [];
      const latest = await table.snapshots.latest();
      if (!latest) return rows(RESULT_STRING, [['no compaction needed: the table has no data']]);
      const chosen = (s: Parameters<FileStoreTable['liveEntries']>[0]): Promise<number> =>
        table.liveEntries(s).then((es) => es.filter((e) => !filter || filter(e.partition)).length);
      const before = await chosen(latest);
      if (part && before === 0) warnings.push(`no partition of table ${table.name} matches partitions '${String(part.value)}'`);
      const r = await compactTable(table, filter);
      if (r.compactionDropped !== undefined) {
        throw new FreshetError(SqlState.serializationFailure, `the compaction of table ${table.name} lost to a concurrent commit: ${r.compactionDropped}`, {
          hint: 'Nothing changed; run the CALL again.',
        });
      }
      const id = r.snapshots[r.snapshots.length - 1];
      if (id === undefined) return rows(RESULT_STRING, [['no compaction needed']], warnings);
      const after = await chosen(await table.snapshots.snapshot(id));
      // short enough for the client's default column width
      return rows(RESULT_STRING, [[`compacted ${before} ${before === 1 ? 'file' : 'files'} into ${after} (snapshot ${id})`]], warnings);
    },
  },
  {
    name: 'expire_snapshots',
    params: [
      TABLE,
      { name: 'retain_max', kind: 'integer', required: false, min: 1 },
      { name: 'retain_min', kind: 'integer', required: false, min: 1 },
      { name: 'older_than', kind: 'timestamp', required: false },
      { name: 'max_deletes', kind: 'integer', required: false, min: 1 },
    ],
    async run(c, a) {
      const table = await c.table(a.get('table')!);
      const o = table.layout.options;
      const max = a.get('retain_max');
      const min = a.get('retain_min');
      const retainMax = (max?.value as number | undefined) ?? o.retainedMax();
      const retainMin = (min?.value as number | undefined) ?? o.retainedMin();
      if (retainMin > retainMax) {
        const from = (x: Arg | undefined, key: string): string => (x ? '' : `, the table's '${key}'`);
        throw c.error(SqlState.invalidParameterValue,
          `retain_max (${retainMax}${from(max, 'snapshot.num-retained.max')}) is less than retain_min (${retainMin}${from(min, 'snapshot.num-retained.min')})`,
          (max ?? min)?.loc, `Give both, with retain_min <= retain_max, e.g. retain_max => ${retainMax}, retain_min => ${Math.min(retainMin, retainMax)}.`);
      }
      const n = await expireSnapshots(table, {
        retainMax, retainMin, olderThan: a.get('older_than')?.value as number | undefined, maxDeletes: a.get('max_deletes')?.value as number | undefined,
      });
      return rows(RESULT_BIGINT, [[n]]);
    },
  },
  {
    name: 'rollback_to',
    params: [TABLE, { name: 'snapshot_id', kind: 'integer', required: true, min: 1 }],
    async run(c, a) {
      const table = await c.table(a.get('table')!);
      const arg = a.get('snapshot_id')!;
      const id = arg.value as number;
      const earliest = await table.snapshots.earliestId();
      const latest = await table.snapshots.latestId();
      if (earliest === undefined || latest === undefined || id < earliest || id > latest || !(await table.snapshots.exists(id))) {
        throw c.error(SqlState.invalidParameterValue,
          `snapshot ${id} of table ${table.name} does not exist (${earliest === undefined ? 'the table has no snapshots' : `snapshots ${earliest}..${latest} exist`})`,
          arg.loc, `SELECT snapshot_id, commit_time FROM \`${table.name.split('.').pop()}$snapshots\` lists them; expired snapshots cannot come back.`);
      }
      await c.b.locatedAsync(arg.loc, () => rollbackTo(table, id));
      return rows(RESULT_BIGINT, [[id]]);
    },
  },
  {
    name: 'remove_orphan_files',
    params: [TABLE, { name: 'older_than', kind: 'timestamp', required: false }, { name: 'dry_run', kind: 'boolean', required: false }],
    async run(c, a) {
      const table = await c.table(a.get('table')!);
      const given = a.get('older_than');
      // a file younger than a day may belong to a write that has not committed yet
      const olderThan = (given?.value as number | undefined) ?? c.wallNow - DAY_MS;
      const dryRun = a.get('dry_run')?.value === true;
      const warnings: string[] = [];
      if (given && olderThan > c.wallNow - HOUR_MS) {
        warnings.push(`older_than is less than an hour ago: files of writes to table ${table.name} that had not committed yet ${dryRun ? 'would be' : 'may have been'} removed too`);
      }
      const r = await removeOrphanFiles(table, olderThan, dryRun);
      if (dryRun) return rows(RESULT_STRING, [...r.files].sort().map((f) => [f]), warnings);
      return rows(RESULT_BIGINT, [[r.files.length]], warnings);
    },
  },
  {
    name: 'reset_consumer',
    params: [TABLE, { name: 'consumer_id', kind: 'string', required: true }, { name: 'next_snapshot_id', kind: 'integer', required: false, min: 1 }],
    async run(c, a) {
      const table = await c.table(a.get('table')!);
      const idArg = a.get('consumer_id')!;
      const id = idArg.value as string;
      c.b.located(idArg.loc, () => checkConsumerId(table.name, id));
      const next = a.get('next_snapshot_id');
      if (next === undefined) {
        if (!(await readConsumer(table, id))) {
          const ids = (await listConsumers(table)).map((x) => x.id);
          throw c.error(SqlState.undefinedObject, `consumer '${id}' of table ${table.name} does not exist${didYouMean(id, ids)}`, idArg.loc,
            ids.length === 0 ? 'The table has no consumers.' : `Consumers: ${ids.sort().join(', ')}.`);
        }
        await removeConsumer(table, id);
        return rows(RESULT_STRING, [[`consumer '${id}' removed`]]);
      }
      const n = next.value as number;
      const earliest = (await table.snapshots.earliestId()) ?? 1;
      const latest = (await table.snapshots.latestId()) ?? 0;
      if (n < earliest || n > latest + 1) {
        throw c.error(SqlState.invalidParameterValue,
          `next_snapshot_id ${n} is outside what table ${table.name} can serve: a consumer can start at snapshots ${earliest}..${latest + 1} (${latest + 1} = the next commit)`,
          next.loc, 'Expired snapshots cannot be read again.');
      }
      await writeConsumer(table, id, n);
      return rows(RESULT_STRING, [[`consumer '${id}' reads snapshot ${n} next`]]);
    },
  },
];

const PROCEDURE_NAMES = PROCEDURES.map((p) => `sys.${p.name}`);

// ---------------------------------------------------------------- binding

/** The procedure and the catalog a CALL names: `sys.p` or `catalog.sys.p`. */
function resolveProcedure(session: Session, b: Binder, st: A.CallStatement): { procedure: Procedure; catalog: Catalog } {
  const parts = st.procedure.parts;
  const last = parts[parts.length - 1]!;
  const hint = `Procedures: ${PROCEDURE_NAMES.join(', ')}.`;
  const known = PROCEDURES.find((p) => p.name === last.value.toLowerCase());
  if (parts.length === 1 || parts.length > 3) {
    const example = known ? `sys.${known.name}` : 'sys.<procedure>';
    throw b.error(SqlState.undefinedFunction, `procedure ${parts.map((p) => p.value).join('.')} must be named as ${example} or catalog.${example}`, st.procedure.loc, hint);
  }
  const ns = parts[parts.length - 2]!;
  if (ns.value.toLowerCase() !== 'sys') {
    throw b.error(SqlState.undefinedFunction, `unknown procedure namespace \`${ns.value}\`: procedures live in \`sys\``, ns.loc,
      `Write CALL ${parts.length === 3 ? parts[0]!.value + '.' : ''}sys.${known?.name ?? last.value}(..). ${hint}`);
  }
  if (!known) {
    throw b.error(SqlState.undefinedFunction, `unknown procedure \`sys.${last.value}\`${didYouMean(`sys.${last.value}`, PROCEDURE_NAMES)}`, last.loc, hint);
  }
  const catalog = parts.length === 3 ? b.located(parts[0]!.loc, () => session.catalogs.catalog(parts[0]!)) : session.catalogs.catalog(session.catalogs.currentCatalog);
  return { procedure: known, catalog };
}

/** Evaluates an argument expression, which must be a constant. */
function constantValue(c: Call, e: A.Expr): { value: unknown; type: DataType } {
  if (e.kind === 'column') {
    const name = e.name.parts.map((p) => p.value).join('.');
    throw c.error(SqlState.syntaxError, `arguments of CALL are constants, not columns: \`${name}\``, e.loc,
      `To name a table or a consumer, write it as a string: '${name}'.`);
  }
  if (e.kind === 'subquery' || e.kind === 'exists' || e.kind === 'inSubquery' || e.kind === 'quantified' || e.kind === 'param' || e.kind === 'star') {
    throw c.error(SqlState.syntaxError, 'arguments of CALL are constants (literals or expressions over literals)', e.loc);
  }
  const bound = bindExpr(c.b, e, { scope: new Scope([]), input: { plan: oneRow() }, clause: 'CALL' });
  const value = c.b.located(e.loc, () => evaluateConstant(bound, { timeZone: c.ctx.timeZone, now: c.ctx.now }));
  return { value, type: bound.type };
}

function describeValue(value: unknown, type: DataType): string {
  if (isCharacter(type)) return `'${String(value)}'`;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeToString(type, false);
}

/** Converts an argument value to what the parameter takes; undefined for NULL (as if left out). */
function convert(c: Call, p: Param, e: A.Expr): Arg | undefined {
  const { value, type } = constantValue(c, e);
  if (value === null || type.kind === 'NULL') {
    if (p.required) throw c.error(SqlState.nullValueNotAllowed, `argument \`${p.name}\` of ${c.title} must not be NULL`, e.loc, `The signature is ${signature(c.procedure)}.`);
    return undefined;
  }
  const wrong = (expected: string, hint?: string): FreshetError =>
    c.error(SqlState.datatypeMismatch, `argument \`${p.name}\` of ${c.title} must be ${expected}, got ${typeToString(type, false)} ${describeValue(value, type)}`, e.loc,
      hint ?? `The signature is ${signature(c.procedure)}.`);
  switch (p.kind) {
    case 'table':
    case 'string':
      if (!isCharacter(type)) throw wrong('a string', p.kind === 'table' ? `Write the table name as a string, e.g. '${describeValue(value, type).replace(/'/g, '')}'.` : undefined);
      return { value: value as string, loc: e.loc, expr: e };
    case 'integer': {
      if (!isInteger(type)) {
        const digits = isCharacter(type) && /^\s*\d+\s*$/.test(value as string);
        throw wrong('an integer', digits ? `Write the number without quotes: ${(value as string).trim()}.` : undefined);
      }
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw c.error(SqlState.numericOverflow, `argument \`${p.name}\` of ${c.title} is out of range: ${String(value)}`, e.loc);
      if (p.min !== undefined && n < p.min) {
        throw c.error(SqlState.invalidParameterValue, `argument \`${p.name}\` of ${c.title} must be at least ${p.min}, got ${n}`, e.loc);
      }
      return { value: n, loc: e.loc, expr: e };
    }
    case 'boolean':
      if (type.kind !== 'BOOLEAN') throw wrong('a BOOLEAN', 'Write TRUE or FALSE (without quotes).');
      return { value: value === true, loc: e.loc, expr: e };
    case 'timestamp': {
      if (type.kind === 'TIMESTAMP_LTZ') return { value: value as number, loc: e.loc, expr: e };
      if (type.kind === 'TIMESTAMP') return { value: localToInstant(value as number, c.ctx.timeZone), loc: e.loc, expr: e };
      if (!isCharacter(type)) throw wrong("a timestamp, as a string 'YYYY-MM-DD HH:MM:SS'");
      let parts: ReturnType<typeof parseTimestampParts>;
      try {
        parts = parseTimestampParts(value as string);
      } catch {
        throw c.error(SqlState.invalidDatetimeFormat, `argument \`${p.name}\` of ${c.title}: '${String(value)}' is not a timestamp`, e.loc,
          `Write 'YYYY-MM-DD HH:MM:SS' (e.g. '2024-01-31 12:00:00'), a time in the session time zone (${c.ctx.timeZone}).`);
      }
      const ms = parts.offsetMinutes === undefined ? localToInstant(parts.ms, c.ctx.timeZone) : parts.ms - parts.offsetMinutes * 60_000;
      return { value: ms, loc: e.loc, expr: e };
    }
  }
}

/** Matches the arguments to the parameters: positional first, then by name. */
function bindArgs(c: Call): Map<string, Arg> {
  const proc = c.procedure;
  const sig = `The signature is ${signature(proc)}.`;
  const out = new Map<string, Arg>();
  const given = new Set<string>();
  let named = false;
  c.st.args.forEach((e, i) => {
    let p: Param | undefined;
    let valueExpr: A.Expr;
    if (e.kind === 'namedArg') {
      named = true;
      const names = proc.params.map((x) => x.name);
      const m = matchName({ value: e.name.value, quoted: false }, names);
      if (m === undefined) {
        throw c.error(SqlState.undefinedObject, `${c.title} has no argument \`${e.name.value}\`${didYouMean(e.name.value, names)}`, e.name.loc, `Its arguments: ${names.join(', ')}. ${sig}`);
      }
      p = proc.params.find((x) => x.name === m)!;
      valueExpr = e.value;
    } else {
      if (named) {
        throw c.error(SqlState.syntaxError, `a positional argument cannot follow named ones in CALL ${c.title}`, e.loc, 'Name it too (name => value), or move it before the named ones.');
      }
      p = proc.params[i];
      if (!p) {
        const n = proc.params.length;
        throw c.error(SqlState.undefinedFunction, `${c.title} takes at most ${n} argument${n === 1 ? '' : 's'}, got ${c.st.args.length}`, e.loc, sig);
      }
      valueExpr = e;
    }
    if (given.has(p.name)) throw c.error(SqlState.duplicateObject, `argument \`${p.name}\` of ${c.title} is given twice`, e.loc, sig);
    given.add(p.name);
    const arg = convert(c, p, valueExpr);
    if (arg) out.set(p.name, arg);
  });
  const missing = proc.params.filter((p) => p.required && !given.has(p.name));
  if (missing.length > 0) {
    throw c.error(SqlState.undefinedFunction, `${c.title} needs argument${missing.length > 1 ? 's' : ''} ${missing.map((p) => `\`${p.name}\``).join(', ')}`,
      { start: c.st.loc.end - 1, end: c.st.loc.end }, sig);
  }
  return out;
}

export async function executeCall(session: Session, ctx: StatementContext, st: A.CallStatement): Promise<RowsResult> {
  const b = session.binder(ctx);
  const { procedure, catalog } = resolveProcedure(session, b, st);
  const c = new Call(session, ctx, b, st, procedure, catalog);
  const args = bindArgs(c);
  return procedure.run(c, args);
}
