// The pacer keeps the Graph client under the budget Graph showed with its first 429, on a clock the
// test moves: budget learnt from what Graph admitted, requests spread so no window holds more, stale
// throttles (of requests already in flight) ignored, the limit raised while no throttle comes.
import { strict as assert } from "node:assert";
import { ManualClock } from "../../devtools/worker/manual-clock";
import { Pacer } from "../../worker/src/graph/pacer";

describe("worker Graph pacer", () => {
  it("learns the budget from a 429 and spreads requests under it", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(clock);
    for (let i = 0; i < 20; i++) {
      await pacer.admit();
      pacer.answered();
    }
    assert.equal(pacer.limit, undefined, "no limit before Graph throttles");
    const sentAt = await pacer.admit();
    pacer.throttled(sentAt);
    assert.equal(pacer.limit, 19, "95% of the 20 Graph admitted in the last second");

    clock.advance(2000);
    for (let i = 0; i < 19; i++) await pacer.admit();
    const waiting = pacer.admit();
    await clock.untilSleeping(1);
    clock.advance(1099);
    assert.equal(clock.sleeping, 1, "the 20th request of the window waits (the client's window is 1.1 s)");
    clock.advance(1);
    await waiting;
  });

  it("ignores a throttle of a request sent before the limit changed, and too small a sample", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(clock);
    const early = await pacer.admit();
    for (let i = 0; i < 3; i++) pacer.answered();
    pacer.throttled(early);
    assert.equal(pacer.limit, undefined, "three admitted requests say nothing about a budget");
    for (let i = 0; i < 10; i++) pacer.answered();
    pacer.throttled(early);
    assert.equal(pacer.limit, 12);
    clock.advance(10);
    pacer.throttled(early);
    assert.equal(pacer.limit, 12, "a request in flight when the limit was set does not lower it again");
  });

  it("raises the limit by one every ten seconds without a throttle", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(clock);
    for (let i = 0; i < 10; i++) pacer.answered();
    pacer.throttled(await pacer.admit());
    assert.equal(pacer.limit, 9);
    clock.advance(10_000);
    await pacer.admit();
    assert.equal(pacer.limit, 10);
  });
});
