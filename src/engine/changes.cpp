#include "engine/changes.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "core/fs.hpp"
#include "engine/engine.hpp"

namespace asup::engine {
namespace {

bool in_lower(const std::vector<std::string>& lowers, const std::string& rel) {
  struct stat st;
  for (auto& l : lowers)
    if (::lstat(fs::join(l, rel).c_str(), &st) == 0) return true;
  return false;
}

Status walk(const std::string& upper, const std::string& rel,
            const std::vector<std::string>& lowers, std::vector<Change>& out) {
  ASUP_TRY(auto names, fs::list_dir(rel.empty() ? upper : fs::join(upper, rel)));
  for (auto& name : names) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (::lstat(fs::join(upper, child).c_str(), &st) != 0)
      return fail_errno("lstat " + fs::join(upper, child));
    // overlayfs marks a deleted lower file with a 0:0 character device.
    if (S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(0, 0)) {
      out.push_back({"/" + child, Change::deleted});
      continue;
    }
    out.push_back({"/" + child, in_lower(lowers, child) ? Change::modified : Change::added});
    if (S_ISDIR(st.st_mode)) {
      ASUP_TRY(walk(upper, child, lowers, out));
    }
  }
  return ok();
}

}  // namespace

Result<std::vector<Change>> overlay_changes(const std::string& upper,
                                            const std::vector<std::string>& lowers) {
  std::vector<Change> out;
  ASUP_TRY(walk(upper, "", lowers, out));
  std::sort(out.begin(), out.end(),
            [](const Change& a, const Change& b) { return a.path < b.path; });
  return out;
}

void Engine::diff(const CallerPtr& s, const api::DiffRequest& req) {
  auto found = find(req.id);
  if (!found) return s->send_error(1, found.error().message);
  Instance& c = *found.value();
  auto image = images_->resolve(c.config.image_id);
  if (!image) return s->send_error(1, image.error().message);
  std::vector<std::string> lowers = images_->layer_dirs(image.value());
  lowers.insert(lowers.begin(), init_layer_);
  // A walk of the upper dir: off the loop.
  loop_.offload(
      [upper = fs::join(c.dir, "upper"), lowers] { return overlay_changes(upper, lowers); },
      [s](Result<std::vector<Change>> r) {
        if (!r) return s->send_error(1, r.error().describe());
        api::DiffResult out;
        for (auto& ch : r.value()) out.changes.push_back({ch.path, static_cast<int>(ch.kind)});
        s->reply(out);
      });
}

}  // namespace asup::engine
