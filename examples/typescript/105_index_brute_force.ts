// Brute force (exact) search, with the Promise API: the build and a batch of 1000 queries run
// on the libuv thread pool while the event loop stays free.

import { Index, VsagError, ErrorCode } from "vsag";

async function main(): Promise<void> {
    const dim = 64;
    const numVectors = 5000;
    const numQueries = 1000;
    const k = 5;

    const vectors = new Float32Array(numVectors * dim).map(() => Math.random());
    const ids = BigInt64Array.from({ length: numVectors }, (_, i) => BigInt(i));
    const index = new Index("brute_force", {
        dtype: "float32",
        metric_type: "l2",
        dim,
        index_param: { base_quantization_type: "fp32" },
    });

    const failed = await index.buildAsync(vectors, ids, numVectors, dim);
    console.log(`built ${index.getNumElements()} vectors (${failed.length} failed), ${index.getMemoryUsage()} bytes`);

    // Query with the first 1000 base vectors: each must find itself at distance 0.
    const queries = vectors.subarray(0, numQueries * dim);
    const started = process.hrtime.bigint();
    const result = await index.knnSearchBatchAsync(queries, numQueries, k);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let selfFound = 0;
    for (let q = 0; q < numQueries; q++) {
        if (result.ids[q * k] === BigInt(q) && result.distances[q * k] === 0) selfFound++;
    }
    console.log(`batch of ${numQueries} queries in ${ms.toFixed(1)} ms; ${selfFound}/${numQueries} found themselves first`);
    console.log(`query 0 -> ids ${Array.from(result.ids.subarray(0, k)).join(", ")}`);

    // Errors carry VSAG's codes.
    try {
        index.knnSearch(new Float32Array(dim + 1), k);
    } catch (e) {
        if (e instanceof VsagError && e.code === ErrorCode.DIMENSION_NOT_EQUAL) {
            console.log(`wrong dimension rejected: ${e.codeName}`);
        } else {
            throw e;
        }
    }

    index.close();
    if (selfFound !== numQueries) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
