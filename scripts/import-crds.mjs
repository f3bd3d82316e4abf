// Regenerates imports/ from the offline CRD copies in ../shared/crds (the same versions that
// cdk8s.yaml names upstream). `cdk8s import` takes one file per call.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const crdRoot = process.env.CRD_DIR ?? join('..', 'shared', 'crds');
const files = [
  'cert-manager/certificates.yaml',
  'cert-manager/issuers.yaml',
  'cert-manager/clusterissuers.yaml',
  'submariner/submariners.yaml',
  'submariner/brokers.yaml',
  'strimzi-0.45/kafkatopics.yaml',
  'strimzi-0.45/kafkausers.yaml',
  'argo-cd/application.yaml',
  'argo-cd/applicationset.yaml',
  'argo-cd/appproject.yaml',
  'flux/gitrepositories.yaml',
  'flux/helmrepositories.yaml',
  'flux/kustomizations.yaml',
  'flux/helmreleases.yaml',
];
// `cdk8s import` appends every local path it reads to cdk8s.yaml; keep the upstream URL list.
const config = readFileSync('cdk8s.yaml', 'utf8');
try {
for (const f of files) {
  const path = join(crdRoot, f);
  if (!existsSync(path)) {
    console.error(`import: ${path} not found (set CRD_DIR to the folder holding the CRD copies)`);
    process.exit(1);
  }
  execFileSync('npx', ['cdk8s', 'import', '--no-check-upgrade', '-l', 'typescript', '-o', 'imports', path], { stdio: 'inherit' });
}
} finally {
  writeFileSync('cdk8s.yaml', config);
}
