import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// docs/measurements.md quotes the region-cut figures per metadata mode from the records the
// harness writes (docs/measurements/e2e-*.md): every quoted figure must be the record's own.

const root = join(__dirname, '..');
const measurements = readFileSync(join(root, 'docs', 'measurements.md'), 'utf8');

/** The section "A region cut, measured per metadata mode", up to the next heading. */
function regionCutSection(): string {
  const start = measurements.indexOf('\n## A region cut, measured per metadata mode\n');
  if (start < 0) throw new Error('docs/measurements.md has no section "A region cut, measured per metadata mode"');
  const next = measurements.indexOf('\n#', start + 1);
  return measurements.slice(start, next < 0 ? undefined : next);
}

/** That section's table rows that name a record: [cells, record path from the root]. */
function quotedRows(): Array<{ cells: string[]; record: string }> {
  return regionCutSection()
    .split('\n')
    .filter((l) => /^\|.*\]\(measurements\/e2e-[^)]+\.md\)/.test(l))
    .map((l) => ({ cells: l.split('|').slice(1, -1).map((c) => c.trim()), record: `docs/${/\]\((measurements\/e2e-[^)]+\.md)\)/.exec(l)![1]}` }));
}

/** The figure after `label` on its record line (`e2e:   <label> <figure> ...`). */
function figure(record: string, label: string): string {
  const m = new RegExp(`^e2e:\\s+${label}\\s+(\\S+ s|\\d+|none needed)`, 'm').exec(record);
  if (!m) throw new Error(`no "${label}" line in the record`);
  return m[1];
}

test('docs/measurements.md quotes region-cut records for both metadata modes', () => {
  const modes = quotedRows().map((r) => r.cells[0]);
  expect(modes).toContain('ZooKeeper');
  expect(modes).toContain('KRaft');
});

test.each(quotedRows().map((r) => [r.record, r] as const))('docs/measurements.md figures are those of %s', (_, row) => {
  const record = readFileSync(join(root, row.record), 'utf8');
  const [, lostReordered, rto, failover, controllerFailover, isr] = row.cells;
  expect(lostReordered).toBe(`${figure(record, 'lost records \\(RPO\\)')} / ${figure(record, 'reordered records')}`);
  expect(rto).toBe(figure(record, 'longest produce stall \\(RTO\\)'));
  expect(failover).toBe(figure(record, 'Kafka failover after cut'));
  expect(controllerFailover).toBe(figure(record, 'controller failover'));
  expect(isr).toBe(figure(record, 'ISR recovery after restore'));
  expect(record).toMatch(/^e2e: region cut of /m);
  expect(record).not.toMatch(/^e2e: FAIL /m);
});
