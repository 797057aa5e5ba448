/* The C half of the consumer: plain C99 against the installed vsag.h. */
#include <vsag.h>

int consumer_c_search(vsag_index_t index, const float* query, int64_t* best) {
    int64_t ids[1];
    float dists[1];
    SearchResult_t r = {dists, ids, 0, NULL};
    Error_t e = vsag_index_knn_search(index, query, 4, 1, "", &r);
    if (e.code != VSAG_SUCCESS || r.count != 1) return e.code ? e.code : -1;
    *best = ids[0];
    return 0;
}
