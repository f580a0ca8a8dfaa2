// An image the API serves behind authentication (a fax page): fetched with the session's
// credentials, shown from an object URL, released when the component goes.

import { Skeleton } from '@mui/material';
import { type CSSProperties, useEffect, useState } from 'react';

export function BlobImage({
  load,
  alt,
  style,
  aspect,
  testId,
}: {
  load: () => Promise<Blob>;
  alt: string;
  style?: CSSProperties;
  /** Height / width, to reserve the space while loading. */
  aspect: number;
  testId?: string;
}) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is re-created each render; alt names the image.
  useEffect(() => {
    let objectUrl: string | null = null;
    let current = true;
    load().then(
      (blob) => {
        if (!current) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => current && setFailed(true),
    );
    return () => {
      current = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [alt]);
  if (failed)
    return (
      <span
        role="img"
        aria-label={`${alt} (could not be loaded)`}
        style={{ ...style, display: 'block', aspectRatio: `1 / ${aspect}`, background: '#eee' }}
      />
    );
  if (!url)
    return (
      <Skeleton
        variant="rectangular"
        sx={{ width: '100%', height: 'auto', aspectRatio: `1 / ${aspect}` }}
        data-testid="skeleton"
      />
    );
  return (
    <img
      src={url}
      alt={alt}
      style={{ display: 'block', width: '100%', height: 'auto', ...style }}
      data-testid={testId}
    />
  );
}
