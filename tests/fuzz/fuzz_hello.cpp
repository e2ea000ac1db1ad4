// libFuzzer target: the accept FIFO's framing and the hello parser.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  asup::fuzz::hello_one(data, size);
  return 0;
}
