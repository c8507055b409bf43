/** Limits the browser's client and the server share. */

/** Procedures per tRPC batch request; the server refuses larger batches (400). */
export const MAX_BATCH_SIZE = 20;
