// The wallboard's files (daemon/web/: index.html, wallboard.css, wallboard.js, favicon.png),
// compiled into the binary by cmake/EmbedFiles.cmake at build time, so ccmond serves its board
// without reading or fetching anything. The definitions are generated (wallboard_assets.cc in the
// build tree).
//
// Constant data; safe on any thread.
#pragma once

#include <cstddef>

namespace ccmon::web {

struct EmbeddedAsset {
  const char* name;  // File name under daemon/web/, e.g. "wallboard.js".
  const unsigned char* data;
  std::size_t size;
};

extern const EmbeddedAsset kWallboardAssets[];
extern const std::size_t kWallboardAssetCount;

}  // namespace ccmon::web
