/** ClickHouse DateTime64(3) parameter text for a UTC instant. */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
