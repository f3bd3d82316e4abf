import { Fleet, KAFKA, KRAFT, TLS_MOUNT, ZOOKEEPER, kafkaBrokers, kraftClusterId, kraftControllers, zookeeperNodes } from '@stretched-kafka/fleet';
import { shellCommand } from './commands';

// The plan's section for a ZooKeeper-to-KRaft migration (metadata.mode migration): for the phase
// this fleet asks for, what Kafka must report before the commit is merged, what it reports once
// the phase is done, and Kafka 3.9's documented way back ("Reverting to ZooKeeper mode During the
// Migration"). The states are those of the active controller's metric
// kafka.controller:type=KafkaController,name=ZkMigrationState (Kafka's monitoring documentation):
// 2 PRE_MIGRATION (waiting for every ZooKeeper-mode broker to register in migration mode),
// 1 MIGRATION (metadata copied; dual writes to ZooKeeper), 3 POST_MIGRATION (finalized).

/** The rendered server.properties holds the brokers' ZooKeeper TLS client settings, which zookeeper-shell.sh reads from -zk-tls-config-file (other keys are ignored). */
const BROKER_PROPERTIES = '/tmp/kafka/server.properties';
const CONTROLLER_CLIENT = '/tmp/kafka/controller-client.properties';

function ctx(fleet: Fleet, region: string): string[] {
  return ['kubectl', '--context', region, '-n', fleet.namespace];
}

/** zookeeper-shell.sh from broker kafka-0 of the first region, over TLS with the broker's own certificate. */
function zookeeperShell(fleet: Fleet, ...command: string[]): string {
  const zk = zookeeperNodes(fleet)[0];
  const r = fleet.regions[0].name;
  return shellCommand([...ctx(fleet, r), 'exec', `${KAFKA.name}-0`, '-c', KAFKA.name, '--', '/opt/kafka/bin/zookeeper-shell.sh', `${zk.host}:${ZOOKEEPER.clientPort}`, '-zk-tls-config-file', BROKER_PROPERTIES, ...command]);
}

/** kafka-metadata-quorum.sh from controller kafka-controller-0 of the first region, with the controller's certificate. */
function quorumCommands(fleet: Fleet, what: 'status' | 'replication'): string[] {
  const c = kraftControllers(fleet)[0];
  const r = c.region.name;
  const config = ['security.protocol=SSL', 'ssl.keystore.type=PEM', `ssl.keystore.location=${TLS_MOUNT}/tls-combined.pem`, 'ssl.truststore.type=PEM', `ssl.truststore.location=${TLS_MOUNT}/ca.crt`].join('\n');
  return [
    shellCommand([...ctx(fleet, r), 'exec', c.pod, '--', 'bash', '-c', `printf '%s\\n' '${config.replace(/\n/g, "' '")}' > ${CONTROLLER_CLIENT}`]),
    shellCommand([...ctx(fleet, r), 'exec', c.pod, '--', '/opt/kafka/bin/kafka-metadata-quorum.sh', '--bootstrap-controller', `${c.host}:${KRAFT.controllerPort}`, '--command-config', CONTROLLER_CLIENT, 'describe', `--${what}`]),
  ];
}

/** The controllers' log lines about the migration, in every region. */
function controllerLogs(fleet: Fleet, pattern: string): string[] {
  return kraftControllers(fleet).map((c) => shellCommand([...ctx(fleet, c.region.name), 'logs', c.pod], ['grep', '-i', pattern]));
}

