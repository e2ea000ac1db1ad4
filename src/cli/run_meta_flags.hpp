// The flags of `run` and `create` about the container's metadata and the client's side:
// labels, the id file, --init, which streams to attach, log options, the pull's output.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/requests.hpp"
#include "asup/result.hpp"

namespace asup::cli {

struct MetaFlags {
  std::vector<std::string> labels, label_files, log_opts, attach;
  std::string cidfile, log_driver;
  bool init = false;   // accepted: asup-init is always the container's PID 1
  bool quiet = false;  // -q: no pull progress, no "Unable to find image" line
  // Accepted for the scripts that pass it: asupd verifies no image signatures.
  bool disable_content_trust = true;
};

void add_meta_flags(CLI::App& cmd, MetaFlags& flags);

// --env-file, --label-file: one entry a line, leading blanks dropped; blank lines and #
// comments skipped, as Docker reads them. `what` names the file in errors.
Result<std::vector<std::string>> read_entries_file(const std::string& path, const char* what);

// Labels (-l, then --label-file lines) and --log-opt max-size into the request.
Status add_metadata(const MetaFlags& flags, api::RunRequest& req);

// -a: which of "stdin", "stdout", "stderr" were named (lower case); empty when -a was not
// given. Docker's error for any other word.
Result<std::vector<std::string>> attach_streams(const MetaFlags& flags);

// --cidfile: refused when the file exists (another container may own it), created empty
// before the container is, filled with its id once known, and removed again when no
// container came of it.
class CidFile {
 public:
  static Result<CidFile> open(const std::string& path);  // "" → does nothing
  CidFile(CidFile&& other) noexcept;
  CidFile& operator=(CidFile&&) = delete;
  ~CidFile();
  Status write(const std::string& id);

 private:
  explicit CidFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool written_ = false;
};

}  // namespace asup::cli
