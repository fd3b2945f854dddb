import { expect, test } from "bun:test";
import { Pump } from "../../src/mesh/pump";

test("a pump runs one at a time, once more for a kick during a run, and survives a throw", async () => {
  let runs = 0;
  let running = 0;
  let most = 0;
  const errors: unknown[] = [];
  let fail = false;
  const pump = new Pump(
    async () => {
      runs++;
      running++;
      most = Math.max(most, running);
      await Bun.sleep(20);
      running--;
      if (fail) throw new Error("busy");
    },
    (e) => errors.push(e),
  );
  pump.kick();
  pump.kick();
  pump.kick();
  await pump.idle();
  // The two kicks during the first run make one more run, not two, and never two at once.
  expect([runs, most]).toEqual([2, 1]);
  fail = true;
  pump.kick();
  await pump.idle();
  expect(errors.map(String)).toEqual(["Error: busy"]);
  fail = false;
  pump.kick();
  await pump.idle();
  expect(runs).toBe(4);
});
