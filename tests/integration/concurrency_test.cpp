// Many containers at once: every launch succeeds with its own id, and other clients are
// answered while the launches are in flight.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "harness.hpp"

using namespace asup::it;

TEST_CASE("50 containers launched at once while ps stays responsive",
          "[integration][concurrency]") {
  Daemon d;
  constexpr int kCount = 50;
  std::vector<Process> launches;
  launches.reserve(kCount);
  for (int i = 0; i < kCount; ++i)
    launches.push_back(d.spawn({"run", "-d", "busybox", "sleep", "60"}));

  // Another client's ps, again and again while the launches go on: some must be answered
  // before the last launch returned (a ps that waited for them all would not be).
  double slowest_ps = 0;
  int answered_during_launches = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  do {
    auto r = d.run({"ps"}, "", 30);
    INFO(r);
    CHECK(r.code == 0);
    slowest_ps = std::max(slowest_ps, r.seconds);
    if (!all_exited(launches)) ++answered_during_launches;
  } while (!all_exited(launches) && std::chrono::steady_clock::now() < deadline);
  REQUIRE(all_exited(launches));
  INFO("slowest ps during the launches: " << slowest_ps << " s");
  CHECK(answered_during_launches >= 1);
  CHECK(slowest_ps < 5);

  auto launched = detached_ids(launches);
  std::set<std::string> ids(launched.begin(), launched.end());
  CHECK(ids.size() == kCount);

  auto ps = d.run({"ps", "-q"});
  INFO(ps);
  auto listed = lines(ps.out);
  std::set<std::string> listed_set(listed.begin(), listed.end());
  CHECK(listed.size() == kCount);
  for (auto& id : ids) CHECK(listed_set.count(id.substr(0, 12)) == 1);
  CHECK(ps.seconds < 2);

  auto json = d.run({"ps", "--format", "json"});
  int running = 0;
  for (auto& line : lines(json.out)) {
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_object() && row["State"] == "running") ++running;
  }
  CHECK(running == kCount);

  // Every one has its own cgroup.
  for (auto& id : ids) CHECK(is_directory(d.cgroup_dir("memory", id)));

  std::vector<std::string> rm{"rm", "-f"};
  rm.insert(rm.end(), ids.begin(), ids.end());
  auto r = d.run(rm, "", 120);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(lines(r.out).size() == kCount);
  CHECK(trim(d.run({"ps", "-aq"}).out) == "");
  CHECK(eventually(
      [&] {
        for (auto& id : ids)
          if (is_directory(d.cgroup_dir("memory", id)) || is_directory(d.container_dir(id)))
            return false;
        return true;
      },
      10));
}

TEST_CASE("many short attached runs in parallel all get their own output and code",
          "[integration][concurrency]") {
  Daemon d;
  constexpr int kCount = 30;
  std::vector<Process> runs;
  runs.reserve(kCount);
  for (int i = 0; i < kCount; ++i)
    runs.push_back(d.spawn({"run", "--rm", "busybox", "sh", "-c",
                            "echo n" + std::to_string(i) + "; exit " + std::to_string(i % 7)}));
  // Waits on the first run still going (pump blocks until it has news), the others are
  // only read: no fixed sleep anywhere.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    auto waiting = std::find_if(runs.begin(), runs.end(), [](Process& p) { return !p.exited(); });
    if (waiting != runs.end()) waiting->pump(100);
    done = all_exited(runs);
  }
  REQUIRE(done);
  for (int i = 0; i < kCount; ++i) {
    auto r = runs[i].result();
    INFO(r);
    CHECK(r.out == "n" + std::to_string(i) + "\n");
    CHECK(r.code == i % 7);
  }
  CHECK(eventually([&] { return trim(d.run({"ps", "-aq"}).out).empty(); }, 10));
}
