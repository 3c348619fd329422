/**
 * Name resolution inside a query: which columns a FROM clause makes visible, under which table
 * aliases, and at which position of the plan's output. Scopes chain to the enclosing query so that
 * correlated subqueries can see outer columns.
 */
import type { DataType } from '../../types/data-type.ts';
import type { Identifier } from '../ast.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { nearMatches } from '../../util/suggest.ts';
import { matchName } from '../../catalog/catalog-manager.ts';

export interface ScopeColumn {
  /** Alias of the relation it belongs to (null for columns of an unaliased derived table). */
  qualifier: string | null;
  name: string;
  index: number;
  type: DataType;
  /** Hidden columns (the right copy of a USING column) are reachable only by qualified name. */
  hidden?: boolean;
}

export type ColumnResolution =
  | { kind: 'local'; column: ScopeColumn }
  | { kind: 'outer'; depth: number; column: ScopeColumn };

export class Scope {
  readonly columns: ScopeColumn[];
  readonly parent: Scope | null;

  constructor(columns: ScopeColumn[], parent: Scope | null = null) {
    this.columns = columns;
    this.parent = parent;
  }

  withParent(parent: Scope | null): Scope {
    return new Scope(this.columns, parent);
  }

  qualifiers(): string[] {
    return [...new Set(this.columns.map((c) => c.qualifier).filter((q): q is string => q !== null))];
  }

  /** Columns of relation `qualifier` (for `t.*`), in the relation's own order. */
  columnsOf(qualifier: Identifier): ScopeColumn[] | undefined {
    const q = matchName(qualifier, this.qualifiers());
    if (q === undefined) return undefined;
    return this.columns.filter((c) => c.qualifier === q).sort((a, b) => a.index - b.index);
  }

  /** Local match of an unqualified or qualified column name, or undefined; throws if ambiguous. */
  private findLocal(qualifier: Identifier | null, name: Identifier): ScopeColumn | undefined {
    let candidates = this.columns;
    if (qualifier !== null) {
      const q = matchName(qualifier, this.qualifiers());
      if (q === undefined) return undefined;
      candidates = candidates.filter((c) => c.qualifier === q);
    } else {
      candidates = candidates.filter((c) => !c.hidden);
    }
    const exact = candidates.filter((c) => c.name === name.value);
    let hits = exact;
    if (hits.length === 0 && !name.quoted) {
      const lower = name.value.toLowerCase();
      hits = candidates.filter((c) => c.name.toLowerCase() === lower);
    }
    if (hits.length > 1) {
      const where = [...new Set(hits.map((h) => h.qualifier ?? '(subquery)'))];
      throw new FreshetError(SqlState.ambiguousColumn, `column reference \`${name.value}\` is ambiguous`, {
        hint: where.length > 1 ? `It exists in ${where.join(' and ')}; qualify it, e.g. ${where[0]}.${name.value}.` : 'Several columns of that name exist; give them distinct aliases.',
        position: undefined,
      });
    }
    return hits[0];
  }

  /** Whether a qualifier names a relation of this scope or an enclosing one. */
  hasQualifier(q: Identifier): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (matchName(q, s.qualifiers()) !== undefined) return true;
    return false;
  }

  resolve(qualifier: Identifier | null, name: Identifier): ColumnResolution | undefined {
    let depth = 0;
    for (let s: Scope | null = this; s; s = s.parent, depth++) {
      const c = s.findLocal(qualifier, name);
      if (c) return depth === 0 ? { kind: 'local', column: c } : { kind: 'outer', depth, column: c };
    }
    return undefined;
  }

  /** An "unknown column" error with near matches from this and enclosing scopes. */
  unknownColumn(qualifier: Identifier | null, name: Identifier): FreshetError {
    const all: string[] = [];
    for (let s: Scope | null = this; s; s = s.parent) for (const c of s.columns) if (!c.hidden || qualifier) all.push(c.name);
    if (qualifier !== null && !this.hasQualifier(qualifier)) {
      const quals: string[] = [];
      for (let s: Scope | null = this; s; s = s.parent) quals.push(...s.qualifiers());
      const near = nearMatches(qualifier.value, quals);
      return new FreshetError(SqlState.undefinedTable, `unknown table or alias \`${qualifier.value}\` in column reference \`${qualifier.value}.${name.value}\``, {
        hint: near.length > 0 ? `Did you mean ${near.map((x) => '`' + x + '`').join(' or ')}?` : quals.length > 0 ? `Tables in scope: ${[...new Set(quals)].join(', ')}.` : 'No table is in scope here.',
      });
    }
    const inWhat = qualifier !== null ? `table \`${qualifier.value}\`` : this.qualifiers().length === 1 ? `table \`${this.qualifiers()[0]}\`` : 'any table in scope';
    // a qualified name can only mean a column of that table: suggest and list only those
    const candidates = qualifier !== null ? (this.columnsOf(qualifier) ?? []).map((c) => c.name) : all;
    const near = nearMatches(name.value, candidates);
    return new FreshetError(SqlState.undefinedColumn, `unknown column \`${name.value}\` in ${inWhat}`, {
      hint: near.length > 0 ? `Did you mean ${near.map((x) => '`' + x + '`').join(' or ')}?` : candidates.length > 0 && candidates.length <= 12 ? `Columns: ${[...new Set(candidates)].join(', ')}.` : undefined,
    });
  }
}
