/**
 * CRC-32 (IEEE 802.3, as zlib computes it): the checksum every checkpoint blob carries, so a
 * torn or altered blob is refused instead of half-used. Pure (no tfjs): the trainer's tabular and
 * neural checkpoints and the web server's tfjs-free reader all share it.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
