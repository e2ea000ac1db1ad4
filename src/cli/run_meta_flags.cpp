#include "cli/run_meta_flags.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "core/units.hpp"

namespace asup::cli {
namespace {

// --log-opt KEY=VALUE: max-size sizes the ring; the json-file driver's other options are
// accepted for the scripts that pass them, and mean nothing to a ring.
Status apply_log_opt(const std::string& opt, api::RunRequest& req) {
  const std::string driver = req.log_driver.empty() ? "json-file" : req.log_driver;
  auto eq = opt.find('=');
  if (eq == std::string::npos)
    return fail("invalid argument \"" + opt + "\" for \"--log-opt\" flag: expected KEY=VALUE");
  const std::string key = opt.substr(0, eq), value = opt.substr(eq + 1);
  if (key == "max-size") {
    auto bytes = parse_bytes(value);
    if (!bytes || bytes.value() <= 0) return fail("invalid value for log opt max-size: " + value);
    req.log_size = static_cast<std::uint64_t>(bytes.value());
    req.log_opts.push_back(opt);
    return ok();
  }
  // labels, env and their -regex forms name the attributes `logs --details` shows.
  static const char* kAccepted[] = {"max-file",        "compress",  "mode",
                                    "max-buffer-size", "labels",    "env",
                                    "labels-regex",    "env-regex", "tag"};
  if (std::find(std::begin(kAccepted), std::end(kAccepted), key) != std::end(kAccepted)) {
    req.log_opts.push_back(opt);
    return ok();
  }
  return fail("unknown log opt '" + key + "' for " + driver + " log driver");
}

}  // namespace

Result<std::vector<std::string>> read_entries_file(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return fail(errno, std::string("open ") + what + " " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    out.push_back(line.substr(start));
  }
  return out;
}

void add_meta_flags(CLI::App& cmd, MetaFlags& f) {
  cmd.add_option("-l,--label", f.labels, "Set meta data on a container")->allow_extra_args(false);
  cmd.add_option("--label-file", f.label_files, "Read in a line delimited file of labels")
      ->allow_extra_args(false);
  cmd.add_option("--cidfile", f.cidfile, "Write the container ID to the file");
  cmd.add_flag("--init", f.init,
               "Run an init inside the container that forwards signals and reaps processes "
               "(always: asup-init)");
  cmd.add_option("-a,--attach", f.attach, "Attach to STDIN, STDOUT or STDERR")
      ->allow_extra_args(false);
  cmd.add_option("--log-opt", f.log_opts, "Log driver options (max-size sizes the log ring)")
      ->allow_extra_args(false);
  cmd.add_option("--log-driver", f.log_driver,
                 "Logging driver for the container: json-file (default) or local, both the log "
                 "ring; none: no log to read");
  cmd.add_flag("-q,--quiet", f.quiet, "Suppress the pull output");
  cmd.add_flag("--disable-content-trust{true}", f.disable_content_trust,
               "Skip image verification (always: no signatures are verified)");
}

Status add_metadata(const MetaFlags& f, api::RunRequest& req) {
  for (auto& file : f.label_files) {
    ASUP_TRY(auto lines, read_entries_file(file, "label file"));
    req.labels.insert(req.labels.end(), lines.begin(), lines.end());
  }
  req.labels.insert(req.labels.end(), f.labels.begin(), f.labels.end());
  req.log_driver = f.log_driver;
  for (auto& opt : f.log_opts) {
    ASUP_TRY(apply_log_opt(opt, req));
  }
  return ok();
}

Result<std::vector<std::string>> attach_streams(const MetaFlags& f) {
  std::vector<std::string> out;
  for (auto word : f.attach) {
    std::transform(word.begin(), word.end(), word.begin(), ::tolower);
    if (word != "stdin" && word != "stdout" && word != "stderr")
      return fail("invalid argument \"" + word +
                  "\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR");
    out.push_back(word);
  }
  return out;
}

Result<CidFile> CidFile::open(const std::string& path) {
  if (path.empty()) return CidFile{""};
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return fail(EEXIST,
                "Container ID file found, make sure the other container isn't running "
                "or delete " +
                    path);
  if (fd < 0) return fail(errno, "failed to create the container ID file " + path);
  ::close(fd);
  return CidFile{path};
}

CidFile::CidFile(CidFile&& other) noexcept
    : path_(std::move(other.path_)), written_(other.written_) {
  other.path_.clear();
}

CidFile::~CidFile() {
  if (!path_.empty() && !written_) ::unlink(path_.c_str());
}

Status CidFile::write(const std::string& id) {
  if (path_.empty()) return ok();
  std::ofstream out(path_, std::ios::trunc);
  out << id;
  if (!out.flush()) return fail(errno, "write the container ID file " + path_);
  written_ = true;
  return ok();
}

}  // namespace asup::cli
