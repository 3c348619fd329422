/** A sort key over a batch's columns: which column, which direction, where NULLs go. */
export interface SortKey {
  index: number;
  desc: boolean;
  nullsFirst: boolean;
}
