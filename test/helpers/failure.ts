import type { Session } from '../../src/session/session.ts';
import { FreshetError } from '../../src/util/errors.ts';

/** The FreshetError `sql` fails with; the test fails if it succeeds or throws anything else. */
export async function failure(s: Session, sql: string): Promise<FreshetError> {
  try {
    await s.execute(sql);
  } catch (e) {
    if (e instanceof FreshetError) return e;
    throw e;
  }
  throw new Error(`expected ${sql} to fail`);
}
