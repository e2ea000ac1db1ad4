// Hostile layers served by a registry: every escape is refused, the pull fails naming the
// entry, and nothing lands outside the layer or stays in the store.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "http_fixtures.hpp"
#include "pull_support.hpp"

namespace asup::it {

TEST_CASE("hostile layers fail the pull, name the entry and write nothing outside",
          "[pull][security]") {
  TempDir outside("asup-it-outside");
  std::string victim = outside / "victim";
  struct Case {
    const char* what;
    std::string tar;
    const char* entry;
  };
  std::vector<Case> cases{
      {"dot-dot", TarBuilder().file("../../../../../../" + victim.substr(1), "pwned").bytes(),
       "../"},
      {"absolute", TarBuilder().file(victim, "pwned").bytes(), victim.c_str() + 1},
      {"write through own symlink",
       TarBuilder().symlink("link", outside.path()).file("link/victim", "pwned").bytes(),
       "link/victim"},
      {"hard link outside", TarBuilder().hardlink("stolen", victim).bytes(), "stolen"},
      {"hard link climbing", TarBuilder().hardlink("stolen", "../../../../etc/passwd").bytes(),
       "stolen"},
  };
  Registry reg;
  Daemon d;
  std::size_t layers_before = layer_count(d);
  int n = 0;
  for (auto& c : cases) {
    INFO(c.what);
    std::string repo = "evil/" + std::to_string(n++) + ":1";
    push_layers(reg, repo, {c.tar});
    auto r = d.try_run({"pull", reg.host() + "/" + repo});
    CHECK(r.code == 1);
    CHECK(contains(r.err, c.entry));
    CHECK(read_text(victim).empty());
    CHECK_FALSE(contains(d.run({"images"}).out, "evil/"));
  }
  // The busybox base layer of the pushes may stay (it is sound and complete only when some
  // image uses it); nothing else may.
  CHECK(layer_count(d) == layers_before);
  CHECK(eventually([&] { return staging_leftovers(d).empty(); }, 10));
}

}  // namespace asup::it
