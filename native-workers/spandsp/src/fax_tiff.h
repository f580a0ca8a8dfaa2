// FaxSeal spandsp addon: TIFF/F page files through libtiff (the format spandsp sends from and receives into).
// Pages cross the JS boundary as 1-bit bitmaps, MSB first, 1 = black, rows padded to whole bytes.
#pragma once

#include <napi.h>

namespace faxseal {

void InitFaxTiff(Napi::Env env, Napi::Object exports);

}  // namespace faxseal
