import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnerOnlyWriteStream, mkdirOwnerOnly, writeOwnerOnly, writeOwnerOnlySync } from '../src/util/private-files.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-private-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

describe('owner-only files', () => {
  it('makes missing directories 0700, and tightens an existing one only when asked', () => {
    mkdirOwnerOnly(path.join(root, 'a', 'b'));
    expect([mode(path.join(root, 'a')), mode(path.join(root, 'a', 'b'))]).toEqual(['700', '700']);
    const open = path.join(root, 'open');
    fs.mkdirSync(open, { mode: 0o755 });
    mkdirOwnerOnly(open);
    expect(mode(open)).toBe('755');
    mkdirOwnerOnly(open, { tighten: true });
    expect(mode(open)).toBe('700');
  });

  it('fails at once, naming the path, where Node\'s recursive mkdir spins (/proc) or a file is in the way', () => {
    expect(() => mkdirOwnerOnly('/proc/1/r')).toThrow(/ENOENT.*\/proc\/1\/r/);
    fs.writeFileSync(path.join(root, 'file'), 'x');
    expect(() => mkdirOwnerOnly(path.join(root, 'file', 'sub'))).toThrow(/file/);
  });

  it('writes 0600 files, also over an existing world-readable one, sync, async and streamed', async () => {
    for (const [name, write] of [
      ['sync', (f: string) => writeOwnerOnlySync(f, 'new')],
      ['async', (f: string) => writeOwnerOnly(f, 'new')],
      ['stream', (f: string) => new Promise<void>((resolve) => createOwnerOnlyWriteStream(f).end('new', resolve))],
    ] as const) {
      const f = path.join(root, `${name}.txt`);
      fs.writeFileSync(f, 'old', { mode: 0o644 });
      fs.chmodSync(f, 0o644);
      await write(f);
      expect([name, mode(f), fs.readFileSync(f, 'utf8')]).toEqual([name, '600', 'new']);
    }
  });
});
