import { ago, duration, follow, post, sessionLost, stateBadge } from "/ui/assets/common.js";
import { Terminal } from "/ui/assets/xterm.mjs";

const params = new URLSearchParams(location.search);
const name = params.get("name") ?? "";
let runtime = params.get("runtime") ?? "";
const $ = (id) => document.getElementById(id);
const banner = $("banner");
const link = $("link");
$("name").textContent = name;
document.title = `iapeer — ${name}`;

const term = new Terminal({
  disableStdin: true,
  cursorBlink: false,
  fontSize: 13,
  scrollback: 0,
  theme: { background: "#000000" },
});
term.open($("terminal"));

/**
 * Shrink (or grow back) the font so the pane's full width fits the box; below a legible size
 * the box scrolls instead.
 */
const FONT_MAX = 13;
function fitTerminal() {
  const box = $("terminal");
  const screen = box.querySelector(".xterm-screen");
  if (!screen || screen.offsetWidth === 0) return;
  const room = box.clientWidth - 8; // the box's padding
  const size = term.options.fontSize;
  const wanted = Math.max(
    8,
    Math.min(FONT_MAX, Math.floor(((size * room) / screen.offsetWidth) * 4) / 4),
  );
  if (Math.abs(wanted - size) >= 0.25) term.options.fontSize = wanted;
}
addEventListener("resize", fitTerminal);

let lost = false;
function signedOut() {
  lost = true;
  sessionLost(banner);
  link.className = "link link-lost";
  link.textContent = "signed out";
}

async function getJson(path) {
  const res = await fetch(path);
  if (res.status === 401) {
    signedOut();
    return undefined;
  }
  return res.json();
}

const cell = (text, className) => {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (text instanceof Node) td.append(text);
  else td.textContent = text;
  return td;
};

/** Bodies asked for, kept across redraws (the trail is redrawn on every event). */
const bodies = new Map();

function renderDetail(d) {
  const select = $("runtime");
  if (select.options.length === 0) {
    for (const r of d.runtimes) select.add(new Option(r.runtime, r.runtime));
  }
  if (!runtime) runtime = d.runtimes.find((r) => r.default)?.runtime ?? d.runtimes[0]?.runtime;
  select.value = runtime;
  const r = d.runtimes.find((x) => x.runtime === runtime);
  if (r) {
    $("state").replaceChildren(stateBadge(r.state));
    $("state").dataset.state = r.state;
    $("facts").textContent = [
      r.pid ? `pid ${r.pid}` : "",
      r.uptime_s !== undefined ? `up ${duration(r.uptime_s)}` : "",
      r.last_activity ? `active ${ago(r.last_activity)}` : "",
      r.failed_until ? `wakes refused until ${new Date(r.failed_until).toLocaleTimeString()}` : "",
      d.cwd,
    ]
      .filter(Boolean)
      .join(" · ");
  }
  $("deaths").replaceChildren(
    ...[...d.deaths].reverse().map((x) => {
      const li = document.createElement("li");
      li.textContent = `${new Date(x.ts).toLocaleString()} · ${x.identity} · ${x.cause}${x.detail ? ` — ${x.detail}` : ""}`;
      return li;
    }),
  );
  if (d.deaths.length === 0) $("deaths").replaceChildren("none recorded");
  $("messages")
    .querySelector("tbody")
    .replaceChildren(
      ...d.messages.map((m) => {
        const tr = document.createElement("tr");
        tr.dataset.id = m.id;
        tr.dataset.state = m.state;
        const show = document.createElement("button");
        show.type = "button";
        show.textContent = "show";
        const body = cell(bodies.has(m.id) ? bodies.get(m.id) : show, "cause");
        show.addEventListener("click", async () => {
          const full = await getJson(`/ui/api/messages/${encodeURIComponent(m.id)}`);
          if (!full) return;
          bodies.set(m.id, full.body ?? full.error ?? "");
          body.replaceChildren(bodies.get(m.id));
        });
        tr.append(
          cell(new Date(m.createdAt).toLocaleTimeString()),
          cell(`${m.sender} → ${m.recipient}`),
          cell(m.topic ?? "-"),
          cell(`${m.state}${m.woke ? ", woke it" : ""}${m.error ? ` (${m.error})` : ""}`),
          cell(String(m.attempts), "num"),
          cell(m.deliveredAt ? new Date(m.deliveredAt).toLocaleTimeString() : "-"),
          body,
        );
        return tr;
      }),
    );
}

let detailBusy = false;
let detailAgain = false;
async function refreshDetail() {
  if (detailBusy) {
    detailAgain = true;
    return;
  }
  detailBusy = true;
  try {
    do {
      detailAgain = false;
      const d = await getJson(`/ui/api/peers/${encodeURIComponent(name)}`);
      if (!d) return;
      if (d.error) {
        banner.textContent = d.error;
        banner.hidden = false;
        return;
      }
      renderDetail(d);
      if (!stream) start(d.last_event);
    } while (detailAgain);
  } finally {
    detailBusy = false;
  }
}

