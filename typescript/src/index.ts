/**
 * vsag: vector search for Node.js over libvsag.so.
 *
 * The API keeps the names of VSAG's npm package (`new Index(name, parameters)`, `build`,
 * `knnSearch`, ...) and adds batch search, Promise versions that run on the libuv thread pool,
 * filters, float16/bfloat16/int8 input and explicit lifetime control (`close`).
 *
 * Vectors are TypedArrays, row-major: a Float32Array for float32 data, a Uint16Array holding
 * the raw bits of float16 or bfloat16 values (the index's own 16-bit type; float16 for float32
 * indexes), or an Int8Array. Labels are BigInt64Array. The arrays are handed to the library
 * without copying; do not modify or transfer them while an asynchronous call that uses them
 * is pending.
 *
 * Distances are smaller-is-better: squared L2 for "l2", 1 - <q,x> for "ip", 1 - cos for
 * "cosine"; results ascend by distance.
 *
 * @packageDocumentation
 */

import * as path from "path";
import { markAsUntransferable } from "worker_threads";
import { SearchIterator, type NativeIteratorFns } from "./iterator";
export { SearchIterator } from "./iterator";

/**
 * Search results: labels and their distances, ascending by distance.
 *
 * The arrays of a single-query {@link Index.knnSearch} (k up to 256, no filter) are views into
 * a pool ArrayBuffer shared with other results, as Node's small Buffers share theirs: use
 * `byteOffset` / `byteLength` with `ids.buffer`, or copy (`ids.slice()`) to own the memory.
 * The pool is untransferable: posting `ids.buffer` to a worker copies it.
 */
export interface SearchResult {
    ids: BigInt64Array;
    distances: Float32Array;
    /**
     * Batch searches only: the number of entries per query in ids and distances (query i's
     * results are at [i*k, i*k+k)). It is the k asked for, except that a k above
     * {@link PAD_LIMIT} is capped at the index's live count (not below PAD_LIMIT).
     */
    k?: number;
}

/**
 * A batch search returns k entries per query, padded with -1 / Infinity, for k up to
 * PAD_LIMIT; a larger k is capped at the number of live vectors (but not below PAD_LIMIT)
 * before anything is allocated, so a hostile k never sizes memory. Read the row width from
 * {@link SearchResult.k}.
 */
export const PAD_LIMIT = 1024;

/**
 * A label given as a number must be a safe integer (|x| <= 2^53 - 1); larger labels are given
 * as bigint. A label that is not an integer is refused with a TypeError, one that is not safe
 * or does not fit in int64 with a RangeError; both carry code 3 (INVALID_ARGUMENT).
 */
export type Label = number | bigint;

/** The smallest and largest label in an index ({-1, -1} when it is empty). */
export interface MinMaxId {
    minId: number;
    maxId: number;
}

/** A vector buffer: float32, raw float16/bfloat16 bits, or int8 values. */
export type VectorArray = Float32Array | Uint16Array | Int8Array;

/** Parameters as a JSON string or as an object that is serialized with JSON.stringify. */
export type Parameters = string | Record<string, unknown>;

/**
 * FilterOptions describes which labels a search may return; every part that is given applies.
 *
 * - `excludeIds`: labels to exclude (a BigInt64Array or an Array of {@link Label}s).
 * - `mask`: a per-label mask for labels 0..n-1. By default it holds one bit per label
 *   (least significant bit first) and a set bit EXCLUDES the label, as a VSAG bitset does;
 *   `packed: false` makes it one byte per label; `keep: true` makes a nonzero entry KEEP the
 *   label and excludes every label outside the mask.
 * - `validRatio`: the expected fraction of labels kept, in (0, 1]; graph indexes use it to
 *   choose a search strategy.
 */
export interface FilterOptions {
    excludeIds?: BigInt64Array | readonly Label[];
    mask?: Uint8Array;
    packed?: boolean;
    keep?: boolean;
    validRatio?: number;
}

/**
 * Filter for searches: labels to exclude (a BigInt64Array, or an Array of {@link Label}s, each
 * checked exactly), a Uint8Array exclusion bitmask (bit i set = label i excluded; see
 * {@link createBitmask}), or {@link FilterOptions}.
 */
export type Filter = BigInt64Array | readonly Label[] | Uint8Array | FilterOptions;

/** One attribute value: a number, string, boolean (stored as 1/0) or a list of one kind. */
export type AttributeValue = number | bigint | string | boolean | number[] | bigint[] | string[] | boolean[];

/** The attributes of one vector, by name; null or undefined for a vector without any. */
export type Attributes = Record<string, AttributeValue> | null | undefined;

/**
 * Sparse rows (indexes created with `"dtype": "sparse"`) in CSR form: row i's term ids are
 * `indices[indptr[i] .. indptr[i+1]-1]`, sorted ascending and unique, with their weights at the
 * same positions of `values`; `indptr` holds numRows + 1 offsets starting at 0 and ending at
 * `indices.length`. The library checks every row (unsorted or duplicate term ids, offsets
 * that do not add up, NaN weights: VsagError INVALID_ARGUMENT naming the row).
 */
export interface SparseRows {
    indptr: BigInt64Array | Int32Array | Uint32Array | readonly Label[];
    indices: Uint32Array | Int32Array;
    values: Float32Array;
}

/** Sparse rows as the library returns them (see {@link Index.getSparseVectorsByIds}). */
export interface SparseVectors {
    indptr: BigInt64Array;
    indices: Uint32Array;
    values: Float32Array;
}

/**
 * Multi-vector rows: row i is a document of `vectorCounts[i]` (>= 1) sub-vectors of dim floats,
 * the documents' sub-vectors concatenated in `vectors` (sum(vectorCounts) * dim values).
 */
export interface MultiVectorRows {
    vectors: Float32Array;
    vectorCounts: BigInt64Array | Int32Array | Uint32Array | readonly Label[];
}

/** Rows for build/add and queries for {@link Index.search}: dense, sparse or multi-vector. */
export type Rows = VectorArray | SparseRows | MultiVectorRows;

/**
 * Options of {@link Index.search}: give `k` (a knn search) or `radius` (a range search).
 * Every filter that is given applies (a label must pass them all).
 */
export interface RequestOptions {
    /** knn: the number of neighbours (>= 1; capped at the live count before allocating). */
    k?: number | bigint;
    /** range: the distance bound (>= 0, distance units). */
    radius?: number;
    /** the search JSON, e.g. `{"hgraph":{"ef_search":100}}`. */
    params?: Parameters;
    /** labels the search must not return ({@link Filter}). */
    filter?: Filter;
    /** an attribute filter expression ({@link SearchOptions.filterExpr}). */
    filterExpr?: string;
    /** range: at most this many results, the nearest (-1, 0 or absent: unlimited). */
    limitedSize?: number;
    /** the buckets an ivf index scans; other index types refuse them (INVALID_ARGUMENT). */
    bucketIds?: BigInt64Array | readonly Label[];
    /** labels whose fate the result explains ({@link RequestResult.expected}). */
    expectedLabels?: BigInt64Array | readonly Label[];
    /**
     * the query's path (pyramid indexes), such as "tenant/shop" ("a|b" searches both subtrees),
     * or, for an index with named hierarchies, the path by hierarchy name, such as
     * `{site: "s1", category: "shoes"}` (with "hierarchy_op" in params when it names several).
     */
    path?: string | Record<string, string>;
    /**
     * A filter on each label's stored extra info (indexes created with extra_info_size > 0):
     * it receives the label's extra_info_size bytes and returns true to KEEP the label. It is
     * ANDed with the filter and the expression. JavaScript can only run on the JavaScript
     * thread, so the function is never called from the library's search threads: before the
     * search starts (also for the *Async methods) it is called once for every live label, on
     * the calling thread, and the labels it rejects are excluded. That costs one call per
     * label in the index, whatever k is. Labels added while an asynchronous search runs are
     * not checked. The Uint8Array is a view valid during the call only. An index without
     * extra info throws UNSUPPORTED_INDEX_OPERATION.
     */
    extraInfoFilter?: (info: Uint8Array) => boolean;
}

/**
 * What became of an expected label: `found` (in the result), `absent` (not live in the index),
 * `filtered` (a filter or the expression excludes it), `beyond_k` (farther than the last
 * result: an exact search would not return it either) or `not_reached` (an exact search would
 * return it; the index's search did not reach it: raise ef_search).
 */
export type Reason = "found" | "absent" | "filtered" | "beyond_k" | "not_reached";

/** The fate of one expected label; distance is NaN when unknown (absent labels). */
export interface Explanation {
    label: bigint;
    reason: Reason;
    distance: number;
}

/** The answer of {@link Index.search}. */
export interface RequestResult {
    /** the results, ascending by distance (no padding). */
    ids: BigInt64Array;
    distances: Float32Array;
    /** for indexes created with extra_info_size: ids.length * extra_info_size bytes. */
    extraInfos?: Uint8Array;
    /** with expectedLabels: one explanation per label, in their order. */
    expected?: Explanation[];
}

/**
 * How a merged index's labels are renamed ({@link MergeUnit}): a Map from source label to the
 * label it takes, or two label lists `[from, to]` of one length. Labels the map does not name
 * are left out.
 */
export type IdMap = ReadonlyMap<Label, Label> | readonly [BigInt64Array | readonly Label[], BigInt64Array | readonly Label[]];

