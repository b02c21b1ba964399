/**
 * Test support (not a test file): edits a neural checkpoint blob's header while keeping its
 * framing valid, so tests can reach the loaders' checks past the magic and the lengths.
 */
export function withHeader(blob: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const length = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(blob.subarray(12, 12 + length))) as Record<string, unknown>;
  edit(header);
  const bytes = new TextEncoder().encode(JSON.stringify(header));
  const weights = blob.subarray(12 + length);
  const out = new Uint8Array(12 + bytes.length + weights.length);
  out.set(blob.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, bytes.length, true);
  out.set(bytes, 12);
  out.set(weights, 12 + bytes.length);
  return out;
}
