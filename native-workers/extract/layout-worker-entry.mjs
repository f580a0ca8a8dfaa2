// Piscina entry for the layout extraction worker. Node does not carry tsx's loader into worker threads
// (tsx registers only on the main thread), so the TypeScript worker is loaded through tsx's scoped import.
import { tsImport } from 'tsx/esm/api';

const { default: readLayout } = await tsImport('./layout-worker.ts', import.meta.url);
export default readLayout;
