// A ledger client in its own process, for the contract's races (test/helpers/ledger-contract.ts).
// argv: <compiled module> <export> <op> [args...]; the ledger's target (a directory, or a URL with its password)
// comes in the environment (LEDGER_TARGET), not argv, where any user of the machine could read it.
// It prints "ready", waits for "go" on stdin (so that all children start the race together), does the operation,
// prints one JSON line with the result and exits; on an error it prints it to stderr and exits 1.
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const [, , modulePath, exportName, op, ...args] = process.argv;
const lines = readline.createInterface({ input: process.stdin });
const go = () => new Promise((resolve) => lines.once('line', resolve));

async function open() {
  const mod = await import(pathToFileURL(modulePath).href);
  const exp = mod[exportName];
  if (typeof exp !== 'function') throw new Error(`${modulePath} exports no function ${exportName}`);
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exp));
  return isClass ? new exp(process.env.LEDGER_TARGET) : await exp(process.env.LEDGER_TARGET);
}

async function main() {
  let ledger;
  if (op === 'open') {
    // The race is the opening itself (schema migrations).
    process.stdout.write('ready\n');
    await go();
    ledger = await open();
    process.stdout.write(`${JSON.stringify({ opened: true })}\n`);
  } else {
    ledger = await open();
    process.stdout.write('ready\n');
    await go();
    let result;
    if (op === 'claim') result = { claimed: await ledger.claim(JSON.parse(args[0])) };
    else if (op === 'increment') {
      for (let i = 0; i < Number(args[1]); i++) await ledger.update(args[0], (r) => ({ ...r, attempts: r.attempts + 1 }));
      result = { incremented: Number(args[1]) };
    } else if (op === 'resend') {
      const ids = [];
      for (let i = 0; i < Number(args[1]); i++) ids.push((await ledger.startResend(args[0], { by: `pid ${process.pid}`, recipients: [] })).id);
      result = { ids };
    } else throw new Error(`unknown operation ${op}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  lines.close();
  await ledger.close();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
