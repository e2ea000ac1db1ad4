#include "launch/output_spool.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/fs.hpp"

namespace asup::launch::spool {
namespace {

Result<std::string> read_if_present(const std::string& path) {
  auto data = fs::read_file(path);
  if (!data && data.error().code == ENOENT) return std::string{};
  return data;
}

}  // namespace

Result<Contents> read(const std::string& dir) {
  Contents out;
  for (const char* name : {kOlderFile, kFile}) {
    ASUP_TRY(auto data, read_if_present(fs::join(dir, name)));
    parse(data, [&](const Header& h, std::string_view bytes) {
      out.records.push_back(Record{h.time_ns, h.stream, std::string(bytes)});
    });
  }
  ASUP_TRY(auto dropped, read_if_present(fs::join(dir, kDroppedFile)));
  out.dropped = std::strtoull(dropped.c_str(), nullptr, 10);
  return out;
}

void remove(const std::string& dir) {
  for (const char* name : {kDroppedFile, kOlderFile, kFile}) ::unlink(fs::join(dir, name).c_str());
}

}  // namespace asup::launch::spool
