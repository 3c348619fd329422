/** The table store's SQL suite on local disk: each test gets its own warehouse directory. */
import { tempDir } from '../helpers/temp-dir.ts';
import { describeStoreSuite } from './sql-suite.ts';

describeStoreSuite('local disk', () => ({ warehouse: tempDir('freshet-sql-store-'), catalogOptions: {} }));