/**
 * One source of {@link Index.merge}: an index sharing the target's trained model, and
 * optionally a map of its labels (absent or null: the labels are kept).
 */
export interface MergeUnit {
    index: Index;
    idMap?: IdMap | null;
}

/** Options of {@link Index.build} and {@link Index.add}. */
export interface InsertOptions {
    /**
     * One path per row, such as "tenant/shop/item", for pyramid indexes (the other index types
     * refuse them with INVALID_ARGUMENT); for a pyramid index with named hierarchies, one such
     * list per hierarchy name (`{site: [...], category: [...]}`). Empty paths or empty segments
     * are refused naming the row.
     */
    paths?: string[] | Record<string, string[]>;
    /**
     * One attribute object per vector (null for a vector without attributes), for attribute
     * filtering with {@link SearchOptions.filterExpr}, e.g.
     * `[{color: "red", price: 3, tags: ["a", "b"]}, ...]`. Only the vectors the index accepts
     * keep their attributes; they are removed, saved, loaded and cloned with them.
     */
    attributes?: Attributes[];
    /**
     * For indexes created with `extra_info_size`: that many bytes per vector (required by such
     * indexes), read back with {@link Index.getExtraInfoByIds}. Synchronous build/add only.
     */
    extraInfos?: Uint8Array;
}

/** Options of the knn searches. */
export interface SearchOptions {
    /**
     * An attribute filter expression over the attributes given to build/add, e.g.
     * `color = "red" AND price < 10`, `tags IN ["a", "b"] OR NOT (score >= 0.5)` or VSAG's
     * `multi_in(tags, "a|b", "|")`. Comparisons =, !=, <, <=, >, >= take a number or a quoted
     * string; IN / NOT IN take a [...] list; AND, OR, NOT and parentheses combine them. A label
     * is returned only when it satisfies the expression and the filter keeps it.
     */
    filterExpr?: string;
    /**
     * A filter on each label's stored extra info (indexes created with extra_info_size > 0):
     * it receives the label's extra_info_size bytes and returns true to KEEP the label. It is
     * ANDed with the filter and the expression. JavaScript can only run on the JavaScript
     * thread, so the function is never called from the library's search threads: before the
     * search starts (also for the *Async methods) it is called once for every live label, on
     * the calling thread, and the labels it rejects are excluded. That costs one call per
     * label in the index, whatever k is. Labels added while an asynchronous search runs are
     * not checked. The Uint8Array is a view valid during the call only. An index without
     * extra info throws UNSUPPORTED_INDEX_OPERATION.
     */
    extraInfoFilter?: (info: Uint8Array) => boolean;
}

/** VSAG's error codes, carried by {@link VsagError.code}. */
export enum ErrorCode {
    UNKNOWN_ERROR = 1,
    INTERNAL_ERROR = 2,
    INVALID_ARGUMENT = 3,
    WRONG_STATUS = 4,
    BUILD_TWICE = 5,
    INDEX_NOT_EMPTY = 6,
    UNSUPPORTED_INDEX = 7,
    UNSUPPORTED_INDEX_OPERATION = 8,
    DIMENSION_NOT_EQUAL = 9,
    INDEX_EMPTY = 10,
    NO_ENOUGH_MEMORY = 11,
    READ_ERROR = 12,
    MISSING_FILE = 13,
    INVALID_BINARY = 14,
}

/**
 * Capability flags with VSAG's IndexFeature numbering (1 NEED_TRAIN .. 54
 * SUPPORT_ANALYZE_INDEX_BY_SEARCH, the values of vsag.h's vsag_feature_t), for
 * {@link Index.checkFeature}.
 */
export enum Feature {
    NEED_TRAIN = 1,
    SUPPORT_BUILD = 2,
    SUPPORT_ADD_AFTER_BUILD = 3,
    SUPPORT_ADD_FROM_EMPTY = 4,
    SUPPORT_KNN_SEARCH = 5,
    SUPPORT_KNN_SEARCH_WITH_ID_FILTER = 6,
    SUPPORT_RANGE_SEARCH = 7,
    SUPPORT_RANGE_SEARCH_WITH_ID_FILTER = 8,
    SUPPORT_KNN_ITERATOR_FILTER_SEARCH = 9,
    SUPPORT_DELETE_BY_ID = 10,
    SUPPORT_BATCH_SEARCH = 11,
    SUPPORT_METRIC_TYPE_L2 = 12,
    SUPPORT_METRIC_TYPE_INNER_PRODUCT = 13,
    SUPPORT_METRIC_TYPE_COSINE = 14,
    SUPPORT_SERIALIZE_FILE = 15,
    SUPPORT_SERIALIZE_BINARY_SET = 16,
    SUPPORT_SERIALIZE_WRITE_FUNC = 17,
    SUPPORT_DESERIALIZE_FILE = 18,
    SUPPORT_DESERIALIZE_BINARY_SET = 19,
    SUPPORT_DESERIALIZE_READER_SET = 20,
    SUPPORT_RESET = 21,
    SUPPORT_FEEDBACK = 22,
    SUPPORT_CAL_DISTANCE_BY_ID = 23,
    SUPPORT_TRAIN_WITH_MULTI_THREAD = 24,
    SUPPORT_BUILD_WITH_MULTI_THREAD = 25,
    SUPPORT_BATCH_ADD_WITH_MULTI_THREAD = 26,
    SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD = 27,
    SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD = 28,
    SUPPORT_ADD_CONCURRENT = 29,
    SUPPORT_UPDATE_ID_CONCURRENT = 30,
    SUPPORT_UPDATE_VECTOR_CONCURRENT = 31,
    SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT = 32,
    SUPPORT_SEARCH_CONCURRENT = 33,
    SUPPORT_DELETE_CONCURRENT = 34,
    SUPPORT_ADD_SEARCH_CONCURRENT = 35,
    SUPPORT_ADD_DELETE_CONCURRENT = 36,
    SUPPORT_SEARCH_DELETE_CONCURRENT = 37,
    SUPPORT_ADD_SEARCH_DELETE_CONCURRENT = 38,
    SUPPORT_ESTIMATE_MEMORY = 39,
    SUPPORT_GET_MEMORY_USAGE = 40,
    SUPPORT_CHECK_ID_EXIST = 41,
    SUPPORT_MERGE_INDEX = 42,
    SUPPORT_GET_EXTRA_INFO_BY_ID = 43,
    SUPPORT_GET_RAW_VECTOR_BY_IDS = 44,
    SUPPORT_GET_DATA_BY_IDS = 45,
    SUPPORT_EXPORT_IDS = 46,
    SUPPORT_KNN_SEARCH_WITH_EX_FILTER = 47,
    SUPPORT_CLONE = 48,
    SUPPORT_EXPORT_MODEL = 49,
    SUPPORT_TUNE = 50,
    SUPPORT_BATCH_CALC_DISTANCE_BY_ID = 51,
    SUPPORT_CONTINUE_SEARCH_SESSION = 52,
    SUPPORT_GET_STATS = 53,
    SUPPORT_ANALYZE_INDEX_BY_SEARCH = 54,
}

/** Log levels with VSAG's numbering, for {@link setLogLevel}. */
export enum LogLevel {
    TRACE = 0,
    DEBUG = 1,
    INFO = 2,
    WARN = 3,
    ERROR = 4,
    CRITICAL = 5,
    OFF = 6,
}

/**
 * VsagError is thrown (or rejects a Promise) for every failure: `code` is VSAG's error number
 * ({@link ErrorCode}, such as 3 for INVALID_ARGUMENT) and `codeName` its name.
 */
export class VsagError extends Error {
    /** VSAG's error number (positive), see {@link ErrorCode}. */
    readonly code: ErrorCode;
    /** The name of the code, such as "INVALID_ARGUMENT". */
    readonly codeName: string;

    constructor(message: string, code: number) {
        super(message);
        this.name = "VsagError";
        this.code = code;
        this.codeName = ErrorCode[code] ?? "UNKNOWN_ERROR";
    }
}

