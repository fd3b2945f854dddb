// The fleet page's pictures, drawn as SVG from /ui/api/history: a timeline per peer × runtime
// over the last 24 h (or the fleet's life, when shorter) and a graph of who sent to whom. Shapes as well as colours tell things apart.

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.append(el("title", {}, text));
  return node;
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

const MINUTE = 60_000;
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180].map((m) => m * MINUTE);

/** What the window covers, in words: "The last 24 hours", "The last 35 minutes". */
export function spanTitle(h) {
  const minutes = Math.round((h.to - h.from) / MINUTE);
  if (minutes >= 24 * 60) return "The last 24 hours";
  if (minutes < 120) return `The last ${minutes} minutes`;
  return `The last ${Math.round(minutes / 60)} hours`;
}

/** One row per peer × runtime: up bands, down line, back-off, delivery ticks, death marks. */
export function drawTimeline(container, h) {
  const label = 150;
  const width = 1000;
  const rowH = 26;
  const plot = width - label - 10;
  const x = (t) => label + ((t - h.from) / (h.to - h.from)) * plot;
  const height = h.timelines.length * rowH + 24;
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "timeline",
    role: "img",
    "aria-label": `${spanTitle(h)} of each peer`,
  });
  // Grid lines back from now, a step that gives at most eight of them over the window.
  const step = STEPS.find((ms) => (h.to - h.from) / ms <= 8) ?? 3 * 3600_000;
  for (let t = h.to; t >= h.from; t -= step) {
    svg.append(el("line", { x1: x(t), x2: x(t), y1: 0, y2: height - 18, class: "grid" }));
    svg.append(
      el(
        "text",
        { x: x(t), y: height - 4, class: "axis", "text-anchor": "middle" },
        t === h.to ? "now" : clock(t),
      ),
    );
  }
  h.timelines.forEach((tl, i) => {
    const y = i * rowH;
    const mid = y + rowH / 2;
    const row = el("g", { class: "row", "data-identity": tl.identity });
    row.append(el("text", { x: 0, y: mid + 4, class: "label" }, tl.identity));
    row.append(el("line", { x1: label, x2: label + plot, y1: mid, y2: mid, class: "down" }));
    for (const [a, b] of tl.failed)
      row.append(
        titled(
          el("rect", {
            x: x(a),
            y: mid - 5,
            width: Math.max(2, x(b) - x(a)),
            height: 10,
            class: "failed",
          }),
          `wakes refused ${clock(a)}–${clock(b)}`,
        ),
      );
    for (const [a, b] of tl.up)
      row.append(
        titled(
          el("rect", {
            x: x(a),
            y: mid - 7,
            width: Math.max(2, x(b) - x(a)),
            height: 14,
            class: "up",
          }),
          `up ${clock(a)}–${clock(b)}`,
        ),
      );
    for (const t of tl.deliveries)
      row.append(el("line", { x1: x(t), x2: x(t), y1: y + 1, y2: mid - 8, class: "tick" }));
    for (const d of tl.deaths)
      row.append(
        titled(
          el("text", { x: x(d.ts), y: mid + 5, class: "death", "text-anchor": "middle" }, "✖"),
          `${clock(d.ts)}: ${d.cause}`,
        ),
      );
    svg.append(row);
  });
  container.replaceChildren(svg);
}

/** Peers on a circle; an arrow per sender → recipient, as thick as the messages were many. */
export function drawGraph(container, h) {
  const names = [...new Set(h.edges.flatMap((e) => [e.from, e.to]))].sort();
  if (names.length === 0) {
    container.replaceChildren(`No messages in ${spanTitle(h).toLowerCase()}.`);
    return;
  }
  const size = 420;
  const c = size / 2;
  const r = names.length === 1 ? 0 : size / 2 - 60;
  const at = new Map(
    names.map((n, i) => {
      const a = (2 * Math.PI * i) / names.length - Math.PI / 2;
      return [n, { x: c + r * Math.cos(a), y: c + r * Math.sin(a) }];
    }),
  );
  const svg = el("svg", {
    viewBox: `0 0 ${size} ${size}`,
    class: "graph",
    role: "img",
    "aria-label": `Who sent messages to whom in ${spanTitle(h).toLowerCase()}`,
  });
  const defs = el("defs");
  const marker = el("marker", {
    id: "arrow",
    viewBox: "0 0 10 10",
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
  defs.append(marker);
  svg.append(defs);
  const nodeR = 22;
  for (const e of h.edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    const label = `${e.from} → ${e.to}: ${e.count} sent, ${e.delivered} delivered`;
    const g = el("g", { class: "edge", "data-from": e.from, "data-to": e.to });
    if (e.from === e.to) {
      g.append(
        titled(
          el("path", {
            d: `M${a.x - 8},${a.y - nodeR} C${a.x - 40},${a.y - 70} ${a.x + 40},${a.y - 70} ${a.x + 8},${a.y - nodeR}`,
            class: "link",
            "marker-end": "url(#arrow)",
          }),
          label,
        ),
      );
      g.append(
        el("text", { x: a.x, y: a.y - 58, class: "count", "text-anchor": "middle" }, e.count),
      );
    } else {
      // Curved to one side, so a → b and b → a are two arrows, not one line.
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy);
      const ux = dx / len;
      const uy = dy / len;
      const sx = a.x + ux * nodeR;
      const sy = a.y + uy * nodeR;
      const ex = b.x - ux * nodeR;
      const ey = b.y - uy * nodeR;
      const mx = (sx + ex) / 2 - uy * 30;
      const my = (sy + ey) / 2 + ux * 30;
      g.append(
        titled(
          el("path", {
            d: `M${sx},${sy} Q${mx},${my} ${ex},${ey}`,
            class: "link",
            "stroke-width": 1.5 + Math.log2(e.count),
            "marker-end": "url(#arrow)",
          }),
          label,
        ),
      );
      g.append(el("text", { x: mx, y: my, class: "count", "text-anchor": "middle" }, e.count));
    }
    svg.append(g);
  }
  for (const n of names) {
    const p = at.get(n);
    const g = el("g", { class: "node", "data-name": n });
    g.append(el("circle", { cx: p.x, cy: p.y, r: nodeR }));
    g.append(el("text", { x: p.x, y: p.y + 4, "text-anchor": "middle" }, n));
    svg.append(g);
  }
  container.replaceChildren(svg);
}
