#include "launch/init_layer.hpp"

#include <cstdio>

#include "core/fs.hpp"

namespace asup::launch {

Result<std::string> ensure_init_layer(const std::string& parent) {
  std::string dir = fs::join(parent, "init-layer");
  // Complete or absent: it is only ever renamed into place whole.
  if (fs::exists(dir)) return dir;
  std::string staging = dir + ".tmp";
  ASUP_TRY(fs::remove_tree(staging));
  ASUP_TRY(fs::make_dirs(staging, 0755));
  ASUP_TRY(fs::make_dirs(fs::join(staging, "etc"), 0755));
  ASUP_TRY(fs::make_dirs(fs::join(staging, "dev"), 0755));
  for (const char* d : {"proc", "sys"}) {
    ASUP_TRY(fs::make_dirs(fs::join(staging, d), 0555));
  }
  for (const char* f : {"etc/hostname", "etc/hosts", "etc/resolv.conf"}) {
    ASUP_TRY(fs::write_file(fs::join(staging, f), "", 0644));
  }
  if (std::rename(staging.c_str(), dir.c_str()) != 0) return fail_errno("rename " + staging);
  return dir;
}

}  // namespace asup::launch