/* The addon's surface, as src/addon.c defines it. */
interface NativeIndex {
    close(): void;
    isClosed(): boolean;
    build(v: VectorArray, ids: BigInt64Array, n: number, dim: number, attrs?: string): BigInt64Array;
    add(v: VectorArray, ids: BigInt64Array, n: number, dim: number, attrs?: string): BigInt64Array;
    remove(ids: BigInt64Array, mode?: number): number;
    knnSearch(v: VectorArray, k: number | bigint, p: string | undefined, f: Filter | undefined): SearchResult;
    knnSearchInto(v: VectorArray, k: number | bigint, p: string | undefined, f: undefined, ids: BigInt64Array, dists: Float32Array): number;
    fastHandle(): bigint | null;
    knnSearchBatch(
        q: VectorArray,
        nq: number,
        k: number | bigint,
        p: string | undefined,
        f: Filter | undefined,
        expr?: string,
    ): SearchResult;
    knnSearchMultiVectorBatch(
        q: MultiVectorRows,
        k: number | bigint,
        p: string | undefined,
        f: Filter | undefined,
        expr: string | undefined,
    ): SearchResult;
    rangeSearch(
        v: VectorArray,
        r: number,
        p: string | undefined,
        limit: number | undefined,
        f: Filter | undefined,
    ): SearchResult;
    save(file: string): void;
    load(file: string): void;
    getNumElements(): number;
    getNumRemoved(): number;
    getMemoryUsage(): number;
    setMemoryBudget(bytes: number): void;
    getMemoryBudget(): number;
    getBudgetedMemory(): number;
    setProgress(fn: ProgressCallback | null): void;
    estimateMemory(n: number): number;
    checkIdExist(id: Label): boolean;
    checkIdsExist(ids: BigInt64Array): Uint8Array;
    getMinMaxId(): MinMaxId;
    calcDistancesById(q: VectorArray | SparseRows | MultiVectorRows, ids: BigInt64Array): Float32Array;
    getSparseVectorsByIds(ids: BigInt64Array): SparseVectors;
    calcDistancesByIdBatch(q: VectorArray, nq: number, ids: BigInt64Array): Float32Array;
    checkFeature(f: number): boolean;
    exportIds(): BigInt64Array;
    getName(): string;
    getParameters(): string;
    getDim(): number;
    setImmutable(): void;
    reset(): void;
    getExtraInfoByIds(ids: BigInt64Array, size: number): Uint8Array;
    updateExtraInfo(ids: BigInt64Array, infos: Uint8Array, size: number): void;
    insertExtra(
        add: boolean,
        v: VectorArray,
        ids: BigInt64Array,
        n: number,
        dim: number,
        extra: Uint8Array,
        size: number,
        attrs?: string,
    ): BigInt64Array;
    getAttributesByIds(ids: BigInt64Array): string;
    getStats(): string;
    analyzeIndexBySearch(queries: VectorArray, nq: number, k: number | bigint, parameters: string | undefined): string;
    setLeanVecMatrices(
        dataMatrix: Float32Array,
        queryMatrix: Float32Array | null,
        mean: Float32Array | null,
        reducedDim: number,
    ): void;
    trainWithQueries(v: VectorArray, n: number, q: VectorArray | null, nq: number, dim: number): void;
    serialize(): Buffer;
    deserialize(buffer: Uint8Array): void;
    buildAsync(v: VectorArray, ids: BigInt64Array, n: number, dim: number, attrs?: string): Promise<BigInt64Array>;
    addAsync(v: VectorArray, ids: BigInt64Array, n: number, dim: number, attrs?: string): Promise<BigInt64Array>;
    knnSearchAsync(
        v: VectorArray,
        k: number | bigint,
        p: string | undefined,
        f: Filter | undefined,
    ): Promise<SearchResult>;
    knnSearchBatchAsync(
        q: VectorArray,
        nq: number,
        k: number | bigint,
        p: string | undefined,
        f: Filter | undefined,
        expr?: string,
    ): Promise<SearchResult>;
    saveAsync(file: string): Promise<void>;
    loadAsync(file: string): Promise<void>;
    search(query: Rows, options: NativeRequestOptions, extraInfoSize: number): RequestResult;
    searchAsync(query: Rows, options: NativeRequestOptions, extraInfoSize: number): Promise<RequestResult>;
    insertRows(
        add: boolean,
        rows: Rows,
        ids: BigInt64Array,
        n: number,
        dim: number,
        extra: Uint8Array | null,
        extraSize: number,
        attrs: string | undefined,
        paths: string[] | Record<string, string[]> | undefined,
    ): BigInt64Array;
    train(v: VectorArray, n: number, dim: number): void;
    trainAsync(v: VectorArray, n: number, dim: number): Promise<void>;
    clone(): NativeIndex;
    exportModel(): NativeIndex;
    merge(sources: NativeIndex[], froms: (LabelList | null)[], tos: (LabelList | null)[]): BigInt64Array;
    mergeAsync(sources: NativeIndex[], froms: (LabelList | null)[], tos: (LabelList | null)[]): Promise<BigInt64Array>;
    iteratorCreate(v: VectorArray, p: string | undefined, f: Filter | undefined): unknown;
    feedback(q: VectorArray, k: number | bigint, p: string | undefined, optimum: Label | undefined): number;
    pretrain(ids: BigInt64Array, k: number | bigint, p: string | undefined): number;
    pretrainAsync(ids: BigInt64Array, k: number | bigint, p: string | undefined): Promise<number>;
    tune(params: string, disableFutureTuning: boolean): void;
    tuneAsync(params: string, disableFutureTuning: boolean): Promise<void>;
}

/* The units of a merge, split for the addon: one source and one optional id map per entry. */
type LabelList = BigInt64Array | readonly Label[];

/* RequestOptions with the search JSON serialized. */
type NativeRequestOptions = Omit<RequestOptions, "params"> & { params?: string };

interface NativeAddon extends NativeIteratorFns {
    NativeIndex: new (name: string, parameters: string) => NativeIndex;
    init(errorClass: typeof VsagError): void;
    loadFile(file: string): NativeIndex;
    loadFileAsync(file: string): Promise<NativeIndex>;
    fromBuffer(buffer: Uint8Array): NativeIndex;
    setLogLevel(level: number): void;
    getLogLevel(): number;
    setLogger(fn: ((level: number, message: string) => void) | null): void;
    setGlobalMemoryBudget(bytes: number): void;
    getGlobalMemory(which: number): number;
    setOption(name: string, value: number): void;
    getOption(name: string): number;
    version(): string;
    libraryPath(): string;
    errstr(code: number): string;
    noop(): void;
    lastSearchNanoseconds(): number;
    liveHandles(): number;
    fastSearchParams(parameters: string | undefined): void;
    knnSearchFast(v: VectorArray, pool: ArrayBuffer): void;
}

function loadAddon(): NativeAddon {
    const file = path.join(__dirname, "..", "build", "Release", "vsag.node");
    let addon: NativeAddon;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        addon = require(file) as NativeAddon;
    } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(
            `vsag: cannot load the native addon ${file}: ${why}\n` +
                "Build it with `make build` in the repository, or `npm run build` in typescript/.",
        );
    }
    addon.init(VsagError);
    return addon;
}

const native: NativeAddon = loadAddon();

/** @internal Low-level addon access for benchmarks; not part of the stable API. */
export const _native = native;

function json(p: Parameters | undefined): string | undefined {
    if (p === undefined || p === null) return undefined;
    return typeof p === "string" ? p : JSON.stringify(p);
}

/* attributesJson encodes one attribute object per vector as the library's JSON array. */
function attributesJson(options: InsertOptions | undefined, n: number): string | undefined {
    const attrs = options?.attributes;
    if (attrs === undefined || attrs === null) return undefined;
    if (!Array.isArray(attrs)) {
        throw new VsagError("attributes must be an array with one object (or null) per vector", ErrorCode.INVALID_ARGUMENT);
    }
    if (attrs.length !== n) {
        throw new VsagError(`attributes has ${attrs.length} rows for ${n} vectors`, ErrorCode.INVALID_ARGUMENT);
    }
    return JSON.stringify(attrs, (_key, value: unknown) => {
        if (typeof value === "bigint") {
            if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
                throw new VsagError(`attribute value ${value} is beyond 2^53; pass it as a string`, ErrorCode.INVALID_ARGUMENT);
            }
            return Number(value);
        }
        if (typeof value === "number" && !Number.isFinite(value)) {
            throw new VsagError(`attribute value ${value} is not a finite number`, ErrorCode.INVALID_ARGUMENT);
        }
        return value;
    });
}

/* trim drops the -1 padding of a one-query batch result (knnSearch returns only real results). */
function trim(r: SearchResult): SearchResult {
    let n = r.ids.length;
    while (n > 0 && r.ids[n - 1] < 0n) n--;
    return n === r.ids.length ? r : { ids: r.ids.subarray(0, n), distances: r.distances.subarray(0, n) };
}

function queryLength(v: VectorArray): number {
    return v.length;
}

function isVectorArray(v: unknown): v is VectorArray {
    return v instanceof Float32Array || v instanceof Uint16Array || v instanceof Int8Array;
}

/* rowCount is the number of rows of sparse or multi-vector rows (for numElements). */
function rowCount(rows: Rows): number {
    if (isVectorArray(rows)) return 0;
    if ("indptr" in rows) return Math.max((rows.indptr?.length ?? 0) - 1, 0);
    return rows.vectorCounts?.length ?? 0;
}

function nativeOptions(options: RequestOptions): NativeRequestOptions {
    if (options === null || typeof options !== "object") {
        throw new VsagError("search options must be an object with k or radius", ErrorCode.INVALID_ARGUMENT);
    }
    const { extraInfoFilter: _unused, ...rest } = options;
    void _unused;
    return { ...rest, params: json(options.params) };
}

/* labelArray turns labels to exclude into a BigInt64Array (every entry an exact integer). */
function labelArray(ids: BigInt64Array | readonly Label[], what: string): BigInt64Array {
    if (ids instanceof BigInt64Array) return ids;
    if (!Array.isArray(ids)) {
        throw new VsagError(`${what} must be a BigInt64Array or an Array of labels`, ErrorCode.INVALID_ARGUMENT);
    }
    const out = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
        const v = ids[i];
        if (typeof v === "bigint") out[i] = v;
        else if (typeof v === "number" && Number.isSafeInteger(v)) out[i] = BigInt(v);
        else throw new VsagError(`${what}[${i}] is not an exact integer label`, ErrorCode.INVALID_ARGUMENT);
    }
    return out;
}

/* concatLabels joins two label arrays. */
function concatLabels(a: BigInt64Array, b: BigInt64Array): BigInt64Array {
    if (a.length === 0) return b;
    if (b.length === 0) return a;
    const out = new BigInt64Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
}

