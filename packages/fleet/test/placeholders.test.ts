import { DEFAULT_FLEET, mergeOverride, placeholderFields, validateFleet } from '../src';

describe('placeholderFields', () => {
  it('names every documentation placeholder of the built-in fleet', () => {
    expect(placeholderFields(DEFAULT_FLEET)).toEqual([
      'regions[0].kubeApiServer',
      'regions[1].kubeApiServer',
      'regions[2].kubeApiServer',
      'submariner.brokerApiServer',
      'gitops.repoUrl',
      'load.image',
      'akhq.domain',
      'monitoring.runbookUrl',
    ]);
  });

  it('is empty once the user set real values, and ignores the domain when AKHQ is not exposed and the runbook page when monitoring is off', () => {
    const real = validateFleet(
      mergeOverride(DEFAULT_FLEET, {
        regions: DEFAULT_FLEET.regions.map((r, i) => ({ ...r, kubeApiServer: `https://api.c${i}.corp.internal:6443` })),
        submariner: { brokerApiServer: 'https://api.c0.corp.internal:6443' },
        gitops: { repoUrl: 'ssh://git@git.corp.internal/platform/kafka.git' },
        load: { image: 'registry.corp.internal/kafka/stretched-kafka-load:0.1.0' },
        akhq: { exposure: 'none' },
        monitoring: { enabled: false },
      }),
    );
    expect(placeholderFields(real)).toEqual([]);
    expect(placeholderFields(validateFleet(mergeOverride(real, { monitoring: { enabled: true } })))).toEqual(['monitoring.runbookUrl']);
  });

  it('does not mistake a name that merely contains "example"', () => {
    const fleet = validateFleet(mergeOverride(DEFAULT_FLEET, { akhq: { domain: 'apps.myexample.com' } }));
    expect(placeholderFields(fleet)).not.toContain('akhq.domain');
  });
});
