// Filtered search: exclude labels with a list, a bitmask, or a keep-mask.

import { Index, createBitmask } from "vsag";

const dim = 8;
const n = 100;
const vectors = new Float32Array(n * dim);
for (let i = 0; i < n; i++) vectors.fill(i, i * dim, (i + 1) * dim); // row i is (i, i, ..., i)
const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));

const index = new Index("brute_force", { dtype: "float32", metric_type: "l2", dim, index_param: {} });
index.build(vectors, ids, n, dim);
const query = new Float32Array(dim).fill(50);

const plain = index.knnSearch(query, 3);
console.log(`no filter:        ${Array.from(plain.ids).join(", ")}`);

const byList = index.knnSearch(query, 3, "", new BigInt64Array([50n, 51n]));
console.log(`exclude [50, 51]: ${Array.from(byList.ids).join(", ")}`);

const evens = createBitmask(Array.from({ length: n / 2 }, (_, i) => 2 * i));
const odd = index.knnSearch(query, 3, "", evens);
console.log(`exclude evens:    ${Array.from(odd.ids).join(", ")}`);

const onlyTens = index.knnSearch(query, 3, "", { mask: createBitmask([10, 20, 30, 90]), keep: true });
console.log(`keep 10,20,30,90: ${Array.from(onlyTens.ids).join(", ")}`);

const ok =
    plain.ids[0] === 50n &&
    !byList.ids.includes(50n) && !byList.ids.includes(51n) &&
    odd.ids.every((id) => id % 2n === 1n) &&
    Array.from(onlyTens.ids).join() === "30,20,10";
index.close();
if (!ok) process.exitCode = 1;
