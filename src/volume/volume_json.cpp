#include "volume/volume_json.hpp"

#include <time.h>

#include <nlohmann/json.hpp>

namespace asup::volume {

std::string created_at(const Volume& v) {
  time_t t = static_cast<time_t>(v.created);
  struct tm tm;
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string encode_volume(const Volume& v) {
  nlohmann::json j = {{"Name", v.name},       {"Driver", v.driver},   {"Labels", v.labels},
                      {"Options", v.options}, {"Created", v.created}, {"Anonymous", v.anonymous}};
  return j.dump(2) + "\n";
}

Result<Volume> decode_volume(std::string_view text, const std::string& shown) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(EINVAL, "parse " + shown + ": not JSON");
  Volume v;
  try {
    v.name = j.at("Name").get<std::string>();
    v.driver = j.value("Driver", std::string{kLocalDriver});
    v.labels = j.value("Labels", std::map<std::string, std::string>{});
    v.options = j.value("Options", std::map<std::string, std::string>{});
    v.created = j.value("Created", std::int64_t{0});
    v.anonymous = j.value("Anonymous", false);
  } catch (const nlohmann::json::exception& e) {
    return fail(EINVAL, "parse " + shown + ": " + e.what());
  }
  return v;
}

}  // namespace asup::volume
