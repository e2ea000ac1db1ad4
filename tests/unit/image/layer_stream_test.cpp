// Layers unpacked while they stream in: the blob kept and hashed, the tar unpacked and
// hashed, a producer held back when the extractor falls behind, failures on both sides.
#include <fcntl.h>

#include <thread>

#include "image/layer_stream.hpp"
#include "test_support.hpp"

namespace asup::image {
namespace {

using test::TarBuilder;
using test::TempDir;

// Feeds `data` in `chunk`-sized pieces from a thread of its own, like the event loop
// does, retrying refused pushes once the queue says it drained.
std::thread produce(ChunkQueue& q, std::string data, std::size_t chunk,
                    std::optional<std::string> error = std::nullopt) {
  return std::thread([&q, data = std::move(data), chunk, error] {
    std::mutex m;
    std::condition_variable cv;
    bool drained = false;
    q.set_on_drained([&] {
      std::lock_guard l(m);
      drained = true;
      cv.notify_one();
    });
    for (std::size_t at = 0; at < data.size();) {
      std::string_view piece = std::string_view(data).substr(at, chunk);
      if (q.push(piece)) {
        at += piece.size();
        continue;
      }
      if (q.cancelled()) return;
      std::unique_lock l(m);
      cv.wait_for(l, std::chrono::milliseconds(50), [&] { return drained; });
      drained = false;
    }
    q.finish(error);
  });
}

// Streams `data` through a queue of `capacity` bytes into tmp/layer, keeping tmp/blob.
Result<StreamedLayer> stream(const TempDir& tmp, ChunkQueue& q, const std::string& data,
                             std::size_t chunk, std::optional<std::string> error = std::nullopt) {
  std::string dest = tmp / "layer";
  REQUIRE(::mkdir(dest.c_str(), 0700) == 0);
  auto blob = fs::open_fd(tmp / "blob", O_WRONLY | O_CREAT | O_EXCL, 0644);
  REQUIRE(blob);
  auto producer = produce(q, data, chunk, std::move(error));
  auto r = unpack_stream(q, blob.value().get(), dest, "layer sha256:test");
  producer.join();
  return r;
}

}  // namespace

TEST_CASE("a streamed layer is kept, hashed and unpacked in one pass", "[image][stream]") {
  TempDir tmp;
  std::string big(3 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  std::string tar = TarBuilder{}.dir("etc").file("etc/big", big).file("etc/small", "hi").bytes();
  std::string gz =
      TarBuilder{"gzip"}.dir("etc").file("etc/big", big).file("etc/small", "hi").bytes();

  // A small queue forces the producer to wait for the extractor many times.
  ChunkQueue q(64 << 10);
  std::string dest = tmp / "layer";
  auto r = stream(tmp, q, gz, 7000);
  REQUIRE(r);
  CHECK(r.value().blob_digest == test::digest_of(gz));
  CHECK(r.value().blob_size == static_cast<std::int64_t>(gz.size()));
  CHECK(r.value().diff_id == test::digest_of(tar));
  CHECK(r.value().bytes == static_cast<std::int64_t>(big.size() + 2));
  CHECK(fs::read_file(dest + "/etc/big").value() == big);
  CHECK(fs::read_file(dest + "/etc/small").value() == "hi");
  CHECK(fs::read_file(tmp / "blob").value() == gz);
}

TEST_CASE("zstd and uncompressed layers stream too", "[image][stream]") {
  for (const char* filter : {"zstd", static_cast<const char*>(nullptr)}) {
    TempDir tmp;
    std::string plain = TarBuilder{}.file("a", "alpha").bytes();
    std::string blob_bytes = TarBuilder{filter}.file("a", "alpha").bytes();
    ChunkQueue q(1 << 20);
    std::string dest = tmp / "layer";
    auto r = stream(tmp, q, blob_bytes, 100);
    REQUIRE(r);
    CHECK(r.value().diff_id == test::digest_of(plain));
    CHECK(fs::read_file(dest + "/a").value() == "alpha");
  }
}

TEST_CASE("a download that fails midway fails the extraction with its reason", "[image][stream]") {
  TempDir tmp;
  std::string gz = TarBuilder{"gzip"}.file("a", std::string(1 << 20, 'q')).bytes();
  ChunkQueue q(1 << 20);
  auto r = stream(tmp, q, gz.substr(0, gz.size() / 2), 4096, std::string{"connection reset"});
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("connection reset"));
}

TEST_CASE("a hostile streamed layer stops the download", "[image][stream][security]") {
  TempDir tmp;
  std::string tar =
      TarBuilder{}.file("../escape", "x").file("pad", std::string(4 << 20, 'p')).bytes();
  ChunkQueue q(64 << 10);
  auto r = stream(tmp, q, tar, 8192);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("../escape"));
  CHECK(q.cancelled());
  CHECK_FALSE(fs::exists(tmp.path() + "/escape"));
}

}  // namespace asup::image
