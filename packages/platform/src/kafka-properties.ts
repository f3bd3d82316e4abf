import { Fleet, TLS, kafkaPrincipal } from '@stretched-kafka/fleet';

// Pieces of the Kafka properties files that brokers and KRaft controllers share.

/**
 * Principals allowed everything: brokers, the operators and the break-glass admin, all of the
 * stack domain (bare common names, which no client-listener principal can be). In KRaft mode the
 * controllers too: they authorise each other's quorum requests (Vote, Fetch) as cluster actions,
 * and the brokers', whose forwarded admin requests (topics, ACLs) carry the original principal.
 */
export function superUsers(fleet?: Fleet): string[] {
  const kraft = fleet?.metadata.mode === 'kraft' ? [TLS.controller] : [];
  return [TLS.kafka, ...kraft, TLS.admin, TLS.topicOperator, TLS.userOperator].map((t) => kafkaPrincipal(t));
}

/** Per-listener TLS settings: which keystore it presents, which CA it trusts, how it names principals. */
export function listenerTls(listener: string, dir: string, rules: string): string[] {
  const p = `listener.name.${listener.toLowerCase()}`;
  return [
    `${p}.ssl.keystore.type=PEM`,
    `${p}.ssl.keystore.location=\${${dir}}/tls-combined.pem`,
    `${p}.ssl.truststore.type=PEM`,
    `${p}.ssl.truststore.location=\${${dir}}/ca.crt`,
    `${p}.ssl.client.auth=required`,
    `${p}.ssl.principal.mapping.rules=${rules}`,
  ];
}

/** The KRaft authorizer and the same ACL model as ZooKeeper mode: nothing without an ACL, the stack's super users. */
export function kraftAuthorizer(fleet: Fleet): string[] {
  return [
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=${superUsers(fleet).join(';')}`,
  ];
}
