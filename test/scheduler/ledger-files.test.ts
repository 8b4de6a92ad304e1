import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { FileLedger } from '../../src/scheduler/ledger.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { ledgerContract } from '../helpers/ledger-contract.js';

// The same contract the PostgreSQL ledger passes (ledger-postgres.test.ts), on the JSON files of one host.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'file-ledger-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

ledgerContract('FileLedger', async () => new FileLedger(fs.mkdtempSync(path.join(root, 'l-'))),
  (l) => ({ module: path.join(PACKAGE_ROOT, 'dist', 'src', 'scheduler', 'ledger.js'), exportName: 'FileLedger', target: l.location }));
