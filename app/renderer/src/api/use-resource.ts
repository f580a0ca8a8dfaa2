// Loads one thing from the API for a page or a widget and lets it reload after a change, or every
// few seconds for views that follow live data (the inbox, live calls, queues). A reload keeps the
// data on screen: only the first load shows a skeleton.

import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem } from './client.ts';

export interface Resource<T> {
  data: T | null;
  error: ApiProblem | null;
  /** True until the first answer (success or failure). */
  loading: boolean;
  reload(): void;
}

export interface ResourceOptions {
  /** Reload this often while the tab is visible. */
  refreshMs?: number;
  /** Reload when the window gets the focus back (what changed elsewhere shows on return). */
  refreshOnFocus?: boolean;
}

export function useResource<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  options: ResourceOptions = {},
): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiProblem | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const depsKey = useRef<readonly unknown[]>(deps);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what `load` depends on.
  useEffect(() => {
    let current = true;
    // New inputs (another page of results, another fax): show the skeleton again.
    if (depsKey.current.some((d, i) => d !== deps[i])) {
      setLoading(true);
      setData(null);
    }
    depsKey.current = deps;
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(asProblem(failure));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (!options.refreshMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs, reload]);

  useEffect(() => {
    if (!options.refreshOnFocus) return;
    const onVisible = () => {
      if (document.visibilityState === 'visible') reload();
    };
    window.addEventListener('focus', reload);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('focus', reload);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [options.refreshOnFocus, reload]);

  return { data, error, loading, reload };
}

export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem(0, 'client_error', 'Something went wrong in the console', String(error));
}
