/** Notes, progress and errors go to stderr: stdout carries only what scripts read (file paths, listings). */
export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
