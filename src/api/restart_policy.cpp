#include "api/restart_policy.hpp"

#include <charconv>

namespace asup::api {

std::string RestartPolicy::name() const {
  switch (mode) {
    case Mode::No:
      return "no";
    case Mode::OnFailure:
      return "on-failure";
    case Mode::Always:
      return "always";
    case Mode::UnlessStopped:
      return "unless-stopped";
  }
  return "no";
}

std::string RestartPolicy::text() const {
  if (mode == Mode::OnFailure && max_retries > 0) return name() + ":" + std::to_string(max_retries);
  return name();
}

Result<RestartPolicy> parse_restart_policy(std::string_view text) {
  RestartPolicy p;
  if (text.empty()) return p;
  auto colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  bool has_count = colon != std::string_view::npos;
  long long count = 0;
  if (has_count && name.empty())
    return fail(EINVAL, "invalid restart policy format: no policy provided before colon");
  if (has_count) {
    std::string_view digits = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        count > 1'000'000'000 || count < -1'000'000'000)
      return fail(EINVAL, "invalid restart policy format: maximum retry count must be an integer");
  }
  if (name == "no")
    p.mode = RestartPolicy::Mode::No;
  else if (name == "on-failure")
    p.mode = RestartPolicy::Mode::OnFailure;
  else if (name == "always")
    p.mode = RestartPolicy::Mode::Always;
  else if (name == "unless-stopped")
    p.mode = RestartPolicy::Mode::UnlessStopped;
  else
    return fail(EINVAL, "invalid restart policy: unknown policy '" + std::string(name) +
                            "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
  if (p.mode != RestartPolicy::Mode::OnFailure && count != 0)
    return fail(EINVAL,
                std::string("invalid restart policy: maximum retry count can only be used with "
                            "'on-failure'") +
                    (count < 0 ? " and cannot be negative" : ""));
  if (count < 0)
    return fail(EINVAL, "invalid restart policy: maximum retry count cannot be negative");
  p.max_retries = static_cast<int>(count);
  return p;
}

}  // namespace asup::api
