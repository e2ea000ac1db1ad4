// RAII owners for libarchive handles and the reader setup shared by the store.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "asup/result.hpp"

namespace asup::image {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

// The compressions image layers and saved images use. Only in-process decoders: libarchive's
// catch-all would fork external programs (lrzip, lzop, ...) for hostile input.
void enable_decompression(archive* a);

// Opens `path` read-only as a decompressed byte stream (no archive format: libarchive's raw
// format), ready for archive_read_data. Sets `empty` when the file holds no data at all.
Result<ArchiveReader> open_decompressed(const std::string& path, bool& empty);
// Same over a byte stream `read` delivers (libarchive's read callback convention); the
// stream's owner outlives the reader. `what` names the stream in errors.
Result<ArchiveReader> open_decompressed(archive_read_callback* read, void* client,
                                        const std::string& what, bool& empty);
// Opens `path` as a (possibly compressed) tar archive.
Result<ArchiveReader> open_tar(const std::string& path);

// libarchive's last error on `a`, with a fallback when it has none.
std::string archive_message(archive* a);
// The entry's path as stored in the archive, for error messages.
std::string entry_name(archive_entry* e);

}  // namespace asup::image
