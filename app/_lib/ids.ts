/** Whether a route segment can be an id at all (UUID), so a typo is "not found" without a query. */
export const isId = (value: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
