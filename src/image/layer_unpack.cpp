#include "image/layer_unpack.hpp"

#include <unistd.h>

#include <cstring>
#include <memory>
#include <utility>

#include "image/archive_handle.hpp"
#include "image/digest.hpp"
#include "image/layer_writer.hpp"

namespace asup::image {
namespace {

constexpr size_t kBlock = 1 << 17;

// The decompressed bytes of the blob, fed to the tar reader through its read callback and
// hashed (and copied) as they pass.
struct HashingSource {
  archive* raw = nullptr;
  Sha256 sha;
  int copy_to = -1;
  bool eof = false;
  std::unique_ptr<char[]> buf{new char[kBlock]};
  la_ssize_t pending = 0;  // bytes read ahead to detect an empty stream, not yet handed out
  std::string error;

  // The next block: hashed, copied; 0 at the end, -1 with `error` set.
  la_ssize_t next() {
    if (pending > 0) return std::exchange(pending, 0);
    if (eof) return 0;
    la_ssize_t n = archive_read_data(raw, buf.get(), kBlock);
    if (n < 0) {
      error = "decompress: " + archive_message(raw);
      return -1;
    }
    if (n == 0) {
      eof = true;
      return 0;
    }
    sha.update(buf.get(), static_cast<size_t>(n));
    if (copy_to >= 0) {
      for (la_ssize_t done = 0; done < n;) {
        ssize_t w = ::write(copy_to, buf.get() + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          error = std::string{"write the uncompressed layer: "} + std::strerror(errno);
          return -1;
        }
        done += w;
      }
    }
    return n;
  }
};

la_ssize_t source_read(archive* a, void* client, const void** out) {
  auto* src = static_cast<HashingSource*>(client);
  la_ssize_t n = src->next();
  if (n < 0) {
    archive_set_error(a, EIO, "%s", src->error.c_str());
    return -1;
  }
  *out = src->buf.get();
  return n;
}

}  // namespace

namespace {

Result<UnpackedLayer> unpack_decompressed(archive* raw, bool empty, const std::string& dest,
                                          int copy_to, const std::string& what) {
  HashingSource src;
  src.raw = raw;
  src.copy_to = copy_to;
  src.eof = empty;
  ASUP_TRY(auto writer, LayerWriter::open(dest));

  // An empty stream is an empty layer; the tar reader would call it an unknown format.
  src.pending = src.next();
  if (src.pending < 0) return fail("read " + what + ": " + src.error);
  if (src.pending > 0) {
    ArchiveReader tar{archive_read_new()};
    if (!tar) return fail(ENOMEM, "archive_read_new");
    archive_read_support_format_tar(tar.get());
    if (archive_read_open(tar.get(), &src, nullptr, source_read, nullptr) != ARCHIVE_OK)
      return fail("read " + what + ": " + archive_message(tar.get()));
    for (;;) {
      archive_entry* entry = nullptr;
      int r = archive_read_next_header(tar.get(), &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return fail("read " + what + ": " + archive_message(tar.get()));
      ASUP_TRY(writer.write(tar.get(), entry));
    }
    ASUP_TRY(writer.finish());
  }
  // Whatever follows the end-of-archive marker is part of the diff id too.
  for (;;) {
    la_ssize_t n = src.next();
    if (n < 0) return fail("read " + what + ": " + src.error);
    if (n == 0) break;
  }
  return UnpackedLayer{"sha256:" + src.sha.hex(), writer.bytes()};
}

}  // namespace

Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& dest,
                                   int copy_to) {
  bool empty = false;
  ASUP_TRY(auto raw, open_decompressed(blob_path, empty));
  return unpack_decompressed(raw.get(), empty, dest, copy_to, blob_path);
}

Result<UnpackedLayer> unpack_layer(archive_read_callback* read, void* client,
                                   const std::string& what, const std::string& dest) {
  bool empty = false;
  ASUP_TRY(auto raw, open_decompressed(read, client, what, empty));
  return unpack_decompressed(raw.get(), empty, dest, -1, what);
}

}  // namespace asup::image
