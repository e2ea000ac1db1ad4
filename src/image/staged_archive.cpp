#include "image/staged_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "asup/unique_fd.hpp"
#include "core/fs.hpp"
#include "image/archive_handle.hpp"
#include "image/digest.hpp"

namespace asup::image {
namespace {

constexpr size_t kBlock = 1 << 17;
// Manifests, configs and indexes are small; a huge one is an attack on memory.
constexpr std::int64_t kMaxDocument = 16 << 20;
constexpr int kMaxAliasHops = 40;
constexpr std::string_view kBlobDir = "blobs/sha256/";

std::string parent_of(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string{} : name.substr(0, slash);
}

Status write_all(int fd, const char* data, size_t size, const std::string& shown) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("write " + shown);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return ok();
}

}  // namespace

std::string normalize_archive_name(std::string_view name) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t slash = name.find('/', start);
    std::string_view c =
        name.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (c == "..") {
      if (parts.empty()) return {};
      parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

Result<StagedArchive> StagedArchive::read(const std::string& tar_path, const std::string& dir) {
  ASUP_TRY(auto a, open_tar(tar_path));
  StagedArchive out;
  std::unique_ptr<char[]> buf{new char[kBlock]};
  size_t counter = 0;
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return fail("read " + tar_path + ": " + archive_message(a.get()));
    std::string name = normalize_archive_name(entry_name(e));
    if (name.empty()) continue;
    if (const char* link = archive_entry_hardlink(e)) {
      out.aliases_[name] = normalize_archive_name(link);
      out.files_.erase(name);
      continue;
    }
    if (archive_entry_filetype(e) == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      if (!target) continue;
      // Absolute symlink targets mean nothing inside an archive.
      std::string resolved =
          target[0] == '/' ? std::string{} : normalize_archive_name(parent_of(name) + "/" + target);
      out.aliases_[name] = resolved;
      out.files_.erase(name);
      continue;
    }
    if (archive_entry_filetype(e) != AE_IFREG) continue;

    StagedFile file;
    file.path = fs::join(dir, "f" + std::to_string(counter++));
    UniqueFd fd{::open(file.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (!fd) return fail_errno("create " + file.path);
    Sha256 sha;
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf.get(), kBlock);
      if (n < 0)
        return fail("read " + tar_path + ": entry \"" + name + "\": " + archive_message(a.get()));
      if (n == 0) break;
      sha.update(buf.get(), static_cast<size_t>(n));
      ASUP_TRY(write_all(fd.get(), buf.get(), static_cast<size_t>(n), file.path));
      file.size += n;
    }
    file.digest = "sha256:" + sha.hex();
    out.aliases_.erase(name);
    out.files_[name] = std::move(file);
  }
  return out;
}

const StagedFile* StagedArchive::find(std::string_view raw_name) const {
  std::string name = normalize_archive_name(raw_name);
  for (int hop = 0; hop < kMaxAliasHops && !name.empty(); ++hop) {
    if (auto it = files_.find(name); it != files_.end()) return &it->second;
    auto alias = aliases_.find(name);
    if (alias == aliases_.end()) return nullptr;
    name = alias->second;
  }
  return nullptr;
}

Result<const StagedFile*> StagedArchive::blob(const std::string& digest,
                                              std::int64_t expected_size) const {
  if (!is_sha256_digest(digest)) return fail("unsupported digest \"" + digest + "\"");
  const StagedFile* file = find(std::string{kBlobDir} + std::string{digest_hex(digest)});
  if (!file) return fail("blob " + digest + " is missing from the archive");
  if (expected_size >= 0 && file->size != expected_size)
    return fail("blob " + digest + " has " + std::to_string(file->size) +
                " bytes, its descriptor says " + std::to_string(expected_size));
  // Aliased names were verified under their real name only if that is a blob name too.
  if (file->digest != digest) return fail("blob " + digest + ": content digest is " + file->digest);
  return file;
}

Result<std::string> StagedArchive::read_text(const StagedFile& file) const {
  if (file.size > kMaxDocument)
    return fail(file.path + ": " + std::to_string(file.size) + " bytes is too large");
  return fs::read_file(file.path);
}

Result<std::string> StagedArchive::read_text(std::string_view name) const {
  const StagedFile* file = find(name);
  if (!file) return fail(std::string{name} + " is missing from the archive");
  return read_text(*file);
}

Status StagedArchive::verify_blobs() const {
  for (const auto& [name, file] : files_) {
    if (name.compare(0, kBlobDir.size(), kBlobDir) != 0) continue;
    std::string_view hex = std::string_view{name}.substr(kBlobDir.size());
    if (!is_sha256_hex(hex)) return fail("invalid blob name " + name);
    if (file.digest != "sha256:" + std::string{hex})
      return fail("blob sha256:" + std::string{hex} +
                  " does not match its content (sha256 of the content is " + file.digest + ")");
  }
  return ok();
}

}  // namespace asup::image
