// Which part of asup-init's output spool joins a container's log.
#include <catch2/catch.hpp>

#include "engine/spool_import.hpp"

using namespace asup;
using namespace asup::engine;
namespace spool = asup::launch::spool;

namespace {

spool::Contents spooled(std::uint64_t dropped) {
  spool::Contents c;
  c.records = {
      {100, spool::kStdout, "a\n"}, {200, spool::kStderr, "b\n"}, {300, spool::kStdout, "c\n"}};
  c.dropped = dropped;
  return c;
}

}  // namespace

TEST_CASE("the whole spool joins a log that has none of it", "[engine][spool]") {
  logs::RingBuffer empty{1 << 20};
  auto plan = plan_import(spooled(0), empty);
  CHECK(plan.first == 0);
  CHECK(plan.gap == 0);

  logs::RingBuffer before{1 << 20};
  before.append({50, logs::Stream::Stdout, "earlier\n"});
  plan = plan_import(spooled(7), before);
  CHECK(plan.first == 0);
  CHECK(plan.gap == 7);
}

TEST_CASE("an import cut short goes on after the record the log ends with", "[engine][spool]") {
  logs::RingBuffer ring{1 << 20};
  ring.append({50, logs::Stream::Stdout, "earlier\n"});
  ring.append({100, logs::Stream::Stdout, "a\n"});
  ring.append({200, logs::Stream::Stderr, "b\n"});
  auto plan = plan_import(spooled(7), ring);
  CHECK(plan.first == 2);
  CHECK(plan.gap == 0);  // counted by the import that took the first records

  ring.append({300, logs::Stream::Stdout, "c\n"});
  plan = plan_import(spooled(7), ring);
  CHECK(plan.first == 3);
  CHECK(plan.gap == 0);
}

TEST_CASE("a record is known by its time and its stream", "[engine][spool]") {
  logs::RingBuffer ring{1 << 20};
  ring.append({200, logs::Stream::Stdout, "b\n"});  // the time of the stderr record
  auto plan = plan_import(spooled(0), ring);
  CHECK(plan.first == 0);
}
