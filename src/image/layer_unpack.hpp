// Unpacks one layer blob (a tar, plain or compressed) into a directory in a single pass:
// the decompressed stream is hashed on its way to the tar reader, so the diff id is
// known when the last entry is written without reading the blob twice.
#pragma once

#include <archive.h>

#include <cstdint>
#include <string>

#include "asup/result.hpp"

namespace asup::image {

struct UnpackedLayer {
  std::string diff_id;     // "sha256:HEX" of the uncompressed tar
  std::int64_t bytes = 0;  // regular-file content written
};

// `dest` must be an existing, empty directory. When `copy_to` is an fd, the uncompressed
// tar is also written to it (import keeps it as the layer blob). The caller compares the
// diff id with what the image config promises and discards `dest` on a mismatch.
Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& dest,
                                   int copy_to = -1);

// Same, from a (compressed) byte stream: `read` follows libarchive's read callback
// convention over `client`. `what` names the stream in errors.
Result<UnpackedLayer> unpack_layer(archive_read_callback* read, void* client,
                                   const std::string& what, const std::string& dest);

}  // namespace asup::image
