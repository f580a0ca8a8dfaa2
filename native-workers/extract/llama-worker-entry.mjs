// Piscina entry for the llama worker when the server runs from TypeScript sources: on Node 20 a worker
// thread does not inherit the parent's `--import tsx` hooks, so register tsx here before loading the .ts.
import { register } from 'tsx/esm/api';

register();
const { default: runLlamaTask } = await import('./llama-worker.ts');
export default runLlamaTask;
