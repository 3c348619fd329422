/**
 * The Postgres system catalog of one wire session, as the engine's binder sees it (catalog/system-catalog.ts):
 * pg_catalog and information_schema tables as sources whose rows are computed from the session's live
 * catalogs when they are scanned, and the session facts the Postgres functions read (settings, user,
 * the names behind OIDs). One catalog snapshot serves a whole statement; the next statement reads the
 * catalogs again, so an object created a moment ago (in any session) is there, and a dropped one is gone.
 */
import type { SystemCatalog } from '../../catalog/system-catalog.ts';
import type { ScanContext, ScanRequest, ScanSource } from '../../connectors/connector.ts';
import type { PgSession } from '../../exec/functions/scalar/postgres.ts';
import type { Batch, Field } from '../../types/batch.ts';
import { batchFromRows } from '../../types/batch.ts';
import type { RegType } from '../../types/pg-types.ts';
import { CatalogSnapshot, type SessionView } from './metadata.ts';
import { SYSTEM_TABLES, systemTable, type SystemTable } from './tables.ts';

/** A catalog table as a source: its rows, as columnar batches, from the snapshot of the scanning statement. */
class SystemTableSource implements ScanSource {
  readonly fields: Field[];
  readonly bounded = true;
  private readonly def: SystemTable;
  private readonly snapshot: () => CatalogSnapshot;

  constructor(def: SystemTable, snapshot: () => CatalogSnapshot) {
    this.def = def;
    this.snapshot = snapshot;
    this.fields = def.columns;
  }

  describe(): string {
    return `${this.def.schema}.${this.def.name}`;
  }

  estimatedRows(): number | undefined {
    return undefined;
  }

  async *open(request: ScanRequest, ctx: ScanContext): AsyncIterable<Batch> {
    const names = request.columns.map((i) => this.def.columns[i]!.name);
    const types = request.columns.map((i) => this.def.columns[i]!.type);
    const rows = this.def.rows(this.snapshot()).map((r) => names.map((n) => r[n] ?? null));
    const size = Math.max(1, ctx.batchSize);
    for (let i = 0; i < rows.length; i += size) {
      if (ctx.isCancelled()) return;
      yield batchFromRows(types, rows.slice(i, i + size));
    }
  }
}

export class PgSystemCatalog implements SystemCatalog {
  readonly schemas = ['pg_catalog', 'information_schema'] as const;
  readonly searchedFirst = ['pg_catalog'] as const;
  readonly session: PgSession;
  private readonly view: SessionView;
  private current: CatalogSnapshot | undefined;
  private readonly sources = new Map<SystemTable, SystemTableSource>();

  constructor(view: SessionView) {
    this.view = view;
    const snap = (): CatalogSnapshot => this.snapshot();
    this.session = {
      get user() { return view.user; },
      get database() { return snap().catalogName; },
      get schema() { return snap().currentSchema; },
      get serverVersion() { return view.serverVersion; },
      get freshetVersion() { return view.freshetVersion; },
      setting: (name) => (name.toLowerCase() === 'search_path' ? snap().searchPath() : view.setting(name)),
      setSetting: (name, value) => view.setSetting(name, value),
      regName: (type: RegType, oid) => snap().regName(type, oid),
      regOid: (type: RegType, name) => snap().regOid(type, name),
      tableVisible: (oid) => {
        const r = snap().relation(oid);
        return r ? snap().isVisible(r) : null;
      },
      description: (oid, catalog) => snap().description(oid, catalog),
      columnDescription: (oid, attnum) => snap().columnDescription(oid, attnum),
      viewDefinition: (oid) => snap().viewDefinition(oid),
      indexDefinition: (oid, column) => snap().indexDefinition(oid, column),
      constraintDefinition: (oid) => snap().constraintDefinition(oid),
      partitionKeyDefinition: (oid) => snap().partitionKeyDefinition(oid),
    };
  }

  /** The snapshot of the current statement, read from the catalogs when first needed. */
  snapshot(): CatalogSnapshot {
    this.current ??= new CatalogSnapshot(this.view, SYSTEM_TABLES);
    return this.current;
  }

  refresh(): void {
    this.current = undefined;
  }

  table(schema: string, name: string): ScanSource | undefined {
    const def = systemTable(schema, name);
    if (!def) return undefined;
    let source = this.sources.get(def);
    if (!source) {
      source = new SystemTableSource(def, () => this.snapshot());
      this.sources.set(def, source);
    }
    return source;
  }
}
