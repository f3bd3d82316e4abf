import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { lz4Codec, registerLz4 } from '../src/codec';

const LZ4_FRAME_MAGIC = Buffer.from([0x04, 0x22, 0x4d, 0x18]);
const INPUT = Buffer.from('kafka lz4 frame interop; '.repeat(40));

// Made offline with the reference encoder (lz4 CLI v1.9.4) from INPUT:
//   `lz4 -c in.txt` (content checksum) and `lz4 -c -BX --content-size in.txt`
//   (block checksums, content size). Java Kafka's frames are checked by the real-broker run.
const CLI_FRAMES = [
  '04224d186440a727000000ff0a6b61666b61206c7a34206672616d6520696e7465726f703b201900ffffffba50726f703b2000000000ac446ec2',
  '04224d187c40e8030000000000003d27000000ff0a6b61666b61206c7a34206672616d6520696e7465726f703b201900ffffffba50726f703b203a5a4b5a00000000ac446ec2',
];

describe('lz4 codec', () => {
  it('replaces kafkajs\' "not implemented" LZ4 entry', () => {
    expect(() => CompressionCodecs[CompressionTypes.LZ4]()).toThrow(/not implemented/i);
    registerLz4();
    expect(CompressionCodecs[CompressionTypes.LZ4]()).toBe(lz4Codec);
  });

  it('round-trips through kafkajs\' codec interface (encoder with .buffer)', async () => {
    const compressed = await lz4Codec.compress({ buffer: INPUT });
    expect(compressed.length).toBeLessThan(INPUT.length / 4);
    expect(await lz4Codec.decompress(compressed)).toEqual(INPUT);
  });

  it('writes the LZ4 frame format Kafka expects: magic, version 01, independent blocks', async () => {
    const compressed = await lz4Codec.compress({ buffer: INPUT });
    expect(compressed.subarray(0, 4)).toEqual(LZ4_FRAME_MAGIC);
    const flg = compressed[4];
    expect(flg >> 6).toBe(0b01);
    expect(flg & 0x20).toBe(0x20);
    // End mark: a zero block size after the last block (no content checksum requested).
    expect(compressed.subarray(-4)).toEqual(Buffer.alloc(4));
  });

  it.each(CLI_FRAMES.map((hex, i) => [i, hex]))('reads a frame made by the reference encoder (#%i)', async (_i, hex) => {
    expect(await lz4Codec.decompress(Buffer.from(hex, 'hex'))).toEqual(INPUT);
  });

  it('rejects the raw block format instead of misreading it', async () => {
    await expect(lz4Codec.decompress(Buffer.from('11000000f00268656c6c6f', 'hex'))).rejects.toThrow();
  });
  // The other direction (our frames read by a reference decoder) is the real-Kafka harness's job:
  // brokers and Java consumers there read what the load program writes.
});
