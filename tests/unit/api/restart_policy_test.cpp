#include <catch2/catch.hpp>

#include "api/restart_policy.hpp"

using asup::api::parse_restart_policy;
using Mode = asup::api::RestartPolicy::Mode;

TEST_CASE("restart policies parse as Docker spells them", "[api]") {
  CHECK(parse_restart_policy("").value().mode == Mode::No);
  CHECK(parse_restart_policy("no").value().mode == Mode::No);
  CHECK(parse_restart_policy("always").value().mode == Mode::Always);
  CHECK(parse_restart_policy("unless-stopped").value().mode == Mode::UnlessStopped);
  auto p = parse_restart_policy("on-failure:3").value();
  CHECK(p.mode == Mode::OnFailure);
  CHECK(p.max_retries == 3);
  CHECK(p.text() == "on-failure:3");
  CHECK(parse_restart_policy("on-failure").value().max_retries == 0);
  CHECK(parse_restart_policy("on-failure:0").value().text() == "on-failure");
}

TEST_CASE("bad restart policies get Docker's errors", "[api]") {
  auto error = [](const char* text) { return parse_restart_policy(text).error().message; };
  CHECK(error("sometimes") ==
        "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
        "'on-failure', or 'unless-stopped'");
  CHECK(error("always:3") ==
        "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  CHECK(error("no:-1") ==
        "invalid restart policy: maximum retry count can only be used with 'on-failure' and "
        "cannot be negative");
  CHECK(error("on-failure:-1") == "invalid restart policy: maximum retry count cannot be negative");
  CHECK(error("on-failure:x") ==
        "invalid restart policy format: maximum retry count must be an integer");
  CHECK(error("on-failure:") ==
        "invalid restart policy format: maximum retry count must be an integer");
  CHECK(error(":3") == "invalid restart policy format: no policy provided before colon");
}
