// `--mount`: a CSV record of key=value fields, as the Docker CLI reads it (opts/mount.go),
// then the daemon's checks (validate_mount).
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "core/units.hpp"
#include "volume/mount_spec.hpp"
#include "volume/paths.hpp"

namespace asup::volume {
namespace {

// One line of CSV as Go's encoding/csv reads it: fields split on ',', a field that starts
// with '"' runs to the closing quote ("" inside is one quote). A value such as
// "volume-opt=o=uid=0,gid=0" needs the quotes around the whole field.
Result<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::string> fields;
  size_t i = 0;
  auto error = [&](size_t at, const char* why) {
    return fail(EINVAL, "parse error on line 1, column " + std::to_string(at + 1) + ": " + why);
  };
  for (;;) {
    std::string field;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return error(i, "extraneous or missing \" in quoted-field");
        if (text[i] != '"') {
          field += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (i < text.size() && text[i] != ',')
        return error(i, "extraneous or missing \" in quoted-field");
    } else {
      for (; i < text.size() && text[i] != ','; ++i) {
        if (text[i] == '"') return error(i, "bare \" in non-quoted-field");
        field += text[i];
      }
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) break;
    ++i;  // the comma
  }
  return fields;
}

// Go's strconv.ParseBool.
std::optional<bool> parse_bool(std::string_view v) {
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return std::nullopt;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void set_on_map(std::map<std::string, std::string>& map, const std::string& value) {
  auto eq = value.find('=');
  std::string key = value.substr(0, eq);
  if (!key.empty()) map[key] = eq == std::string::npos ? "" : value.substr(eq + 1);
}

// What the fields said, before the checks that look at the whole.
struct Fields {
  MountSpec spec;
  std::string type = "volume";
  bool volume_opts = false, bind_opts = false, tmpfs_opts = false;
};

Status read_flag_field(Fields& f, const std::string& field) {
  auto eq = field.find('=');
  if (eq == std::string::npos) {
    if (field == "readonly" || field == "ro") {
      f.spec.read_only = true;
    } else if (field == "volume-nocopy") {
      f.spec.copy_data = false;
      f.volume_opts = true;
    } else if (field == "bind-nonrecursive") {
      return fail(EINVAL, "bind-nonrecursive is not supported");
    } else {
      return fail(EINVAL, "invalid field '" + field + "' must be a key=value pair");
    }
    return ok();
  }
  std::string key = field.substr(0, eq), val = field.substr(eq + 1);
  auto bad_value = [&] { return fail(EINVAL, "invalid value for " + key + ": " + val); };
  if (key == "type") {
    f.type = lower(val);
  } else if (key == "source" || key == "src") {
    f.spec.source = val;
    // A relative source "./x" or "." means the client's directory, as the CLI reads it.
    if (val == "." || val.rfind("./", 0) == 0) {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd)) f.spec.source = clean_path(std::string{cwd} + "/" + val);
    }
  } else if (key == "target" || key == "dst" || key == "destination") {
    f.spec.target = val;
  } else if (key == "readonly" || key == "ro") {
    auto b = parse_bool(val);
    if (!b) return bad_value();
    f.spec.read_only = *b;
  } else if (key == "consistency") {
    // Only meaningful on Docker Desktop's shared file systems; Linux ignores it too.
  } else if (key == "bind-propagation") {
    f.spec.propagation = lower(val);
    f.bind_opts = true;
  } else if (key == "bind-nonrecursive") {
    return fail(EINVAL, "bind-nonrecursive is not supported");
  } else if (key == "volume-nocopy") {
    auto b = parse_bool(val);
    if (!b) return fail(EINVAL, "invalid value for volume-nocopy: " + val);
    f.spec.copy_data = !*b;
    f.volume_opts = true;
  } else if (key == "volume-label") {
    set_on_map(f.spec.volume_labels, val);
    f.volume_opts = true;
  } else if (key == "volume-driver") {
    f.spec.volume_driver = val;
    f.volume_opts = true;
  } else if (key == "volume-opt") {
    set_on_map(f.spec.volume_options, val);
    f.volume_opts = true;
  } else if (key == "tmpfs-size") {
    auto size = parse_bytes(val);
    if (!size) return bad_value();
    f.spec.tmpfs_size = size.value();
    f.tmpfs_opts = true;
  } else if (key == "tmpfs-mode") {
    char* end = nullptr;
    errno = 0;
    unsigned long mode = std::strtoul(val.c_str(), &end, 8);
    if (val.empty() || *end != '\0' || errno != 0 || mode > 0xffffffffUL) return bad_value();
    f.spec.tmpfs_mode = static_cast<mode_t>(mode);
    f.tmpfs_opts = true;
  } else {
    return fail(EINVAL, "unexpected key '" + key + "' in '" + field + "'");
  }
  return ok();
}

}  // namespace

Result<MountSpec> parse_mount_flag(const std::string& text) {
  ASUP_TRY(auto fields, read_csv(text));
  Fields f;
  for (const auto& field : fields) {
    ASUP_TRY(read_flag_field(f, field));
  }
  if (f.type.empty()) return fail(EINVAL, "type is required");
  if (f.spec.target.empty()) return fail(EINVAL, "target is required");
  if (f.volume_opts && f.type != "volume")
    return fail(EINVAL, "cannot mix 'volume-*' options with mount type '" + f.type + "'");
  if (f.bind_opts && f.type != "bind")
    return fail(EINVAL, "cannot mix 'bind-*' options with mount type '" + f.type + "'");
  if (f.tmpfs_opts && f.type != "tmpfs")
    return fail(EINVAL, "cannot mix 'tmpfs-*' options with mount type '" + f.type + "'");
  if (f.type == "bind") {
    f.spec.type = MountType::bind;
  } else if (f.type == "volume") {
    f.spec.type = MountType::volume;
  } else if (f.type == "tmpfs") {
    f.spec.type = MountType::tmpfs;
  } else {
    return fail(EINVAL, "invalid mount config for type \"" + f.type + "\": mount type unknown");
  }
  if (!f.spec.volume_driver.empty() && f.spec.volume_driver != "local")
    return fail(ENOENT, "error looking up volume plugin " + f.spec.volume_driver + ": plugin \"" +
                            f.spec.volume_driver + "\" not found");
  ASUP_TRY(validate_mount(f.spec, true));
  f.spec.target = clean_path(f.spec.target);
  if (f.spec.type == MountType::bind) {
    f.spec.source = clean_path(f.spec.source);
    if (f.spec.propagation.empty()) f.spec.propagation = "rprivate";
  }
  return f.spec;
}

}  // namespace asup::volume
