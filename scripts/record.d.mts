/** One line naming the machine: CPU model and count, memory, kernel, Node. */
export function machine(): string;
/** Writes docs/measurements/<name>.md (command, date, commit, machine, the printed lines) and returns its path. */
export function record(name: string, command: string, lines: readonly string[]): string;
/** Replaces the `<!-- name:start -->` ... `<!-- name:end -->` block of `doc` with `lines` (when, where, commit); false when the markers are missing. */
export function recordBlock(doc: string, name: string, command: string, lines: readonly string[]): boolean;
