#include "volume/filters.hpp"

#include <catch2/catch.hpp>

using namespace asup::volume;

namespace {

Volume vol(std::string name, std::map<std::string, std::string> labels = {},
           bool anonymous = false) {
  Volume v;
  v.name = std::move(name);
  v.labels = std::move(labels);
  v.anonymous = anonymous;
  return v;
}

Filters parsed(std::vector<std::string> flags, FilterScope scope = FilterScope::list) {
  auto f = parse_filters(flags, scope);
  REQUIRE(f);
  return f.value();
}

std::string error_of(std::vector<std::string> flags, FilterScope scope = FilterScope::list) {
  auto f = parse_filters(flags, scope);
  REQUIRE_FALSE(f);
  return f.error().message;
}

}  // namespace

TEST_CASE("name filters search, and several names are alternatives", "[volume]") {
  auto f = parsed({"name=^data", "name=cache"});
  CHECK(matches(f, vol("data1"), false));
  CHECK(matches(f, vol("mycache2"), false));
  CHECK_FALSE(matches(f, vol("olddata"), false));
}

TEST_CASE("label filters: each must hold, with or without a value", "[volume]") {
  auto f = parsed({"label=team", "label=env=prod"});
  CHECK(matches(f, vol("a1", {{"team", "x"}, {"env", "prod"}}), false));
  CHECK_FALSE(matches(f, vol("a2", {{"team", "x"}, {"env", "dev"}}), false));
  CHECK_FALSE(matches(f, vol("a3", {{"env", "prod"}}), false));
}

TEST_CASE("dangling and driver filters", "[volume]") {
  auto dangling = parsed({"dangling=true"});
  CHECK(matches(dangling, vol("v1"), false));
  CHECK_FALSE(matches(dangling, vol("v1"), true));
  auto used = parsed({"dangling=0"});
  CHECK(matches(used, vol("v1"), true));
  CHECK(matches(parsed({"driver=local"}), vol("v1"), false));
  CHECK_FALSE(matches(parsed({"driver=nfs"}), vol("v1"), false));
}

TEST_CASE("prune removes only anonymous volumes unless all=true", "[volume]") {
  auto def = parsed({}, FilterScope::prune);
  CHECK(matches(def, vol("anon", {{kAnonymousLabel, ""}}, true), false));
  CHECK_FALSE(matches(def, vol("named"), false));
  auto all = parsed({"all=true", "label!=keep"}, FilterScope::prune);
  CHECK(matches(all, vol("named"), false));
  CHECK_FALSE(matches(all, vol("kept", {{"keep", "1"}}), false));
}

TEST_CASE("filter errors are Docker's", "[volume]") {
  CHECK(error_of({"dangling"}) == "bad format of filter (expected name=value)");
  CHECK(error_of({"x=1"}) == "invalid filter 'x'");
  CHECK(error_of({"all=true"}) == "invalid filter 'all'");
  CHECK(error_of({"name=a"}, FilterScope::prune) == "invalid filter 'name'");
  CHECK(error_of({"dangling=maybe"}) == "invalid filter 'dangling=maybe'");
  CHECK(error_of({"all=yes"}, FilterScope::prune) ==
        "invalid filter 'all': strconv.ParseBool: parsing \"yes\": invalid syntax");
}
