// FaxSeal spandsp addon: JS classes over a spandsp T.38 terminal and an audio (fax_state) terminal.
// Synchronous and single-threaded: every call runs on the caller's thread, no spandsp work happens behind it.
#pragma once

#include <napi.h>

namespace faxseal {

void InitFaxSessions(Napi::Env env, Napi::Object exports);

}  // namespace faxseal
