/** Whether a route segment can be an id at all (UUID), so a typo is "not found" without a query. */
export const isId = (value: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** A route segment as a message's sequence (1, 2, 3, …), or null when it cannot be one. */
export function sequenceOf(value: string): number | null {
  if (!/^[1-9]\d{0,9}$/.test(value)) return null;
  const sequence = Number(value);
  return sequence <= 2_147_483_647 ? sequence : null;
}
