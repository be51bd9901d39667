import type { PncError } from '../src/index.js';

/** The PncError code a call throws, or undefined when it does not throw. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as PncError).code;
  }
  return undefined;
}
