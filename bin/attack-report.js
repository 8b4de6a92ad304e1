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
// A reader that stops early (`runs --json | head -1`) closes the pipe: end quietly, as a Unix tool killed by
// SIGPIPE does (status 141), rather than with a stack trace.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(141);
  throw err;
});
const code = await cli.main(process.argv);
process.exitCode = code;
// Writes to a pipe are asynchronous: exiting now would drop what the reader has not taken yet (`runs --json | cat`
// lost most of 3,000 records). A write's callback runs once everything queued before it is flushed.
const flushed = (stream) => new Promise((resolve) => (stream.destroyed || !stream.writable ? resolve() : stream.write('', () => resolve())));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Then exit explicitly: the embedded engine and the browser may keep handles alive after their work is done.
process.exit(code);
