import { Construct } from 'constructs';
import { ApiObject, ApiObjectMetadata, Chart, GroupVersionKind } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, labels, strimziClusterLabel, strimziRelease, usersNamespace } from '@stretched-kafka/fleet';
import {
  KafkaUser,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAclsOperations,
  KafkaUserSpecAuthorizationAclsResourcePatternType,
  KafkaUserSpecAuthorizationAclsResourceType,
  KafkaUserSpecAuthorizationType,
  toJson_KafkaUserSpec,
} from '../../../imports/strimzi-kafkauser-kafka.strimzi.io';
import { KafkaTopic, toJson_KafkaTopicSpec } from '../../../imports/strimzi-kafkatopic-kafka.strimzi.io';
import { clientUsers, kafkaTopicResourceName } from './acls';
import { TopicOperator } from './topic-operator';
import { UserOperator } from './user-operator';
import type { Component, RegionProps } from '@stretched-kafka/core';

/** The fields of a v1beta2 KafkaTopic this project sets. */
export interface KafkaTopicSpec {
  readonly topicName: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly config: Record<string, string | number | boolean>;
}

export function kafkaTopicSpec(fleet: Fleet): KafkaTopicSpec {
  return {
    topicName: fleet.topic.name,
    partitions: fleet.topic.partitions,
    replicas: fleet.kafka.replicationFactor,
    config: {
      'min.insync.replicas': fleet.kafka.minInsyncReplicas,
      'unclean.leader.election.enable': false,
    },
  };
}

/**
 * Neither Argo CD nor Flux may prune a KafkaTopic: the Topic Operator deletes the Kafka topic, and
 * its records, with its KafkaTopic, and a prune follows from harmless-looking edits (topic.name,
 * topic.managementRegion). A KafkaTopic gone from git stays in the cluster until deleted by hand.
 * KafkaUsers stay prunable: a user is recreated from git without loss.
 */
export const KEEP_ON_PRUNE = {
  'argocd.argoproj.io/sync-options': 'Prune=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
} as const;

/**
 * Topics and users, declared as KafkaTopic and KafkaUser resources and reconciled by Strimzi's
 * standalone Topic and User Operators. Only the management region gets any of it: one reconciler
 * per topic and per user, the others see the result through Kafka itself.
 */
export class TopicsAndUsers extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    const component = 'topics';
    const selector = strimziClusterLabel(fleet);

    const apiVersion = strimziRelease(fleet.metadata.mode).apiVersion;
    strimziResource(this, 'topic', apiVersion, KafkaTopic, toJson_KafkaTopicSpec, {
      metadata: {
        name: kafkaTopicResourceName(fleet.topic.name),
        namespace: fleet.namespace,
        labels: { ...labels(fleet, component, region), ...selector },
        annotations: { ...KEEP_ON_PRUNE },
      },
      spec: kafkaTopicSpec(fleet),
    });

    new k8s.KubeNamespace(this, 'users-namespace', {
      metadata: {
        name: usersNamespace(fleet),
        labels: {
          ...labels(fleet, component, region),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    for (const user of clientUsers(fleet)) {
      strimziResource(this, `user-${user.name}`, apiVersion, KafkaUser, toJson_KafkaUserSpec, {
        metadata: { name: user.name, namespace: usersNamespace(fleet), labels: { ...labels(fleet, component, region), ...selector } },
        spec: {
          ...(user.trust === 'application' ? { authentication: { type: KafkaUserSpecAuthenticationType.TLS_HYPHEN_EXTERNAL } } : {}),
          authorization: {
            type: KafkaUserSpecAuthorizationType.SIMPLE,
            acls: user.acls.map((rule) => ({
              resource: {
                type: rule.resource.type as KafkaUserSpecAuthorizationAclsResourceType,
                ...(rule.resource.name !== undefined ? { name: rule.resource.name } : {}),
                ...(rule.resource.patternType ? { patternType: rule.resource.patternType as KafkaUserSpecAuthorizationAclsResourcePatternType } : {}),
              },
              operations: rule.operations.map((op) => op as KafkaUserSpecAuthorizationAclsOperations),
            })),
          },
        },
      });
    }

    new TopicOperator(this, 'topic-operator', { fleet, region });
    new UserOperator(this, 'user-operator', { fleet, region });
  }
}

interface StrimziResourceProps<S> {
  readonly metadata: ApiObjectMetadata;
  readonly spec: S;
}

/**
 * A KafkaTopic or KafkaUser in the API version the metadata mode's Strimzi serves. The imported
 * constructs write `kafka.strimzi.io/v1beta2`, all Strimzi 0.45 serves; the 1.x line (KRaft mode)
 * serves only `v1`, whose spec is the same for the fields set here (`operations`, now required,
 * is always set), so the typed spec is written under that version.
 */
function strimziResource<S>(
  scope: Construct,
  id: string,
  apiVersion: string,
  typed: { readonly GVK: GroupVersionKind; new (scope: Construct, id: string, props: StrimziResourceProps<S>): ApiObject },
  specJson: (spec: S) => unknown,
  props: StrimziResourceProps<S>,
): ApiObject {
  if (typed.GVK.apiVersion === apiVersion) return new typed(scope, id, props);
  return new ApiObject(scope, id, { apiVersion, kind: typed.GVK.kind, metadata: props.metadata, spec: specJson(props.spec) });
}

export const topicsComponent = {
  name: 'topics',
  wave: 50,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    if (region.name !== fleet.topic.managementRegion) return;
    new TopicsAndUsers(chart, 'topics', { fleet, region });
  },
} satisfies Component;
