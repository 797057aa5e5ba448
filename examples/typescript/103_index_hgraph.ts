// HGraph in TypeScript: build over random data, search with {"hgraph":{"ef_search":100}},
// save and load, and check the neighbours against an exact search.

import { Index } from "vsag";

function hgraphExample(): void {
    const numVectors = 1000;
    const dim = 128;
    const ids = new BigInt64Array(numVectors);
    const vectors = new Float32Array(dim * numVectors);

    for (let i = 0; i < numVectors; i++) {
        ids[i] = BigInt(i);
    }
    for (let i = 0; i < dim * numVectors; i++) {
        vectors[i] = Math.random();
    }

    const indexParams = JSON.stringify({
        dtype: "float32",
        metric_type: "l2",
        dim,
        index_param: {
            base_quantization_type: "fp32",
            max_degree: 16,
            ef_construction: 100,
        },
    });

    const index = new Index("hgraph", indexParams);
    index.build(vectors, ids, numVectors, dim);

    // Several queries: one query's recall varies with the random data (now and then 0.7);
    // their mean is what the example checks.
    const numQueries = 10;
    const queries = Array.from({ length: numQueries }, () => {
        const q = new Float32Array(dim);
        for (let i = 0; i < dim; i++) {
            q[i] = Math.random();
        }
        return q;
    });
    const queryVector = queries[0];

    const searchParams = JSON.stringify({ hgraph: { ef_search: 100 } });
    const topk = 10;
    const { ids: resultIds, distances } = index.knnSearch(queryVector, topk, searchParams);

    for (let i = 0; i < topk; i++) {
        console.log(`${resultIds[i]}: ${distances[i]}`);
    }

    // The exact answers, for comparison.
    let hits = 0;
    for (const q of queries) {
        const exact = Array.from({ length: numVectors }, (_, row) => {
            let d = 0;
            for (let j = 0; j < dim; j++) {
                const diff = vectors[row * dim + j] - q[j];
                d += diff * diff;
            }
            return { id: BigInt(row), d };
        }).sort((a, b) => a.d - b.d);
        const truth = new Set(exact.slice(0, topk).map((e) => e.id));
        const found = q === queryVector ? resultIds : index.knnSearch(q, topk, searchParams).ids;
        hits += Array.from(found).filter((id) => truth.has(id)).length;
    }
    const recall = hits / (topk * numQueries);
    console.log(`recall@${topk} over ${numQueries} queries: ${recall}`);

    const filename = "/tmp/103_index_hgraph_ts.index";
    index.save(filename);

    const newIndex = new Index("hgraph", indexParams);
    newIndex.load(filename);
    console.log(`After load, index contains: ${newIndex.getNumElements()} elements`);
    const again = newIndex.knnSearch(queryVector, topk, searchParams);
    const same = again.ids.every((id, i) => id === resultIds[i]);
    console.log(`loaded index gives the same neighbours: ${same}`);

    index.close();
    newIndex.close();
    if (recall < 0.9 || !same || newIndex.closed !== true) {
        process.exitCode = 1;
    }
}

hgraphExample();
