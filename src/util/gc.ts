/**
 * A full garbage collection on demand, for loops that turn over large Buffers: their memory lies outside the
 * JavaScript heap, and V8 lets it grow to hundreds of megabytes before it collects (measured while loading a
 * 1M-line export: 400 MB of dead decompressed pieces). The collector is reached through V8's own `gc`
 * function, exposed at run time; where that is refused, collection stays V8's to decide.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
