// The dashboard's pages and assets, embedded in the binary as text (`bun build --compile` bundles
// these imports): nothing to build or install for the user, nothing read from disk at run time.
import xtermCss from "@xterm/xterm/css/xterm.css" with { type: "text" };
import xtermJs from "@xterm/xterm/lib/xterm.mjs" with { type: "text" };
import approvalsJs from "./page/approvals.js" with { type: "text" };
import commonJs from "./page/common.js" with { type: "text" };
import fleetHtml from "./page/fleet.html" with { type: "text" };
import fleetJs from "./page/fleet.js" with { type: "text" };
import peerHtml from "./page/peer.html" with { type: "text" };
import peerJs from "./page/peer.js" with { type: "text" };
import picturesJs from "./page/pictures.js" with { type: "text" };
import styleCss from "./page/style.css" with { type: "text" };

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Served under /ui/assets/<name>. */
export const ASSETS: Record<string, { type: string; body: string }> = {
  "approvals.js": { type: JS, body: approvalsJs },
  "common.js": { type: JS, body: commonJs },
  "fleet.js": { type: JS, body: fleetJs },
  "peer.js": { type: JS, body: peerJs },
  "pictures.js": { type: JS, body: picturesJs },
  "style.css": { type: CSS, body: styleCss },
  "xterm.mjs": { type: JS, body: xtermJs },
  "xterm.css": { type: CSS, body: xtermCss },
};

/** The pages, each with a `{{CSRF}}` placeholder for its session's token. */
export const PAGES: Record<string, string> = {
  fleet: fleetHtml as unknown as string,
  peer: peerHtml as unknown as string,
};
