// Decompression of layer streams, chosen by the stream's first bytes: gzip through
// ISA-L's igzip (4-5x zlib's speed on x86, which decides how fast a pull unpacks), zstd
// through libzstd, anything else passed through as an uncompressed tar.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "asup/result.hpp"

namespace asup::image {

class StreamDecoder {
 public:
  using Sink = std::function<Status(std::string_view)>;
  virtual ~StreamDecoder() = default;
  // Decodes `input`, handing every decoded block to `sink` (the block is valid only
  // during the call).
  virtual Status feed(std::string_view input, const Sink& sink) = 0;
  // The input has ended: an error when the compressed stream stopped short.
  virtual Status finish() = 0;
};

// `head`: at least the first 4 bytes of the stream (fewer only when the stream is shorter).
std::unique_ptr<StreamDecoder> make_decoder(std::string_view head);

}  // namespace asup::image
