// FaxSeal spandsp addon: JS classes over a spandsp T.38 terminal and an audio (fax_state) terminal.
// spandsp callbacks only queue; queued IFPs and T.30 events reach JS after the spandsp call returns.
#include "fax_session.h"

#include <spandsp.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace faxseal {
namespace {

// spandsp reports resolutions in pixels per metre; fax people and TIFF tags speak dots per inch.
int PixelsPerMetreToDpi(int ppm) { return static_cast<int>(std::lround(ppm * 0.0254)); }

struct T30Event {
  const char* type;  // "phaseB" | "phaseD" | "phaseE"
  int code;          // phase B/D: the T.30 frame that ended the phase; phase E: the completion code
  t30_stats_t stats;
  std::string remoteIdent;
};

struct TxPacket {
  std::vector<uint8_t> ifp;
  int copies;
};

Napi::Object StatsToJs(Napi::Env env, const t30_stats_t& s, const std::string& remoteIdent) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bitRate", s.bit_rate);
  o.Set("ecm", s.error_correcting_mode != 0);
  o.Set("pagesTx", s.pages_tx);
  o.Set("pagesRx", s.pages_rx);
  o.Set("pagesInFile", s.pages_in_file);
  o.Set("xResolutionDpi", PixelsPerMetreToDpi(s.x_resolution));
  o.Set("yResolutionDpi", PixelsPerMetreToDpi(s.y_resolution));
  o.Set("width", s.width);
  o.Set("length", s.length);
  o.Set("imageSize", s.image_size);
  o.Set("encoding", s.encoding);
  o.Set("badRows", s.bad_rows);
  o.Set("longestBadRowRun", s.longest_bad_row_run);
  o.Set("ecmRetries", s.error_correcting_mode_retries);
  o.Set("remoteIdent", remoteIdent);
  return o;
}

std::string RemoteIdent(t30_state_t* t30) {
  const char* id = t30_get_rx_ident(t30);
  return id ? std::string(id) : std::string();
}

// Shared T.30 half of both session kinds. Derived supplies the spandsp state and its own methods.
template <class Derived>
class FaxSession : public Napi::ObjectWrap<Derived> {
 public:
  explicit FaxSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {}

  static std::vector<typename Napi::ObjectWrap<Derived>::PropertyDescriptor> T30Methods() {
    using W = Napi::ObjectWrap<Derived>;
    return {
        W::InstanceMethod("setTxFile", &Derived::SetTxFile),
        W::InstanceMethod("setRxFile", &Derived::SetRxFile),
        W::InstanceMethod("setLocalIdent", &Derived::SetLocalIdent),
        W::InstanceMethod("setEcm", &Derived::SetEcm),
        W::InstanceMethod("setSupportedCompressions", &Derived::SetSupportedCompressions),
        W::InstanceMethod("setRxEncoding", &Derived::SetRxEncoding),
        W::InstanceMethod("setLogLevel", &Derived::SetLogLevel),
        W::InstanceMethod("getStats", &Derived::GetStats),
        W::InstanceMethod("terminate", &Derived::Terminate),
        W::InstanceMethod("close", &Derived::Close),
    };
  }

  void SetTxFile(const Napi::CallbackInfo& info) {
    t30_state_t* t30 = Live(info.Env());
    std::string path = ArgString(info, 0, "tx TIFF path");
    int start = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
    int stop = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
    t30_set_tx_file(t30, path.c_str(), start, stop);
  }

  void SetRxFile(const Napi::CallbackInfo& info) {
    t30_state_t* t30 = Live(info.Env());
    std::string path = ArgString(info, 0, "rx TIFF path");
    int stop = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
    t30_set_rx_file(t30, path.c_str(), stop);
  }

  void SetLocalIdent(const Napi::CallbackInfo& info) {
    t30_state_t* t30 = Live(info.Env());
    std::string ident = ArgString(info, 0, "local ident");
    // T.30 idents are at most 20 printable characters; spandsp rejects longer ones.
    if (t30_set_tx_ident(t30, ident.c_str()) < 0) {
      throw Napi::RangeError::New(info.Env(), "ERR_FAX_IDENT: local ident must be at most 20 characters");
    }
  }

