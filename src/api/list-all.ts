import type { Video, VideoList } from './video.js';

/**
 * Following a paged listing to its end, for any protocol that lists by cursor: within limits,
 * so a server that always answers `has_more` (or repeats a cursor) cannot keep a render paging
 * forever or have an endless listing taken as complete.
 */

export interface ListOptions {
  /** 1–100. Some servers only report `has_more` when a limit is sent. */
  readonly limit?: number;
  readonly order?: 'asc' | 'desc';
  readonly after?: string;
}

export interface ListAllOptions {
  readonly order?: 'asc' | 'desc';
  /** Only videos created at or after this Unix time (seconds); with `desc`, paging stops there. */
  readonly createdAfter?: number;
  /** Page size. Default 100. */
  readonly pageSize?: number;
  /** Pages followed at most; past it the listing throws `ListingTooLongError`. Default `LIST_LIMITS.pages`. */
  readonly maxPages?: number;
  /** Videos listed at most (filtered out or not); past it, `ListingTooLongError`. Default `LIST_LIMITS.videos`. */
  readonly maxVideos?: number;
}

/** How far a listing is followed (README, "Limits"): 1,000 full pages of OpenAI's 100. */
export const LIST_LIMITS = { pages: 2_000, videos: 100_000 } as const;

/**
 * Every video, page after page (`after` = the previous page's `last_id`) while `has_more`, up
 * to the page and video limits: a listing that goes on past them throws `tooLong(limit)`
 * rather than being followed forever (or taken as complete).
 */
export async function* listAllPages(
  listPage: (page: ListOptions) => Promise<VideoList>,
  query: ListAllOptions,
  tooLong: (limit: string) => Error,
): AsyncGenerator<Video> {
  const order = query.order ?? 'desc';
  const maxPages = query.maxPages ?? LIST_LIMITS.pages;
  const maxVideos = query.maxVideos ?? LIST_LIMITS.videos;
  const limit = `${maxPages} pages or ${maxVideos} videos`;
  const seenCursors = new Set<string>();
  let after: string | undefined;
  let listed = 0;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) throw tooLong(limit);
    const page = await listPage({ limit: query.pageSize ?? 100, order, ...(after === undefined ? {} : { after }) });
    listed += page.data.length;
    if (listed > maxVideos) throw tooLong(limit);
    for (const video of page.data) {
      const older = query.createdAfter !== undefined && video.createdAt !== null && video.createdAt < query.createdAfter;
      if (older && order === 'desc') return; // newest first: the rest are older still
      if (!older) yield video;
    }
    const next = page.lastId ?? page.data.at(-1)?.id;
    if (!page.hasMore || page.data.length === 0 || next === undefined) return;
    // A server that hands back the same cursor would page forever.
    if (seenCursors.has(next)) return;
    seenCursors.add(next);
    after = next;
  }
}