/* excludeMore returns filter with the labels of rejected excluded as well. */
function excludeMore(filter: Filter | undefined | null, rejected: BigInt64Array): Filter {
    if (filter === undefined || filter === null) return { excludeIds: rejected };
    if (filter instanceof Uint8Array) return { mask: filter, excludeIds: rejected };
    if (filter instanceof BigInt64Array || Array.isArray(filter)) {
        return concatLabels(labelArray(filter as BigInt64Array | readonly Label[], "filter"), rejected);
    }
    if (typeof filter !== "object") return filter; // the addon reports the bad filter
    const f = filter as FilterOptions;
    const prev = f.excludeIds === undefined || f.excludeIds === null ? new BigInt64Array(0) : labelArray(f.excludeIds, "filter.excludeIds");
    return { ...f, excludeIds: concatLabels(prev, rejected) };
}

/**
 * Index is a vector index of one type ("hgraph", "brute_force", ...). It holds a library
 * handle: call {@link Index.close} when done (a finalizer releases forgotten handles when the
 * object is garbage-collected, but memory is returned sooner with close()).
 *
 * Every synchronous method runs on the calling thread and blocks it for the call's duration;
 * the *Async methods run on the libuv thread pool and keep the event loop free (they never
 * throw: a failure, including a bad argument, rejects the Promise).
 */
export class Index {
    private native: NativeIndex;
    /* the library handle knnSearch passes to knnSearchFast; undefined until read, null once closed */
    private fastH?: bigint | null;

    /**
     * Create an empty index.
     *
     * @param name - the index type: "hgraph", "brute_force", ...
     * @param parameters - the create JSON (VSAG's schema), e.g.
     *   `{"dtype":"float32","metric_type":"l2","dim":128,"index_param":{...}}`
     * @throws VsagError UNSUPPORTED_INDEX for an unknown name, INVALID_ARGUMENT for bad JSON
     */
    constructor(name: string, parameters: Parameters) {
        this.native = new native.NativeIndex(name, json(parameters) as string);
    }

    private static wrap(n: NativeIndex): Index {
        const idx = Object.create(Index.prototype) as Index;
        idx.native = n;
        return idx;
    }

    /**
     * Recreate an index from a file written by {@link Index.save}, using the parameters
     * stored in the file (no need to know how it was created).
     */
    static loadFile(filename: string): Index {
        return Index.wrap(native.loadFile(filename));
    }

    /**
     * Recreate an index from bytes written by {@link Index.serialize} (or the contents of a
     * file written by {@link Index.save}), using the parameters stored in them.
     */
    static fromBuffer(buffer: Uint8Array): Index {
        return Index.wrap(native.fromBuffer(buffer));
    }

    /** {@link Index.loadFile} on the libuv thread pool. */
    static async loadFileAsync(filename: string): Promise<Index> {
        return Index.wrap(await native.loadFileAsync(filename));
    }

    /**
     * Build the empty index from numElements vectors of dimension dim (row-major) with labels
     * ids, training it first when the index type needs it.
     *
     * `vectors` may also be sparse rows ({@link SparseRows}) or multi-vector rows
     * ({@link MultiVectorRows}), and `options.paths` gives each row a path; the library checks
     * them (INVALID_ARGUMENT naming the row, nothing inserted), and index types that take dense
     * vectors only (hgraph, brute_force, ...) refuse them with INVALID_ARGUMENT. numElements
     * defaults to the number of rows and dim to the index dimension.
     *
     * @returns the labels that could not be added (such as duplicates); empty normally
     */
    build(
        vectors: Rows,
        ids: BigInt64Array,
        numElements?: number,
        dim?: number,
        options?: InsertOptions,
    ): BigInt64Array {
        if (!isVectorArray(vectors) || options?.paths) return this.insertRows(false, vectors, ids, numElements, dim, options);
        const d = dim ?? this.getDim();
        const n = numElements ?? Math.floor(vectors.length / Math.max(d, 1));
        if (options?.extraInfos) return this.insertExtra(false, vectors, ids, n, d, options);
        return this.native.build(vectors, ids, n, d, attributesJson(options, n));
    }

    /* insertRows builds or adds sparse rows, multi-vector rows or rows with paths. */
    private insertRows(
        add: boolean,
        rows: Rows,
        ids: BigInt64Array,
        numElements: number | undefined,
        dim: number | undefined,
        options: InsertOptions | undefined,
    ): BigInt64Array {
        const d = dim ?? this.getDim();
        const n = numElements ?? (isVectorArray(rows) ? Math.floor(rows.length / Math.max(d, 1)) : rowCount(rows));
        const extra = options?.extraInfos ?? null;
        return this.native.insertRows(
            add,
            rows,
            ids,
            n,
            d,
            extra,
            extra ? this.extraInfoSize() : 0,
            attributesJson(options, n),
            options?.paths,
        );
    }

    private insertExtra(
        add: boolean,
        vectors: VectorArray,
        ids: BigInt64Array,
        numElements: number,
        dim: number,
        options: InsertOptions,
    ): BigInt64Array {
        const extra = options.extraInfos as Uint8Array;
        return this.native.insertExtra(add, vectors, ids, numElements, dim, extra, this.extraInfoSize(), attributesJson(options, numElements));
    }

    private extraSize?: number;

    private extraInfoSize(): number {
        if (this.extraSize === undefined) {
            const p = JSON.parse(this.native.getParameters()) as { extra_info_size?: number };
            this.extraSize = Number(p.extra_info_size ?? 0);
        }
        return this.extraSize;
    }

    /*
     * withExtraInfoFilter returns filter with the labels keep rejects excluded (see
     * SearchOptions.extraInfoFilter): keep runs here, on the JavaScript thread, once per live
     * label; never on the library's search threads.
     */
    private withExtraInfoFilter(filter: Filter | undefined, keep: ((info: Uint8Array) => boolean) | undefined): Filter | undefined {
        if (keep === undefined || keep === null) return filter;
        if (typeof keep !== "function") {
            throw new VsagError("extraInfoFilter must be a function", ErrorCode.INVALID_ARGUMENT);
        }
        const size = this.extraInfoSize();
        if (size <= 0) {
            throw new VsagError(
                "extraInfoFilter: the index was created with extra_info_size 0",
                ErrorCode.UNSUPPORTED_INDEX_OPERATION,
            );
        }
        const ids = this.native.exportIds();
        const infos = ids.length ? this.native.getExtraInfoByIds(ids, size) : new Uint8Array(0);
        const rejected: bigint[] = [];
        for (let i = 0; i < ids.length; i++) {
            if (!keep(infos.subarray(i * size, (i + 1) * size))) rejected.push(ids[i]);
        }
        return excludeMore(filter, BigInt64Array.from(rejected));
    }

    /** Add vectors to the index; as {@link Index.build} otherwise. */
    add(vectors: Rows, ids: BigInt64Array, numElements?: number, dim?: number, options?: InsertOptions): BigInt64Array {
        if (!isVectorArray(vectors) || options?.paths) return this.insertRows(true, vectors, ids, numElements, dim, options);
        const d = dim ?? this.getDim();
        const n = numElements ?? Math.floor(vectors.length / Math.max(d, 1));
        if (options?.extraInfos) return this.insertExtra(true, vectors, ids, n, d, options);
        return this.native.add(vectors, ids, n, d, attributesJson(options, n));
    }

    /**
     * Run one search request (VSAG's SearchRequest): a knn search (`options.k`) or a range
     * search (`options.radius`) of one query, with the filter, the attribute expression and the
     * bucket ids all applied, on the calling thread.
     *
     * @param query - one dense vector; one sparse row `{indptr, indices, values}` (indptr of
     *   two offsets); or one multi-vector document `{vectors, vectorCounts: [count]}`
     * @param options - see {@link RequestOptions}
     * @returns the results without padding (a range search returns all of them), the extra
     *   infos of indexes created with extra_info_size, and with `expectedLabels` one
     *   {@link Explanation} per label
     */
    search(query: Rows, options: RequestOptions): RequestResult {
        return this.native.search(query, this.requestOptions(options), this.extraInfoSize());
    }

    /** {@link Index.search} on the libuv thread pool. */
    async searchAsync(query: Rows, options: RequestOptions): Promise<RequestResult> {
        return this.native.searchAsync(query, this.requestOptions(options), this.extraInfoSize());
    }

    private requestOptions(options: RequestOptions): NativeRequestOptions {
        const o = nativeOptions(options);
        if (options.extraInfoFilter === undefined || options.extraInfoFilter === null) return o;
        return { ...o, filter: this.withExtraInfoFilter(options.filter, options.extraInfoFilter) };
    }

    /**
     * Remove labels from the index.
     *
     * @param mode "mark" (VSAG's MARK_REMOVE, the default) marks them removed; "force"
     *   (FORCE_REMOVE) takes them out and reclaims their storage for later adds, labels only
     *   marked removed included. "force" needs an hgraph index created with
     *   `"support_force_remove": true` (INVALID_ARGUMENT otherwise); other index types throw
     *   UNSUPPORTED_INDEX_OPERATION. Also accepted as `{ mode }`.
     * @returns the number of labels removed
     */
    remove(ids: BigInt64Array, mode?: RemoveMode | RemoveOptions): number {
        return this.native.remove(ids, removeModeCode(mode));
    }

