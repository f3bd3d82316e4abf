import { parseArgs, ParseArgsConfig } from 'node:util';
import { FleetError, printable } from './validate';

/**
 * An error a command reports as one line on stderr (no stack trace) with its own exit code, for
 * failures outside the fleet definition, e.g. a file system refusing a write.
 */
export class CommandError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CommandError';
  }
}

export type CommandArgs = { readonly fleet?: string; readonly help?: boolean; readonly [flag: string]: string | boolean | undefined };

/** Exit code of an unexpected error: a bug, not bad input (sysexits.h EX_SOFTWARE). */
export const EXIT_INTERNAL_ERROR = 70;
/** Set to 1 to print the stack trace of an internal error too. */
export const DEBUG_ENV = 'STRETCHED_KAFKA_DEBUG';

/** First line of a message, control characters escaped: what one stderr line may hold. */
function oneLine(message: string): string {
  return printable(message.split('\n')[0]);
}

/**
 * The frame every fleet command shares (synth, plan, validate): flags parsed strictly with
 * `--fleet` and `--help` added; a usage error or a FleetError is one line on stderr and exit 2, a
 * CommandError one line and its own exit code. Anything else is a bug: one line saying so and
 * exit 70, never a stack trace (unless STRETCHED_KAFKA_DEBUG=1). Returns the exit code.
 */
export function fleetCommand(
  name: string,
  usage: string,
  options: NonNullable<ParseArgsConfig['options']>,
  run: (args: CommandArgs) => number,
  checkArgs: (args: CommandArgs) => void = () => undefined,
): number {
  let args: CommandArgs;
  try {
    args = parseArgs({ options: { ...options, fleet: { type: 'string' }, help: { type: 'boolean' } } }).values as CommandArgs;
    checkArgs(args);
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  try {
    return run(args);
  } catch (e) {
    if (e instanceof FleetError) {
      console.error(oneLine(e.message));
      return 2;
    }
    if (e instanceof CommandError) {
      console.error(oneLine(e.message));
      return e.exitCode;
    }
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(`${name}: internal error, a bug (please report it with the fleet file; ${DEBUG_ENV}=1 shows the stack trace): ${oneLine(what)}`);
    if (process.env[DEBUG_ENV] === '1' && e instanceof Error) console.error(e.stack);
    return EXIT_INTERNAL_ERROR;
  }
}
