import { crc32c } from '@node-rs/crc32';

// kafkajs computes the record batch CRC32C in JavaScript, one table lookup per byte (about
// 100 MB/s on the bench machine: most of a core at the bench's 1 KiB x 100k records/s). The
// repository's kafkajs patch lets the program swap in a native one (@node-rs/crc32, SSE4.2 or
// ARMv8 CRC instructions where the CPU has them).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as ((b: Buffer) => number) & { use?: (fn: (b: Buffer) => number) => void };

/** The CRC32C check value of "123456789" (RFC 3720, B.4). */
const CHECK = 0xe3069283;

export function nativeCrc32c(buffer: Buffer): number {
  return crc32c(buffer) >>> 0;
}

/**
 * Makes kafkajs use the native CRC32C. Refuses to start when the patch is missing (kafkajs
 * installed without `npm ci`'s postinstall) or the native result is wrong: a bad checksum
 * would have every batch rejected by the brokers (CORRUPT_MESSAGE).
 */
export function useNativeCrc32c(): void {
  if (typeof kafkajsCrc32C.use !== 'function') {
    throw new Error('kafkajs is not patched (patches/kafkajs+2.2.4.patch): run npm ci, which applies it');
  }
  const probe = Buffer.from('123456789');
  if (nativeCrc32c(probe) !== CHECK || kafkajsCrc32C(probe) !== CHECK) throw new Error('CRC32C self-check failed');
  kafkajsCrc32C.use(nativeCrc32c);
}
