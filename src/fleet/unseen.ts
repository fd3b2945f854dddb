/** What a session never reads: changing only these restarts nothing (a conversation kept). */
const UNSEEN = new Set(["description"]);

/** Whether an update that changed these profile paths needs the session restarted. */
export const needsRestart = (changed: readonly string[] | undefined): boolean =>
  !(changed ?? []).every((c) => UNSEEN.has(c));
