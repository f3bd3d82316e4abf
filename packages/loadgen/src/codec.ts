import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';

/**
 * Kafka's lz4 (record batch magic 1 and 2) is the LZ4 *frame* format (magic 04 22 4D 18), not
 * the raw block format; lz4-napi's compress/uncompress speak blocks with a size prefix, so only
 * compressFrame/decompressFrame interoperate with Java clients and brokers.
 */
export const lz4Codec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    return compressFrame(encoder.buffer);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return decompressFrame(buffer);
  },
};

/** kafkajs ships LZ4 as "not implemented"; both produce and fetch look the codec up here. */
export function registerLz4(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
}
