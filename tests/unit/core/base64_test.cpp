#include <catch2/catch.hpp>

#include "core/base64.hpp"

using namespace asup;

TEST_CASE("base64 as RFC 4648 spells it", "[core][base64]") {
  // RFC 4648, section 10.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded).value() == plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_decode(base64_encode(all)).value() == all);
}

TEST_CASE("base64 refuses what is not base64", "[core][base64]") {
  for (const char* bad : {"Zg=", "Z===", "Zm9v!A==", "Zg==Zg==", "Z=g=", "Zm9\n"}) {
    INFO(bad);
    CHECK_FALSE(base64_decode(bad));
  }
}
