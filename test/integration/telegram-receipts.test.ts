import { describe, expect, test } from "bun:test";
import { bridgeFleet, bridgeUp, CHAT, postHook, telegramPolls } from "../helpers/bridge-fleet";
import { chatMessage } from "../helpers/telegram";
import { until } from "../helpers/until";

/** A chat message from the person, with the id Telegram gave it. */
function fromPerson(text: string): { update: Record<string, unknown>; messageId: number } {
  const update = chatMessage(CHAT, text);
  return { update, messageId: (update.message as { message_id: number }).message_id };
}

describe("the telegram bridge, receipts in the chat", () => {
  test("a chat message gets a reaction when received and the agent's reply, threaded to it", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    const asked = fromPerson("@ana what is 6 x 7?");
    f.telegram.push(asked.update);
    const typed = await until(
      () => f.received("ana").find((t) => t.includes("what is 6 x 7?")),
      "ana to get the chat message",
      60_000,
    );
    // ana's hooks, as claude's would say it: the prompt that carried the message, then the reply.
    await postHook(f, "echo-ana", { hook_event_name: "UserPromptSubmit", prompt: typed });
    const reaction = await until(
      () => f.telegram.calls.find((c) => c.method === "setMessageReaction"),
      "the received tick",
      30_000,
    );
    expect(reaction.params).toEqual({
      chat_id: CHAT,
      message_id: asked.messageId,
      reaction: [{ type: "emoji", emoji: "👀" }],
    });
    expect(f.telegram.sent.filter((m) => m.text.startsWith("ana:"))).toEqual([]);
    const stopped = Date.now();
    await postHook(f, "echo-ana", { hook_event_name: "Stop", last_assistant_message: "42" });
    const reply = await until(
      () => f.telegram.sent.find((m) => m.text === "ana:\n42"),
      "ana's reply in the chat",
      30_000,
    );
    console.log(`turn's end -> reply in the chat: ${Date.now() - stopped} ms`);
    expect(reply.params.reply_parameters).toMatchObject({ message_id: asked.messageId });
    // Said once each: no second tick, no second reply, a while later.
    await telegramPolls(f, 3);
    expect(f.telegram.calls.filter((c) => c.method === "setMessageReaction")).toHaveLength(1);
    expect(f.telegram.sent.filter((m) => m.text === "ana:\n42")).toHaveLength(1);
  }, 120_000);

  test("where the chat takes no reactions, the tick is a short reply", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.refuseReactions();
    const asked = fromPerson("@ana are you there?");
    f.telegram.push(asked.update);
    const typed = await until(
      () => f.received("ana").find((t) => t.includes("are you there?")),
      "ana to get the chat message",
      60_000,
    );
    await postHook(f, "echo-ana", { hook_event_name: "UserPromptSubmit", prompt: typed });
    const tick = await until(
      () => f.telegram.sent.find((m) => m.text === "✓ ana has it"),
      "the tick as a reply",
      30_000,
    );
    expect(tick.params.reply_parameters).toMatchObject({ message_id: asked.messageId });
  }, 120_000);

  test("a message the bridge was down for is answered in the chat once it is back", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    const asked = fromPerson("@ana summarise the logs");
    f.telegram.push(asked.update);
    const typed = await until(
      () => f.received("ana").find((t) => t.includes("summarise the logs")),
      "ana to get the chat message",
      60_000,
    );
    expect((await f.cli(["stop", "bot"])).code).toBe(0);
    await postHook(f, "echo-ana", { hook_event_name: "UserPromptSubmit", prompt: typed });
    await postHook(f, "echo-ana", {
      hook_event_name: "Stop",
      last_assistant_message: "nothing odd",
    });
    expect((await f.cli(["start", "bot"])).code).toBe(0);
    const reply = await until(
      () => f.telegram.sent.find((m) => m.text === "ana:\nnothing odd"),
      "the reply after the bridge's restart",
      60_000,
    );
    expect(reply.params.reply_parameters).toMatchObject({ message_id: asked.messageId });
  }, 120_000);
});

describe("the telegram bridge, a peer's failures", () => {
  test("an errored or limited agent is reported once per episode, not once per retry", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    const fail = (error: string, words: string) =>
      postHook(f, "echo-ana", {
        hook_event_name: "StopFailure",
        error,
        last_assistant_message: words,
      });
    const busy = () =>
      postHook(f, "echo-ana", { hook_event_name: "UserPromptSubmit", prompt: "go on" });
    const errored = () => f.telegram.sent.filter((m) => m.text.startsWith("ana's turn failed"));
    const limited = () => f.telegram.sent.filter((m) => m.text.startsWith("ana is rate-limited"));

    await busy();
    await fail("server_error", "API Error: 500 overloaded");
    await until(() => errored().length === 1, "the failure in the chat", 30_000);
    expect(errored()[0]?.text).toBe("ana's turn failed: API Error: 500 overloaded");
    // The message is typed again and fails again: the same episode, not said again.
    await busy();
    await fail("server_error", "API Error: 500 overloaded");
    // Then a limit: a new kind of trouble, said once too. Events are handled in order, so once it
    // is in the chat the repeated failure before it was handled (and kept quiet).
    await busy();
    await fail("rate_limit", "Claude usage limit reached|1767225600");
    await until(() => limited().length === 1, "the limit in the chat", 30_000);
    await busy();
    await fail("rate_limit", "Claude usage limit reached|1767225600");
    expect(errored()).toHaveLength(1);
    expect(f.bridgeLog()).toContain(
      "ev=state-already-reported peer=ana identity=echo-ana state=errored",
    );

    // A turn answered: ana is well. A failure after that is a new episode, said again.
    await busy();
    await postHook(f, "echo-ana", { hook_event_name: "Stop", last_assistant_message: "done" });
    await busy();
    await fail("server_error", "API Error: 529 overloaded");
    await until(() => errored().length === 2, "the new episode's failure", 30_000);
    expect(errored()[1]?.text).toBe("ana's turn failed: API Error: 529 overloaded");
    expect(limited()).toHaveLength(1);
  }, 120_000);
});
