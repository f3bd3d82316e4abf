// Regenerates imports/ from the offline CRD copies in ../shared/crds (the same versions that
// cdk8s.yaml names upstream). `cdk8s import` takes one file per call.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const crdRoot = process.env.CRD_DIR ?? join('..', 'shared', 'crds');
// The Strimzi copies sit in a folder named by the release line pinned in versions.json.
const strimzi = `strimzi-${JSON.parse(readFileSync('versions.json', 'utf8')).strimzi.split('.').slice(0, 2).join('.')}`;
// One module per CRD: without a module name `cdk8s import` writes one file per API group, so a
// second CRD of the same group would overwrite the first.
const files = {
  'cert-manager-certificate': 'cert-manager/certificates.yaml',
  'cert-manager-issuer': 'cert-manager/issuers.yaml',
  'cert-manager-clusterissuer': 'cert-manager/clusterissuers.yaml',
  'submariner': 'submariner/submariners.yaml',
  'submariner-broker': 'submariner/brokers.yaml',
  'strimzi-kafkatopic': `${strimzi}/kafkatopics.yaml`,
  'strimzi-kafkauser': `${strimzi}/kafkausers.yaml`,
  'argocd-application': 'argo-cd/application.yaml',
  'argocd-applicationset': 'argo-cd/applicationset.yaml',
  'argocd-appproject': 'argo-cd/appproject.yaml',
  'flux-gitrepository': 'flux/gitrepositories.yaml',
  'flux-helmrepository': 'flux/helmrepositories.yaml',
  'flux-kustomization': 'flux/kustomizations.yaml',
  'flux-helmrelease': 'flux/helmreleases.yaml',
};
// `cdk8s import` appends every local path it reads to cdk8s.yaml; keep the upstream URL list.
const config = readFileSync('cdk8s.yaml', 'utf8');
try {
for (const [name, f] of Object.entries(files)) {
  const path = join(crdRoot, f);
  if (!existsSync(path)) {
    console.error(`import: ${path} not found (set CRD_DIR to the folder holding the CRD copies)`);
    process.exit(1);
  }
  execFileSync('npx', ['cdk8s', 'import', '--no-check-upgrade', '-l', 'typescript', '-o', 'imports', `${name}:=${path}`], { stdio: 'inherit' });
}
} finally {
  writeFileSync('cdk8s.yaml', config);
}
