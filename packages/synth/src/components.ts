import { Component } from './component';
import { namespaceComponent } from '@stretched-kafka/platform';

/** Every component, in GitOps order. The folder names under clusters/<region>/ come from here. */
export const COMPONENTS: readonly Component[] = [namespaceComponent];
