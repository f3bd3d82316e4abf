import { Component } from './component';
import { namespaceComponent } from '@stretched-kafka/platform';
import { certificatesComponent } from '@stretched-kafka/certificates';
import { submarinerComponent } from '@stretched-kafka/submariner';

/** Every component, in GitOps order. The folder names under clusters/<region>/ come from here. */
export const COMPONENTS: readonly Component[] = [namespaceComponent, certificatesComponent, submarinerComponent];