  void SetEcm(const Napi::CallbackInfo& info) {
    t30_set_ecm_capability(Live(info.Env()), ArgInt(info, 0, "ECM flag") != 0);
  }

  void SetSupportedCompressions(const Napi::CallbackInfo& info) {
    t30_set_supported_compressions(Live(info.Env()), ArgInt(info, 0, "compression mask"));
  }

  void SetRxEncoding(const Napi::CallbackInfo& info) {
    t30_set_rx_encoding(Live(info.Env()), ArgInt(info, 0, "rx encoding"));
  }

  void SetLogLevel(const Napi::CallbackInfo& info) {
    int level = ArgInt(info, 0, "log level");
    span_log_set_level(t30_get_logging_state(Live(info.Env())), level);
    static_cast<Derived*>(this)->SetEngineLogLevel(level);
  }

  Napi::Value GetStats(const Napi::CallbackInfo& info) {
    t30_state_t* t30 = Live(info.Env());
    t30_stats_t s;
    t30_get_transfer_statistics(t30, &s);
    return StatsToJs(info.Env(), s, RemoteIdent(t30));
  }

  // Ends the T.30 session now (call dropped or stopped): spandsp closes the rx file, keeping the pages
  // completed so far, and raises phase E (usually T30_ERR_CALLDROPPED) if the call was still in progress.
  void Terminate(const Napi::CallbackInfo& info) {
    t30_terminate(Live(info.Env()));
    static_cast<Derived*>(this)->Flush(info.Env());
  }

  void Close(const Napi::CallbackInfo& info) {
    static_cast<Derived*>(this)->Release();
    t30_ = nullptr;
  }

 protected:
  t30_state_t* t30_ = nullptr;
  Napi::FunctionReference onEvent_;
  std::vector<T30Event> events_;

  t30_state_t* Live(Napi::Env env) {
    if (t30_ == nullptr) throw Napi::Error::New(env, "ERR_FAX_CLOSED: the fax session is closed");
    return t30_;
  }

  static std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what) {
    if (info.Length() <= i || !info[i].IsString()) {
      throw Napi::TypeError::New(info.Env(), std::string("ERR_FAX_ARGUMENT: ") + what + " must be a string");
    }
    return info[i].As<Napi::String>().Utf8Value();
  }

  static int ArgInt(const Napi::CallbackInfo& info, size_t i, const char* what) {
    if (info.Length() <= i || !(info[i].IsNumber() || info[i].IsBoolean())) {
      throw Napi::TypeError::New(info.Env(), std::string("ERR_FAX_ARGUMENT: ") + what + " must be a number");
    }
    return info[i].IsBoolean() ? (info[i].As<Napi::Boolean>().Value() ? 1 : 0)
                               : info[i].As<Napi::Number>().Int32Value();
  }

  void AttachT30(t30_state_t* t30, Napi::Function onEvent) {
    t30_ = t30;
    onEvent_ = Napi::Persistent(onEvent);
    t30_set_phase_b_handler(t30, PhaseB, this);
    t30_set_phase_d_handler(t30, PhaseD, this);
    t30_set_phase_e_handler(t30, PhaseE, this);
  }

  void FlushEvents(Napi::Env env) {
    if (events_.empty()) return;
    std::vector<T30Event> pending;
    pending.swap(events_);
    for (const T30Event& e : pending) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", e.type);
      o.Set("code", e.code);
      if (std::strcmp(e.type, "phaseE") == 0) o.Set("text", t30_completion_code_to_str(e.code));
      o.Set("stats", StatsToJs(env, e.stats, e.remoteIdent));
      onEvent_.Call({o});
    }
  }

 private:
  void Queue(const char* type, t30_state_t* t30, int code) {
    T30Event e{type, code, {}, RemoteIdent(t30)};
    t30_get_transfer_statistics(t30, &e.stats);
    events_.push_back(std::move(e));
  }

  static int PhaseB(t30_state_t* t30, void* user, int result) {
    static_cast<FaxSession*>(user)->Queue("phaseB", t30, result);
    return T30_ERR_OK;
  }
  static int PhaseD(t30_state_t* t30, void* user, int result) {
    static_cast<FaxSession*>(user)->Queue("phaseD", t30, result);
    return T30_ERR_OK;
  }
  static void PhaseE(t30_state_t* t30, void* user, int code) {
    static_cast<FaxSession*>(user)->Queue("phaseE", t30, code);
  }
};

