// Reading and writing the interface files of a cgroup directory, shared by both backends.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"

namespace asup::cgroup {

// True when `path` lives on a cgroup (v1) or cgroup2 filesystem.
bool is_cgroupfs(const std::string& path);

// Writes `value` with a single write(): the kernel parses each write() to an interface file
// as one value, so a split write would set a different (or invalid) value. On cgroupfs the
// files exist from mkdir on and must not be created (kernfs answers EACCES to O_CREAT of a
// missing name, hiding the ENOENT that says "this kernel lacks the feature"); a plain
// directory (a test fixture) gets the file created.
Status write_control_file(const std::string& path, std::string_view value, bool create);
// The same for several values, each with its own write() through one descriptor: a list
// of device rules costs one open of devices.allow, not one per rule (a third of the time
// on v1).
Status write_control_values(const std::string& path, const std::vector<std::string_view>& values,
                            bool create);

// The pids listed in a cgroup.procs file.
Result<std::vector<pid_t>> read_procs(const std::string& path);

// A file holding one integer (memory.limit_in_bytes, memory.current).
Result<std::int64_t> read_number(const std::string& path);

// The value of `key` in a flat keyed file ("key value" lines: memory.events,
// memory.oom_control, cgroup.events).
std::optional<std::int64_t> keyed_value(std::string_view text, std::string_view key);

// SIGKILL to every process listed in the given cgroup.procs files, until they list nothing
// new. Without cgroup.kill a fork can race the walk, so the walk repeats until a read
// shows only processes that were already signalled before it. Does not wait for the
// processes to exit.
Status kill_listed_processes(const std::vector<std::string>& procs_files);

// rmdir that treats a missing directory as done. On cgroupfs the interface files go with
// the directory; a plain directory (kernel_files false) holds the files we wrote, which
// are removed first.
Status remove_group_dir(const std::string& path, bool kernel_files);

}  // namespace asup::cgroup
