// Start latency, end to end: the time from invoking `asupctl run --rm IMAGE true` to its
// exit, as a user measures it. Runs against an asupd that is already up.
//
//   start_latency --asupctl build/asupctl --run-root /run/asup [-n 50] [--image busybox]
//                 [--networks bridge,none]
//
// With several networks the runs alternate between them, so drift on the machine hits
// every mode alike. Prints a JSON array: per network every sample (ms), median, p90, p99.
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

int run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string asupctl = "asupctl", run_root = "/run/asup", image = "busybox";
  std::string networks_arg = "none";
  int n = 50, warmup = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--asupctl")
      asupctl = v;
    else if (k == "--run-root")
      run_root = v;
    else if (k == "--image")
      image = v;
    else if (k == "--networks")
      networks_arg = v;
    else if (k == "-n")
      n = std::atoi(v.c_str());
    else if (k == "--warmup")
      warmup = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "start_latency: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::vector<std::string> networks;
  for (std::size_t at = 0; at <= networks_arg.size();) {
    auto comma = networks_arg.find(',', at);
    if (comma == std::string::npos) comma = networks_arg.size();
    networks.push_back(networks_arg.substr(at, comma - at));
    at = comma + 1;
  }
  auto command = [&](const std::string& network) {
    return std::vector<std::string>{asupctl,     "--run-root", run_root, "run", "--rm",
                                    "--network", network,      image,    "true"};
  };
  for (auto& network : networks)
    for (int i = 0; i < warmup; ++i) run(command(network));
  std::vector<std::vector<double>> samples(networks.size());
  for (int i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < networks.size(); ++k) {
      double t0 = now_ms();
      int code = run(command(networks[k]));
      double t1 = now_ms();
      if (code != 0) {
        std::fprintf(stderr, "start_latency: run %d (--network %s) exited %d\n", i,
                     networks[k].c_str(), code);
        return 1;
      }
      samples[k].push_back(t1 - t0);
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t k = 0; k < networks.size(); ++k) {
    auto& v = samples[k];
    out.push_back({{"workload", "run --rm --network " + networks[k] + " " + image + " true"},
                   {"network", networks[k]},
                   {"runs", n},
                   {"p50_ms", percentile(v, 0.5)},
                   {"p90_ms", percentile(v, 0.9)},
                   {"p99_ms", percentile(v, 0.99)},
                   {"min_ms", *std::min_element(v.begin(), v.end())},
                   {"samples_ms", v}});
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
