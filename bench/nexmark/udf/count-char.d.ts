/** Occurrences of the character `ch` in `text`; NULL when either is NULL. */
export declare const countChar: ((text: string | null, ch: string | null) => number | null) & { returns: string; params: string[] };
