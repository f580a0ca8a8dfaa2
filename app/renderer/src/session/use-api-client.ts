// The API client of a signed-in session: its credential on every request, and the end of the
// session noticed on the first 401, wherever the call was made.

import { useMemo } from 'react';
import { ApiClient, type FetchLike } from '../api/client.ts';
import type { Session } from './session.ts';

export function useApiClient(
  session: Session,
  partnerId: string | null,
  onSessionEnded: () => void,
): ApiClient {
  return useMemo(() => {
    const fetchImpl: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) onSessionEnded();
      return response;
    };
    const { credential } = session;
    const auth =
      credential.kind === 'key'
        ? { token: credential.token }
        : { csrfToken: credential.csrfToken, partnerId };
    return new ApiClient(session.apiBase, auth, fetchImpl);
  }, [session, partnerId, onSessionEnded]);
}
