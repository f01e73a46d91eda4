const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** sync_queue ids are UUIDs; anything else is unknown without asking the database (which would reject the cast). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
