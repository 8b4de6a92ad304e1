#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
let cli;
try {
  cli = await import('../dist/src/cli.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('attack-report: the build is missing (dist/). Run `npm install` or `npm run build` first.\n');
  } else {
    process.stderr.write(`attack-report: failed to start: ${err && err.message ? err.message : err}\n`);
  }
  process.exit(1);
}
const code = await cli.main(process.argv);
// Exit explicitly: the embedded engine and the browser may keep handles alive after their work is done.
process.exit(code);
