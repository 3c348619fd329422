/**
 * The columns the `nexmark` connector can produce, and the check that a table's declared columns are
 * among them (by name, case-insensitively, in any order, any subset) with the right types.
 *
 * Nested form: `event_type INT, person ROW<..>, auction ROW<..>, bid ROW<..>` (a ROW may declare a subset
 * of its kind's fields, in any order). Flat form (`nexmark.table`): the fields of one kind.
 */
import type { Field } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, typeToString } from '../../types/data-type.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { didYouMean } from '../../util/suggest.ts';
import type { EventKind } from './options.ts';
import { AUCTION, BID, PERSON } from './model.ts';

/** What a field's values are. */
export type FieldShape = 'bigint' | 'string' | 'timestamp';

export interface KindField {
  readonly name: string;
  readonly shape: FieldShape;
}

const f = (name: string, shape: FieldShape): KindField => ({ name, shape });

export const PERSON_FIELDS: readonly KindField[] = [
  f('id', 'bigint'), f('name', 'string'), f('emailAddress', 'string'), f('creditCard', 'string'),
  f('city', 'string'), f('state', 'string'), f('dateTime', 'timestamp'), f('extra', 'string'),
];
export const AUCTION_FIELDS: readonly KindField[] = [
  f('id', 'bigint'), f('itemName', 'string'), f('description', 'string'), f('initialBid', 'bigint'),
  f('reserve', 'bigint'), f('dateTime', 'timestamp'), f('expires', 'timestamp'), f('seller', 'bigint'),
  f('category', 'bigint'), f('extra', 'string'),
];
export const BID_FIELDS: readonly KindField[] = [
  f('auction', 'bigint'), f('bidder', 'bigint'), f('price', 'bigint'), f('channel', 'string'),
  f('url', 'string'), f('dateTime', 'timestamp'), f('extra', 'string'),
];

/** Fields of each kind, indexed by PERSON, AUCTION, BID. */
export const KIND_FIELDS: readonly (readonly KindField[])[] = [PERSON_FIELDS, AUCTION_FIELDS, BID_FIELDS];
export const KIND_NAMES: readonly EventKind[] = ['person', 'auction', 'bid'];

export function kindNumber(kind: EventKind): number {
  return kind === 'person' ? PERSON : kind === 'auction' ? AUCTION : BID;
}

export function shapeType(shape: FieldShape): DataType {
  return shape === 'bigint' ? T.bigint() : shape === 'string' ? T.string() : T.timestamp(3);
}

/** The ROW type of a kind with all its fields. */
export function kindRowType(kind: number): DataType {
  return T.row(KIND_FIELDS[kind]!.map((x) => ({ name: x.name, type: shapeType(x.shape) })));
}

/** The columns of the nested form. */
export function nestedColumns(): Field[] {
  return [
    { name: 'event_type', type: T.int() },
    { name: 'person', type: kindRowType(PERSON) },
    { name: 'auction', type: kindRowType(AUCTION) },
    { name: 'bid', type: kindRowType(BID) },
  ];
}

/** The columns of a flat table of one kind. */
export function flatColumns(kind: number): Field[] {
  return KIND_FIELDS[kind]!.map((x) => ({ name: x.name, type: shapeType(x.shape) }));
}

/** What one declared column of a nested table produces. */
export type NestedColumn =
  | { readonly what: 'eventType' }
  | { readonly what: 'row'; readonly kind: number; readonly fields: readonly number[] };

function shapeMatches(t: DataType, shape: FieldShape): boolean {
  if (shape === 'bigint') return t.kind === 'BIGINT';
  if (shape === 'string') return t.kind === 'VARCHAR' && (t.length ?? 0) >= 2147483647;
  return t.kind === 'TIMESTAMP' && (t.precision ?? 6) === 3;
}

function shapeName(shape: FieldShape): string {
  return shape === 'bigint' ? 'BIGINT' : shape === 'string' ? 'STRING' : 'TIMESTAMP(3)';
}

function typeError(table: string, column: string, expected: string, declared: DataType): FreshetError {
  return new FreshetError(SqlState.invalidParameterValue,
    `column ${column} of nexmark table ${table} is declared ${typeToString(declared, false)}, but the connector produces ${expected}`,
    { hint: `Declare it as ${expected}.` });
}

/** Index of `name` among a kind's fields, or an error naming the fields there are. */
function findField(table: string, fields: readonly KindField[], name: string, where: string): number {
  const lower = name.toLowerCase();
  const i = fields.findIndex((x) => x.name.toLowerCase() === lower);
  if (i < 0) {
    throw new FreshetError(SqlState.invalidParameterValue,
      `nexmark table ${table} has no ${where} '${name}'${didYouMean(name, fields.map((x) => x.name))}`,
      { hint: `The connector produces: ${fields.map((x) => `${x.name} ${shapeName(x.shape)}`).join(', ')}.` });
  }
  return i;
}

/** Maps each declared column of a flat table to the index of its field. */
export function resolveFlatColumns(table: string, kind: EventKind, columns: readonly Field[]): number[] {
  const fields = KIND_FIELDS[kindNumber(kind)]!;
  return columns.map((c) => {
    const i = findField(table, fields, c.name, `${kind} column`);
    if (!shapeMatches(c.type, fields[i]!.shape)) throw typeError(table, c.name, shapeName(fields[i]!.shape), c.type);
    return i;
  });
}

/** Maps each declared column of a nested table to what it produces. */
export function resolveNestedColumns(table: string, columns: readonly Field[]): NestedColumn[] {
  const names = ['event_type', ...KIND_NAMES];
  return columns.map((c): NestedColumn => {
    const lower = c.name.toLowerCase();
    if (lower === 'event_type') {
      if (c.type.kind !== 'INT') throw typeError(table, c.name, 'INT', c.type);
      return { what: 'eventType' };
    }
    const kindIndex = (KIND_NAMES as readonly string[]).indexOf(lower);
    if (kindIndex < 0) {
      throw new FreshetError(SqlState.invalidParameterValue,
        `nexmark table ${table} has no column '${c.name}'${didYouMean(c.name, names)}`,
        { hint: "The nested form has the columns event_type INT, person ROW<..>, auction ROW<..>, bid ROW<..>; set 'nexmark.table' to read one kind as a flat table." });
    }
    const kindFields = KIND_FIELDS[kindIndex]!;
    const expected = typeToString(kindRowType(kindIndex), false);
    if (c.type.kind !== 'ROW') throw typeError(table, c.name, expected, c.type);
    if (!c.type.nullable) {
      throw new FreshetError(SqlState.invalidParameterValue,
        `column ${c.name} of nexmark table ${table} is declared NOT NULL, but it is NULL for every event that is not a ${lower}`);
    }
    const fields = c.type.fields!.map((rf) => {
      const i = findField(table, kindFields, rf.name, `${lower} field`);
      if (!shapeMatches(rf.type, kindFields[i]!.shape)) throw typeError(table, `${c.name}.${rf.name}`, shapeName(kindFields[i]!.shape), rf.type);
      return i;
    });
    return { what: 'row', kind: kindIndex, fields };
  });
}
