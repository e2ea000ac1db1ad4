#include "volume/store.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "temp_dir.hpp"

using namespace asup;
using namespace asup::volume;
using asup::volume::test::TempDir;

namespace {

std::unique_ptr<Store> open_store(const TempDir& dir) {
  auto store = Store::open(dir.path());
  REQUIRE(store);
  return std::move(store).value();
}

std::vector<std::string> names_of(const std::vector<Volume>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.name);
  return out;
}

}  // namespace

TEST_CASE("create makes ROOT/volumes/NAME/_data and the record, which get and list see",
          "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  auto v = store->create("data", {{"team", "core"}}, {});
  REQUIRE(v);
  CHECK(v.value().mountpoint == dir / "volumes/data/_data");
  CHECK(fs::is_directory(dir / "volumes/data/_data"));
  CHECK(fs::exists(dir / "volumes/data/volume.json"));
  CHECK(v.value().driver == "local");
  CHECK(v.value().created > 0);
  CHECK_FALSE(v.value().anonymous);
  CHECK(created_at(v.value()).size() == 20);
  auto got = store->get("data");
  REQUIRE(got);
  CHECK(got.value() == v.value());
  CHECK(names_of(store->list()) == std::vector<std::string>{"data"});
}

TEST_CASE("creating an existing name returns it unchanged", "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  auto first = store->create("data", {{"a", "1"}}, {});
  REQUIRE(first);
  auto again = store->create("data", {{"b", "2"}}, {});
  REQUIRE(again);
  CHECK(again.value() == first.value());
}

TEST_CASE("an empty name makes an anonymous volume", "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  auto v = store->create("", {}, {});
  REQUIRE(v);
  CHECK(v.value().name.size() == 64);
  CHECK(v.value().name.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(v.value().anonymous);
  CHECK(v.value().labels.count(kAnonymousLabel) == 1);
}

TEST_CASE("names and options are checked with Docker's texts", "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  auto error_of = [&](const std::string& name, const Options& options) {
    auto v = store->create(name, {}, options);
    REQUIRE_FALSE(v);
    return v.error().message;
  };
  CHECK(error_of("a", {}) ==
        "create a: volume name is too short, names should be at least two alphanumeric "
        "characters");
  CHECK(error_of("../x", {}) ==
        "create ../x: \"../x\" includes invalid characters for a local volume name, only "
        "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
        "use absolute path");
  CHECK(error_of("ok", {{"device", "tmpfs"}}) == "create ok: missing required option: \"type\"");
  CHECK(error_of("ok", {{"type", "tmpfs"}}) == "create ok: missing required option: \"device\"");
  CHECK(error_of("ok", {{"color", "red"}}) == "create ok: invalid option: \"color\"");
  CHECK(error_of("ok", {{"size", "1g"}}) == "create ok: quota size requested but no quota support");
  CHECK(store->list().empty());
  CHECK(store->create("ok.v-1_2", {}, {{"type", "tmpfs"}, {"device", "tmpfs"}}));
}

TEST_CASE("volumes survive reopening the store", "[volume]") {
  TempDir dir;
  Volume made;
  {
    auto store = open_store(dir);
    auto v = store->create("keep", {{"x", "y"}}, {{"type", "tmpfs"}, {"device", "tmpfs"}});
    REQUIRE(v);
    made = v.value();
    REQUIRE(store->create("", {}, {}));
  }
  auto store = open_store(dir);
  auto v = store->get("keep");
  REQUIRE(v);
  CHECK(v.value() == made);
  auto vs = store->list();
  REQUIRE(vs.size() == 2);
  CHECK((vs[0].anonymous || vs[1].anonymous));
}

TEST_CASE("a second store on the same root is refused", "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  auto other = Store::open(dir.path());
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("another asupd") != std::string::npos);
}

TEST_CASE("a volume in use is refused removal, forced or not, and removed once released",
          "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->create("data", {}, {}));
  REQUIRE(fs::write_file(dir / "volumes/data/_data/f", "hello"));
  REQUIRE(store->acquire("data", "c1"));
  REQUIRE(store->acquire("data", "c2"));
  auto refused = store->remove("data", true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "remove data: volume is in use - [c1 c2]");
  store->release("data", "c1");
  store->release_all("c2");
  CHECK(store->users("data").empty());
  REQUIRE(store->remove("data", false));
  CHECK_FALSE(fs::exists(dir / "volumes/data"));
  CHECK_FALSE(store->get("data"));
  auto missing = store->remove("data", false);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "get data: no such volume");
  CHECK(store->remove("data", true));
  CHECK_FALSE(store->acquire("data", "c1"));
}

TEST_CASE("list filters see usage (dangling)", "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->create("used", {}, {}));
  REQUIRE(store->create("free", {}, {}));
  REQUIRE(store->acquire("used", "c1"));
  auto dangling = parse_filters({"dangling=true"}, FilterScope::list);
  REQUIRE(dangling);
  CHECK(names_of(store->list(dangling.value())) == std::vector<std::string>{"free"});
}

TEST_CASE("prune removes unused anonymous volumes and counts their bytes", "[volume]") {
  TempDir dir;
  auto store = open_store(dir);
  auto anon = store->create("", {}, {});
  auto anon_used = store->create("", {}, {});
  REQUIRE(anon);
  REQUIRE(anon_used);
  REQUIRE(store->create("named", {}, {}));
  REQUIRE(fs::write_file(anon.value().mountpoint + "/f", std::string(1000, 'x')));
  REQUIRE(store->acquire(anon_used.value().name, "c1"));

  auto def = parse_filters({}, FilterScope::prune);
  REQUIRE(def);
  auto pruned = store->prune(def.value());
  REQUIRE(pruned);
  CHECK(pruned.value().removed == std::vector<std::string>{anon.value().name});
  CHECK(pruned.value().reclaimed == 1000);
  CHECK_FALSE(fs::exists(dir / ("volumes/" + anon.value().name)));

  auto all = parse_filters({"all=1"}, FilterScope::prune);
  REQUIRE(all);
  pruned = store->prune(all.value());
  REQUIRE(pruned);
  CHECK(pruned.value().removed == std::vector<std::string>{"named"});
  CHECK(names_of(store->list()) == std::vector<std::string>{anon_used.value().name});
}

TEST_CASE("a directory without a record is not a volume", "[volume]") {
  TempDir dir;
  REQUIRE(fs::make_dirs(dir / "volumes/halfmade/_data"));
  auto store = open_store(dir);
  CHECK(store->list().empty());
  // Creating it again finishes the job.
  CHECK(store->create("halfmade", {}, {}));
  CHECK(store->get("halfmade"));
}
