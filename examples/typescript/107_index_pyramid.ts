// Pyramid: one index for many tenants. Every vector carries its tenant's path
// ("tenant/shop"); a search names a tenant's path and runs on that tenant's own graph, so it
// never returns another tenant's vectors. A second hierarchy partitions the same vectors by
// category, and a search can join both (hierarchy_op union or intersection).

import { Index } from "vsag";

const dim = 16;
const n = 3000;
const tenants = 30;
let seed = 7;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const vectors = Float32Array.from({ length: n * dim }, rand);
const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
// skewed tenants: tenant t holds about 1/(t+1) of the rows
const tenant = Array.from({ length: n }, () => Math.min(tenants - 1, Math.floor(Math.exp(rand() * Math.log(tenants + 1))) - 1));
const shops = tenant.map((t, i) => `tenant${t}/shop${i % 3}`);
const categories = Array.from({ length: n }, (_, i) => `cat${i % 4}`);

const index = new Index("pyramid", {
    dtype: "float32",
    metric_type: "l2",
    dim,
    index_param: { max_degree: 16, ef_construction: 100, index_min_size: 32, hierarchies: ["shop", "category"] },
});
index.build(vectors, ids, n, dim, { paths: { shop: shops, category: categories } });

const query = vectors.slice(7 * dim, 8 * dim);
const params = { pyramid: { ef_search: 64 } };
const mine = `tenant${tenant[7]}`;
const res = index.search(query, { k: 5, params, path: { shop: mine } });
console.log(`${mine}: ${Array.from(res.ids).join(", ")}`);
const inside = Array.from(res.ids).every((id) => tenant[Number(id)] === tenant[7]);

const both = index.search(query, {
    k: 5,
    params: { pyramid: { ef_search: 64, hierarchy_op: "intersection" } },
    path: { shop: mine, category: "cat3" },
});
console.log(`${mine} and cat3: ${Array.from(both.ids).join(", ")}`);
const joined = Array.from(both.ids).every((id) => tenant[Number(id)] === tenant[7] && Number(id) % 4 === 3);

const copy = Index.fromBuffer(index.serialize());
const same = Array.from(copy.search(query, { k: 5, params, path: { shop: mine } }).ids).join() === Array.from(res.ids).join();
console.log(inside && joined && same ? "ok" : "unexpected results");
if (!(inside && joined && same)) process.exit(1);
