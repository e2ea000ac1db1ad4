// A directory under /tmp for one test, removed with everything in it at the end.
#pragma once

#include <stdlib.h>

#include <string>

#include "core/fs.hpp"

namespace asup::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/asup-logs-test.XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)fs::remove_tree(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& rel) const { return fs::join(path_, rel); }

 private:
  std::string path_;
};

}  // namespace asup::testing
