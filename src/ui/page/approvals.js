// The dialogs that wait for a person, with a button per option: the same inbox as
// `iapeer approvals`, answered through the same path as `iapeer approve` and `iapeer deny`.
import { ago, post } from "/ui/assets/common.js";

const section = document.getElementById("approvals");
const list = section?.querySelector("ul");
const note = document.getElementById("approvals-note");

function button(text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

async function answer(a, verb, option) {
  const { status, answer: body } = await post(
    `/ui/api/peers/${encodeURIComponent(a.peer)}/${verb}?runtime=${encodeURIComponent(a.runtime)}`,
    option === undefined ? {} : { option },
  );
  if (note) {
    note.textContent =
      status === 200 ? `${a.peer}: chose “${body.option}”` : (body.error ?? `HTTP ${status}`);
    note.className = status === 200 ? "muted" : "error";
  }
  void refreshApprovals();
}

export async function refreshApprovals() {
  if (!section || !list) return;
  const res = await fetch("/ui/api/approvals").catch(() => undefined);
  if (!res?.ok) return;
  const waiting = await res.json();
  list.replaceChildren(
    ...waiting.map((a) => {
      const li = document.createElement("li");
      li.dataset.peer = a.peer;
      const head = document.createElement("p");
      const who = document.createElement("strong");
      who.textContent = a.peer;
      head.append(who, ` (${a.runtime}) asks, ${ago(a.since)}: `);
      const q = document.createElement("q");
      q.textContent = a.question;
      head.append(q);
      const buttons = document.createElement("p");
      buttons.className = "options";
      for (const [i, o] of a.options.entries())
        buttons.append(button(`${i + 1}. ${o}`, () => answer(a, "approve", String(i + 1))));
      if (a.options.length === 0) buttons.append(button("Approve", () => answer(a, "approve")));
      buttons.append(button("Deny", () => answer(a, "deny")));
      li.append(head, buttons);
      return li;
    }),
  );
  section.hidden = waiting.length === 0 && !(note?.textContent ?? "");
}
