import { Fleet, TLS, kafkaPrincipal, zookeeperClientSessionMs, zookeeperConnect } from '@stretched-kafka/fleet';

// Pieces of the Kafka properties files that brokers and KRaft controllers share.

/**
 * Principals allowed everything: brokers, the operators and the break-glass admin, all of the
 * stack domain (bare common names, which no client-listener principal can be). With KRaft
 * controllers (`withControllers`) the controllers too: they authorise each other's quorum requests
 * (Vote, Fetch) as cluster actions and the brokers' forwarded admin requests (topics, ACLs), which
 * carry the original principal; and brokers in migration or KRaft mode take the controllers'
 * requests to them (UpdateMetadata, LeaderAndIsr, StopReplica while migrating) as cluster actions.
 */
export function superUsers(withControllers = false): string[] {
  const controllers = withControllers ? [TLS.controller] : [];
  return [TLS.kafka, ...controllers, TLS.admin, TLS.topicOperator, TLS.userOperator].map((t) => kafkaPrincipal(t));
}

/** Per-listener TLS settings: which keystore it presents, which CA it trusts (default the Secret's ca.crt; brokers pass the built truststore, see TRUST_BUNDLE), how it names principals. */
export function listenerTls(listener: string, dir: string, rules: string, truststore = `\${${dir}}/ca.crt`): string[] {
  const p = `listener.name.${listener.toLowerCase()}`;
  return [
    `${p}.ssl.keystore.type=PEM`,
    `${p}.ssl.keystore.location=\${${dir}}/tls-combined.pem`,
    `${p}.ssl.truststore.type=PEM`,
    `${p}.ssl.truststore.location=${truststore}`,
    `${p}.ssl.client.auth=required`,
    `${p}.ssl.principal.mapping.rules=${rules}`,
  ];
}

/** The KRaft authorizer and the same ACL model as ZooKeeper mode: nothing without an ACL, the stack's super users. */
export function kraftAuthorizer(): string[] {
  return [
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=${superUsers(true).join(';')}`,
  ];
}

/**
 * ZooKeeper over TLS with the broker certificate at `${dir}` (PEM). All brokers share one subject,
 * so the znode ACLs that zookeeper.set.acl writes (x509 identity = that subject) admit every
 * broker, and the KRaft controllers of a migration, which present the same certificate to
 * ZooKeeper, read and write those znodes as the brokers do.
 */
export function zookeeperClient(fleet: Fleet, dir: string, truststore = `\${${dir}}/ca.crt`): string[] {
  const sessionMs = zookeeperClientSessionMs(fleet.network.latencyMs);
  return [
    `zookeeper.connect=${zookeeperConnect(fleet)}`,
    'zookeeper.ssl.client.enable=true',
    'zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
    'zookeeper.ssl.keystore.type=PEM',
    `zookeeper.ssl.keystore.location=\${${dir}}/tls-combined.pem`,
    'zookeeper.ssl.truststore.type=PEM',
    `zookeeper.ssl.truststore.location=${truststore}`,
    'zookeeper.ssl.endpoint.identification.algorithm=HTTPS',
    'zookeeper.set.acl=true',
    '# See kafkaTuning() (packages/kafka/src/tuning.ts) for how the timeouts follow from the RTT.',
    `zookeeper.session.timeout.ms=${sessionMs}`,
    `zookeeper.connection.timeout.ms=${sessionMs}`,
  ];
}

/** Client-side TLS of a listener another node dials (the keystore it presents, the CA it trusts): listenerTls without the server-only keys. */
export function listenerClientTls(listener: string, dir: string, truststore = `\${${dir}}/ca.crt`): string[] {
  return listenerTls(listener, dir, '', truststore).filter((l) => !/\.ssl\.(client\.auth|principal\.mapping\.rules)=/.test(l));
}
