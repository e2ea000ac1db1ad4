// `save`: images out of the store as one tar that every common reader takes. It is an OCI
// image layout (oci-layout, index.json, blobs/sha256/...; skopeo's oci-archive:FILE:TAG,
// our own load) with the manifest.json of `docker save` beside it pointing into blobs/, as
// Docker 25+ writes it (docker load and older readers). Blobs are copied as stored: a
// layer keeps its compression and every digest stays what the registry said.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/fs.hpp"
#include "image/archive_handle.hpp"
#include "image/digest.hpp"
#include "image/image_json.hpp"
#include "image/reference.hpp"
#include "image/store.hpp"

namespace asup::image {
namespace {

using nlohmann::json;

constexpr size_t kCopyBlock = 1 << 20;

// One image to save and the tags (full references) to save it under.
struct SaveItem {
  std::string id;
  std::string manifest_digest;
  std::vector<std::string> references;
};

// "busybox" or "host:5000/team/app": a repository without tag or digest, which Docker's
// save takes as every tag of that repository.
bool names_repository_only(const std::string& name) {
  if (name.find('@') != std::string::npos) return false;
  size_t slash = name.rfind('/');
  return name.find(':', slash == std::string::npos ? 0 : slash) == std::string::npos;
}

std::string blob_name(const std::string& digest) {
  return "blobs/sha256/" + std::string{digest_hex(digest)};
}

Result<std::string> read_all(int fd, const std::string& shown) {
  std::string out;
  char buf[65536];
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read " + shown);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
}

// A tar written entry by entry to an fd the caller owns. Entries carry no owner, no
// names of the host's users and time 0, so the same images give the same bytes.
class TarWriter {
 public:
  TarWriter(int fd, std::string shown) : a_(archive_write_new()), shown_(std::move(shown)) {
    if (!a_) return;
    archive_write_set_format_pax_restricted(a_.get());  // ustar unless a name needs more
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    if (archive_write_open_fd(a_.get(), fd) != ARCHIVE_OK) error_ = failure();
  }

  Status directory(const std::string& name) { return header(name, AE_IFDIR, 0755, 0); }

  Status text(const std::string& name, std::string_view content) {
    ASUP_TRY(header(name, AE_IFREG, 0644, static_cast<std::int64_t>(content.size())));
    return data(content.data(), content.size());
  }

  // Copies `size` bytes of `fd` from its start.
  Status file(const std::string& name, int fd, std::int64_t size) {
    ASUP_TRY(header(name, AE_IFREG, 0644, size));
    std::vector<char> buf(kCopyBlock);
    for (std::int64_t done = 0; done < size;) {
      size_t want = static_cast<size_t>(std::min<std::int64_t>(size - done, kCopyBlock));
      ssize_t n = ::pread(fd, buf.data(), want, done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno("read " + name);
      if (n == 0) return fail("read " + name + ": the blob is shorter than it was");
      ASUP_TRY(data(buf.data(), static_cast<size_t>(n)));
      done += n;
    }
    return ok();
  }

  // Writes the end-of-archive marker.
  Status finish() {
    if (!error_) return error_;
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return failure();
    return ok();
  }

 private:
  struct Free {
    void operator()(archive* a) const { archive_write_free(a); }
  };

  Status header(const std::string& name, mode_t type, mode_t perm, std::int64_t size) {
    if (!a_) return fail(ENOMEM, "archive_write_new");
    if (!error_) return error_;
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e{archive_entry_new(),
                                                                    archive_entry_free};
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), perm);
    archive_entry_set_size(e.get(), size);
    archive_entry_set_mtime(e.get(), 0, 0);
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) return error_ = failure();
    return ok();
  }

  Status data(const void* buf, size_t n) {
    if (archive_write_data(a_.get(), buf, n) != static_cast<la_ssize_t>(n))
      return error_ = failure();
    return ok();
  }

  Status failure() {
    int code = archive_errno(a_.get());
    std::string message = "write " + shown_;
    // libarchive's message repeats strerror when it has an errno: keep just one.
    if (code > 0) return fail(code, message);
    return fail(message + ": " + archive_message(a_.get()));
  }

  std::unique_ptr<archive, Free> a_;
  std::string shown_;
  Status error_ = ok();
};

// Docker's checks of `save -o PATH`, so a mistyped path gets a plain answer.
Status check_output_path(const std::string& path, const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (errno == ENOENT || errno == ENOTDIR || !S_ISDIR(st.st_mode))
      return fail("invalid output path: directory \"" + dir + "\" does not exist");
    return fail_errno("stat " + dir);
  }
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return fail("invalid output path: \"" + path + "\" is a directory");
    if (!S_ISREG(st.st_mode))
      return fail("invalid output path: \"" + path + "\" is not a regular file");
  }
  return ok();
}

// A file created beside the target and renamed over it at the end; removed unless kept.
class TempFile {
 public:
  static Result<TempFile> create_beside(const std::string& path, const std::string& dir) {
    std::string base = path.substr(path.rfind('/') + 1);
    std::string templ = fs::join(dir, "." + base + ".asup-XXXXXX");
    int fd = ::mkostemp(templ.data(), O_CLOEXEC);
    if (fd < 0) return fail_errno("create " + path);
    TempFile t{std::move(templ), UniqueFd{fd}};
    // mkostemp makes it 0600; a saved image is no secret of root's.
    if (::fchmod(t.fd_.get(), 0644) != 0) return fail_errno("chmod " + t.path_);
    return t;
  }
  TempFile(TempFile&& other) noexcept
      : path_(std::exchange(other.path_, {})), fd_(std::move(other.fd_)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  int fd() const { return fd_.get(); }

  // fsync, then rename to `path`: the target is either the old file or the whole new one.
  Status commit(const std::string& path) {
    if (::fsync(fd_.get()) != 0) return fail_errno("fsync " + path);
    fd_.reset();
    if (::rename(path_.c_str(), path.c_str()) != 0)
      return fail_errno("rename " + path_ + " to " + path);
    path_.clear();
    return ok();
  }

 private:
  TempFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  UniqueFd fd_;
};

}  // namespace

