/** Occurrences of the character `ch` in `text`; NULL when either is NULL. */
export function countChar(text: string | null, ch: string | null): number | null;