// new T38Terminal(calling, onTxPacket(ifp, copies), onEvent(event))
class T38Terminal : public FaxSession<T38Terminal> {
 public:
  static Napi::Function Define(Napi::Env env) {
    auto methods = T30Methods();
    methods.push_back(InstanceMethod("rxIfp", &T38Terminal::RxIfp));
    methods.push_back(InstanceMethod("sendTimeout", &T38Terminal::SendTimeout));
    methods.push_back(InstanceMethod("setT38Version", &T38Terminal::SetT38Version));
    methods.push_back(InstanceMethod("setMaxDatagram", &T38Terminal::SetMaxDatagram));
    methods.push_back(InstanceMethod("setMaxBuffer", &T38Terminal::SetMaxBuffer));
    methods.push_back(InstanceMethod("setRateManagement", &T38Terminal::SetRateManagement));
    methods.push_back(InstanceMethod("setFastestRate", &T38Terminal::SetFastestRate));
    methods.push_back(InstanceMethod("setOptions", &T38Terminal::SetOptions));
    return DefineClass(env, "T38Terminal", methods);
  }

  explicit T38Terminal(const Napi::CallbackInfo& info) : FaxSession<T38Terminal>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsBoolean() || !info[1].IsFunction() || !info[2].IsFunction()) {
      throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: T38Terminal(calling, onTxPacket, onEvent)");
    }
    onTxPacket_ = Napi::Persistent(info[1].As<Napi::Function>());
    state_ = t38_terminal_init(nullptr, info[0].As<Napi::Boolean>().Value(), TxPacketHandler, this);
    if (state_ == nullptr) throw Napi::Error::New(env, "ERR_FAX_INIT: t38_terminal_init failed");
    AttachT30(t38_terminal_get_t30_state(state_), info[2].As<Napi::Function>());
  }

  ~T38Terminal() override { Release(); }

  void Release() {
    if (state_ != nullptr) t38_terminal_free(state_);
    state_ = nullptr;
  }

  void Flush(Napi::Env env) {
    if (!txQueue_.empty()) {
      std::vector<TxPacket> pending;
      pending.swap(txQueue_);
      for (const TxPacket& p : pending) {
        onTxPacket_.Call({Napi::Buffer<uint8_t>::Copy(env, p.ifp.data(), p.ifp.size()),
                          Napi::Number::New(env, p.copies)});
      }
    }
    FlushEvents(env);
  }

  void SetEngineLogLevel(int level) {
    span_log_set_level(t38_terminal_get_logging_state(state_), level);
    span_log_set_level(t38_core_get_logging_state(Core()), level);
  }

 private:
  t38_terminal_state_t* state_ = nullptr;
  Napi::FunctionReference onTxPacket_;
  std::vector<TxPacket> txQueue_;

  t38_core_state_t* Core() { return t38_terminal_get_t38_core_state(state_); }

  static int TxPacketHandler(t38_core_state_t*, void* user, const uint8_t* buf, int len, int count) {
    static_cast<T38Terminal*>(user)->txQueue_.push_back({std::vector<uint8_t>(buf, buf + len), count});
    return 0;
  }

  void RxIfp(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber()) {
      throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: rxIfp(ifp: Uint8Array, seq: number)");
    }
    Napi::Uint8Array ifp = info[0].As<Napi::Uint8Array>();
    t38_core_rx_ifp_packet(Core(), ifp.Data(), static_cast<int>(ifp.ElementLength()),
                           static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value() & 0xFFFF));
    Flush(env);
  }

  Napi::Value SendTimeout(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    int done = t38_terminal_send_timeout(state_, ArgInt(info, 0, "samples"));
    Flush(env);
    return Napi::Boolean::New(env, done != 0);
  }

  void SetT38Version(const Napi::CallbackInfo& info) {
    Live(info.Env());
    t38_set_t38_version(Core(), ArgInt(info, 0, "T.38 version"));
  }
  void SetMaxDatagram(const Napi::CallbackInfo& info) {
    Live(info.Env());
    t38_set_max_datagram_size(Core(), ArgInt(info, 0, "max datagram"));
  }
  void SetMaxBuffer(const Napi::CallbackInfo& info) {
    Live(info.Env());
    t38_set_max_buffer_size(Core(), ArgInt(info, 0, "max buffer"));
  }
  void SetRateManagement(const Napi::CallbackInfo& info) {
    Live(info.Env());
    t38_set_data_rate_management_method(Core(), ArgInt(info, 0, "rate management"));
  }
  void SetFastestRate(const Napi::CallbackInfo& info) {
    Live(info.Env());
    t38_set_fastest_image_data_rate(Core(), ArgInt(info, 0, "fastest rate"));
  }
  void SetOptions(const Napi::CallbackInfo& info) {
    Live(info.Env());
    t38_terminal_set_config(state_, ArgInt(info, 0, "options"));
  }
};

