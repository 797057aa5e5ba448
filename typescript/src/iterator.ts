/*
 * Iterator search sessions: the neighbours of one query, page by page (VSAG's KnnSearch with an
 * IteratorContext). Created by Index.searchIterator in index.ts.
 */
import type { SearchResult } from "./index";

/* The addon's session functions (src/addon.c); the session itself is an opaque External. */
/** @internal */
export interface NativeIteratorFns {
    iteratorNext(it: unknown, k: number | bigint): SearchResult;
    iteratorNextAsync(it: unknown, k: number | bigint): Promise<SearchResult>;
    iteratorDrain(it: unknown, k: number | bigint): SearchResult;
    iteratorDrainAsync(it: unknown, k: number | bigint): Promise<SearchResult>;
    iteratorClose(it: unknown): void;
}

/**
 * A search session over one query, from {@link Index.searchIterator}. `for await (const page
 * of it)` yields pages `{ids, distances}` of `pageSize` neighbours (each computed on the libuv
 * thread pool), each page the next neighbours not returned before, until the session has no
 * more; `for (const page of it)` does the same synchronously. {@link nextPage} takes a page of
 * any size, {@link drain} the candidates found and not yet returned.
 *
 * Guarantees: pages are disjoint; each page ascends by distance; a label removed before a page
 * is never in it or a later one; labels added after the session was created are not returned;
 * the filter applies to every label returned. `brute_force` pages are exact, page after page
 * (distances never decrease); `hgraph` continues one graph search (its visited nodes and
 * candidates are kept between pages), so a page may start slightly below the previous page's
 * last distance when the walk reaches a node late; `ivf` scans buckets nearest centroid first,
 * scan_buckets_count more for each first page's worth of results, with the same caveat. A
 * session run to its end has returned every label the filter keeps.
 *
 * Breaking out of a `for await` / `for` loop closes the session; otherwise call
 * {@link close} (the session is also released when garbage collected).
 */
export class SearchIterator implements AsyncIterableIterator<SearchResult> {
    private open = true;

    /** @internal */
    constructor(
        private readonly fns: NativeIteratorFns,
        private readonly handle: unknown,
        /** The number of neighbours per page when iterating. */
        readonly pageSize: number,
    ) {}

    /** Whether the session was closed, drained or ran to its end. */
    get closed(): boolean {
        return !this.open;
    }

    /** The next up-to-k neighbours (default pageSize) not returned before; empty at the end. */
    nextPage(k: number | bigint = this.pageSize): SearchResult {
        return this.fns.iteratorNext(this.handle, k);
    }

    /** {@link nextPage} on the libuv thread pool. */
    async nextPageAsync(k: number | bigint = this.pageSize): Promise<SearchResult> {
        return this.fns.iteratorNextAsync(this.handle, k);
    }

    /**
     * Up to k of the neighbours the session has found but not returned, without searching
     * further (VSAG's is_last_search); the session ends with it.
     */
    drain(k: number | bigint): SearchResult {
        try {
            return this.fns.iteratorDrain(this.handle, k);
        } finally {
            this.close();
        }
    }

    /** {@link drain} on the libuv thread pool. */
    async drainAsync(k: number | bigint): Promise<SearchResult> {
        try {
            return await this.fns.iteratorDrainAsync(this.handle, k);
        } finally {
            this.close();
        }
    }

    /** Release the session (after a page under way completes); calling it again does nothing. */
    close(): void {
        if (this.open) {
            this.open = false;
            this.fns.iteratorClose(this.handle);
        }
    }

    /** The async iterator protocol: the next page, computed on the libuv thread pool. */
    async next(): Promise<IteratorResult<SearchResult, undefined>> {
        if (!this.open) return { done: true, value: undefined };
        const page = await this.nextPageAsync();
        if (page.ids.length === 0) {
            this.close();
            return { done: true, value: undefined };
        }
        return { done: false, value: page };
    }

    /** Called when a `for await` loop ends early: closes the session. */
    async return(): Promise<IteratorResult<SearchResult, undefined>> {
        this.close();
        return { done: true, value: undefined };
    }

    [Symbol.asyncIterator](): this {
        return this;
    }

    /** Synchronous iteration over the pages (each computed on the calling thread). */
    *[Symbol.iterator](): Generator<SearchResult, void, undefined> {
        try {
            while (this.open) {
                const page = this.nextPage();
                if (page.ids.length === 0) return;
                yield page;
            }
        } finally {
            this.close();
        }
    }
}
