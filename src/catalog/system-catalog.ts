/**
 * Tables and functions a session has beside its catalogs: for wire sessions, the Postgres system catalog
 * (pg_catalog, information_schema) that psql, JDBC drivers and client tools read. The binder consults it
 * for names qualified with one of its schemas, and for unqualified names in the schemas searched first
 * (Postgres searches pg_catalog before the current schema). The server implements it over the session's
 * live catalogs (server/pg-catalog/); the engine only sees this interface.
 */
import type { ScanSource } from '../connectors/connector.ts';
import type { PgSession } from '../exec/functions/scalar/postgres.ts';

export interface SystemCatalog {
  /** The schemas it provides, lower case ('pg_catalog', 'information_schema'). */
  readonly schemas: readonly string[];
  /** Schemas searched for an unqualified table name before the current database. */
  readonly searchedFirst: readonly string[];
  /** The table `schema.name` as a source whose rows are computed when it is scanned, or undefined. */
  table(schema: string, name: string): ScanSource | undefined;
  /** What the Postgres functions read: the settings, the connected user, the names behind OIDs. */
  readonly session: PgSession;
  /** Called as each statement starts: what the tables and functions show is read afresh. */
  refresh(): void;
}
