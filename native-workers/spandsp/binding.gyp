{
  "targets": [
    {
      "target_name": "faxseal_spandsp",
      "sources": ["src/addon.cc", "src/fax_session.cc", "src/fax_tiff.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lspandsp", "-ltiff"]
    }
  ]
}