Status Store::save(const std::vector<std::string>& names, const std::string& path, bool in_place) {
  if (names.empty()) return fail("save: no image given");
  std::vector<SaveItem> items;
  std::map<std::string, UniqueFd> blobs;  // digest -> the blob, open
  {
    std::lock_guard l(mutex_);
    auto add = [&](const std::string& id, const std::string& reference) {
      auto it = std::find_if(items.begin(), items.end(), [&](auto& i) { return i.id == id; });
      if (it == items.end())
        it = items.insert(items.end(), SaveItem{id, images_.at(id).manifest_digest, {}});
      if (!reference.empty() && std::find(it->references.begin(), it->references.end(),
                                          reference) == it->references.end())
        it->references.push_back(reference);
    };
    for (const auto& name : names) {
      bool found = false;
      if (names_repository_only(name))
        if (auto ref = parse_reference(name)) {
          std::string repository = ref.value().registry + "/" + ref.value().repository;
          for (const auto& [full, id] : refs_)
            if (repository_of(full) == repository) {
              add(id, full);
              found = true;
            }
        }
      if (found) continue;
      ASUP_TRY(Image image, resolve_locked(name));
      // Saved under the tag it was named by; an id or a digest names no tag.
      add(image.id, reference_named(name, image.id));
    }
    // Open now, under the lock: a concurrent rmi may unlink the files afterwards, but what
    // is open stays readable until we are done.
    for (const auto& item : items) {
      auto owned = blobs_.find(item.id);
      if (owned == blobs_.end()) continue;  // its manifest is then reported missing below
      for (const auto& digest : owned->second) {
        if (blobs.count(digest)) continue;
        auto fd = fs::open_fd(blob_path(digest), O_RDONLY);
        if (!fd) return fail(fd.error().wrap("save " + item.id));
        blobs.emplace(digest, std::move(fd).value());
      }
    }
  }

  // The documents, from each image's manifest.
  json index_entries = json::array();
  json docker_manifest = json::array();
  std::vector<std::string> contents;  // digests of the blobs to write, in order
  for (const auto& item : items) {
    auto blob = [&](const std::string& digest) -> Result<int> {
      auto it = blobs.find(digest);
      if (it == blobs.end()) return fail("save " + item.id + ": blob " + digest + " is missing");
      if (std::find(contents.begin(), contents.end(), digest) == contents.end())
        contents.push_back(digest);
      return it->second.get();
    };
    ASUP_TRY(int manifest_fd, blob(item.manifest_digest));
    ASUP_TRY(std::string text, read_all(manifest_fd, "manifest " + item.manifest_digest));
    ASUP_TRY(std::string type, document_media_type(text));
    ASUP_TRY(Manifest manifest, parse_manifest(text));
    ASUP_TRY(blob(manifest.config.digest));
    json layers = json::array();
    for (const auto& layer : manifest.layers) {
      ASUP_TRY(blob(layer.digest));
      layers.push_back(blob_name(layer.digest));
    }

    json entry{{"mediaType", type},
               {"digest", item.manifest_digest},
               {"size", static_cast<std::int64_t>(text.size())}};
    if (item.references.empty()) index_entries.push_back(entry);
    json tags = json::array();
    for (const auto& full : item.references) {
      ASUP_TRY(auto ref, parse_reference(full));
      json named = entry;
      named["annotations"] = {{annotation::kImageName, full}, {annotation::kRefName, ref.tag}};
      index_entries.push_back(std::move(named));
      tags.push_back(ref.familiar());
    }
    docker_manifest.push_back(
        {{"Config", blob_name(manifest.config.digest)}, {"RepoTags", tags}, {"Layers", layers}});
  }
  json index{{"schemaVersion", 2},
             {"mediaType", media_type::kOciIndex},
             {"manifests", std::move(index_entries)}};

  // Where it goes.
  std::optional<TempFile> temp;
  UniqueFd direct;
  int out = -1;
  if (in_place) {
    // The client's stdout: appended to, as a shell's `>>` expects (and `>` emptied it).
    direct.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (!direct) return fail_errno("open " + path);
    out = direct.get();
  } else {
    std::string dir = path.substr(0, path.rfind('/'));
    if (dir.empty()) dir = "/";
    ASUP_TRY(check_output_path(path, dir));
    ASUP_TRY(auto t, TempFile::create_beside(path, dir));
    temp.emplace(std::move(t));
    out = temp->fd();
  }

  TarWriter tar{out, path};
  ASUP_TRY(tar.text("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  ASUP_TRY(tar.text("index.json", index.dump()));
  ASUP_TRY(tar.text("manifest.json", docker_manifest.dump()));
  ASUP_TRY(tar.directory("blobs"));
  ASUP_TRY(tar.directory("blobs/sha256"));
  for (const auto& digest : contents) {
    int fd = blobs.at(digest).get();
    struct stat st;
    if (::fstat(fd, &st) != 0) return fail_errno("stat blob " + digest);
    ASUP_TRY(tar.file(blob_name(digest), fd, st.st_size));
  }
  ASUP_TRY(tar.finish());
  if (temp) return temp->commit(path);
  return ok();
}

}  // namespace asup::image
