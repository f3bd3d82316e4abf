import { randomBytes } from 'node:crypto';
import { nativeCrc32c, useNativeCrc32c } from '../src/crc';

/* eslint-disable @typescript-eslint/no-require-imports */
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C');
const jsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');

describe('native CRC32C for kafkajs record batches', () => {
  it('agrees with kafkajs\' JavaScript CRC32C on the check value and on random buffers of every length class', () => {
    expect(nativeCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const n of [0, 1, 7, 8, 63, 64, 1000, 4096, 131_072 + 3]) {
      const b = randomBytes(n);
      expect(nativeCrc32c(b)).toBe(jsCrc32C(b));
    }
  });

  it('is what the patched kafkajs uses for a record batch once installed, with the same bytes as before', async () => {
    const batch = async () =>
      (await RecordBatch({ firstTimestamp: 1, maxTimestamp: 1, records: [], firstSequence: 5 })).buffer as Buffer;
    const before = await batch();
    let calls = 0;
    kafkajsCrc32C.use((b: Buffer) => (calls++, nativeCrc32c(b)));
    const swapped = await batch();
    expect(calls).toBe(1);
    useNativeCrc32c();
    const after = await batch();
    // Same batch, same CRC field (offset 8 + 4 + 4 + 1 = 17): the swap changes speed, not bytes.
    expect(swapped.equals(before)).toBe(true);
    expect(after.equals(before)).toBe(true);
    expect(after.readUInt32BE(17)).toBe(jsCrc32C(after.subarray(21)));
  });
});
