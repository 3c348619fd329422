/**
 * Partition directories: `path/k1=v1/k2=v2/<files>`, one level per partition column in PARTITIONED BY
 * order. This module names them (escaping characters a path cannot hold, as Hive and Flink do), finds
 * the data files of a table while skipping directories a predicate rules out (so they are never even
 * listed), and evaluates partition predicates exactly.
 *
 * Files and directories whose names start with '.' or '_' are invisible: the sink stages its output in
 * such a directory, and tools put markers like `_SUCCESS` next to data.
 */
import type { DataType } from '../../types/data-type.ts';
import { T, typeToString } from '../../types/data-type.ts';
import { makeCast } from '../../types/cast.ts';
import { comparatorFor } from '../../types/value.ts';
import type { ColumnPredicate } from '../connector.ts';
import type { FileIO, FileStatus } from '../../fs/file-io.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/** The visible files under a directory, at any depth (nothing under a hidden directory counts). */
export async function visibleFiles(io: FileIO, dir: string): Promise<FileStatus[]> {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return (await io.listRecursive(dir)).filter((f) => {
    const rel = f.path.startsWith(prefix) ? f.path.slice(prefix.length) : f.name;
    return !rel.split('/').some(isHidden);
  });
}

/** Characters escaped as %XX in partition values (the set Hive uses, so directories interoperate). */
function needsEscape(code: number): boolean {
  return code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(String.fromCharCode(code));
}

export function escapePartitionValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += needsEscape(c) ? '%' + c.toString(16).toUpperCase().padStart(2, '0') : v[i];
  }
  return out;
}

export function unescapePartitionValue(v: string): string {
  if (!v.includes('%')) return v;
  return v.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The directory name of one partition level; NULL and '' become the default partition name. */
export function partitionDirName(key: string, value: string | null, defaultName: string): string {
  return `${escapePartitionValue(key)}=${value === null || value === '' ? defaultName : escapePartitionValue(value)}`;
}

export interface PartitionColumn {
  name: string;
  type: DataType;
  /** Index of the column among the source's fields (for matching predicates). */
  field: number;
}

export interface DataFileEntry {
  file: FileStatus;
  /** Partition values, typed, in PARTITIONED BY order (NULL for the default partition). */
  values: unknown[];
}

/** Whether a partition value satisfies a pushed predicate (three-valued: NULL satisfies only IS NULL). */
export function partitionMatches(p: ColumnPredicate, value: unknown, type: DataType): boolean {
  if (p.op === 'isNull') return value === null;
  if (p.op === 'isNotNull') return value !== null;
  if (value === null) return false;
  const cmp = comparatorFor(type);
  switch (p.op) {
    case '=': return cmp(value, p.values[0]) === 0;
    case '<>': return cmp(value, p.values[0]) !== 0;
    case '<': return cmp(value, p.values[0]) < 0;
    case '<=': return cmp(value, p.values[0]) <= 0;
    case '>': return cmp(value, p.values[0]) > 0;
    case '>=': return cmp(value, p.values[0]) >= 0;
    case 'in': return p.values.some((x) => x !== null && cmp(value, x) === 0);
    default: return true;
  }
}

/**
 * Lists the data files of a table: all visible files under `root` for an unpartitioned table, or the
 * files under each partition directory whose values pass `predicates`. Sorted by path.
 */
export async function discoverFiles(io: FileIO, root: FileStatus, keys: readonly PartitionColumn[], predicates: readonly ColumnPredicate[],
  defaultName: string, timeZone: string, tableName: string): Promise<DataFileEntry[]> {
  if (!root.isDirectory) {
    if (keys.length > 0) {
      throw new FreshetError(SqlState.invalidParameterValue, `path ${root.path} of partitioned table ${tableName} is a file, not a directory`, {
        hint: `A partitioned table's path is the directory that holds ${keys[0]!.name}=... directories.`,
      });
    }
    return [{ file: root, values: [] }];
  }
  const casts = keys.map((k) => makeCast(T.string(), k.type, { timeZone }));
  const out: DataFileEntry[] = [];

  const walk = async (dir: string, depth: number, values: unknown[]): Promise<DataFileEntry[][]> => {
    if (depth === keys.length) return [(await visibleFiles(io, dir)).map((file) => ({ file, values }))];
    const children = (await io.list(dir)).filter((c) => !isHidden(c.name));
    const key = keys[depth]!;
    const mine = predicates.filter((p) => p.column === key.field);
    return Promise.all(children.map(async (c) => {
      const eq = c.name.indexOf('=');
      const k = eq < 0 ? '' : unescapePartitionValue(c.name.slice(0, eq));
      if (!c.isDirectory || eq < 0 || k.toLowerCase() !== key.name.toLowerCase()) {
        throw new FreshetError(SqlState.invalidParameterValue, `unexpected ${c.isDirectory ? 'directory' : 'file'} ${c.path} in partitioned table ${tableName}: expected a directory named ${key.name}=<value>`, {
          hint: "Partition directories follow PARTITIONED BY order. Move other files away, or rename them to start with '_' or '.' so they are ignored.",
        });
      }
      const text = unescapePartitionValue(c.name.slice(eq + 1));
      let value: unknown = null;
      if (text !== defaultName) {
        try {
          value = casts[depth]!(text);
        } catch (e) {
          if (!(e instanceof FreshetError)) throw e;
          throw new FreshetError(SqlState.badRecord, `partition directory ${c.path} of table ${tableName}: '${text}' is not a valid ${typeToString(key.type, false)} for column ${key.name}`, {
            hint: `Rename or remove the directory, or declare ${key.name} with a type that holds '${text}'.`,
          });
        }
      }
      if (!mine.every((p) => partitionMatches(p, value, key.type))) return [];
      return (await walk(c.path, depth + 1, [...values, value])).flat();
    }));
  };

  for (const group of await walk(root.path, 0, [])) out.push(...group);
  out.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0));
  return out;
}

/** The relative directory of a partition, e.g. `dt=2024-01-01/hr=10`. */
export function partitionPath(keys: readonly string[], values: readonly (string | null)[], defaultName: string): string {
  return keys.map((k, i) => partitionDirName(k, values[i]!, defaultName)).join('/');
}
