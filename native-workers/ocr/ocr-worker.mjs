// Piscina entry for the OCR worker. Node 20 does not carry tsx's loader into worker threads (tsx
// registers only on the main thread there), so the TypeScript worker is loaded through tsx's scoped import.
import { tsImport } from 'tsx/esm/api';

const { default: recognizePage } = await tsImport('./ocr-worker.ts', import.meta.url);
export default recognizePage;
