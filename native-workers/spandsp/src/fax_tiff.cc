// FaxSeal spandsp addon: TIFF/F page files through libtiff (the format spandsp sends from and receives into).
// Pages cross the JS boundary as 1-bit bitmaps, MSB first, 1 = black, rows padded to whole bytes.
#include "fax_tiff.h"

#include <tiffio.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace faxseal {
namespace {

// libtiff reports through global handlers; keep the last error so it can be thrown with context, and keep
// warnings (spandsp writes private tags libtiff does not know) off stderr.
thread_local std::string lastTiffError;

void OnTiffError(const char* module, const char* fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  lastTiffError = std::string(module ? module : "libtiff") + ": " + buf;
}

void OnTiffWarning(const char*, const char*, va_list) {}

struct TiffCloser {
  void operator()(TIFF* t) const {
    if (t) TIFFClose(t);
  }
};
using TiffFile = std::unique_ptr<TIFF, TiffCloser>;

Napi::Error TiffError(Napi::Env env, const char* code, const std::string& what) {
  std::string msg = std::string(code) + ": " + what;
  if (!lastTiffError.empty()) msg += " (" + lastTiffError + ")";
  return Napi::Error::New(env, msg);
}

int IntProp(Napi::Object o, const char* name, int page) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(o.Env(), "ERR_FAX_ARGUMENT: page " + std::to_string(page) + " needs numeric " + name);
  }
  return v.As<Napi::Number>().Int32Value();
}

// writeFaxTiff(path, pages, compression: 't6' | 't4')
void WriteFaxTiff(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: writeFaxTiff(path, pages, compression?)");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array pages = info[1].As<Napi::Array>();
  bool t4 = info.Length() > 2 && info[2].IsString() && info[2].As<Napi::String>().Utf8Value() == "t4";
  if (pages.Length() == 0) throw Napi::RangeError::New(env, "ERR_FAX_ARGUMENT: a fax needs at least one page");

  lastTiffError.clear();
  TiffFile tif(TIFFOpen(path.c_str(), "w"));
  if (!tif) throw TiffError(env, "ERR_FAX_TIFF_OPEN", "cannot create " + path);

  const uint32_t count = pages.Length();
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value pv = pages.Get(i);
    if (!pv.IsObject()) throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: pages must be objects");
    Napi::Object page = pv.As<Napi::Object>();
    const int width = IntProp(page, "width", i);
    const int height = IntProp(page, "height", i);
    const int xdpi = IntProp(page, "xResolution", i);
    const int ydpi = IntProp(page, "yResolution", i);
    Napi::Value bv = page.Get("bitmap");
    if (!bv.IsTypedArray() || bv.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: page bitmap must be a Uint8Array");
    }
    Napi::Uint8Array bitmap = bv.As<Napi::Uint8Array>();
    const size_t stride = (static_cast<size_t>(width) + 7) / 8;
    if (width <= 0 || height <= 0 || bitmap.ElementLength() < stride * height) {
      throw Napi::RangeError::New(env, "ERR_FAX_ARGUMENT: page " + std::to_string(i) +
                                           " bitmap is smaller than width x height");
    }

    TIFF* t = tif.get();
    TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    // 1 = black in our bitmaps is exactly TIFF's MinIsWhite, so rows are written unchanged.
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
    if (t4) {
      TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
      TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, 0);  // 1-D modified Huffman, the T.4 baseline
    } else {
      TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
    }
    TIFFSetField(t, TIFFTAG_XRESOLUTION, static_cast<float>(xdpi));
    TIFFSetField(t, TIFFTAG_YRESOLUTION, static_cast<float>(ydpi));
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, height);
    TIFFSetField(t, TIFFTAG_PAGENUMBER, static_cast<uint16_t>(i), static_cast<uint16_t>(count));
    TIFFSetField(t, TIFFTAG_SOFTWARE, "FaxSeal");

    std::vector<uint8_t> row(stride);
    const uint8_t* src = bitmap.Data();
    for (int y = 0; y < height; y++) {
      std::memcpy(row.data(), src + y * stride, stride);
      if (TIFFWriteScanline(t, row.data(), y, 0) < 0) {
        throw TiffError(env, "ERR_FAX_TIFF_WRITE", "cannot write row " + std::to_string(y) + " of page " +
                                                       std::to_string(i));
      }
    }
    if (!TIFFWriteDirectory(t)) throw TiffError(env, "ERR_FAX_TIFF_WRITE", "cannot finish page " + std::to_string(i));
  }
}

