// Shared by the dashboard's pages: the session's CSRF token, time formats, state badges.

export const csrf = document.querySelector('meta[name="iapeer-csrf"]')?.getAttribute("content");

/** Never colour alone: each state has an icon and its word too. */
const ICONS = {
  live: "●",
  asleep: "☾",
  stopped: "■",
  "always-on": "⟳",
  failed: "✖",
  broken: "⚠",
  unreachable: "⌁",
};

export function stateBadge(state) {
  const badge = document.createElement("span");
  badge.className = `state state-${state}`;
  const icon = document.createElement("span");
  icon.className = "icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = ICONS[state] ?? "?";
  badge.append(icon, ` ${state}`);
  return badge;
}

export function duration(secs) {
  if (secs === undefined || secs === null || !Number.isFinite(secs)) return "-";
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400)
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

export function ago(iso, now = Date.now()) {
  return iso ? `${duration((now - Date.parse(iso)) / 1000)} ago` : "-";
}

/** A change: same origin, the CSRF header, JSON both ways. */
export async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-iapeer-csrf": csrf ?? "" },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  return { status: res.status, answer };
}

/** When the session is gone (most often: the daemon restarted), say how to get back in. */
export function sessionLost(banner) {
  banner.textContent =
    "This dashboard session has ended (the daemon restarted, or the session expired): run `iapeer ui` for a new login link.";
  banner.hidden = false;
}

/**
 * Follow the daemon's event stream; `onEvent` gets each event. The browser reconnects by itself
 * (sending the last id); a refused stream (no session) calls `onLost`.
 */
export function follow(since, onEvent, onState) {
  const stream = new EventSource(`/ui/api/events?since=${since}`);
  stream.onopen = () => onState("ok");
  stream.onmessage = (e) => onEvent(JSON.parse(e.data));
  stream.onerror = () => onState(stream.readyState === EventSource.CLOSED ? "lost" : "wait");
  return stream;
}
