import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { ApiError, type Page } from "./api";
import { getSession, subscribe } from "./session";

export function useSession() {
  return useSyncExternalStore(subscribe, getSession, getSession);
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

/** Load once per `key`; errors are kept as ApiError so their message can be shown. */
export function useLoad<T>(load: () => Promise<T>, key: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error: asApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...key, round]); // the caller names what the load depends on
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const setData = useCallback((data: T) => setState({ data, error: null, loading: false }), []);
  return { ...state, reload, setData };
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(error instanceof Error ? error.message : "Something went wrong.", 0, "CLIENT_ERROR");
}

export interface PagedList<T> {
  items: T[];
  error: ApiError | null;
  loading: boolean;
  /** The API gave a cursor: there is a next page. */
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  /** Local edits to what is shown (a deleted product, a moved order). */
  update: (change: (items: T[]) => T[]) => void;
}

/** Every paged list of the site: the first page per `key`, then "Load more" on the API's
 * cursor. When `key` changes (another tab, another category), on reload and on unmount, the
 * request in flight is aborted and its answer dropped even if it still arrives: a list never
 * shows the previous key's items or appends them. */
export function usePagedList<T>(
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  key: unknown[],
): PagedList<T> {
  const [state, setState] = useState<{ items: T[]; cursor: string | null; error: ApiError | null; loading: boolean }>({
    items: [],
    cursor: null,
    error: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  const generation = useRef(0);
  const inFlight = useRef<AbortController | null>(null);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const request = useCallback((cursor: string | null) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const mine = generation.current;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    fetchRef.current(cursor, controller.signal).then(
      (page) => {
        if (mine !== generation.current || controller.signal.aborted) return; // a stale answer
        setState((previous) => ({
          items: cursor ? [...previous.items, ...page.items] : page.items,
          cursor: page.nextCursor,
          error: null,
          loading: false,
        }));
      },
      (failure) => {
        if (mine !== generation.current || controller.signal.aborted) return;
        setState((previous) => ({ ...previous, error: asApiError(failure), loading: false }));
      },
    );
  }, []);

  useEffect(() => {
    generation.current += 1;
    setState({ items: [], cursor: null, error: null, loading: true });
    request(null);
    return () => {
      generation.current += 1;
      inFlight.current?.abort();
    };
  }, [...key, round]); // the caller names what the list depends on

  const cursor = state.cursor;
  const loadMore = useCallback(() => {
    if (cursor) request(cursor);
  }, [cursor, request]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const update = useCallback((change: (items: T[]) => T[]) => setState((previous) => ({ ...previous, items: change(previous.items) })), []);
  return { items: state.items, error: state.error, loading: state.loading, hasMore: Boolean(cursor), loadMore, reload, update };
}
