/** Row kinds as the store writes them in _VALUE_KIND (the same bytes as Batch.kinds). */
export const INSERT = 0;
export const UPDATE_BEFORE = 1;
export const UPDATE_AFTER = 2;
export const DELETE = 3;

export function isRetractionKind(kind: number): boolean {
  return kind === UPDATE_BEFORE || kind === DELETE;
}