export function migrationSection(fleet: Fleet, line: (s?: string) => void): void {
  if (fleet.metadata.mode !== 'migration') return;
  const phase = fleet.metadata.phase!;
  const brokers = kafkaBrokers(fleet).length;
  const voters = kraftControllers(fleet).length;
  const id = kraftClusterId(fleet);
  const code = (cmds: string[]) => {
    line('```sh');
    for (const c of cmds) line(c);
    line('```');
  };
  const STATE = '`kafka.controller:type=KafkaController,name=ZkMigrationState` on the active controller';
  line(`## ZooKeeper to KRaft migration: phase ${phase} of 4`);
  line();
  line(
    [
      'This commit deploys the KRaft controllers in migration mode next to ZooKeeper (Kafka 3.9, `zookeeper.metadata.migration.enable`, `zookeeper.connect`); the brokers do not restart.',
      'This commit rolls the brokers, still in ZooKeeper mode, with the migration settings and the controller quorum; once the last one is back, the active controller copies the metadata out of ZooKeeper.',
      'This commit rolls the brokers into KRaft mode (`process.roles=broker`, the same ids, no ZooKeeper settings, `StandardAuthorizer`); the controllers keep writing the metadata to ZooKeeper too.',
      'This commit finalizes the migration: the controllers restart one at a time out of migration mode and ZooKeeper leaves the tree. **There is no way back to ZooKeeper after this.**',
    ][phase - 1],
  );
  line();
  line('**Before merging**, check that the previous step is complete:');
  line();
  if (phase === 1) {
    line(`- [ ] The ZooKeeper cluster's id is \`metadata.clusterId\` (${id}): the command prints it (or read \`cluster.id\` in any broker's \`meta.properties\`):`);
    code([zookeeperShell(fleet, 'get', '/cluster/id')]);
    line(`- [ ] Every broker runs Kafka ${fleet.kafka.version} with \`inter.broker.protocol.version=${fleet.kafka.version.split('.').slice(0, 2).join('.')}\` (the committed tree sets both) and no partition is under-replicated.`);
  } else if (phase === 2) {
    line(`- [ ] The ${voters} controllers form one quorum: \`LeaderId\` set, \`CurrentVoters\` lists all ${voters}:`);
    code(quorumCommands(fleet, 'status'));
    line(`- [ ] ${STATE} is 2 (PRE_MIGRATION: waiting for the brokers to register in migration mode).`);
  } else if (phase === 3) {
    line(`- [ ] The active controller logged \`Completed migration of metadata from Zookeeper to KRaft\`:`);
    code(controllerLogs(fleet, 'Completed migration of metadata'));
    line(`- [ ] ${STATE} is 1 (MIGRATION: dual writes), and all ${brokers} brokers are registered: \`kafka.controller:type=KafkaController,name=MigratingZkBrokerCount\` is ${brokers} and every broker id is an observer here:`);
    code(quorumCommands(fleet, 'replication'));
    line('- [ ] Topics, configs and ACLs read the same as before the migration (`kafka-topics.sh --describe`, `kafka-configs.sh --describe --all`, `kafka-acls.sh --list` with the break-glass admin below).');
  } else {
    line(`- [ ] Every broker runs in KRaft mode: \`kafka.controller:type=KafkaController,name=MigratingZkBrokerCount\` is 0, and all ${brokers} broker ids are observers:`);
    code(quorumCommands(fleet, 'replication'));
    line(`- [ ] ${STATE} is still 1 (MIGRATION). This is the last point with a way back: Kafka's documentation notes that some users run a week or two like this before finalizing.`);
    line(`- [ ] \`gitops.prune\` is false in this commit (now ${fleet.gitops.prune}): Kafka deprovisions ZooKeeper only after every controller left migration mode, and Flux would prune it during the controllers' roll.`);
  }
  line();
  line('**Done when** (after the sync):');
  line();
  line(
    [
      `- the ${voters} controllers are up in one quorum and ${STATE} is 2 (PRE_MIGRATION); the next step is \`metadata.phase: 2\`.`,
      `- the active controller logged \`Completed migration of metadata from Zookeeper to KRaft\` and ${STATE} is 1 (MIGRATION); the next step is \`metadata.phase: 3\`.`,
      `- \`MigratingZkBrokerCount\` is 0 with all ${brokers} brokers registered; the next step is \`metadata.phase: 4\`.`,
      `- ${STATE} is 3 (POST_MIGRATION) once every controller restarted; then set \`gitops.prune\` back to true and GitOps removes ZooKeeper (delete its PersistentVolumeClaims when you no longer want the data). Next, an ordinary version bump: \`metadata.mode: kraft\` on Kafka 4.`,
    ][phase - 1],
  );
  line();
  line('**Rolling back** (Kafka 3.9, "Reverting to ZooKeeper mode During the Migration"; synth allows only these steps):');
  line();
  if (phase === 1) {
    line('- Commit `metadata.mode: zookeeper` (without `phase` and `clusterId`, `controllerReplicas` 0): the sync removes the controllers. Then delete their PersistentVolumeClaims (`kubectl delete pvc -l app.kubernetes.io/name=kafka-controller` in every region), so a later attempt formats them afresh.');
  } else if (phase === 2 || phase === 3) {
    if (phase === 3) {
      line('- First commit `metadata.phase: 2`: the brokers roll back into ZooKeeper mode, the migration settings kept (Kafka: `zookeeper.metadata.migration.enable` stays true on this roll). Then, as from phase 2:');
    }
    const deprovision = fleet.regions.map((r) => shellCommand([...ctx(fleet, r.name), 'delete', 'statefulset', KRAFT.name]));
    const znodes = [zookeeperShell(fleet, 'delete', '/controller'), zookeeperShell(fleet, 'get', '/migration'), zookeeperShell(fleet, 'delete', '/migration')];
    line(`- Keep GitOps from recreating the controllers meanwhile: \`flux suspend kustomization ${fleet.name}-controllers\` in every region, or turn off self-heal of the region Applications in Argo CD.`);
    line('- Stop the controllers in every region, then quickly (the cluster has no controller in between) delete `/controller` so that a broker becomes the ZooKeeper-mode controller, and read, then delete, `/migration` (the migration state; keep what `get` printed for debugging):');
    code([...deprovision, ...znodes]);
    line('- Commit `metadata.mode: zookeeper` (without `phase` and `clusterId`, `controllerReplicas` 0): the brokers roll without the migration settings and GitOps removes the rest of the controllers. Until then, the brokers\' errors about the unreachable controllers are expected. Delete the controllers\' PersistentVolumeClaims afterwards.');
  } else {
    line('- None: once finalized, Kafka cannot go back to ZooKeeper, and synth refuses a tree that tries.');
  }
  line();
}