    /**
     * Find the k nearest neighbours of one vector.
     *
     * @param vector - one query of the index dimension
     * @param k - number of neighbours (fewer are returned when the index holds fewer; any
     *   size: it is capped at the live count before anything is allocated)
     * @param parameters - the search JSON, e.g. `{"hgraph":{"ef_search":100}}`
     * @param filter - labels the search must not return
     * @param options - `filterExpr`: an attribute filter expression ({@link SearchOptions})
     */
    knnSearch(vector: VectorArray, k: number | bigint, parameters?: Parameters, filter?: Filter, options?: SearchOptions): SearchResult {
        filter = this.withExtraInfoFilter(filter, options?.extraInfoFilter);
        const expr = options?.filterExpr;
        if (expr) {
            if (queryLength(vector) !== this.getDim()) {
                return this.native.knnSearch(vector, k, json(parameters), filter); // throws the dim error
            }
            return trim(this.native.knnSearchBatch(vector, 1, k, json(parameters), filter, expr));
        }
        let h = this.fastH;
        if (h === undefined) h = this.fastH = this.native.fastHandle();
        if (filter === undefined && typeof k === "number" && k <= SCRATCH_K && k >= 1 && (k | 0) === k && h !== null) {
            const p = json(parameters);
            if (p !== fastParams) {
                native.fastSearchParams(p);
                fastParams = p;
            }
            if (poolAt + k > POOL || pool.byteLength === 0) newPool();
            const at = poolAt;
            if (h !== poolHandle) {
                poolHandle = h;
                poolHandle64[0] = h;
            }
            poolHead[2] = k;
            poolHead[3] = at;
            poolHead[4] = -1;
            native.knnSearchFast(vector, pool);
            const n = poolHead[4];
            if (n >= 0) {
                poolAt = at + n;
                return { ids: new BigInt64Array(pool, HEAD + at * 8, n), distances: new Float32Array(pool, HEAD + POOL * 8 + at * 4, n) };
            }
            return this.native.knnSearch(vector, k, p, filter); // checks the arguments, throws
        }
        return this.native.knnSearch(vector, k, json(parameters), filter);
    }

    /**
     * Search nq queries (row-major, nq*dim values) on all cores.
     *
     * @returns nq*k ids and distances: query i's results are at [i*k, i*k+k), ascending, padded
     *   with id -1 and distance Infinity when fewer than k exist; `k` in the result is the row
     *   width (k itself up to {@link PAD_LIMIT}, otherwise capped at the live count)
     */
    knnSearchBatch(
        queries: VectorArray,
        nq: number,
        k: number | bigint,
        parameters?: Parameters,
        filter?: Filter,
        options?: SearchOptions,
    ): SearchResult {
        filter = this.withExtraInfoFilter(filter, options?.extraInfoFilter);
        return this.native.knnSearchBatch(queries, nq, k, json(parameters), filter, options?.filterExpr || undefined);
    }

    /**
     * Search a batch of multi-vector queries (warp and simq indexes) in one call, on all cores:
     * `queries` holds the documents as {@link Index.build} takes them, query i being
     * `vectorCounts[i]` sub-vectors of the index dimension.
     *
     * @returns one row of k per query, laid out as {@link Index.knnSearchBatch} lays them out
     *   (query i's results at [i*k, i*k+k), ascending by MaxSim distance, padded with id -1 and
     *   distance Infinity; `k` in the result is the row width); each row equals what
     *   {@link Index.search} returns for that document alone
     */
    knnSearchMultiVectorBatch(
        queries: MultiVectorRows,
        k: number | bigint,
        parameters?: Parameters,
        filter?: Filter,
        options?: SearchOptions,
    ): SearchResult {
        filter = this.withExtraInfoFilter(filter, options?.extraInfoFilter);
        return this.native.knnSearchMultiVectorBatch(queries, k, json(parameters), filter, options?.filterExpr || undefined);
    }

    /**
     * Find every neighbour within threshold (distance units) of one vector.
     *
     * @param limitedSize - at most this many results; -1 (default) for no limit
     * @param options - `extraInfoFilter` ({@link SearchOptions}; `filterExpr` is not taken here)
     */
    rangeSearch(
        vector: VectorArray,
        threshold: number,
        parameters?: Parameters,
        limitedSize = -1,
        filter?: Filter,
        options?: Pick<SearchOptions, "extraInfoFilter">,
    ): SearchResult {
        filter = this.withExtraInfoFilter(filter, options?.extraInfoFilter);
        return this.native.rangeSearch(vector, threshold, json(parameters), limitedSize, filter);
    }

    /** Write the index to filename (atomically: a temporary file renamed into place). */
    save(filename: string): void {
        this.native.save(filename);
    }

    /**
     * Load a file written by {@link Index.save} into this empty index, which must have been
     * created with compatible parameters (see {@link Index.loadFile} otherwise).
     */
    load(filename: string): void {
        this.native.load(filename);
    }

    /** The number of live vectors. */
    getNumElements(): number {
        return this.native.getNumElements();
    }

    /** The number of vectors marked removed. */
    getNumRemoved(): number {
        return this.native.getNumRemoved();
    }

    /** The bytes of memory the index holds now. */
    getMemoryUsage(): number {
        return this.native.getMemoryUsage();
    }

    /**
     * Limit the bytes of the index's large slabs (code stores, graph adjacency, bucket lists)
     * to `bytes` (0: no limit of its own; {@link setGlobalMemoryBudget} still applies). A
     * build, add, merge or load beyond it throws VsagError NO_ENOUGH_MEMORY and stores
     * nothing; searches are never refused.
     */
    setMemoryBudget(bytes: number): void {
        this.native.setMemoryBudget(bytes);
    }

    /** The index's memory budget in bytes (0: none). */
    getMemoryBudget(): number {
        return this.native.getMemoryBudget();
    }

    /** The bytes of the index's large slabs charged to its budget. */
    getBudgetedMemory(): number {
        return this.native.getBudgetedMemory();
    }

    /**
     * Allocate the code stores' slabs from `allocator` (a {@link CountingAllocator}) from their
     * next growth on; `null` restores the library's own allocation. Slabs allocated before keep
     * the allocator they came from and are freed with it.
     */
    setAllocator(allocator: CountingAllocator | null): void {
        if (allocator !== null && !(allocator instanceof CountingAllocator)) {
            throw new VsagError("setAllocator takes a CountingAllocator or null", ErrorCode.INVALID_ARGUMENT);
        }
        allocatorFns().indexSetAllocator.call(this.native, allocator === null ? null : allocator._external);
    }

    /**
     * Receive the progress of the index's builds, adds, trains and loads: `fn(op, done,
     * total)` with op "build", "add", "train" or "load" (vectors; bytes for a load, total 0
     * when not known in advance), about every 1% of the work, on the main thread. The events
     * of an asynchronous call (buildAsync, loadAsync, ...) arrive while it runs, those of a
     * synchronous call once it returns; they cannot cancel it. null stops them.
     */
    setProgress(fn: ProgressCallback | null): void {
        this.native.setProgress(fn);
    }

    /** The estimated bytes an index of this configuration needs for numElements vectors. */
    estimateMemory(numElements: number): number {
        return this.native.estimateMemory(numElements);
    }

    /** Whether label id is live in the index (see {@link Label} for what a label may be). */
    checkIdExist(id: Label): boolean {
        return this.native.checkIdExist(id);
    }

    /** For each label, 1 if it is live in the index and 0 otherwise. */
    checkIdsExist(ids: BigInt64Array): Uint8Array {
        return this.native.checkIdsExist(ids);
    }

    /** The smallest and largest live label; {minId: -1, maxId: -1} for an empty index. */
    getMinMaxId(): MinMaxId {
        return this.native.getMinMaxId();
    }

    /**
     * The distance from query to the stored vector of each label (-1 for a missing label). On
     * a sparse index the query is one sparse row `{indptr, indices, values}` (indptr of two
     * offsets) and the distance is 1 - inner product with the stored row (see
     * {@link Index.getSparseVectorsByIds}); on a multi-vector index (warp, simq) it is one
     * document `{vectors, vectorCounts: [n]}` and the distance the MaxSim distance searches
     * report.
     */
    calcDistancesById(query: VectorArray | SparseRows | MultiVectorRows, ids: BigInt64Array): Float32Array {
        return this.native.calcDistancesById(query, ids);
    }

    /**
     * The stored rows of labels on a sparse index (such as sindi), one row per label in order,
     * in CSR form: the whole documents with `use_reorder`, else the stored postings (pruned by
     * `doc_prune_ratio`, quantized by `use_quantization`). A missing label is VsagError
     * INVALID_ARGUMENT; a dense index UNSUPPORTED_INDEX_OPERATION.
     */
    getSparseVectorsByIds(ids: BigInt64Array): SparseVectors {
        return this.native.getSparseVectorsByIds(ids);
    }

    /**
     * Distances for many queries in one call (VSAG's BATCH_CALC_DISTANCE_BY_ID): queries holds
     * nq*dim values row-major and ids the labels of each query row-major, the same number m =
     * ids.length / nq per query; entry i*m + j of the result is the distance from query i to
     * ids[i*m + j] (-1 for a missing label).
     */
    calcDistancesByIdBatch(queries: VectorArray, nq: number, ids: BigInt64Array): Float32Array {
        return this.native.calcDistancesByIdBatch(queries, nq, ids);
    }

