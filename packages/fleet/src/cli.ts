import { parseArgs, ParseArgsConfig } from 'node:util';
import { FleetError } from './validate';

export type CommandArgs = { readonly fleet?: string; readonly help?: boolean; readonly [flag: string]: string | boolean | undefined };

/**
 * The frame every fleet command shares (synth, plan, validate): flags parsed strictly with
 * `--fleet` and `--help` added; a usage error or a FleetError is one line on stderr and exit 2.
 * Returns the exit code.
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
    throw e;
  }
}
