// IVF: train the buckets on generated data, search a few buckets or all of them, name the
// buckets of one search, save and load, and merge shards filled from the exported model.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Index } from "vsag";

/** A seeded generator of floats in [0, 1), so every run sees the same data. */
function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function main(): void {
    const dim = 32;
    const n = 4000;
    const buckets = 32;
    const nq = 50;
    const k = 10;
    const r = rng(7);
    // points around a few centres
    const centres = Array.from({ length: buckets }, () => Array.from({ length: dim }, () => r() * 8 - 4));
    const make = (count: number): Float32Array => {
        const out = new Float32Array(count * dim);
        for (let i = 0; i < count; i++) {
            const c = centres[Math.floor(r() * buckets)];
            for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + (r() - 0.5);
        }
        return out;
    };
    const data = make(n);
    const queries = make(nq);
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));

    const index = new Index("ivf", {
        dtype: "float32",
        metric_type: "l2",
        dim,
        index_param: { buckets_count: buckets, base_quantization_type: "sq8", use_reorder: true, precise_quantization_type: "fp32" },
    });
    index.train(data.subarray(0, 2000 * dim)); // k-means centroids and the sq8 ranges
    index.add(data, ids, n, dim);

    const exact = index.knnSearchBatch(queries, nq, k, { ivf: { scan_buckets_count: buckets } });
    for (const scan of [1, 4]) {
        const got = index.knnSearchBatch(queries, nq, k, { ivf: { scan_buckets_count: scan } });
        let hits = 0;
        for (let q = 0; q < nq; q++) {
            const truth = new Set(exact.ids.subarray(q * k, (q + 1) * k));
            for (const id of got.ids.subarray(q * k, (q + 1) * k)) if (truth.has(id)) hits++;
        }
        console.log(`scan_buckets_count=${scan}: recall@${k} ${(hits / (nq * k)).toFixed(3)} against all buckets`);
    }

    // one search over named buckets only
    const named = index.search(queries.subarray(0, dim), { k: 5, params: { ivf: { scan_buckets_count: 1 } }, bucketIds: [0, 1, 2] });
    console.log(`buckets 0-2: ${Array.from(named.ids).join(", ")}`);

    const search = { ivf: { scan_buckets_count: 8 } };
    const want = index.knnSearchBatch(queries, nq, k, search);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsag-ivf-"));
    try {
        const file = path.join(dir, "ivf.vsag");
        index.save(file);
        const loaded = Index.loadFile(file);
        const again = loaded.knnSearchBatch(queries, nq, k, search);
        if (again.ids.some((id, i) => id !== want.ids[i])) throw new Error("the loaded index answers differently");
        console.log(`saved and loaded ${fs.statSync(file).size} bytes, ${loaded.getNumElements()} vectors`);
        loaded.close();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }

    // the trained model, empty: fill two copies, then merge them (the second one's labels
    // renamed through an id map)
    const model = index.exportModel();
    const half = n / 2;
    const shardA = model.clone();
    const shardB = model.clone();
    shardA.add(data.subarray(0, half * dim), ids.subarray(0, half), half, dim);
    const shifted = ids.subarray(half).map((id) => id + 1_000_000n);
    shardB.add(data.subarray(half * dim), shifted, n - half, dim);
    const merged = model.clone();
    const failed = merged.merge([shardA, { index: shardB, idMap: [shifted, ids.subarray(half)] }]);
    const same = merged.knnSearchBatch(queries, nq, k, search);
    if (failed.length !== 0 || merged.getNumElements() !== n || same.ids.some((id, i) => id !== want.ids[i])) {
        throw new Error("the merged index differs");
    }
    console.log(`merged two shards of the exported model: ${merged.getNumElements()} vectors, same answers`);
    for (const x of [index, model, shardA, shardB, merged]) x.close();
}

main();
