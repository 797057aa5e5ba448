// One search request: knn or range, a filter and an attribute expression together, and the
// fate of the labels you expected to see (found, filtered, beyond_k, not_reached, absent).

import { Index } from "vsag";

const dim = 8;
const n = 100;
const vectors = new Float32Array(n * dim);
for (let i = 0; i < n; i++) vectors.fill(i, i * dim, (i + 1) * dim); // row i is (i, i, ..., i)
const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
const attributes = Array.from({ length: n }, (_, i) => ({ shop: i % 4 }));

const index = new Index("brute_force", { dtype: "float32", metric_type: "l2", dim, index_param: {} });
index.build(vectors, ids, n, dim, { attributes });
const query = new Float32Array(dim).fill(50);

const res = index.search(query, {
    k: 3,
    filter: [52n],
    filterExpr: "shop = 0",
    expectedLabels: [48n, 52n, 56n, 51n, 1000n],
});
console.log(`ids: ${Array.from(res.ids).join(", ")}`);
for (const e of res.expected ?? []) console.log(`  label ${e.label}: ${e.reason}`);

const within = index.search(query, { radius: 4 * dim + 0.5 }); // rows 48..52
console.log(`range: ${Array.from(within.ids).join(", ")}`);

const reasons = (res.expected ?? []).map((e) => e.reason).join();
const ok =
    res.ids[0] === 48n && Array.from(res.ids).sort().join() === "44,48,56" &&
    reasons === "found,filtered,found,filtered,absent" &&
    within.ids.length === 5;
index.close();
if (!ok) process.exitCode = 1;
