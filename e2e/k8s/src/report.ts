// Checks (each passes or fails, and the closing line counts them) and findings (facts for the
// summary: refusals, warnings, diffs, prunes, timings), printed as they happen and summarised.

export interface Check {
  readonly stage: string;
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export class Report {
  readonly checks: Check[] = [];
  readonly facts: { stage: string; text: string }[] = [];
  private readonly quiet: boolean;

  constructor(
    readonly prefix = '',
    opts: { quiet?: boolean } = {},
  ) {
    this.quiet = opts.quiet ?? false;
  }

  /** A check; `detail` (why it failed) is printed only when it fails. */
  check(stage: string, name: string, ok: boolean, detail = ''): boolean {
    this.checks.push({ stage, name, ok, detail });
    if (!this.quiet) {
      const head = `${this.prefix}${ok ? 'ok  ' : 'FAIL'} ${stage}: ${name}`;
      console.log(detail && !ok ? `${head}\n${indent(detail, '       ')}` : head);
    }
    return ok;
  }

  /** A fact for the summary (not a check). */
  note(stage: string, text: string): void {
    this.facts.push({ stage, text });
    if (!this.quiet) console.log(`${this.prefix}     ${stage}: ${text}`);
  }

  log(text: string): void {
    if (!this.quiet) console.log(`${this.prefix}${text}`);
  }

  get passed(): number {
    return this.checks.filter((c) => c.ok).length;
  }

  get failed(): Check[] {
    return this.checks.filter((c) => !c.ok);
  }

  absorb(other: Report): void {
    this.checks.push(...other.checks);
    this.facts.push(...other.facts);
  }
}

export function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
