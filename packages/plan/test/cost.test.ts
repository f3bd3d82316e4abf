import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { costPerMessageUsd, costPlan, FIELD_REPORT, fieldReportComparison } from '../src/cost';
import { topicPlacement } from '../src/placement';
import { fleetWith, fourRegionFleet } from './fleets';

describe('cost model', () => {
  it('reproduces the field report from its inputs (18 disks of 300 GB: ZooKeeper disks as large as the brokers\')', () => {
    const fleet = fleetWith({ zookeeper: { storage: { size: '300Gi' } } });
    const c = costPlan(fleet, topicPlacement(fleet));
    expect(c.instances).toBe(9);
    expect(c.instances * c.instanceUsdPerHour).toBeCloseTo(3.496248, 6);
    expect(c.storageGib).toBe(5400);
    expect(c.storageUsdPerHour).toBeCloseTo(0.3, 6);
    expect(c.fixedUsdPerHour).toBeCloseTo(FIELD_REPORT.fixedUsdPerHour, 1);
    expect(c.crossRegionCopies).toBe(2);
    expect(c.variableUsdPerHour).toBeCloseTo(104.4, 6);
    expect(Math.round(c.variableUsdPerHour)).toBe(FIELD_REPORT.variableUsdPerHour);
    // The report rounds 108.2 up to 110 before dividing.
    expect(c.totalUsdPerHour).toBeCloseTo(108.196, 3);
    expect(costPerMessageUsd(FIELD_REPORT.totalUsdPerHour, FIELD_REPORT.messagesPerSecond)).toBeCloseTo(FIELD_REPORT.usdPerMessage, 9);
  });

  it('costs the default fleet with its own 20Gi ZooKeeper disks and 1 KiB records', () => {
    const c = costPlan(DEFAULT_FLEET, topicPlacement(DEFAULT_FLEET));
    expect([c.kafkaStorageGib, c.quorumStorageGib]).toEqual([2700, 180]);
    expect(c.storageUsdPerHour).toBeCloseTo(0.16, 6);
    expect(c.fixedUsdPerHour).toBeCloseTo(3.656248, 6);
    expect(c.totalUsdPerHour).toBeCloseTo(108.056248, 6);
    expect(c.messagesPerSecond).toBeCloseTo(1_416_015.625, 3);
    expect(c.usdPerMessage).toBeCloseTo(108.056248 / (1_416_015.625 * 3600), 15);
    expect(c.crossRegionProduceShare).toBeCloseTo(2 / 3, 9);
    expect(c.produceUsdPerHour).toBeCloseTo(34.8, 6);
    expect(c.localReadShare).toBe(1);
  });

  it('follows the fleet: half the throughput halves the variable cost, a fourth region leaves reads partly remote', () => {
    const half = fleetWith({ cost: { throughputBytesPerSecond: 725_000_000 } });
    expect(costPlan(half, topicPlacement(half)).variableUsdPerHour).toBeCloseTo(52.2, 6);
    const four = fourRegionFleet();
    const c = costPlan(four, topicPlacement(four));
    expect(c.instances).toBe(12);
    expect(c.crossRegionCopies).toBe(2);
    expect(c.localReadShare).toBeCloseTo(0.75, 9);
  });
});

describe('comparison with the field report', () => {
  it('puts the whole fixed difference on the ZooKeeper disks: the report billed them as large as the brokers\'', () => {
    const c = fieldReportComparison(DEFAULT_FLEET, costPlan(DEFAULT_FLEET, topicPlacement(DEFAULT_FLEET)));
    expect(c.report).toEqual({ fixed: 3.8, variable: 104, total: 110 });
    expect(c.fleet.fixed).toBeCloseTo(3.656248, 6);
    expect([c.reportDisks, c.reportDiskGib, c.reportStorageGib]).toEqual([18, 300, 5400]);
    // 5,400 GB instead of 2,880 GiB at $0.04/GB-month: $0.14/h, and the report's $3.8/h is back.
    expect(c.fixedWithReportDisks - c.fleet.fixed).toBeCloseTo(0.14, 6);
    expect(c.fixedWithReportDisks).toBeCloseTo(3.796248, 6);
    expect(c.fixedWithReportDisks.toFixed(1)).toBe(String(c.report.fixed));
    expect(c.totalWithReportDisks).toBeCloseTo(108.196248, 6);
  });

  it('finds no disk difference once the fleet has the report\'s disks', () => {
    const fleet = fleetWith({ zookeeper: { storage: { size: '300Gi' } } });
    const c = fieldReportComparison(fleet, costPlan(fleet, topicPlacement(fleet)));
    expect(c.fixedWithReportDisks).toBeCloseTo(c.fleet.fixed, 9);
  });
});
