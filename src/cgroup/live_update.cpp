#include "cgroup/live_update.hpp"

#include "cgroup/control_file.hpp"
#include "cgroup/memory.hpp"
#include "core/fs.hpp"

namespace asup::cgroup {
namespace {

struct Written {
  std::string path;
  std::string previous;
  bool create;
};

std::string without_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Puts the values back, newest first; the error of the first restore that failed.
Status restore(const std::vector<Written>& written) {
  Status result = ok();
  for (auto it = written.rbegin(); it != written.rend(); ++it) {
    auto r = write_control_file(it->path, it->previous, it->create);
    if (!r && result) result = r;
  }
  return result;
}

Error undo(Error error, const std::vector<Written>& written) {
  auto restored = restore(written);
  if (!restored)
    error.message +=
        " (and restoring the previous values failed: " + restored.error().describe() + ")";
  return error;
}

}  // namespace

Status apply_live(Version version, const std::vector<LiveWrite>& writes) {
  std::vector<Written> written;
  for (const auto& w : writes) {
    const std::string path = fs::join(w.dir, w.setting.file);
    auto previous = fs::read_file(path);
    if (!previous && w.setting.optional && previous.error().code == ENOENT) continue;
    if (!previous) return fail(undo(previous.error(), written));
    Status r = memory::check_usage(version, w.setting, w.dir);
    if (r) r = write_control_file(path, w.setting.value, w.create);
    if (!r) {
      Error e = r.error();
      if (e.code == EBUSY && memory::caps_usage(w.setting))
        e = memory::below_usage(version, w.setting, w.dir);
      return fail(undo(std::move(e), written));
    }
    written.push_back({path, without_newline(std::move(previous).value()), w.create});
  }
  return ok();
}

}  // namespace asup::cgroup
