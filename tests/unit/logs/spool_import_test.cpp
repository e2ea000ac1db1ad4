// Which part of asup-init's output spool joins a container's log.
#include <catch2/catch.hpp>

#include "logs/spool_import.hpp"

using namespace asup;
using namespace asup::logs;

namespace {

Spooled spooled(std::uint64_t dropped) {
  Spooled s;
  s.records = {
      {100, Stream::Stdout, "a\n"}, {200, Stream::Stderr, "b\n"}, {300, Stream::Stdout, "c\n"}};
  s.dropped = dropped;
  return s;
}

}  // namespace

TEST_CASE("the whole spool joins a log that has none of it", "[logs][spool]") {
  RingBuffer empty{1 << 20};
  auto plan = plan_import(spooled(0), empty);
  CHECK(plan.first == 0);
  CHECK(plan.gap == 0);

  RingBuffer before{1 << 20};
  before.append({50, Stream::Stdout, "earlier\n"});
  plan = plan_import(spooled(7), before);
  CHECK(plan.first == 0);
  CHECK(plan.gap == 7);
}

TEST_CASE("an import cut short goes on after the record the log ends with", "[logs][spool]") {
  RingBuffer ring{1 << 20};
  ring.append({50, Stream::Stdout, "earlier\n"});
  ring.append({100, Stream::Stdout, "a\n"});
  ring.append({200, Stream::Stderr, "b\n"});
  auto plan = plan_import(spooled(7), ring);
  CHECK(plan.first == 2);
  CHECK(plan.gap == 0);  // counted by the import that took the first records

  ring.append({300, Stream::Stdout, "c\n"});
  plan = plan_import(spooled(7), ring);
  CHECK(plan.first == 3);
  CHECK(plan.gap == 0);
}

TEST_CASE("a record is known by its time and its stream", "[logs][spool]") {
  RingBuffer ring{1 << 20};
  ring.append({200, Stream::Stdout, "b\n"});  // the time of the stderr record
  auto plan = plan_import(spooled(0), ring);
  CHECK(plan.first == 0);
}
