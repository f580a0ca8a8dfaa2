// Piscina worker for the `llama` extraction provider: keeps GGUF models loaded (warm) per thread and turns
// one prompt + JSON schema into grammar-constrained JSON text with token counts and timings.

import {
  getLlama,
  type Llama,
  LlamaCompletion,
  type LlamaJsonSchemaGrammar,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
} from 'node-llama-cpp';

export interface LlamaTask {
  modelPath: string;
  /** Threads for this worker's evaluations: always explicit (the library's default oversubscribes small boxes). */
  threads: number;
  system: string;
  user: string;
  /** JSON Schema compiled to a grammar; cached per worker by its text. */
  jsonSchema: Record<string, unknown>;
  maxTokens: number;
}

export type LlamaTaskResult =
  | {
      ok: true;
      text: string;
      promptTokens: number;
      generatedTokens: number;
      promptMs: number;
      generationMs: number;
    }
  | { ok: false; error: 'context_overflow'; promptTokens: number; contextLimit: number };

let llamaPromise: Promise<Llama> | undefined;
const models = new Map<string, Promise<LlamaModel>>();
const grammars = new Map<string, Promise<LlamaJsonSchemaGrammar<never>>>();

function llamaFor(threads: number): Promise<Llama> {
  llamaPromise ??= getLlama({
    gpu: false,
    build: 'never',
    maxThreads: threads,
    logLevel: LlamaLogLevel.error,
  });
  return llamaPromise;
}

function modelFor(llama: Llama, path: string): Promise<LlamaModel> {
  let model = models.get(path);
  if (!model) {
    model = llama.loadModel({ modelPath: path });
    models.set(path, model);
    model.catch(() => models.delete(path));
  }
  return model;
}

function grammarFor(llama: Llama, schema: Record<string, unknown>): Promise<LlamaJsonSchemaGrammar<never>> {
  const key = JSON.stringify(schema);
  let grammar = grammars.get(key);
  if (!grammar) {
    // The schema comes from toJsonSchema(): a subset node-llama-cpp's GBNF converter accepts.
    grammar = llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaJsonSchemaGrammar<never>>;
    grammars.set(key, grammar);
  }
  return grammar;
}

export default async function runLlamaTask(task: LlamaTask): Promise<LlamaTaskResult> {
  const llama = await llamaFor(task.threads);
  const model = await modelFor(llama, task.modelPath);
  const grammar = await grammarFor(llama, task.jsonSchema);

  // The model's own chat template when it has one; plain text for base models.
  const wrapper = resolveChatWrapper(model);
  const { contextText } = wrapper.generateContextState({
    chatHistory: [
      { type: 'system', text: task.system },
      { type: 'user', text: task.user },
      { type: 'model', response: [] },
    ],
  });
  const promptTokens = contextText.tokenize(model.tokenizer).length;
  const contextLimit = model.trainContextSize;
  if (promptTokens + task.maxTokens + 16 > contextLimit) {
    return { ok: false, error: 'context_overflow', promptTokens, contextLimit };
  }
  // Context sized to this text (rounded to 256) rather than the model's maximum: less RAM, faster setup.
  const contextSize = Math.min(contextLimit, Math.ceil((promptTokens + task.maxTokens + 16) / 256) * 256);
  const context = await model.createContext({ contextSize, threads: task.threads });
  try {
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    const started = performance.now();
    let firstTokenAt = 0;
    let generatedTokens = 0;
    const text = await completion.generateCompletion(contextText, {
      grammar,
      maxTokens: task.maxTokens,
      temperature: 0,
      onToken: (tokens) => {
        if (!firstTokenAt) firstTokenAt = performance.now();
        generatedTokens += tokens.length;
      },
    });
    const ended = performance.now();
    firstTokenAt ||= ended;
    return {
      ok: true,
      text,
      promptTokens,
      generatedTokens,
      promptMs: firstTokenAt - started,
      generationMs: ended - firstTokenAt,
    };
  } finally {
    await context.dispose();
  }
}
