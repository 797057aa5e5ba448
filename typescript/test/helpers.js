"use strict";
// Shared helpers for the tests: seeded data, exact search, index parameters.

const fs = require("fs");
const os = require("os");
const path = require("path");
const vsag = require("..");

/** rng returns a seeded generator of floats in [0, 1) (mulberry32). */
function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** randomVectors returns n*dim values: points around a few cluster centres. */
function randomVectors(n, dim, seed = 1) {
    const r = rng(seed);
    const centres = Array.from({ length: 8 }, () => Array.from({ length: dim }, () => r() * 4 - 2));
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
        const c = centres[i % centres.length];
        for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + (r() - 0.5);
    }
    return out;
}

/** seqIds returns the labels start, start+1, ... */
function seqIds(n, start = 0) {
    const ids = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ids[i] = BigInt(start + i);
    return ids;
}

function l2(a, ai, b, bi, dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
        const d = a[ai * dim + j] - b[bi * dim + j];
        s += d * d;
    }
    return s;
}

/** exactKnn returns the labels of the k nearest rows of base to query row qi (squared L2). */
function exactKnn(base, ids, dim, queries, qi, k, skip = () => false) {
    const n = base.length / dim;
    const all = [];
    for (let i = 0; i < n; i++) if (!skip(ids[i])) all.push([l2(base, i, queries, qi, dim), ids[i]]);
    all.sort((x, y) => x[0] - y[0]);
    return all.slice(0, k);
}

/** recall is |found ∩ truth| / |truth|. */
function recall(found, truth) {
    const set = new Set(truth.map((t) => t[1]));
    let hit = 0;
    for (const id of found) if (set.has(id)) hit++;
    return hit / truth.length;
}

function params(name, dim, extra = {}) {
    const p = {
        dtype: extra.dtype ?? "float32",
        metric_type: extra.metric ?? "l2",
        dim,
        index_param: { base_quantization_type: extra.quantization ?? "fp32" },
    };
    if (name === "hgraph") Object.assign(p.index_param, { max_degree: 16, ef_construction: 100 });
    return JSON.stringify(p);
}

const SEARCH = {
    brute_force: JSON.stringify({}),
    hgraph: JSON.stringify({ hgraph: { ef_search: 100 } }),
};

/**
 * available tells whether the library knows an index type: false only while its factory
 * answers UNSUPPORTED_INDEX.
 */
function available(name) {
    try {
        new vsag.Index(name, params(name, 4)).close();
        return true;
    } catch (e) {
        if (e instanceof vsag.VsagError && e.code === vsag.ErrorCode.UNSUPPORTED_INDEX) return false;
        throw e;
    }
}

/** skipUnless is the node:test option that skips a test while name is unavailable. */
function skipUnless(name) {
    return available(name) ? {} : { skip: `${name} is not registered in libvsag.so yet` };
}

let tmp;
/** tmpPath returns a path in a per-process temporary directory removed at exit. */
function tmpPath(name) {
    if (!tmp) {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vsag-node-test-"));
        process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
    }
    return path.join(tmp, name);
}

/** row returns query row i of a result with k per row, without padding. */
function row(res, i, k) {
    const ids = [];
    const dists = [];
    for (let j = i * k; j < (i + 1) * k; j++) {
        if (res.ids[j] === -1n) break;
        ids.push(res.ids[j]);
        dists.push(res.distances[j]);
    }
    return { ids, dists };
}

/** row2 returns query row i of a batch result as a single-query result (padding dropped). */
function row2(res, i, k) {
    const r = row(res, i, k);
    return { ids: BigInt64Array.from(r.ids), distances: Float32Array.from(r.dists) };
}

module.exports = { row2, vsag, rng, randomVectors, seqIds, exactKnn, recall, params, SEARCH, available, skipUnless, tmpPath, row, l2 };
