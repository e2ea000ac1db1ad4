#include "engine/top.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <sstream>

#include "core/fs.hpp"
#include "core/subprocess.hpp"
#include "engine/engine.hpp"

namespace asup::engine {
namespace {

std::vector<std::string> fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

// The container's processes: its cgroup's (one hierarchy suffices on v1).
std::vector<pid_t> group_pids(const std::string& procs_file) {
  std::vector<pid_t> pids;
  auto text = fs::read_file(procs_file);
  if (!text) return pids;
  std::istringstream in(text.value());
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

std::string ps_path() {
  for (auto p : {"/usr/bin/ps", "/bin/ps"})
    if (fs::exists(p)) return p;
  return "/usr/bin/ps";
}

}  // namespace

Status validate_ps_args(const std::vector<std::string>& args) {
  // Docker reads the joined arguments for " NAME=PID...": only pid= may be renamed, or
  // the PID column would be lost.
  std::string joined;
  for (auto& a : args) joined += (joined.empty() ? "" : " ") + a;
  static const std::regex kRename{R"(\s+(\S*)=\s*(PID\S*))"};
  for (std::sregex_iterator it(joined.begin(), joined.end(), kRename), end; it != end; ++it) {
    if ((*it)[1] != "pid")
      return fail("specifying \"" + (*it)[1].str() + "=" + (*it)[2].str() + "\" is not allowed");
  }
  return ok();
}

Result<api::TopResult> parse_ps_output(const std::string& output, const std::vector<pid_t>& pids) {
  std::istringstream in(output);
  std::string line;
  api::TopResult result;
  if (!std::getline(in, line)) return fail("Couldn't find PID field in ps output");
  result.titles = fields(line);
  auto pid_column = std::find(result.titles.begin(), result.titles.end(), "PID");
  if (pid_column == result.titles.end()) return fail("Couldn't find PID field in ps output");
  const std::size_t pid_index = static_cast<std::size_t>(pid_column - result.titles.begin());
  const std::size_t last = result.titles.size() - 1;
  while (std::getline(in, line)) {
    auto row = fields(line);
    if (row.size() <= pid_index) continue;
    pid_t pid = 0;
    const auto& text = row[pid_index];
    if (std::from_chars(text.data(), text.data() + text.size(), pid).ec != std::errc{}) continue;
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) continue;
    // The command keeps its arguments: everything past the last title is one column.
    for (std::size_t i = last + 1; i < row.size(); ++i) row[last] += " " + row[i];
    row.resize(std::min(row.size(), last + 1));
    result.processes.push_back(std::move(row));
  }
  return result;
}

void Engine::top(const CallerPtr& s, const api::TopRequest& req) {
  auto found = find(req.id);
  if (!found) return s->send_error(1, found.error().message);
  Instance& c = *found.value();
  if (!c.running() || !c.cgroup)
    return s->send_error(1, "container " + c.config.id + " is not running");
  if (c.restarting())
    return s->send_error(
        1, "Container " + c.config.id + " is restarting, wait until the container is running");
  if (auto r = validate_ps_args(req.ps_args); !r) return s->send_error(1, r.error().message);
  auto files = c.cgroup->procs_files();
  if (files.empty()) return s->send_error(1, "container " + c.config.id + ": no cgroup");
  std::vector<std::string> argv{ps_path()};
  if (req.ps_args.empty()) argv.push_back("-ef");
  argv.insert(argv.end(), req.ps_args.begin(), req.ps_args.end());
  // ps reads all of /proc: off the loop, as any blocking work.
  loop_.offload(
      [argv, procs = files.front()]() -> Result<api::TopResult> {
        auto ran = sys::run_captured(argv, {"PATH=/usr/bin:/bin", "LC_ALL=C"});
        if (!ran) return fail(Error{0, ran.error().describe()});
        if (ran.value().exit_code != 0)
          return fail("Error running ps: exit status " + std::to_string(ran.value().exit_code) +
                      (ran.value().err.empty() ? "" : ": " + ran.value().err));
        return parse_ps_output(ran.value().out, group_pids(procs));
      },
      [s](Result<api::TopResult> r) {
        if (!r) return s->send_error(1, r.error().message);
        s->reply(r.value());
      });
}

}  // namespace asup::engine