// new AudioFax(calling, onEvent(event))
class AudioFax : public FaxSession<AudioFax> {
 public:
  static Napi::Function Define(Napi::Env env) {
    auto methods = T30Methods();
    methods.push_back(InstanceMethod("rx", &AudioFax::Rx));
    methods.push_back(InstanceMethod("rxFillin", &AudioFax::RxFillin));
    methods.push_back(InstanceMethod("tx", &AudioFax::Tx));
    methods.push_back(InstanceMethod("setTransmitOnIdle", &AudioFax::SetTransmitOnIdle));
    return DefineClass(env, "AudioFax", methods);
  }

  explicit AudioFax(const Napi::CallbackInfo& info) : FaxSession<AudioFax>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsBoolean() || !info[1].IsFunction()) {
      throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: AudioFax(calling, onEvent)");
    }
    state_ = fax_init(nullptr, info[0].As<Napi::Boolean>().Value());
    if (state_ == nullptr) throw Napi::Error::New(env, "ERR_FAX_INIT: fax_init failed");
    AttachT30(fax_get_t30_state(state_), info[1].As<Napi::Function>());
  }

  ~AudioFax() override { Release(); }

  void Release() {
    if (state_ != nullptr) fax_free(state_);
    state_ = nullptr;
  }

  void Flush(Napi::Env env) { FlushEvents(env); }

  void SetEngineLogLevel(int level) { span_log_set_level(fax_get_logging_state(state_), level); }

 private:
  fax_state_t* state_ = nullptr;

  void Rx(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
      throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: rx(samples: Int16Array)");
    }
    Napi::Int16Array samples = info[0].As<Napi::Int16Array>();
    fax_rx(state_, samples.Data(), static_cast<int>(samples.ElementLength()));
    Flush(env);
  }

  void RxFillin(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    fax_rx_fillin(state_, ArgInt(info, 0, "samples"));
    Flush(env);
  }

  Napi::Value Tx(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Live(env);
    int n = ArgInt(info, 0, "samples");
    if (n < 0 || n > 8000) throw Napi::RangeError::New(env, "ERR_FAX_ARGUMENT: tx samples must be 0..8000");
    Napi::Int16Array out = Napi::Int16Array::New(env, n);  // zero-filled: silence past what spandsp made
    fax_tx(state_, out.Data(), n);
    Flush(env);
    return out;
  }

  void SetTransmitOnIdle(const Napi::CallbackInfo& info) {
    Live(info.Env());
    fax_set_transmit_on_idle(state_, ArgInt(info, 0, "transmit on idle"));
  }
};

}  // namespace

void InitFaxSessions(Napi::Env env, Napi::Object exports) {
  exports.Set("T38Terminal", T38Terminal::Define(env));
  exports.Set("AudioFax", AudioFax::Define(env));
}

}  // namespace faxseal
