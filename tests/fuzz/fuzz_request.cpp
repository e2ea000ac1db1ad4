// libFuzzer target: the request envelope parser.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  asup::fuzz::request_one(data, size);
  return 0;
}
