// FaxSeal spandsp addon entry point: registers the session classes, the TIFF helpers and the code tables.
// Everything exported here is synchronous; the media worker decides when to call it.
#include <napi.h>
#include <spandsp.h>
#include <spandsp/version.h>

#include "fax_session.h"
#include "fax_tiff.h"

namespace {

Napi::Value CompletionCodeToText(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "ERR_FAX_ARGUMENT: completion code must be a number");
  }
  return Napi::String::New(info.Env(), t30_completion_code_to_str(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  faxseal::InitFaxSessions(env, exports);
  faxseal::InitFaxTiff(env, exports);
  exports.Set("completionCodeToText", Napi::Function::New(env, CompletionCodeToText, "completionCodeToText"));
  exports.Set("spandspRelease", Napi::String::New(env, SPANDSP_RELEASE_DATETIME_STRING));
  return exports;
}

}  // namespace

NODE_API_MODULE(faxseal_spandsp, Init)
