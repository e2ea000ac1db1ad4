#include "image/archive_handle.hpp"

#include <fcntl.h>

#include "asup/unique_fd.hpp"

namespace asup::image {
namespace {

constexpr size_t kReadBlock = 1 << 17;

// archive_read_open_fd does not take ownership; archive_read_open2 with a close callback
// closes the fd together with the reader, so a failed open cannot leak it.
struct FdSource {
  int fd;
  char buf[kReadBlock];
};

la_ssize_t fd_read(archive* a, void* client, const void** out) {
  auto* src = static_cast<FdSource*>(client);
  for (;;) {
    ssize_t n = ::read(src->fd, src->buf, sizeof src->buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      archive_set_error(a, errno, "read");
      return -1;
    }
    *out = src->buf;
    return n;
  }
}

int fd_close(archive*, void* client) {
  auto* src = static_cast<FdSource*>(client);
  ::close(src->fd);
  delete src;
  return ARCHIVE_OK;
}

Status open_path(archive* a, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open " + path);
  auto* src = new FdSource{fd, {}};
  // libarchive calls the close callback even when the open fails.
  if (archive_read_open2(a, src, nullptr, fd_read, nullptr, fd_close) != ARCHIVE_OK)
    return fail("read " + path + ": " + archive_message(a));
  return ok();
}

}  // namespace

void enable_decompression(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_bzip2(a);
}

namespace {

Result<ArchiveReader> new_raw_reader() {
  ArchiveReader a{archive_read_new()};
  if (!a) return fail(ENOMEM, "archive_read_new");
  enable_decompression(a.get());
  archive_read_support_format_raw(a.get());
  return a;
}

// Positions a raw reader at its one entry; an empty stream has none.
Status start_raw(archive* a, const std::string& what, bool& empty) {
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(a, &entry);
  empty = r == ARCHIVE_EOF;
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN && r != ARCHIVE_EOF)
    return fail("read " + what + ": " + archive_message(a));
  return ok();
}

}  // namespace

Result<ArchiveReader> open_decompressed(const std::string& path, bool& empty) {
  ASUP_TRY(auto a, new_raw_reader());
  ASUP_TRY(open_path(a.get(), path));
  ASUP_TRY(start_raw(a.get(), path, empty));
  return a;
}

Result<ArchiveReader> open_decompressed(archive_read_callback* read, void* client,
                                        const std::string& what, bool& empty) {
  ASUP_TRY(auto a, new_raw_reader());
  if (archive_read_open(a.get(), client, nullptr, read, nullptr) != ARCHIVE_OK)
    return fail("read " + what + ": " + archive_message(a.get()));
  ASUP_TRY(start_raw(a.get(), what, empty));
  return a;
}

Result<ArchiveReader> open_tar(const std::string& path) {
  ArchiveReader a{archive_read_new()};
  if (!a) return fail(ENOMEM, "archive_read_new");
  enable_decompression(a.get());
  archive_read_support_format_tar(a.get());
  ASUP_TRY(open_path(a.get(), path));
  return a;
}

std::string archive_message(archive* a) {
  const char* msg = archive_error_string(a);
  return msg ? msg : "unknown archive error";
}

std::string entry_name(archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  return p ? p : "(unreadable name)";
}

}  // namespace asup::image
