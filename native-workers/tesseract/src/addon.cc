// N-API addon over Debian's libtesseract: one Engine per worker holds a TessBaseAPI; recognize()
// runs layout analysis and LSTM recognition on the libuv pool and resolves with words, their boxes
// and confidences, and the text lines tesseract found (baselines included) from the result iterator.

#include <napi.h>
#include <omp.h>
#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Word {
  std::string text;
  float confidence;
  int x0, y0, x1, y1;
  int block, line;
};

struct Line {
  int x0, y0, x1, y1;
  int baseX0, baseY0, baseX1, baseY1;
  bool hasBaseline;
  int block;
};

struct PageResult {
  std::vector<Word> words;
  std::vector<Line> lines;
  bool timedOut = false;
};

class Engine;

// Copies the caller's page into a leptonica Pix: 1-bit (rows of rowBytes, MSB first, 1 = black) or
// 8-bit grey (one byte a pixel, 0 = black). Leptonica packs both the same way, in 32-bit words in
// host byte order.
Pix* toPix(const std::vector<uint8_t>& bits, int width, int height, int rowBytes, int depth, int dpi) {
  Pix* pix = pixCreate(width, height, depth);
  if (!pix) return nullptr;
  l_uint32* data = pixGetData(pix);
  const int wpl = pixGetWpl(pix);
  const size_t rowCopy = std::min<size_t>(rowBytes, size_t(wpl) * 4);
  for (int y = 0; y < height; y++) {
    std::memcpy(reinterpret_cast<uint8_t*>(data + y * wpl), bits.data() + size_t(y) * rowBytes, rowCopy);
  }
  pixEndianByteSwap(pix);
  pixSetResolution(pix, dpi, dpi);
  return pix;
}

class RecognizeWorker : public Napi::AsyncWorker {
 public:
  RecognizeWorker(Napi::Env env, Engine* engine, Napi::Object self, std::vector<uint8_t> bits, int width,
                  int height, int rowBytes, int depth, int dpi, int psm, int timeoutMs)
      : Napi::AsyncWorker(env),
        engine_(engine),
        deferred_(Napi::Promise::Deferred::New(env)),
        bits_(std::move(bits)),
        width_(width),
        height_(height),
        rowBytes_(rowBytes),
        depth_(depth),
        dpi_(dpi),
        psm_(psm),
        timeoutMs_(timeoutMs) {
    // Keeps the Engine (and its TessBaseAPI) alive while the page is on the pool.
    self_ = Napi::Persistent(self);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  Engine* engine_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;
  std::vector<uint8_t> bits_;
  int width_, height_, rowBytes_, depth_, dpi_, psm_, timeoutMs_;
  PageResult result_;
};

class Engine : public Napi::ObjectWrap<Engine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {InstanceMethod<&Engine::Recognize>("recognize"), InstanceMethod<&Engine::End>("end"),
                        InstanceAccessor<&Engine::Busy>("busy")});
  }

  // new Engine(dataPath, language, variables?)
  explicit Engine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Engine>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
      throw Napi::TypeError::New(env, "Engine(dataPath: string, language: string, variables?: object)");
    }
    const std::string dataPath = info[0].As<Napi::String>();
    const std::string language = info[1].As<Napi::String>();
    api_ = std::make_unique<tesseract::TessBaseAPI>();
    // Diagnostics ("Detected N diacritics") go to a file, not the appliance's stdout.
    if (api_->Init(dataPath.c_str(), language.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
      api_.reset();
      throw Napi::Error::New(env, "tesseract could not load language '" + language + "' from " + dataPath);
    }
    api_->SetVariable("debug_file", "/dev/null");
    if (info.Length() > 2 && info[2].IsObject()) {
      Napi::Object vars = info[2].As<Napi::Object>();
      Napi::Array names = vars.GetPropertyNames();
      for (uint32_t i = 0; i < names.Length(); i++) {
        const std::string name = names.Get(i).ToString();
        const std::string value = vars.Get(name).ToString();
        if (!api_->SetVariable(name.c_str(), value.c_str())) {
          throw Napi::Error::New(env, "tesseract has no variable '" + name + "'");
        }
      }
    }
  }

  ~Engine() override {
    if (api_) api_->End();
  }

  // recognize({ width, height, rowBytes, data, depth? }, { dpi, psm, timeoutMs }) -> Promise<PageResult>
  Napi::Value Recognize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!api_) throw Napi::Error::New(env, "engine has ended");
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsObject()) {
      throw Napi::TypeError::New(env, "recognize(image, options)");
    }
    Napi::Object image = info[0].As<Napi::Object>();
    Napi::Object options = info[1].As<Napi::Object>();
    const int width = image.Get("width").As<Napi::Number>().Int32Value();
    const int height = image.Get("height").As<Napi::Number>().Int32Value();
    const int rowBytes = image.Get("rowBytes").As<Napi::Number>().Int32Value();
    const int depth = image.Has("depth") ? image.Get("depth").As<Napi::Number>().Int32Value() : 1;
    if (depth != 1 && depth != 8) throw Napi::RangeError::New(env, "image.depth must be 1 or 8");
    Napi::Value dataValue = image.Get("data");
    if (!dataValue.IsTypedArray()) throw Napi::TypeError::New(env, "image.data must be a Uint8Array");
    Napi::Uint8Array data = dataValue.As<Napi::Uint8Array>();
    if (width <= 0 || height <= 0 || rowBytes < (depth == 8 ? width : (width + 7) / 8) ||
        data.ByteLength() < size_t(rowBytes) * size_t(height)) {
      throw Napi::RangeError::New(env, "image size does not match its data");
    }
    const int dpi = options.Get("dpi").As<Napi::Number>().Int32Value();
    const int psm = options.Get("psm").As<Napi::Number>().Int32Value();
    const int timeoutMs = options.Has("timeoutMs") ? options.Get("timeoutMs").As<Napi::Number>().Int32Value() : 0;
    bool expected = false;
    if (!busy_.compare_exchange_strong(expected, true)) {
      throw Napi::Error::New(env, "engine is busy: one page at a time per engine");
    }
    // Copied here, on the JS thread: the caller may reuse its buffer as soon as we return.
    std::vector<uint8_t> bits(data.Data(), data.Data() + size_t(rowBytes) * size_t(height));
    auto* worker = new RecognizeWorker(env, this, info.This().As<Napi::Object>(), std::move(bits), width, height,
                                       rowBytes, depth, dpi, psm, timeoutMs);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value End(const Napi::CallbackInfo& info) {
    if (busy_) throw Napi::Error::New(info.Env(), "engine is busy");
    if (api_) api_->End();
    api_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_.load()); }

  // Runs on a pool thread; the busy flag keeps it the only user of api_.
  void RunPage(const std::vector<uint8_t>& bits, int width, int height, int rowBytes, int depth, int dpi, int psm,
               int timeoutMs, PageResult& out) {
    // Debian builds libtesseract with OpenMP; one thread per engine, one engine per core.
    omp_set_num_threads(1);
    Pix* pix = toPix(bits, width, height, rowBytes, depth, dpi);
    if (!pix) throw std::runtime_error("out of memory for the page image");
    api_->SetPageSegMode(static_cast<tesseract::PageSegMode>(psm));
    api_->SetImage(pix);
    api_->SetSourceResolution(dpi);
    pixDestroy(&pix);
    tesseract::ETEXT_DESC monitor;
    if (timeoutMs > 0) monitor.set_deadline_msecs(timeoutMs);
    const int status = api_->Recognize(&monitor);
    out.timedOut = monitor.deadline_exceeded();
    if (status != 0 && !out.timedOut) {
      api_->Clear();
      throw std::runtime_error("tesseract recognition failed");
    }
    std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
    int block = -1;
    if (it) {
      do {
        if (it->Empty(tesseract::RIL_WORD)) continue;
        if (it->IsAtBeginningOf(tesseract::RIL_BLOCK)) block++;
        if (it->IsAtBeginningOf(tesseract::RIL_TEXTLINE) || out.lines.empty()) {
          Line line{};
          it->BoundingBox(tesseract::RIL_TEXTLINE, &line.x0, &line.y0, &line.x1, &line.y1);
          line.hasBaseline =
              it->Baseline(tesseract::RIL_TEXTLINE, &line.baseX0, &line.baseY0, &line.baseX1, &line.baseY1);
          line.block = block < 0 ? 0 : block;
          out.lines.push_back(line);
        }
        std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_WORD));
        if (!text) continue;
        Word word{};
        word.text = text.get();
        word.confidence = it->Confidence(tesseract::RIL_WORD);
        it->BoundingBox(tesseract::RIL_WORD, &word.x0, &word.y0, &word.x1, &word.y1);
        word.block = block < 0 ? 0 : block;
        word.line = int(out.lines.size()) - 1;
        out.words.push_back(std::move(word));
      } while (it->Next(tesseract::RIL_WORD));
    }
    api_->Clear();
  }

  void Release() { busy_ = false; }

 private:
  std::unique_ptr<tesseract::TessBaseAPI> api_;
  std::atomic<bool> busy_{false};
};

