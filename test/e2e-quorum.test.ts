import { parseQuorumReplication, parseQuorumStatus, quorumControllerLines, votersCaughtUp } from '../e2e/src/quorum';

// The real-Kafka harness reads KRaft's state from kafka-metadata-quorum and the controllers'
// logs. The texts below are what Kafka 4.3.1 printed (a three-voter table extends the one-voter
// table Kafka printed with rows of the same form).

const STATUS = `ClusterId:              Zmy460UvSuy0ba8TRT9T2A
LeaderId:               4095
LeaderEpoch:            7
HighWatermark:          71
MaxFollowerLag:         0
MaxFollowerLagTimeMs:   0
CurrentVoters:          [{"id": 4095, "endpoints": ["CONTROLLER://a:9090"]}, {"id": 1023, "endpoints": ["CONTROLLER://b:9090"]}, {"id": 2047, "endpoints": ["CONTROLLER://c:9090"]}]
CurrentObservers:       [{"id": 0}]
`;

const REPLICATION = [
  'NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus\t',
  '4095  \tAAAAAAAAAAAAAAAAAAAAAA\t51          \t0  \t1796178934447     \t1796178934447        \tLeader\t',
  '1023  \tBBBBBBBBBBBBBBBBBBBBBB\t50          \t1  \t1796178934400     \t1796178934300        \tFollower\t',
  '2047  \tCCCCCCCCCCCCCCCCCCCCCC\t20          \t31 \t1796178900000     \t1796178900000        \tFollower\t',
  '0     \tDDDDDDDDDDDDDDDDDDDDDD\t51          \t0  \t1796178934447     \t1796178934447        \tObserver\t',
].join('\n');

describe('kafka-metadata-quorum output', () => {
  test('describe --status: leader, epoch and the voters of Kafka 4.x JSON form (observers left out)', () => {
    expect(parseQuorumStatus(STATUS)).toEqual({ leaderId: 4095, epoch: 7, voters: [1023, 2047, 4095] });
  });

  test('describe --status: the Kafka 3.x list form', () => {
    expect(parseQuorumStatus(STATUS.replace(/^CurrentVoters:.*$/m, 'CurrentVoters:          [3,1,2]')).voters).toEqual([1, 2, 3]);
  });

  test('an error text instead of a status is an error, not a leader', () => {
    expect(() => parseQuorumStatus('Error while executing: SslAuthenticationException: SSL handshake failed')).toThrow(/no quorum status/);
  });

  test('describe --replication: columns found by the header', () => {
    const rows = parseQuorumReplication(REPLICATION);
    expect(rows.map((r) => [r.id, r.lag, r.status])).toEqual([
      [4095, 0, 'Leader'],
      [1023, 1, 'Follower'],
      [2047, 31, 'Follower'],
      [0, 0, 'Observer'],
    ]);
    expect(rows[1].lastCaughtUpMs).toBe(1796178934300);
  });

  test('a voter is caught up when the leader saw it at its log end within the window', () => {
    const rows = parseQuorumReplication(REPLICATION);
    const now = 1796178935000;
    expect(votersCaughtUp(rows, [4095, 1023], now)).toBe(true);
    // 2047 was last caught up 35 s before: cut off, not following.
    expect(votersCaughtUp(rows, [4095, 1023, 2047], now)).toBe(false);
    expect(votersCaughtUp(rows, [4095, 1023, 2047], 1796178905000)).toBe(true);
    // An observer (a broker) is no voter, and a voter missing from the table is not caught up.
    expect(votersCaughtUp(rows, [0], now)).toBe(false);
    expect(votersCaughtUp(rows, [3000], now)).toBe(false);
  });
});

describe("the controllers' logs", () => {
  test('QuorumController INFO lines in the log4j 1 and log4j2 ISO8601 forms, other lines ignored', () => {
    const text = [
      '[2026-12-02 02:35:14,777] INFO [QuorumController id=1] Becoming the active controller at epoch 1, next write offset 1. (org.apache.kafka.controller.QuorumController)',
      '2026-12-02T02:36:01,005 INFO [QuorumController id=2] Fencing broker 5 at epoch 9 because its session has timed out. (org.apache.kafka.controller.ReplicationControlManager) [quorum-controller-2-event-handler]',
      '[2026-12-02 02:36:02,000] INFO [RaftManager id=1] Completed transition to Leader (org.apache.kafka.raft.QuorumState)',
      '[2026-12-02 02:36:03,000] WARN [QuorumController id=1] Renouncing the leadership (org.apache.kafka.controller.QuorumController)',
    ].join('\n');
    const lines = quorumControllerLines(text);
    expect(lines.map((l) => [l.controller, l.message.slice(0, 20)])).toEqual([
      [1, 'Becoming the active '],
      [2, 'Fencing broker 5 at '],
    ]);
    expect(lines[1].at - lines[0].at).toBe(46_228);
  });
});