    /**
     * Teach the conjugate graph from one query (Feature.SUPPORT_FEEDBACK: an "hnsw" index
     * created with `"use_conjugate_graph": true`), as VSAG's Index::Feedback: the query is
     * searched for k results with parameters and the nodes the graph search found are linked to
     * globalOptimumId, the label of the query's true nearest neighbour. Without it the index
     * finds the query's true k nearest neighbours itself by an exact scan and links to the
     * nearest one and to every other one the search missed. Searches with
     * `use_conjugate_graph_search` (true by default) follow these links. Returns the number of
     * edges added. Throws UNSUPPORTED_INDEX_OPERATION without a conjugate graph.
     */
    feedback(query: VectorArray, k: number | bigint, parameters?: Parameters, globalOptimumId?: Label): number {
        return this.native.feedback(query, k, json(parameters), globalOptimumId);
    }

    /**
     * Teach the conjugate graph without queries, as VSAG's Index::Pretrain: for each label,
     * queries made around its stored vector (49% of the way towards each of its 50 nearest
     * neighbours) are given as feedback with the label as the global optimum, searched for k
     * results with parameters (about 51 searches per label). Returns the number of edges added;
     * a label not in the index throws INVALID_ARGUMENT and nothing is added.
     */
    pretrain(ids: BigInt64Array | readonly Label[], k: number | bigint, parameters?: Parameters): number {
        return this.native.pretrain(labelArray(ids, "ids"), k, json(parameters));
    }

    /** {@link Index.pretrain} on the libuv thread pool. */
    async pretrainAsync(ids: BigInt64Array | readonly Label[], k: number | bigint, parameters?: Parameters): Promise<number> {
        return this.native.pretrainAsync(labelArray(ids, "ids"), k, json(parameters));
    }

    /** Alias of {@link Index.calcDistancesById} (the upstream package's older name). */
    calDistanceById(query: VectorArray, ids: BigInt64Array): Float32Array {
        return this.native.calcDistancesById(query, ids);
    }

    /** Whether the index supports a capability ({@link Feature}). */
    checkFeature(feature: Feature | number): boolean {
        return this.native.checkFeature(feature);
    }

    /** Every live label, ascending. */
    exportIds(): BigInt64Array {
        return this.native.exportIds();
    }

    /** The index type, such as "hgraph". */
    getName(): string {
        return this.native.getName();
    }

    /** The create JSON of the index (useful after {@link Index.loadFile}). */
    getParameters(): string {
        return this.native.getParameters();
    }

    /** The vector dimension. */
    getDim(): number {
        return this.native.getDim();
    }

    /**
     * The extra info of each label (indexes created with `extra_info_size`): a Uint8Array of
     * ids.length * extra_info_size bytes, label i's at [i*size, (i+1)*size). Throws for a
     * label that does not exist, and UNSUPPORTED_INDEX_OPERATION without extra_info_size.
     */
    getExtraInfoByIds(ids: BigInt64Array): Uint8Array {
        return this.native.getExtraInfoByIds(ids, this.extraInfoSize());
    }

    /**
     * Replace the extra info of live labels (indexes created with `extra_info_size`): infos
     * holds ids.length * extra_info_size bytes, label ids[i]'s at [i*size, (i+1)*size). Every
     * label is checked first: a label that is not live, or infos of another length, throws
     * INVALID_ARGUMENT and nothing changes. Throws UNSUPPORTED_INDEX_OPERATION without
     * extra_info_size and WRONG_STATUS on an immutable index. It runs alongside searches and
     * other writes (Feature.SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT).
     */
    updateExtraInfo(ids: BigInt64Array, infos: Uint8Array): void {
        this.native.updateExtraInfo(ids, infos, this.extraInfoSize());
    }

    /** The attributes of each label (null for a label stored without any); throws for a missing label. */
    getAttributesByIds(ids: BigInt64Array): (Record<string, AttributeValue> | null)[] {
        return JSON.parse(this.native.getAttributesByIds(ids)) as (Record<string, AttributeValue> | null)[];
    }

    /**
     * The index's statistics (VSAG's GetStats): counts, the structure (hgraph: connect_components,
     * in/out degree distributions, ...; ivf: bucket_count, bucket_num, bucket_radius, ...),
     * duplicate_ratio, and from a sample of stored vectors searched as queries recall_base,
     * self_recall, quantization_bias_ratio, ... Multi-vector indexes (warp, simq) report their
     * documents instead of sampled searches: sub_vector_count, live_sub_vector_count,
     * sub_vectors_per_document, sub_vector_count_histogram, memory_usage; simq adds
     * cluster_count, cluster_size, documents_per_cluster, clusters_per_document and
     * representative_graph. Writes wait while it runs; searches do not.
     */
    getStats(): IndexStats {
        return JSON.parse(this.native.getStats()) as IndexStats;
    }

    /**
     * Search every query (row-major, a multiple of dim values) for k neighbours, one at a time,
     * and report VSAG's AnalyzeIndexBySearch analysis: recall against exact ground truth,
     * latency and the quantization error seen on the results. k above the count is capped.
     */
    analyzeIndexBySearch(queries: VectorArray, k: number | bigint, parameters?: Parameters): SearchAnalysis {
        const dim = this.getDim();
        const nq = dim > 0 ? Math.floor(queryLength(queries) / dim) : 0;
        return JSON.parse(this.native.analyzeIndexBySearch(queries, nq, k, json(parameters))) as SearchAnalysis;
    }

    /**
     * Give the index's leanvec quantizer explicit matrices instead of learning them (SVS's
     * LeanVecLoader data_matrix / query_matrix): reducedDim x dim row-major Float32Arrays; a
     * different queryMatrix makes LeanVec-OOD (needs `"leanvec_training": "ood"`), mean (dim
     * values) is subtracted from data vectors. Call on an empty, untrained index.
     */
    setLeanVecMatrices(
        dataMatrix: Float32Array,
        queryMatrix?: Float32Array | null,
        mean?: Float32Array | null,
        reducedDim?: number,
    ): void {
        const rd = reducedDim ?? dataMatrix.length / this.getDim();
        this.native.setLeanVecMatrices(dataMatrix, queryMatrix ?? null, mean ?? null, rd);
    }

    /**
     * Train the quantizers on numElements vectors and numQueries sample queries (leanvec with
     * `"leanvec_training": "ood"` learns its query matrix from them), without adding vectors.
     */
    trainWithQueries(
        vectors: VectorArray,
        numElements: number,
        queries: VectorArray | null,
        numQueries: number,
        dim: number,
    ): void {
        this.native.trainWithQueries(vectors, numElements, queries, numQueries, dim);
    }

    /** Make the index read-only: later build, add and remove fail with WRONG_STATUS. */
    setImmutable(): void {
        this.native.setImmutable();
    }

    /**
     * Empty the index back to the state it had right after it was created: every vector,
     * label, extra info and attribute is dropped and trained quantizers forget their training;
     * the create parameters stay, so it can be built again (Feature.SUPPORT_RESET). Searches
     * running meanwhile finish on the old contents. Throws WRONG_STATUS on an immutable index.
     */
    reset(): void {
        this.native.reset();
    }

    /**
     * Learn the index's trained state (ivf centroids, quantizer ranges and codebooks) from
     * numElements vectors of dimension dim without adding them; {@link Index.build} trains
     * by itself, so this is for indexes filled with {@link Index.add} afterwards (or whose
     * model is exported). Index types that need no training accept it for their quantizers.
     *
     * @param numElements - default: vectors.length / dim
     * @param dim - default: the index dimension
     */
    train(vectors: VectorArray, numElements?: number, dim?: number): void {
        const d = dim ?? this.getDim();
        this.native.train(vectors, numElements ?? Math.floor(vectors.length / Math.max(d, 1)), d);
    }

    /** {@link Index.train} on the libuv thread pool. */
    async trainAsync(vectors: VectorArray, numElements?: number, dim?: number): Promise<void> {
        const d = dim ?? this.getDim();
        return this.native.trainAsync(vectors, numElements ?? Math.floor(vectors.length / Math.max(d, 1)), d);
    }

    /** An independent, mutable deep copy of the index (Feature.SUPPORT_CLONE). */
    clone(): Index {
        return Index.wrap(this.native.clone());
    }

    /**
     * A new, empty index with this index's type, parameters and trained model (centroids,
     * codebooks, quantizer ranges) but none of its vectors (Feature.SUPPORT_EXPORT_MODEL;
     * "ivf" and "hgraph" have it, other types throw UNSUPPORTED_INDEX_OPERATION). Fill copies of it
     * ({@link Index.clone}, or {@link Index.serialize} to other processes) and
     * {@link Index.merge} them back without retraining.
     */
    exportModel(): Index {
        return Index.wrap(this.native.exportModel());
    }

    /**
     * Add the live vectors, extra info and attributes of indexes sharing this index's trained
     * model (made with {@link Index.exportModel}, or trained identically) without re-encoding
     * them (Feature.SUPPORT_MERGE_INDEX). Each unit is an Index (labels kept) or
     * `{index, idMap}` ({@link IdMap}: labels it does not name are left out). The sources are
     * only read.
     *
     * @returns the labels (as mapped) already present in this index, which were left out
     * @throws VsagError INVALID_ARGUMENT for a source of another type, parameters or model,
     *   this index itself, a source given twice or a label named twice in a map (nothing is
     *   merged then); UNSUPPORTED_INDEX_OPERATION for index types without merge;
     *   WRONG_STATUS for an immutable index or a closed one
     */
    merge(units: readonly (Index | MergeUnit)[]): BigInt64Array {
        const [sources, froms, tos] = mergeArgs(units);
        return this.native.merge(sources, froms, tos);
    }