float DpiOf(TIFF* t, ttag_t tag) {
  float res = 0;
  uint16_t unit = RESUNIT_INCH;
  TIFFGetField(t, tag, &res);
  TIFFGetFieldDefaulted(t, TIFFTAG_RESOLUTIONUNIT, &unit);
  return unit == RESUNIT_CENTIMETER ? res * 2.54f : res;
}

// readFaxTiff(path) -> { pageCount, pages: [{ width, height, xResolution, yResolution, bitmap }] }
Napi::Value ReadFaxTiff(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw Napi::TypeError::New(env, "ERR_FAX_ARGUMENT: readFaxTiff(path)");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  lastTiffError.clear();
  TiffFile tif(TIFFOpen(path.c_str(), "r"));
  if (!tif) throw TiffError(env, "ERR_FAX_TIFF_OPEN", "cannot open " + path);

  TIFF* t = tif.get();
  Napi::Array pages = Napi::Array::New(env);
  uint32_t index = 0;
  do {
    uint32_t width = 0, height = 0;
    uint16_t bps = 1, spp = 1, photometric = PHOTOMETRIC_MINISWHITE;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric);
    if (bps != 1 || spp != 1) {
      throw TiffError(env, "ERR_FAX_TIFF_FORMAT", "page " + std::to_string(index) + " is not bilevel");
    }
    const size_t stride = (width + 7) / 8;
    Napi::Uint8Array bitmap = Napi::Uint8Array::New(env, stride * height);
    std::vector<uint8_t> row(std::max<size_t>(TIFFScanlineSize(t), stride));
    const bool invert = photometric == PHOTOMETRIC_MINISBLACK;
    for (uint32_t y = 0; y < height; y++) {
      if (TIFFReadScanline(t, row.data(), y, 0) < 0) {
        throw TiffError(env, "ERR_FAX_TIFF_READ", "cannot read row " + std::to_string(y) + " of page " +
                                                      std::to_string(index));
      }
      uint8_t* dst = bitmap.Data() + y * stride;
      for (size_t b = 0; b < stride; b++) dst[b] = invert ? static_cast<uint8_t>(~row[b]) : row[b];
      // Pad bits past the width carry no pixels; clear them so bitmaps compare byte for byte.
      if (width % 8) dst[stride - 1] &= static_cast<uint8_t>(0xFF << (8 - width % 8));
    }
    Napi::Object page = Napi::Object::New(env);
    page.Set("width", width);
    page.Set("height", height);
    page.Set("xResolution", std::round(DpiOf(t, TIFFTAG_XRESOLUTION)));
    page.Set("yResolution", std::round(DpiOf(t, TIFFTAG_YRESOLUTION)));
    page.Set("bitmap", bitmap);
    pages.Set(index++, page);
  } while (TIFFReadDirectory(t));

  Napi::Object result = Napi::Object::New(env);
  result.Set("pageCount", index);
  result.Set("pages", pages);
  return result;
}

}  // namespace

void InitFaxTiff(Napi::Env env, Napi::Object exports) {
  TIFFSetErrorHandler(OnTiffError);
  TIFFSetWarningHandler(OnTiffWarning);
  exports.Set("writeFaxTiff", Napi::Function::New(env, WriteFaxTiff, "writeFaxTiff"));
  exports.Set("readFaxTiff", Napi::Function::New(env, ReadFaxTiff, "readFaxTiff"));
}

}  // namespace faxseal
