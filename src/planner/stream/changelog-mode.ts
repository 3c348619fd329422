/**
 * Changelog modes: which row kinds a node of a streaming plan can emit. A stream is append-only `[I]`,
 * or carries updates as retractions `[I,UB,UA,D]` (an update is -U of the old row, then +U of the new).
 * The streaming planner infers each node's mode from its inputs; operators that only accept inserts
 * (interval joins, OVER windows, file sinks) reject updating inputs at planning time, naming the node
 * that produces them.
 */
export interface ChangelogMode {
  readonly updateBefore: boolean;
  readonly updateAfter: boolean;
  readonly delete: boolean;
}

export const INSERT_ONLY: ChangelogMode = { updateBefore: false, updateAfter: false, delete: false };
export const INSERT_DELETE: ChangelogMode = { updateBefore: false, updateAfter: false, delete: true };
export const INSERT_UPDATE: ChangelogMode = { updateBefore: true, updateAfter: true, delete: false };
export const RETRACT: ChangelogMode = { updateBefore: true, updateAfter: true, delete: true };

export function isInsertOnly(m: ChangelogMode): boolean {
  return !m.updateBefore && !m.updateAfter && !m.delete;
}

/** The kinds either of two streams can carry (a union of inputs). */
export function unionModes(a: ChangelogMode, b: ChangelogMode): ChangelogMode {
  return { updateBefore: a.updateBefore || b.updateBefore, updateAfter: a.updateAfter || b.updateAfter, delete: a.delete || b.delete };
}

/** Flink's notation: `[I,UB,UA,D]`. */
export function modeText(m: ChangelogMode): string {
  const parts = ['I'];
  if (m.updateBefore) parts.push('UB');
  if (m.updateAfter) parts.push('UA');
  if (m.delete) parts.push('D');
  return `[${parts.join(',')}]`;
}
