#!/usr/bin/env node
// Single-query overhead of the npm package over the engine's own time, measured in process.
// For every call the overhead is the call's wall time (performance.now around it) minus the
// time the same call spent in the engine's search, read right after it from the library's
// per-thread slot (vsag_last_search_nanoseconds, through the addon). Two callers, interleaved
// query by query and alternating which goes first:
//   knnSearch         Index.knnSearch(query, k, params): the public call (TypeScript + addon);
//   knnSearchFast     the addon function knnSearch uses, called directly into a preallocated
//                     pool (the parameters as knnSearch left them, by fastSearchParams): the
//                     addon and the C ABI alone, without the result arrays.
// Prints p50 / p90 of each caller's overhead, the engine's own p50, the medians of each round
// (their spread is the noise) and the load average.
//
// Usage: node bench/overhead.js INDEX_FILE [--nq 1000] [--rounds 20] [--k 10] [--ef 32] [--json]
"use strict";

const os = require("os");
const { performance } = require("perf_hooks");
const vsag = require("..");

const args = process.argv.slice(2);
function opt(name, def) {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
}
const file = args[0];
if (!file || file.startsWith("--")) {
    console.error("usage: node bench/overhead.js INDEX_FILE [--nq N] [--rounds R] [--k K] [--ef EF] [--json]");
    process.exit(2);
}
const NQ = opt("nq", 1000);
const ROUNDS = opt("rounds", 20);
const K = opt("k", 10);
const EF = opt("ef", 32);
const native = vsag._native;
if (typeof native.lastSearchNanoseconds !== "function") {
    console.error("the addon has no lastSearchNanoseconds");
    process.exit(2);
}

let seed = 7;
function rand() {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const index = vsag.Index.loadFile(file);
const dim = index.getDim();
const queries = [];
for (let i = 0; i < NQ; i++) {
    const q = new Float32Array(dim);
    for (let j = 0; j < dim; j++) q[j] = rand();
    queries.push(q);
}
const params = JSON.stringify({ hgraph: { ef_search: EF } });
const raw = index.native;
// the pool of knnSearchFast: a 32-byte header (handle, k, offset, count), K ids, K distances
const outPool = new ArrayBuffer(32 + K * 12);
new BigUint64Array(outPool, 0, 1)[0] = raw.fastHandle();
new Int32Array(outPool, 8, 2).set([K, 0]);
const fast = native.knnSearchFast;
const total = NQ * ROUNDS;
const tsOver = new Float64Array(total), nOver = new Float64Array(total), eng = new Float64Array(2 * total);
const last = native.lastSearchNanoseconds;
const now = performance.now.bind(performance);

function tsCall(q, j) {
    const t = now();
    index.knnSearch(q, K, params);
    const w = (now() - t) * 1e6;
    const e = last();
    tsOver[j] = w - e;
    eng[2 * j] = e;
}
function nativeCall(q, j) {
    const t = now();
    fast(q, outPool);
    const w = (now() - t) * 1e6;
    const e = last();
    nOver[j] = w - e;
    eng[2 * j + 1] = e;
}

for (let i = 0; i < Math.min(200, NQ); i++) { // warm up (JIT, caches)
    tsCall(queries[i], 0);
    nativeCall(queries[i], 0);
}
const a = index.knnSearch(queries[0], K, params), b = raw.knnSearch(queries[0], K, params, undefined);
fast(queries[0], outPool);
const outIds = new BigInt64Array(outPool, 32, K);
if (a.ids.length !== K || String(a.ids) !== String(b.ids) || String(a.ids) !== String(outIds)) {
    console.error("knnSearch and the native call disagree");
    process.exit(1);
}
let j = 0;
for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < NQ; i++, j++) {
        if ((i + r) % 2 === 0) {
            tsCall(queries[i], j);
            nativeCall(queries[i], j);
        } else {
            nativeCall(queries[i], j);
            tsCall(queries[i], j);
        }
    }
}

function pct(v, q) {
    const s = Float64Array.from(v).sort();
    return s[Math.min(s.length - 1, Math.round((q / 100) * (s.length - 1)))];
}
function roundMedians(v) {
    const out = [];
    for (let r = 0; r < ROUNDS; r++) out.push(pct(v.subarray(r * NQ, (r + 1) * NQ), 50) / 1e3);
    return out;
}
const rt = roundMedians(tsOver), rn = roundMedians(nOver);
const res = {
    binding: "node", samples: total,
    engine_p50_us: pct(eng, 50) / 1e3,
    node_overhead_p50_us: pct(tsOver, 50) / 1e3, node_overhead_p90_us: pct(tsOver, 90) / 1e3,
    native_overhead_p50_us: pct(nOver, 50) / 1e3, native_overhead_p90_us: pct(nOver, 90) / 1e3,
    round_p50_min_us: Math.min(...rt), round_p50_max_us: Math.max(...rt),
    native_round_p50_min_us: Math.min(...rn), native_round_p50_max_us: Math.max(...rn),
    load: os.loadavg()[0], cpus: os.cpus().length,
};
index.close();
if (args.includes("--json")) {
    console.log(JSON.stringify(res));
} else {
    const f = (x) => x.toFixed(2).padStart(5);
    console.log(`Node single-query overhead over the engine's own time (${file}, dim ${dim}, k=${K}, ef_search ${EF}; ` +
        `${total} calls, ${ROUNDS} rounds interleaved with the addon's knnSearchFast called directly)`);
    console.log(`  engine's own time        p50 ${res.engine_p50_us.toFixed(2).padStart(7)} us`);
    console.log(`  Index.knnSearch          overhead p50 ${f(res.node_overhead_p50_us)} us  p90 ${f(res.node_overhead_p90_us)} us  ` +
        `(round medians ${res.round_p50_min_us.toFixed(2)}..${res.round_p50_max_us.toFixed(2)})  target <= 1 us: ` +
        (res.node_overhead_p50_us <= 1 ? "ok" : "MISSED"));
    console.log(`  addon knnSearchFast      overhead p50 ${f(res.native_overhead_p50_us)} us  p90 ${f(res.native_overhead_p90_us)} us  ` +
        `(round medians ${res.native_round_p50_min_us.toFixed(2)}..${res.native_round_p50_max_us.toFixed(2)})`);
    console.log(`  load average ${res.load.toFixed(1)} on ${res.cpus} CPUs`);
}
