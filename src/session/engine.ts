/**
 * The embedding API. `Engine.open()` starts an engine (catalogs, connectors); `engine.createSession()`
 * gives a Session that executes SQL:
 *
 *   const engine = await Engine.open({ warehouse: './warehouse' });
 *   const session = engine.createSession();
 *   const result = await session.execute('SELECT 1');
 *
 * Opening an engine on a warehouse resumes the continuous jobs that were running on it (recovery.ts);
 * closing one suspends them (a last checkpoint; they resume at the next open) and stops the others.
 */
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog/objects.ts';
import { InMemoryCatalog } from '../catalog/memory-catalog.ts';
import { TableStoreCatalog } from '../catalog/table-store-catalog.ts';
import { dropMemoryStore } from '../fs/memory.ts';
import { FreshetError, SqlState } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { Session } from './session.ts';
import { JobManager } from './jobs.ts';
import { FunctionLoader } from './function-loader.ts';
import { wallClock, type Clock } from '../exec/operator.ts';
import { fileIOFor } from '../fs/resolve.ts';
import { JobStore } from './job-store.ts';
import { restartJob, resumeJobs } from './recovery.ts';
import type { JobRecord } from './job-store.ts';
import type { JobEntry } from './jobs.ts';
import type { FileIO } from '../fs/file-io.ts';
import { joinPath } from '../fs/file-io.ts';
import { MaterializedTableManager } from './materialized/manager.ts';
import '../connectors/builtin.ts';

export interface EngineOptions {
  /**
   * Directory (or s3:// URI) of the warehouse: where the default catalog keeps tables and metadata.
   * Without one the engine keeps them in memory, gone when the process ends.
   */
  warehouse?: string;
  /** Options of the default catalog (s3.endpoint, s3.access-key, ... for an S3 warehouse). */
  catalogOptions?: Record<string, string>;
  /** Options every session starts with (as if SET). */
  config?: Record<string, string>;
  /** Resume the jobs the warehouse records as running (default true). */
  resumeJobs?: boolean;
  /** Processing time of the engine's jobs and refresh schedules (default: the wall clock); tests pass a ManualClock. */
  clock?: Clock;
}

export const DEFAULT_CATALOG = 'default_catalog';

const CATALOG_TYPES = ['table-store', 'generic_in_memory'];

export class Engine {
  readonly catalogs = new Map<string, Catalog>();
  readonly defaultCatalog: string;
  readonly warehouse: string;
  private readonly config: Record<string, string>;
  private readonly sessions = new Set<Session>();
  /** Modules of user-defined functions, loaded once per engine. */
  readonly functions = new FunctionLoader();
  /** Background jobs (streaming INSERTs). */
  readonly jobs: JobManager;
  /** Processing time of the jobs this engine runs; tests replace it with a ManualClock. */
  clock: Clock = wallClock;
  /** Records and checkpoints of continuous jobs in the warehouse (`_jobs/`). */
  readonly jobStore: JobStore;
  /** Materialized tables: their continuous jobs and refresh schedules. */
  readonly materialized: MaterializedTableManager;
  /** Job records in the warehouse that could not be read when the engine opened (each names its file). */
  readonly recoveryErrors: string[] = [];

  /** Options (S3 endpoint and credentials, ...) for files outside the catalog: checkpoints, savepoints. */
  private readonly ioOptions: Record<string, string>;

  private constructor(opts: EngineOptions, def: Catalog, warehouse: string) {
    this.warehouse = warehouse;
    this.ioOptions = opts.catalogOptions ?? {};
    const root = warehouse.endsWith('/') && warehouse.length > 1 ? warehouse.slice(0, -1) : warehouse;
    this.jobStore = new JobStore(fileIOFor(warehouse, this.ioOptions), root);
    this.jobs = new JobManager({ defaultDir: joinPath(root, '_savepoints'), io: (path) => this.fileIO(path) });
    this.config = opts.config ?? {};
    this.catalogs.set(def.name, def);
    this.defaultCatalog = def.name;
    this.materialized = new MaterializedTableManager(this);
  }

  static async open(opts: EngineOptions = {}): Promise<Engine> {
    const warehouse = opts.warehouse ?? `memory://engine-${randomUUID()}`;
    const def = await TableStoreCatalog.open(DEFAULT_CATALOG, warehouse, opts.catalogOptions ?? {});
    const engine = new Engine(opts, def, warehouse);
    if (opts.clock) engine.clock = opts.clock;
    if (opts.resumeJobs !== false) {
      await resumeJobs(engine);
      // scheduled refreshes missed while no engine was open run now (continuous ones resumed above)
      await engine.materialized.start();
    }
    return engine;
  }

  /** The FileIO for a path of the warehouse's kind or another (a savepoint directory), with the engine's S3 options. */
  fileIO(path: string): FileIO {
    return fileIOFor(path, this.ioOptions);
  }

  /** Starts a failed job again under its id (used by the job supervisor; see recovery.ts). */
  restartJob(record: JobRecord, entry: JobEntry): Promise<void> {
    return restartJob(this, record, entry);
  }

  createSession(config: Record<string, string> = {}): Session {
    const s = new Session(this, { ...this.config, ...config });
    this.sessions.add(s);
    return s;
  }

  /** Forgets a session that is done (a closed connection): what it still runs is cancelled. */
  releaseSession(session: Session): void {
    session.cancel();
    this.sessions.delete(session);
  }

  /** A new catalog of `type` (CREATE CATALOG). */
  async createCatalog(name: string, type: string | undefined, options: Record<string, string>): Promise<Catalog> {
    if (type === undefined) {
      throw new FreshetError(SqlState.invalidParameterValue, `catalog ${name} needs a 'type' option`, { hint: `Types: ${CATALOG_TYPES.join(', ')}.` });
    }
    if (type === 'generic_in_memory') return new InMemoryCatalog(name, options['default-database'] ?? 'default_database', options);
    if (type === 'table-store') {
      const warehouse = options['warehouse'];
      if (warehouse === undefined || warehouse.trim() === '') {
        throw new FreshetError(SqlState.invalidParameterValue, `catalog ${name} of type 'table-store' needs a 'warehouse' option`, {
          hint: "Give the directory or S3 location of its tables: 'warehouse' = 'file:///data/warehouse' or 's3://bucket/prefix'.",
        });
      }
      return TableStoreCatalog.open(name, warehouse, options);
    }
    throw new FreshetError(SqlState.invalidParameterValue, `unknown catalog type '${type}'${didYouMean(type, CATALOG_TYPES)}`, { hint: `Types: ${CATALOG_TYPES.join(', ')}.` });
  }

  async close(): Promise<void> {
    // queries still being read end; background jobs stop and commit what they wrote (jobs with durable
    // checkpoints are suspended: they resume when an engine opens on the warehouse again)
    for (const s of this.sessions) s.cancel();
    this.materialized.close();
    await this.jobs.stopAll();
    for (const c of this.catalogs.values()) await c.close?.();
    this.sessions.clear();
    // an engine without a warehouse kept its tables in memory: they go with it
    const m = /^memory:\/\/([^/]+)/.exec(this.warehouse);
    if (m && this.warehouse.startsWith('memory://engine-')) dropMemoryStore(m[1]!);
  }
}
