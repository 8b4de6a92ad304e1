/** Notes, progress and errors go to stderr: stdout carries only what scripts read (file paths, listings). */
export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A one-line progress indicator on a terminal; silent when stderr is not a TTY (logs, CI). */
export function progressBar(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}
