// The dashboard's page and assets, embedded in the binary as text (`bun build --compile` bundles
// these imports): nothing to build or install for the user, nothing read from disk at run time.
import commonJs from "./page/common.js" with { type: "text" };
import fleetHtml from "./page/fleet.html" with { type: "text" };
import fleetJs from "./page/fleet.js" with { type: "text" };
import styleCss from "./page/style.css" with { type: "text" };

const JS = "text/javascript; charset=utf-8";

/** Served under /ui/assets/<name>. */
export const ASSETS: Record<string, { type: string; body: string }> = {
  "common.js": { type: JS, body: commonJs },
  "fleet.js": { type: JS, body: fleetJs },
  "style.css": { type: "text/css; charset=utf-8", body: styleCss },
};

/** The pages, each with a `{{CSRF}}` placeholder for its session's token. */
export const PAGES: Record<string, string> = {
  fleet: fleetHtml as unknown as string,
};
