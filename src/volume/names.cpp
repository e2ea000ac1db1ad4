#include "volume/names.hpp"

#include <sys/random.h>

#include <cctype>

namespace asup::volume {
namespace {

bool name_char(char c, bool first) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return !first && (c == '_' || c == '.' || c == '-');
}

}  // namespace

Status validate_name(const std::string& name) {
  if (name.size() == 1)
    return fail(EINVAL,
                "volume name is too short, names should be at least two alphanumeric characters");
  bool valid = name.size() >= 2;
  for (size_t i = 0; valid && i < name.size(); ++i) valid = name_char(name[i], i == 0);
  if (valid) return ok();
  return fail(EINVAL, "\"" + name +
                          "\" includes invalid characters for a local volume name, only "
                          "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                          "host directory, use absolute path");
}

Result<std::string> generate_anonymous_name() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
    return fail_errno("getrandom for a volume name");
  static const char* kHex = "0123456789abcdef";
  std::string name;
  for (unsigned char b : bytes) {
    name += kHex[b >> 4];
    name += kHex[b & 15];
  }
  return name;
}

}  // namespace asup::volume
