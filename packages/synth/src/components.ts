import { Component } from '@stretched-kafka/core';
import { namespaceComponent } from '@stretched-kafka/platform';
import { certificatesComponent } from '@stretched-kafka/certificates';
import { submarinerComponent } from '@stretched-kafka/submariner';
import { zookeeperComponent } from '@stretched-kafka/zookeeper';
import { controllersComponent } from '@stretched-kafka/controllers';
import { kafkaComponent } from '@stretched-kafka/kafka';
import { monitoringComponent } from '@stretched-kafka/monitoring';
import { topicsComponent } from '@stretched-kafka/topics';
import { akhqComponent } from '@stretched-kafka/akhq';
import { loadJobsComponent } from '@stretched-kafka/loadjobs';
import { gitopsComponent } from '@stretched-kafka/gitops';

/** Every component, in GitOps order. The folder names under clusters/<region>/ come from here. */
export const COMPONENTS: readonly Component[] = [gitopsComponent, namespaceComponent, certificatesComponent, submarinerComponent, zookeeperComponent, controllersComponent, kafkaComponent, monitoringComponent, topicsComponent, akhqComponent, loadJobsComponent];