void RecognizeWorker::Execute() {
  try {
    engine_->RunPage(bits_, width_, height_, rowBytes_, depth_, dpi_, psm_, timeoutMs_, result_);
  } catch (const std::exception& e) {
    SetError(e.what());
  }
}

void RecognizeWorker::OnOK() {
  Napi::Env env = Env();
  engine_->Release();
  Napi::Array words = Napi::Array::New(env, result_.words.size());
  for (size_t i = 0; i < result_.words.size(); i++) {
    const Word& w = result_.words[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("text", w.text);
    o.Set("confidence", w.confidence);
    o.Set("x0", w.x0);
    o.Set("y0", w.y0);
    o.Set("x1", w.x1);
    o.Set("y1", w.y1);
    o.Set("block", w.block);
    o.Set("line", w.line);
    words.Set(i, o);
  }
  Napi::Array lines = Napi::Array::New(env, result_.lines.size());
  for (size_t i = 0; i < result_.lines.size(); i++) {
    const Line& l = result_.lines[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("x0", l.x0);
    o.Set("y0", l.y0);
    o.Set("x1", l.x1);
    o.Set("y1", l.y1);
    o.Set("block", l.block);
    if (l.hasBaseline) {
      Napi::Array b = Napi::Array::New(env, 4);
      b.Set(0u, l.baseX0);
      b.Set(1u, l.baseY0);
      b.Set(2u, l.baseX1);
      b.Set(3u, l.baseY1);
      o.Set("baseline", b);
    }
    lines.Set(i, o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("words", words);
  out.Set("lines", lines);
  out.Set("timedOut", result_.timedOut);
  deferred_.Resolve(out);
}

void RecognizeWorker::OnError(const Napi::Error& error) {
  engine_->Release();
  deferred_.Reject(error.Value());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // OpenMP reads OMP_THREAD_LIMIT once, when libgomp loads; tesseract asks for 4 threads per call.
  exports.Set("ompThreadLimit", Napi::Number::New(env, omp_get_thread_limit()));
  exports.Set("Engine", Engine::Define(env));
  exports.Set("version", Napi::String::New(env, tesseract::TessBaseAPI::Version()));
  return exports;
}

}  // namespace

NODE_API_MODULE(faxseal_tesseract, Init)