    /**
     * {@link Index.merge} on the libuv thread pool. Do not close the sources while it is
     * pending (the merge then fails).
     */
    async mergeAsync(units: readonly (Index | MergeUnit)[]): Promise<BigInt64Array> {
        const [sources, froms, tos] = mergeArgs(units);
        return this.native.mergeAsync(sources, froms, tos);
    }

    /**
     * Change how the index encodes its vectors without rebuilding its graph, as VSAG's
     * `Index::Tune` (Feature.SUPPORT_TUNE; "hgraph" while it keeps a precise source).
     * `params` is `{index_param: {...}}` (the whole create JSON may be given; its dim, dtype,
     * metric_type and extra_info_size must be the index's). For hgraph the block gives
     * base_quantization_type, use_reorder, precise_quantization_type, store_raw_vector and the
     * quantizer keys anew; max_degree, ef_construction, alpha, graph_type and Vamana's keys
     * cannot change. The stores whose quantizer changes are re-encoded from the raw vectors,
     * else from fp32 precise or base codes; the raw vectors stay so the index can be tuned
     * again, until `disableFutureTuning` drops them (unless the block asks for
     * store_raw_vector) and refuses every later tune. {@link Index.getParameters} then returns
     * the tuned create JSON, and the index saves and loads tuned.
     *
     * @returns true once applied
     * @throws VsagError INVALID_ARGUMENT for bad JSON, an unknown key, a graph key that
     *   differs or a create key that is not the index's; UNSUPPORTED_INDEX_OPERATION for index
     *   types without tuning, an index that keeps no precise source or whose tuning was
     *   disabled; WRONG_STATUS for an immutable or closed index
     */
    tune(params: Parameters, disableFutureTuning = false): boolean {
        this.native.tune(json(params) as string, disableFutureTuning);
        return true;
    }

    /** {@link Index.tune} on the libuv thread pool (searches go on meanwhile). */
    async tuneAsync(params: Parameters, disableFutureTuning = false): Promise<boolean> {
        await this.native.tuneAsync(json(params) as string, disableFutureTuning);
        return true;
    }

    /** @internal the addon object behind an index, for {@link Index.merge}. */
    static _nativeOf(index: Index): NativeIndex {
        return index.native;
    }

    /**
     * The index in the file format of {@link Index.save}, as a Buffer (to store in a database
     * or send over the network).
     */
    serialize(): Buffer {
        return this.native.serialize();
    }

    /** Load bytes written by {@link Index.serialize} into this empty index (as {@link Index.load}). */
    deserialize(buffer: Uint8Array): void {
        this.native.deserialize(buffer);
    }

    /** {@link Index.build} on the libuv thread pool. */
    async buildAsync(
        vectors: VectorArray,
        ids: BigInt64Array,
        numElements: number,
        dim: number,
        options?: InsertOptions,
    ): Promise<BigInt64Array> {
        return this.native.buildAsync(vectors, ids, numElements, dim, attributesJson(options, numElements));
    }

    /** {@link Index.add} on the libuv thread pool. */
    async addAsync(
        vectors: VectorArray,
        ids: BigInt64Array,
        numElements: number,
        dim: number,
        options?: InsertOptions,
    ): Promise<BigInt64Array> {
        return this.native.addAsync(vectors, ids, numElements, dim, attributesJson(options, numElements));
    }

    /**
     * Start an iterator search session for one query (VSAG's KnnSearch with an
     * IteratorContext; {@link Feature} SUPPORT_KNN_ITERATOR_FILTER_SEARCH): iterate it
     * with `for await` (or `for`) to get pages of `pageSize` neighbours, each page the next
     * ones not returned before. Index types without iterator search throw
     * UNSUPPORTED_INDEX_OPERATION.
     *
     * @param query - one query of dim values
     * @param pageSize - neighbours per page when iterating (nextPage(k) takes any size)
     * @param parameters - the search JSON; `ef_search` is the window of each page
     * @param options - `filter`: labels no page may return (arrays and masks are copied)
     */
    searchIterator(query: VectorArray, pageSize: number = 10, parameters?: Parameters, options?: { filter?: Filter }): SearchIterator {
        if (!Number.isInteger(pageSize) || pageSize <= 0) {
            throw new VsagError(`search iterator: pageSize ${pageSize} must be a positive integer`, ErrorCode.INVALID_ARGUMENT);
        }
        return new SearchIterator(native, this.native.iteratorCreate(query, json(parameters), options?.filter), pageSize);
    }

    /** {@link Index.knnSearch} on the libuv thread pool. */
    async knnSearchAsync(
        vector: VectorArray,
        k: number | bigint,
        parameters?: Parameters,
        filter?: Filter,
        options?: SearchOptions,
    ): Promise<SearchResult> {
        filter = this.withExtraInfoFilter(filter, options?.extraInfoFilter);
        const expr = options?.filterExpr;
        if (expr && queryLength(vector) === this.getDim()) {
            return trim(await this.native.knnSearchBatchAsync(vector, 1, k, json(parameters), filter, expr));
        }
        return this.native.knnSearchAsync(vector, k, json(parameters), filter);
    }

    /** {@link Index.knnSearchBatch} on the libuv thread pool. */
    async knnSearchBatchAsync(
        queries: VectorArray,
        nq: number,
        k: number | bigint,
        parameters?: Parameters,
        filter?: Filter,
        options?: SearchOptions,
    ): Promise<SearchResult> {
        filter = this.withExtraInfoFilter(filter, options?.extraInfoFilter);
        return this.native.knnSearchBatchAsync(queries, nq, k, json(parameters), filter, options?.filterExpr || undefined);
    }

    /** {@link Index.save} on the libuv thread pool. */
    async saveAsync(filename: string): Promise<void> {
        return this.native.saveAsync(filename);
    }

    /** {@link Index.load} on the libuv thread pool. */
    async loadAsync(filename: string): Promise<void> {
        return this.native.loadAsync(filename);
    }

    /**
     * Release the index. Later calls throw VsagError WRONG_STATUS; closing twice is harmless.
     * Asynchronous operations already started finish first, then the handle is released.
     */
    close(): void {
        this.fastH = null;
        this.native.close();
    }

    /** Whether {@link Index.close} was called. */
    get closed(): boolean {
        return this.native.isClosed();
    }
}

/* mergeArgs splits merge units into the addon's parallel arrays: sources and id maps. */
function mergeArgs(units: readonly (Index | MergeUnit)[]): [NativeIndex[], (LabelList | null)[], (LabelList | null)[]] {
    if (!Array.isArray(units)) {
        throw argumentError(false, "merge: units must be an Array of Index or {index, idMap}");
    }
    const sources: NativeIndex[] = [];
    const froms: (LabelList | null)[] = [];
    const tos: (LabelList | null)[] = [];
    units.forEach((u: unknown, i: number) => {
        let index: unknown = u;
        let idMap: unknown = null;
        if (!(u instanceof Index)) {
            if (u === null || typeof u !== "object" || !((u as MergeUnit).index instanceof Index)) {
                throw argumentError(false, `merge: unit ${i} must be an Index or {index, idMap}`);
            }
            index = (u as MergeUnit).index;
            idMap = (u as MergeUnit).idMap ?? null;
        }
        sources.push(Index._nativeOf(index as Index));
        if (idMap === null) {
            froms.push(null);
            tos.push(null);
        } else if (idMap instanceof Map) {
            froms.push(Array.from(idMap.keys()) as Label[]);
            tos.push(Array.from(idMap.values()) as Label[]);
        } else if (Array.isArray(idMap) && idMap.length === 2) {
            froms.push(idMap[0] as LabelList);
            tos.push(idMap[1] as LabelList);
        } else {
            throw argumentError(false, `merge: unit ${i}: idMap must be a Map or [from, to] label lists`);
        }
    });
    return [sources, froms, tos];
}

/* argumentError is a TypeError or RangeError carrying VSAG's INVALID_ARGUMENT code. */
function argumentError(range: boolean, message: string): Error {
    const e = range ? new RangeError(message) : new TypeError(message);
    Object.assign(e, { code: ErrorCode.INVALID_ARGUMENT, codeName: "INVALID_ARGUMENT" });
    return e;
}

/* bitmaskLabel checks one label of createBitmask: a non-negative safe integer or bigint. */
function bitmaskLabel(l: unknown): number {
    if (typeof l === "bigint") {
        if (l < 0n || l > BigInt(Number.MAX_SAFE_INTEGER)) {
            throw argumentError(true, `bitmask label ${l} must be in [0, 2^53 - 1]`);
        }
        return Number(l);
    }
    if (typeof l !== "number" || !Number.isInteger(l)) {
        throw argumentError(false, `bitmask label ${String(l)} must be a non-negative integer`);
    }
    if (l < 0 || !Number.isSafeInteger(l)) {
        throw argumentError(true, `bitmask label ${l} must be in [0, 2^53 - 1]`);
    }
    return l;
}

/**
 * createBitmask returns an exclusion bitmask for {@link Filter}: bit `label` set for each
 * label (non-negative safe integers or bigints; anything else throws a TypeError or
 * RangeError), with room for at least size labels.
 */
