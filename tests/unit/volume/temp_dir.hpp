// A directory under /tmp for one test, removed with everything in it at the end.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <string>

#include "core/fs.hpp"

namespace asup::volume::test {

class TempDir {
 public:
  TempDir() {
    std::string templ = "/tmp/asup-volume-test-XXXXXX";
    if (!::mkdtemp(templ.data())) FAIL("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() { (void)fs::remove_tree(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return fs::join(path_, rel); }

 private:
  std::string path_;
};

}  // namespace asup::volume::test
