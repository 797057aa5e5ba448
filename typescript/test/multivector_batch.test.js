"use strict";
// A batch of multi-vector queries (warp and simq) in one call: knnSearchMultiVectorBatch rows
// equal one search per document (filters and attribute expressions included), rows are padded
// past the live count, malformed batches are refused and nothing stored is lost; getStats
// reports the documents, their sub-vectors and, for simq, the clusters.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const DIM = 8;
const N = 90;
const CREATE = JSON.stringify({ dtype: "float32", metric_type: "ip", dim: DIM });
const PARAMS = { warp: "", simq: JSON.stringify({ simq: { coarse_k: 32, rerank_k: 120 } }) };

const counts = Array.from({ length: N }, (_, i) => 1 + ((i * 7) % 5));
const starts = [0];
for (const c of counts) starts.push(starts[starts.length - 1] + c);
const vectors = h.randomVectors(starts[N], DIM, 31);
for (let r = 0; r < starts[N]; r++) {
    let s = 0;
    for (let j = 0; j < DIM; j++) s += vectors[r * DIM + j] ** 2;
    for (let j = 0; j < DIM; j++) vectors[r * DIM + j] /= Math.sqrt(s);
}
const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt(700 + i));
const attributes = Array.from({ length: N }, (_, i) => ({ shard: i % 3 }));
const doc = (i) => ({ vectors: vectors.subarray(starts[i] * DIM, starts[i + 1] * DIM), vectorCounts: [counts[i]] });
function batchOf(qs) {
    const parts = qs.map((i) => vectors.subarray(starts[i] * DIM, starts[i + 1] * DIM));
    const flat = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
        flat.set(p, at);
        at += p.length;
    }
    return { vectors: flat, vectorCounts: qs.map((i) => counts[i]) };
}

function invalid(fn, code = "INVALID_ARGUMENT") {
    assert.throws(fn, (e) => e.codeName === code);
}

for (const name of ["warp", "simq"]) {
    test(`${name}: knnSearchMultiVectorBatch rows equal single searches`, () => {
        const index = new vsag.Index(name, CREATE);
        index.build({ vectors, vectorCounts: counts }, ids, undefined, undefined, { attributes });
        const qs = [1, 12, 33, 34, 80];
        const batch = batchOf(qs);
        const cases = [
            {},
            { filter: [ids[12], ids[50]] },
            { expr: "shard != 1" },
            { filter: [ids[33]], expr: "shard = 0" },
        ];
        for (const k of [1, 6, 200]) {
            for (const c of cases) {
                const r = index.knnSearchMultiVectorBatch(batch, k, PARAMS[name], c.filter, { filterExpr: c.expr });
                assert.equal(r.k, k);
                assert.equal(r.ids.length, qs.length * k);
                qs.forEach((i, row) => {
                    const one = index.search(doc(i), { k, params: PARAMS[name], filter: c.filter, filterExpr: c.expr });
                    const n = one.ids.length;
                    assert.deepEqual(Array.from(r.ids.subarray(row * k, row * k + n)), Array.from(one.ids));
                    assert.deepEqual(Array.from(r.distances.subarray(row * k, row * k + n)), Array.from(one.distances));
                    for (let j = row * k + n; j < (row + 1) * k; j++) {
                        assert.equal(r.ids[j], -1n);
                        assert.equal(r.distances[j], Infinity);
                    }
                });
            }
        }
        // refusals: nothing stored is lost
        invalid(() => index.knnSearchMultiVectorBatch({ vectors: batch.vectors, vectorCounts: [1, 1] }, 3, PARAMS[name]));
        invalid(() => index.knnSearchMultiVectorBatch({ vectors: batch.vectors, vectorCounts: [counts[1], 0, 1, 1, 1] }, 3));
        invalid(() => index.knnSearchMultiVectorBatch(batch, 0));
        invalid(() => index.knnSearchMultiVectorBatch(batch, 3, PARAMS[name], undefined, { filterExpr: "shard ==" }));
        invalid(() => index.knnSearchMultiVectorBatch(vectors.subarray(0, DIM), 3));
        invalid(() => index.knnSearchMultiVectorBatch({ vectors: vectors.subarray(0, DIM + 1), vectorCounts: [1] }, 3), "DIMENSION_NOT_EQUAL");
        const nan = { vectors: Float32Array.from(batch.vectors), vectorCounts: batch.vectorCounts };
        nan.vectors[3] = NaN;
        invalid(() => index.knnSearchMultiVectorBatch(nan, 3));
        assert.equal(index.getNumElements(), N);
        const empty = index.knnSearchMultiVectorBatch({ vectors: new Float32Array(0), vectorCounts: [] }, 3);
        assert.equal(empty.ids.length, 0);

        // getStats
        assert.ok(index.checkFeature(vsag.Feature.SUPPORT_GET_STATS));
        index.remove(new BigInt64Array([ids[0]]));
        const st = index.getStats();
        assert.equal(st.num_elements, N - 1);
        assert.equal(st.deleted_count, 1);
        assert.equal(st.sub_vector_count, starts[N]);
        assert.equal(st.live_sub_vector_count, starts[N] - counts[0]);
        assert.equal(st.sub_vectors_per_document.max, 5);
        if (name === "simq") {
            assert.ok(st.cluster_count > 0);
            assert.equal(st.representative_graph.num_elements, st.cluster_count);
        } else {
            assert.equal(st.cluster_count, undefined);
        }
        index.close();
    });
}

test("warp refuses cosine, saying VSAG's MaxSim has no cosine form", () => {
    assert.throws(
        () => new vsag.Index("warp", JSON.stringify({ dtype: "float32", metric_type: "cosine", dim: 4 })),
        (e) => e.codeName === "INVALID_ARGUMENT" && /no cosine form/.test(e.message),
    );
});
