import { createHash } from 'node:crypto';

// Building blocks of the generated start scripts of ZooKeeper and Kafka. The scripts run
// in the pod and, unchanged, in the real-Kafka harness: every input is an environment variable
// with the in-pod default, and every per-pod fact is a table baked from the fleet's naming
// functions (never recomputed in bash).

/** Where the ConfigMap with the scripts is mounted in the pod; the harness points CONFIG_DIR at its own copy. */
export const CONFIG_MOUNT = '/opt/kafka/custom-config';

/** Directory variables the scripts read, with their in-pod defaults, in a fixed order. */
export function envDefaults(vars: readonly (readonly [string, string])[]): string {
  return vars.map(([name, value]) => `${name}="\${${name}:-${value}}"`).join('\n');
}

/**
 * A bash `case` mapping the pod ordinal to a value, e.g. ZooKeeper ids baked from naming.ts.
 * Unknown ordinals (a StatefulSet scaled beyond the fleet) stop the pod with a one-line error.
 */
export function ordinalCase(variable: string, values: ReadonlyMap<number, string | number>, what: string): string {
  const arms = [...values].map(([ordinal, value]) => `  ${ordinal}) ${variable}=${shellQuote(String(value))} ;;`);
  return [
    'case "$ordinal" in',
    ...arms,
    `  *) echo "start: HOSTNAME=$HOSTNAME: ordinal $ordinal has no ${what} in this region (ordinals ${[...values.keys()].join(', ')})" >&2; exit 1 ;;`,
    'esac',
  ].join('\n');
}

/** Reads the StatefulSet ordinal from HOSTNAME (`<prefix>-<n>`), refusing anything else. */
export function ordinalFromHostname(prefix: string): string {
  return [
    `if [[ ! "$HOSTNAME" =~ ^${prefix}-([0-9]+)$ ]]; then`,
    `  echo "start: HOSTNAME=$HOSTNAME: expected ${prefix}-<ordinal> (the StatefulSet pod name)" >&2`,
    '  exit 1',
    'fi',
    'ordinal="${BASH_REMATCH[1]}"',
  ].join('\n');
}

/**
 * Substitutes `${NAME}` placeholders of a template with sed (no eval), after checking each value
 * is a plain path or host name so it cannot break the sed expression; fails if a placeholder is left.
 */
export function renderTemplate(template: string, output: string, names: readonly string[]): string {
  const checks = names.map(
    (n) => `[[ "$${n}" =~ ^[A-Za-z0-9._/:-]+$ ]] || { echo "start: ${n}=$${n}: only letters, digits and . _ / : - are allowed" >&2; exit 1; }`,
  );
  const exprs = names.map((n) => `-e "s|\\\${${n}}|$${n}|g"`).join(' ');
  return [
    ...checks,
    `sed ${exprs} "${template}" > "${output}.tmp"`,
    `if grep -n '\${' "${output}.tmp" >&2; then echo "start: unrendered placeholder in ${output}" >&2; exit 1; fi`,
    `mv "${output}.tmp" "${output}"`,
  ].join('\n');
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9._\/:=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Console-only logging: `kubectl logs` shows everything and nothing grows on the pod's emptyDirs.
 * Kafka 3.9 and ZooKeeper 3.8 still read log4j 1.x properties (reload4j).
 */
export const LOG4J_PROPERTIES = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=%d{ISO8601} %p %m (%c) [%t]%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.kafka.authorizer.logger=INFO',
  'log4j.logger.org.apache.zookeeper=INFO',
  '',
].join('\n');

/** Pod template annotation whose change rolls the pods when their ConfigMap changes. */
export const CONFIG_CHECKSUM_ANNOTATION = 'stretched-kafka.io/config-checksum';

export function checksum(data: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const key of Object.keys(data).sort()) h.update(`${key}\0${data[key]}\0`);
  return h.digest('hex');
}
