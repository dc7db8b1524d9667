/** Copies a WebCodecs `BufferSource` (a `description`, say) into a fresh Uint8Array we own. */
export function copyBufferSource(d: AllowSharedBufferSource): Uint8Array {
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
  return new Uint8Array(d as ArrayBufferLike).slice();
}
