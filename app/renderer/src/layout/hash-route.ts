// Pages live in the URL hash (`#/numbers`): the same build then works at /partner/, /admin/ and
// from the desktop shell's custom scheme, with no server-side routing.

import { useEffect, useState } from 'react';

export function useHashRoute(): string {
  const [route, setRoute] = useState(() => currentRoute());
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(route: string): void {
  window.location.hash = `#/${route}`;
}

function currentRoute(): string {
  return window.location.hash.replace(/^#\/?/, '');
}
