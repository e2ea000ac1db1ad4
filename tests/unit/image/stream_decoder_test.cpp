// The decoders pulls use, fed in chunks of every size, whole, concatenated, cut short
// and corrupted.
#include "image/stream_decoder.hpp"
#include "test_support.hpp"

namespace asup::image {
namespace {

using test::TarBuilder;

Result<std::string> decode(const std::string& data, std::size_t chunk) {
  auto decoder = make_decoder(data.substr(0, 4));
  std::string out;
  auto sink = [&](std::string_view block) -> Status {
    out.append(block);
    return ok();
  };
  for (std::size_t at = 0; at < data.size(); at += chunk) {
    ASUP_TRY(decoder->feed(std::string_view(data).substr(at, chunk), sink));
  }
  ASUP_TRY(decoder->finish());
  return out;
}

std::string sample_tar() {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += std::to_string(i * 7919) + "\n";
  return TarBuilder{}.file("numbers", body).file("empty", "").bytes();
}

}  // namespace

TEST_CASE("gzip, zstd and plain streams decode in any chunking", "[image][decoder]") {
  std::string tar = sample_tar();
  for (const char* filter : {"gzip", "zstd", static_cast<const char*>(nullptr)}) {
    std::string body;
    for (int i = 0; i < 5000; ++i) body += std::to_string(i * 7919) + "\n";
    std::string encoded = TarBuilder{filter}.file("numbers", body).file("empty", "").bytes();
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{4096}, encoded.size()}) {
      auto r = decode(encoded, chunk);
      INFO((filter ? filter : "plain") << " in chunks of " << chunk);
      REQUIRE(r);
      CHECK(r.value() == tar);
    }
  }
}

TEST_CASE("concatenated gzip members are one stream", "[image][decoder]") {
  std::string a = TarBuilder{"gzip"}.file("a", "first").bytes();
  std::string b = TarBuilder{"gzip"}.file("b", "second").bytes();
  std::string plain =
      TarBuilder{}.file("a", "first").bytes() + TarBuilder{}.file("b", "second").bytes();
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, a.size() + b.size()}) {
    auto r = decode(a + b, chunk);
    REQUIRE(r);
    CHECK(r.value() == plain);
  }
}

TEST_CASE("cut, corrupted or trailed compressed streams are errors", "[image][decoder]") {
  std::string body(200000, 'z');
  for (std::size_t i = 0; i < body.size(); i += 97) body[i] = static_cast<char>(i % 251);
  for (const char* filter : {"gzip", "zstd"}) {
    INFO(filter);
    std::string encoded = TarBuilder{filter}.file("z", body).bytes();
    CHECK_FALSE(decode(encoded.substr(0, encoded.size() / 2), 512));
  }
  // gzip carries a CRC of its content; a zstd frame need not carry one (the blob digest
  // catches corruption there).
  std::string encoded = TarBuilder{"gzip"}.file("z", body).bytes();
  std::string corrupt = encoded;
  for (std::size_t i = encoded.size() / 3; i < encoded.size() / 3 + 64; ++i) corrupt[i] ^= 0x5a;
  CHECK_FALSE(decode(corrupt, 4096));
  std::string gz = TarBuilder{"gzip"}.file("a", "x").bytes();
  auto trailed = decode(gz + "garbage!", 4096);
  REQUIRE_FALSE(trailed);
  CHECK_THAT(trailed.error().message, Catch::Contains("trailing data"));
}

}  // namespace asup::image
