#include "core/mount_flags.hpp"

#include <sys/mount.h>

namespace asup::mount_flags {
namespace {

struct FlagWord {
  std::string_view word;
  std::uint64_t set, clear;
};

constexpr FlagWord kFlagWords[] = {
    {"defaults", 0, 0},
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"bind", MS_BIND, 0},
    {"rbind", MS_BIND | MS_REC, 0},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"noatime", MS_NOATIME, MS_RELATIME | MS_STRICTATIME},
    {"atime", 0, MS_NOATIME},
    {"relatime", MS_RELATIME, MS_NOATIME | MS_STRICTATIME},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, MS_NOATIME | MS_RELATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
};

}  // namespace

bool apply(std::string_view word, std::uint64_t& flags) {
  for (const auto& f : kFlagWords) {
    if (f.word != word) continue;
    flags = (flags & ~f.clear) | f.set;
    return true;
  }
  return false;
}

}  // namespace asup::mount_flags
