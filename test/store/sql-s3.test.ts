/**
 * The table store's SQL suite on S3: s3rver behind the test proxy (conditional PUT enforced), on
 * loopback. Each test gets its own warehouse prefix in one bucket.
 */
import { afterAll, beforeAll } from 'vitest';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { describeStoreSuite } from './sql-suite.ts';

let server: TestS3Server;
let next = 0;

beforeAll(async () => {
  server = await startS3Server({ bucket: 'sql-suite' });
});

afterAll(async () => {
  await server?.stop();
});

describeStoreSuite('S3', () => ({ warehouse: `s3://${server.bucket}/warehouse-${++next}`, catalogOptions: { ...server.options } }));
