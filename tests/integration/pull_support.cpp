#include "pull_support.hpp"

#include <dirent.h>

#include <catch2/catch.hpp>

namespace asup::it {
namespace {

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::string busybox_layer_tar() {
  std::string busybox = read_text("/bin/busybox");
  REQUIRE(!busybox.empty());
  TarBuilder tar;
  tar.directory("bin").file("bin/busybox", busybox, {.mode = 0755});
  for (const char* applet : {"sh", "ls", "cat", "test", "echo", "wc", "stat"})
    tar.symlink(std::string("bin/") + applet, "busybox");
  return tar.directory("tmp", {.mode = 01777}).bytes();
}

void start_busybox_image(OciLayoutBuilder& builder, Compression compression) {
  builder.add_layer(busybox_layer_tar(), compression);
  builder.config()["config"]["Env"] = {"PATH=/bin"};
  builder.config()["config"]["Cmd"] = {"/bin/sh"};
}

std::vector<Layer> push_layers(Registry& registry, const std::string& repo_and_tag,
                               const std::vector<std::string>& tars, Compression compression) {
  TempDir tmp("asup-it-layout");
  OciLayoutBuilder builder(tmp / "layout");
  std::vector<Layer> layers;
  layers.push_back(builder.add_layer(busybox_layer_tar(), compression));
  builder.config()["config"]["Env"] = {"PATH=/bin"};
  builder.config()["config"]["Cmd"] = {"/bin/sh"};
  for (const auto& tar : tars) layers.push_back(builder.add_layer(tar, compression));
  builder.write_image("t");
  registry.push(builder.dir(), "t", repo_and_tag);
  return layers;
}

std::string digits(std::size_t bytes, unsigned step) {
  std::string out;
  for (unsigned i = 0; out.size() < bytes; ++i) out += std::to_string(i * step);
  return out;
}

std::vector<std::string> staging_leftovers(const Daemon& daemon) {
  std::vector<std::string> out;
  for (auto& name : entries(daemon.root() + "/image/tmp"))
    if (name.rfind("trash-", 0) != 0) out.push_back(name);  // deletions in progress
  return out;
}

std::size_t layer_count(const Daemon& daemon) {
  return entries(daemon.root() + "/image/layers").size();
}

}  // namespace asup::it
