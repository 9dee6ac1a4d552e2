/** Long lists in pages under a byte budget, and the tokens that walk them. */
import assert from "node:assert/strict";
import { PAGE, pageOf, pageToken } from "../../controlplane/paging.ts";
import { ControlPlaneError } from "../../controlplane/registry.ts";

Deno.test("paging: pages stay under the byte budget, hold at least one item, and the tokens walk the whole list", () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, bytes: PAGE.maxBytes / 4 }));
  const key = (x: { key: string }) => x.key;
  const bytes = (x: { bytes: number }) => x.bytes;
  const seen: string[] = [];
  let token = "";
  let pages = 0;
  do {
    const page = pageOf(items, { size: 0, token }, key, bytes);
    assert(page.items.reduce((n, x) => n + x.bytes, 0) <= PAGE.maxBytes);
    seen.push(...page.items.map(key));
    token = page.nextToken;
    pages++;
  } while (token);
  assert.deepEqual(seen, items.map(key));
  assert.equal(pages, 3);
  const huge = [{ key: "a", bytes: PAGE.maxBytes * 2 }, { key: "b", bytes: 1 }];
  assert.deepEqual(pageOf(huge, { size: 0, token: "" }, key, bytes).items.map(key), ["a"]);
  const two = pageOf(items, { size: 2, token: "" }, key, bytes);
  assert.deepEqual([two.items.map(key), two.nextToken], [["k0", "k1"], pageToken("k1")]);
  assert.deepEqual(pageOf(items, { size: 0, token: pageToken("k9") }, key, bytes), {
    items: [],
    nextToken: "",
  });
  // A key that left between pages: the next page starts after where it was.
  assert.deepEqual(pageOf(items, { size: 1, token: pageToken("k4x") }, key, bytes).items.map(key), ["k5"]);
  for (
    const request of [{ size: 0, token: "not a token" }, { size: 0, token: pageToken("k1").slice(2) }, {
      size: -1,
      token: "",
    }]
  ) {
    assert.throws(
      () => pageOf(items, request, key, bytes),
      (e) => e instanceof ControlPlaneError && e.code === "INVALID_ARGUMENT",
    );
  }
});
