import { parseArgs, ParseArgsConfig } from 'node:util';
import { FleetError } from './validate';

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

/**
 * The frame every fleet command shares (synth, plan, validate): flags parsed strictly with
 * `--fleet` and `--help` added; a usage error or a FleetError is one line on stderr and exit 2, a
 * CommandError one line and its own exit code. Returns the exit code.
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
      console.error(e.message);
      return 2;
    }
    if (e instanceof CommandError) {
      console.error(e.message);
      return e.exitCode;
    }
    throw e;
  }
}
