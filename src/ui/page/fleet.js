import { refreshApprovals } from "/ui/assets/approvals.js";
import { ago, duration, follow, sessionLost, stateBadge } from "/ui/assets/common.js";
import { drawGraph, drawTimeline, spanTitle } from "/ui/assets/pictures.js";

const body = document.querySelector("#fleet tbody");
const filter = document.getElementById("filter");
const banner = document.getElementById("banner");
const link = document.getElementById("link");
const summary = document.getElementById("summary");
const empty = document.getElementById("empty");

let rows = [];
/** Local time when the rows were fetched: uptime and back-off count on from it. */
let fetchedAt = Date.now();
let sort = { key: "personality", dir: 1 };
let stream;
const lastState = new Map();

function sortValue(r, key) {
  if (key === "last_death") return r.last_death?.ts ?? "";
  const v = r[key];
  return v === undefined || v === null ? -1 : v;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (text instanceof Node) td.append(text);
  else td.textContent = text;
  return td;
}

function render() {
  const elapsed = (Date.now() - fetchedAt) / 1000;
  const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = rows
    .filter((r) => {
      const hay =
        `${r.personality} ${r.runtime} ${r.state} ${r.last_death?.cause ?? ""}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    })
    .sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir || a.identity.localeCompare(b.identity);
    });
  const trs = shown.map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.identity = r.identity;
    tr.dataset.state = r.state;
    const before = lastState.get(r.identity);
    if (before !== undefined && before !== r.state) tr.className = "changed";
    const peer = document.createElement("a");
    peer.href = `/ui/peer?name=${encodeURIComponent(r.personality)}&runtime=${encodeURIComponent(r.runtime)}`;
    peer.textContent = r.personality;
    const live = r.uptime_s !== undefined;
    const backoff = r.backoff_s !== undefined ? r.backoff_s - elapsed : undefined;
    const cause = r.last_death
      ? `${r.last_death.cause}${r.last_death.detail ? ` — ${r.last_death.detail}` : ""} (${ago(r.last_death.ts)})`
      : "-";
    const state = stateBadge(r.state);
    if (r.problem) state.title = r.problem;
    // What its agent is doing, from its hooks or its screen.
    if (r.agent) {
      const agent = document.createElement("span");
      agent.className = `agent agent-${r.agent.state}`;
      agent.textContent = ` · ${r.agent.state}`;
      agent.title = `${r.agent.state} since ${r.agent.since} (from its ${r.agent.source})${r.agent.question ? `: ${r.agent.question}` : ""}`;
      state.append(agent);
    }
    tr.append(
      cell(peer),
      cell(r.default ? r.runtime : `${r.runtime} (alt)`),
      cell(state),
      cell(live ? duration(r.uptime_s + elapsed) : "-", "num"),
      cell(ago(r.last_activity)),
      cell(String(r.queued), "num"),
      cell(String(r.deliveries_24h), "num"),
      cell(String(r.deaths_24h), "num"),
      cell(cause, "cause"),
      cell(backoff !== undefined && backoff > 0 ? duration(backoff) : "-", "num"),
    );
    return tr;
  });
  body.replaceChildren(...trs);
  for (const r of rows) lastState.set(r.identity, r.state);
  empty.hidden = rows.length > 0;
  summary.textContent = stateSummary(rows);
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.setAttribute(
      "aria-sort",
      th.dataset.sort === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none",
    );
  }
}

/**
 * `3 peers · 1 live · 1 asleep · 1 stopped · 0 failed`: every runtime's row counted by its
 * state, stopped ones too, and the rarer states (always-on, broken) when there are any.
 */
function stateSummary(rows) {
  const count = (s) => rows.filter((r) => r.state === s).length;
  const states = ["live", "always-on", "asleep", "stopped", "failed", "broken"].filter(
    (s) => ["live", "asleep", "stopped", "failed"].includes(s) || count(s) > 0,
  );
  const peers = new Set(rows.map((r) => r.personality)).size;
  return [
    `${peers} ${peers === 1 ? "peer" : "peers"}`,
    ...states.map((s) => `${count(s)} ${s}`),
  ].join(" · ");
}

/** The mesh's other hosts, as their directory entries say (they are not in this host's stream). */
let othersPolled = false;
function renderOthers(data) {
  const section = document.getElementById("hosts");
  section.hidden = data.mesh === undefined || data.mesh === "off";
  if (section.hidden) return;
  if (!othersPolled) setInterval(refresh, 5_000);
  othersPolled = true;
  document.getElementById("mesh-note").textContent =
    data.mesh === "down"
      ? "(the mesh cannot be reached now)"
      : `(from the mesh's directory; this host is ${data.host})`;
  const trs = data.others.map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.peer = `${r.personality}@${r.host}`;
    tr.dataset.state = r.state;
    tr.append(
      cell(r.host),
      cell(r.personality),
      cell(r.runtimes.join(", ")),
      cell(stateBadge(r.state)),
      cell(ago(r.last_seen)),
      cell(r.description ?? ""),
    );
    return tr;
  });
  document.querySelector("#others tbody").replaceChildren(...trs);
}

let fetching = false;
let again = false;
/** One fetch at a time; an event during it asks for one more (never lost: no await in between). */
async function refresh() {
  again = true;
  if (fetching) return;
  fetching = true;
  try {
    while (again) {
      again = false;
      let res;
      try {
        res = await fetch("/ui/api/fleet");
      } catch {
        link.className = "link link-lost";
        link.textContent = "the daemon does not answer";
        return;
      }
      if (res.status === 401) {
        sessionLost(banner);
        stream?.close();
        link.className = "link link-lost";
        link.textContent = "signed out";
        return;
      }
      const data = await res.json();
      rows = data.rows;
      fetchedAt = Date.now();
      render();
      renderOthers(data);
      refreshApprovals();
      if (!stream) start(data.last_event);
    }
  } finally {
    fetching = false;
  }
}

/** The pictures: redrawn at most every 2 s, however many events come. */
let picturesBusy = false;
let picturesAgain = false;
let picturesAt = 0;
async function refreshPictures() {
  picturesAgain = true;
  if (picturesBusy) return;
  picturesBusy = true;
  try {
    while (picturesAgain) {
      picturesAgain = false;
      const wait = picturesAt + 2000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      picturesAt = Date.now();
      const res = await fetch("/ui/api/history").catch(() => undefined);
      if (!res?.ok) return;
      const h = await res.json();
      document.getElementById("timeline-title").textContent = spanTitle(h);
      drawTimeline(document.getElementById("timeline"), h);
      drawGraph(document.getElementById("graph"), h);
    }
  } finally {
    picturesBusy = false;
  }
}

function start(since) {
  stream = follow(
    since,
    () => {
      void refresh();
      void refreshPictures();
    },
    (state) => {
      link.className = `link link-${state}`;
      link.textContent =
        state === "ok" ? "updating live" : state === "wait" ? "reconnecting…" : "lost";
      // A stream the daemon refused, or a daemon that came back: the fetch tells which.
      if (state !== "ok") void refresh();
    },
  );
}

for (const th of document.querySelectorAll("th[data-sort]")) {
  th.addEventListener("click", () => {
    const key = th.dataset.sort;
    sort = { key, dir: sort.key === key ? -sort.dir : 1 };
    render();
  });
}
filter.addEventListener("input", render);
// Uptime and back-off tick on between events; a slow full refresh catches what no event says.
setInterval(render, 1000);
setInterval(refresh, 15_000);
setInterval(refreshPictures, 60_000);
void refresh();
void refreshPictures();
