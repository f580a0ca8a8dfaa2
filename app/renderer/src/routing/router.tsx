// History routing for the console: every page has a real URL (/partner/inbox/fax_…, /admin/audit),
// so pages can be bookmarked, opened in a new tab and shared. The server and the desktop shell
// answer index.html for these paths; this module turns the location into a page and back.

import { Link as MuiLink, type LinkProps as MuiLinkProps } from '@mui/material';
import { type AnchorHTMLAttributes, forwardRef, type MouseEvent, useEffect, useState } from 'react';

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

const CHANGE = 'faxseal:navigate';

function current(): Location {
  return { pathname: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

/** The location, updated on every navigate() and on the browser's back and forward buttons. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return location;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
}

/** Changes one query parameter in place (filters, search boxes), without a history entry per keystroke. */
export function setQueryParam(name: string, value: string | null): void {
  const search = new URLSearchParams(window.location.search);
  if (value === null || value === '') search.delete(name);
  else search.set(name, value);
  const query = search.toString();
  navigate(`${window.location.pathname}${query ? `?${query}` : ''}`, { replace: true });
}

/**
 * Matches `/partner/inbox/:faxId` against a path; returns the parameters, or null. A trailing slash
 * is ignored.
 */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

export type LinkProps = Omit<MuiLinkProps, 'href'> & { href: string };

/** An anchor that navigates in place on a plain click and behaves as a link otherwise (new tab…). */
export const Link = forwardRef<HTMLAnchorElement, LinkProps>(function Link({ href, onClick, ...rest }, ref) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || !isPlainClick(event) || !href.startsWith('/')) return;
    event.preventDefault();
    navigate(href);
  };
  return <MuiLink ref={ref} href={href} onClick={click} {...rest} />;
});

/** For MUI's `component` prop (buttons and list items that are links). */
export const LinkBehavior = forwardRef<
  HTMLAnchorElement,
  AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }
>(function LinkBehavior({ href, onClick, ...rest }, ref) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || !isPlainClick(event) || !href.startsWith('/')) return;
    event.preventDefault();
    navigate(href);
  };
  return <a ref={ref} href={href} onClick={click} {...rest} />;
});

function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}
