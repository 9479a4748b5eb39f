/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), bitwise: no table, so it costs no RAM on the board. */
export function crc16(data: Uint8Array, start?: number, end?: number): number {
  const to = end === undefined ? data.length : end;
  let crc = 0xffff;
  for (let i = start || 0; i < to; i++) {
    crc ^= (data[i] as number) << 8;
    for (let b = 0; b < 8; b++) crc = ((crc << 1) ^ (crc & 0x8000 ? 0x1021 : 0)) & 0xffff;
  }
  return crc;
}