export function createBitmask(labels: Iterable<Label>, size = 0): Uint8Array {
    const list = Array.from(labels, bitmaskLabel);
    let max = size - 1;
    for (const l of list) if (l > max) max = l;
    if (max + 1 > 2 ** 32) {
        throw argumentError(true, `bitmask for label ${max} would take ${Math.ceil((max + 1) / 8)} bytes`);
    }
    const mask = new Uint8Array(Math.ceil((max + 1) / 8));
    for (const l of list) mask[Math.floor(l / 8)] |= 1 << l % 8;
    return mask;
}

/** A progress callback: see {@link Index.setProgress}. */
export type ProgressCallback = (op: string, done: number, total: number) => void;

/**
 * Receive the library's log messages at or above {@link setLogLevel}'s level: `fn(level,
 * message)` on the main thread (level with VSAG's numbering, see {@link LogLevel}). null
 * stops them.
 */
export function setLogger(fn: ((level: LogLevel, message: string) => void) | null): void {
    native.setLogger(fn);
}

/**
 * Limit the bytes of the large slabs of all indexes together (0: no limit); a write or load
 * beyond it throws VsagError NO_ENOUGH_MEMORY and stores nothing.
 */
export function setGlobalMemoryBudget(bytes: number): void {
    native.setGlobalMemoryBudget(bytes);
}

/** The global memory budget in bytes (0: none). */
export function getGlobalMemoryBudget(): number {
    return native.getGlobalMemory(0);
}

/** The bytes of all indexes' large slabs charged to the global budget. */
export function globalBudgetedMemory(): number {
    return native.getGlobalMemory(1);
}

/**
 * Set a global option: "num_threads_building" (1..200, default 4), "num_threads_io" (1..200,
 * default 8), "block_size_limit" (bytes, at least 262144, default 128 MiB) or
 * "concurrency_limit" (threads per call, 0 for none).
 */
export function setOption(name: string, value: number): void {
    native.setOption(name, value);
}

/** A global option's value (see {@link setOption}). */
export function getOption(name: string): number {
    return native.getOption(name);
}

/** Set the library's log level. */
export function setLogLevel(level: LogLevel): void {
    native.setLogLevel(level);
}

/** The library's log level. */
export function getLogLevel(): LogLevel {
    return native.getLogLevel();
}

/** Disable all logging output from the library. */
export function setLoggerOff(): void {
    native.setLogLevel(LogLevel.OFF);
}

/** Set the library's log level to INFO. */
export function setLoggerInfo(): void {
    native.setLogLevel(LogLevel.INFO);
}

/** Set the library's log level to DEBUG. */
export function setLoggerDebug(): void {
    native.setLogLevel(LogLevel.DEBUG);
}

/** The version of libvsag.so, such as "0.1.0". */
export function version(): string {
    return native.version();
}

/**
 * The file libvsag.so was loaded from: the package's lib/libvsag.so, else $VSAG_LIBRARY_PATH
 * (the file or its directory), else the system's library search path.
 */
export function libraryPath(): string {
    return native.libraryPath();
}

/** How {@link Index.remove} takes labels out (VSAG's RemoveMode). */
export type RemoveMode = "mark" | "force";

/** The options form of {@link Index.remove}'s mode. */
export interface RemoveOptions {
    /** "mark" (the default) or "force". */
    mode?: RemoveMode;
}

/** removeModeCode maps a remove mode to the C constants VSAG_REMOVE_MARK and VSAG_REMOVE_FORCE. */
function removeModeCode(mode: RemoveMode | RemoveOptions | undefined | null): number {
    const m = mode !== null && typeof mode === "object" ? mode.mode : mode;
    if (m === undefined || m === null || m === "mark") return 0;
    if (m === "force") return 1;
    throw new VsagError(`remove mode must be "mark" or "force", got ${String(m)}`, ErrorCode.INVALID_ARGUMENT);
}

/** A metric that could not be measured on this index, with the reason. */
export interface Skipped {
    skipped_reason: string;
}

/** {@link Index.getStats}: VSAG's GetStats keys (those of the index type present). */
export interface IndexStats {
    total_count: number;
    deleted_count: number;
    num_elements: number;
    /** Dense indexes: the share of vectors stored more than once. */
    duplicate_ratio?: number;
    /** Dense indexes: the vectors sampled for the measures below. */
    sample_size?: number;
    recall_base?: number;
    self_recall?: number;
    avg_distance_base?: number;
    time_cost_query?: number;
    quantization_bias_ratio?: number | Skipped;
    quantization_inversion_count_rate?: number | Skipped;
    connect_components?: number;
    maximal_component_size?: number;
    in_degree_distribution?: number[];
    out_degree_distribution?: number[];
    average_degree?: number;
    proximity_recall_neighbor?: number;
    bucket_count?: number;
    /** Multi-vector indexes (warp, simq): the sub-vectors stored, of removed documents too. */
    sub_vector_count?: number;
    /** Multi-vector indexes: the sub-vectors of live documents. */
    live_sub_vector_count?: number;
    /** Multi-vector indexes: {mean, std, min, max, q25, q50, q75} of sub-vectors per live document. */
    sub_vectors_per_document?: Record<string, number>;
    /** simq: the number of token clusters (one representative each). */
    cluster_count?: number;
    [key: string]: unknown;
}

/** {@link Index.analyzeIndexBySearch}: VSAG's AnalyzeIndexBySearch keys. */
export interface SearchAnalysis {
    num_queries: number;
    topk: number;
    recall_query: number;
    avg_distance_query: number;
    time_cost_query: number;
    latency_ms: { mean: number; p50: number; p90: number; p99: number; max: number };
    quantization_bias_ratio_query: number | Skipped;
    quantization_inversion_count_rate_query: number | Skipped;
    [key: string]: unknown;
}

/*
 * knnSearch without a filter, for k up to SCRATCH_K, searches through the addon's knnSearchFast
 * straight into a pool of POOL result entries and returns views of the entries it filled, as
 * Node hands out small Buffers from a shared pool: a typed array over 64 bytes of its own
 * costs an allocation outside the JavaScript heap, several times the addon call itself. The
 * pool is one ArrayBuffer: a header of HEAD bytes (the library handle, k, the offset, and the
 * result count the addon writes back: arguments in memory cost no N-API call), POOL ids, then
 * POOL distances. A new pool is taken when the entries run out; a pool lives while any of its
 * results does. Like Node's pool it is marked untransferable, so posting a result's buffer to a
 * worker copies it instead of detaching the other results (a pool detached anyway is
 * replaced). The search never calls back into JavaScript, so nothing else writes the pool
 * meanwhile. The parameters reach the addon by fastSearchParams, called only when they differ
 * from the last ones (fastParams).
 */
const SCRATCH_K = 256;
const POOL = 1024;
const HEAD = 32;
let pool = new ArrayBuffer(0);
let poolHead = new Int32Array(0);
let poolHandle64 = new BigUint64Array(0);
let poolHandle: bigint | null = null;
let poolAt = POOL;
let fastParams: string | undefined = undefined;

function newPool(): void {
    pool = new ArrayBuffer(HEAD + POOL * 12);
    if (markAsUntransferable) markAsUntransferable(pool);
    poolHead = new Int32Array(pool, 0, HEAD / 4);
    poolHandle64 = new BigUint64Array(pool, 0, 1);
    poolHandle = null;
    poolAt = 0;
}

/** The counters of a {@link CountingAllocator}. */
export interface AllocatorStats {
    /** Bytes of the blocks held now. */
    bytesInUse: number;
    /** The most bytes held at once. */
    peakBytes: number;
    /** Blocks held now. */
    blocks: number;
    /** Allocations and reallocations served. */
    allocations: number;
    /** Calls refused: beyond the limit, or malloc failed. */
    failures: number;
    /** The limit in bytes (0: none). */
    limit: number;
}

interface AllocatorFns {
    allocatorNew(name: string, limit: number): object;
    allocatorStats(ext: object): AllocatorStats;
    allocatorSetLimit(ext: object, limit: number): void;
    indexSetAllocator(this: NativeIndex, ext: object | null): void;
}

function allocatorFns(): AllocatorFns {
    return native as unknown as AllocatorFns;
}

/**
 * The library's counting allocator (VSAG's Allocator, in C over malloc): it counts the bytes of
 * the slabs it holds and refuses growth beyond `limit` bytes (0: none), so a build or add that
 * needs more throws VsagError NO_ENOUGH_MEMORY and stores nothing. One allocator may serve many
 * indexes ({@link Index.setAllocator}). There is no allocator written in JavaScript: the library
 * allocates on its own threads, which cannot call JavaScript while the main thread may be
 * waiting in the library; the policy (the limit, the counters) is set and read from here.
 */
export class CountingAllocator {
    /** @internal */
    readonly _external: object;
    /** The allocator's name. */
    readonly name: string;

    constructor(options: { limit?: number; name?: string } = {}) {
        this.name = options.name ?? "counting";
        this._external = allocatorFns().allocatorNew(this.name, options.limit ?? 0);
    }

    /** The allocator's counters. */
    stats(): AllocatorStats {
        return allocatorFns().allocatorStats(this._external);
    }

    /** Bytes of the blocks held now. */
    get bytesInUse(): number {
        return this.stats().bytesInUse;
    }

    /** The most bytes held at once. */
    get peakBytes(): number {
        return this.stats().peakBytes;
    }

    /** The limit in bytes (0: none); a lower limit frees nothing, it refuses later growth. */
    get limit(): number {
        return this.stats().limit;
    }

    set limit(bytes: number) {
        allocatorFns().allocatorSetLimit(this._external, bytes);
    }
}