/**
 * The pane as captured: redrawn only when it changed (text, size or cursor). The stamp of what
 * is shown spares the daemon a capture while the pane prints nothing; every 10th look captures
 * anyway (a resize prints nothing itself).
 */
let shown = "";
let stamp = "";
let looks = 0;
async function refreshScreen() {
  if (lost || !runtime) return;
  const since = ++looks % 10 !== 0 && stamp ? `&since=${encodeURIComponent(stamp)}` : "";
  const s = await getJson(
    `/ui/api/peers/${encodeURIComponent(name)}/screen?runtime=${encodeURIComponent(runtime)}${since}`,
  ).catch(() => undefined);
  if (!s || s.unchanged) return;
  stamp = s.stamp ?? "";
  const { stamp: _, ...drawn } = s;
  const key = JSON.stringify(drawn);
  if (key === shown) return;
  shown = key;
  term.reset();
  if (!s.live) {
    term.write("\x1b[2m(not running: wake it to see its screen)\x1b[0m");
    $("screen-note").textContent = "";
    $("terminal").dataset.live = "false";
    return;
  }
  if (term.cols !== s.cols || term.rows !== s.rows) {
    term.resize(s.cols, s.rows);
    fitTerminal();
  }
  const lines = s.text.replace(/\n$/, "").split("\n");
  term.write(`${lines.join("\r\n")}\x1b[${s.cursor.y + 1};${s.cursor.x + 1}H`);
  $("terminal").dataset.live = "true";
  if (!typing.checked)
    $("screen-note").textContent = `${s.cols}×${s.rows}, refreshed as it changes`;
}

let stream;
function start(since) {
  stream = follow(
    since,
    () => refreshDetail(),
    (state) => {
      link.className = `link link-${state}`;
      link.textContent =
        state === "ok" ? "updating live" : state === "wait" ? "reconnecting…" : "lost";
      if (state !== "ok") void refreshDetail();
    },
  );
}

for (const button of document.querySelectorAll("button[data-action]")) {
  button.addEventListener("click", async () => {
    const action = button.dataset.action;
    const out = $("action-outcome");
    out.className = "muted";
    out.textContent = `${action}…`;
    const { status, answer } = await post(
      `/ui/api/peers/${encodeURIComponent(name)}/${action}?runtime=${encodeURIComponent(runtime)}`,
    );
    if (status === 401) return signedOut();
    out.className = answer.ok ? "outcome-ok" : "outcome-bad";
    out.textContent = answer.ok
      ? `${action}: done${answer.woke === false ? " (it was already live)" : ""}${answer.ready_ms !== undefined ? `, ready in ${answer.ready_ms} ms` : ""}`
      : `${action} refused: ${answer.error}`;
    void refreshDetail();
  });
}

// Typing into the session, only while the box is ticked; keys go in order, one burst at a time.
const typing = $("typing");
let keys = Promise.resolve();
typing.addEventListener("change", () => {
  term.options.disableStdin = !typing.checked;
  $("terminal").classList.toggle("typing-on", typing.checked);
  $("screen-note").textContent = typing.checked
    ? `typing into ${name}'s session: the agent sees every key`
    : "";
  if (typing.checked) term.focus();
  else term.blur();
});
term.onData((data) => {
  if (!typing.checked) return;
  keys = keys.then(async () => {
    const { status, answer } = await post(
      `/ui/api/peers/${encodeURIComponent(name)}/keys?runtime=${encodeURIComponent(runtime)}`,
      { data },
    );
    if (status === 401) signedOut();
    else if (status !== 200) $("screen-note").textContent = `not typed: ${answer.error}`;
  });
});

$("runtime").addEventListener("change", (e) => {
  runtime = e.target.value;
  shown = "";
  stamp = "";
  void refreshDetail();
  void refreshScreen();
});

$("send").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = $("send-outcome");
  const body = $("body").value;
  const topic = $("topic").value.trim();
  out.className = "muted";
  out.textContent = "sending…";
  out.dataset.outcome = "";
  const { status, answer } = await post("/ui/api/send", {
    to: name,
    body,
    runtime,
    ...(topic && { topic }),
  });
  if (status === 401) return signedOut();
  const o = answer.outcome ?? { ok: false, outcome: "failed", error: answer.error };
  out.className = o.ok ? "outcome-ok" : "outcome-bad";
  out.dataset.outcome = o.outcome;
  out.textContent = `${o.outcome}${o.woke ? " (woke it)" : ""}${o.error ? `: ${o.error}` : ""}${o.id ? ` · ${o.id}` : ""}`;
  if (o.ok) $("body").value = "";
  void refreshDetail();
});

void refreshDetail();
void refreshScreen();
setInterval(refreshScreen, 400);
setInterval(refreshDetail, 15_000);
