// Images for the pull tests: a busybox base layer and small layers on top, pushed into a
// real registry through the fixtures of http_fixtures.hpp.
#pragma once

#include <string>
#include <vector>

#include "harness.hpp"
#include "http_fixtures.hpp"

namespace asup::it {

// bin/busybox (the host's static busybox) with sh, ls, cat and test linked to it.
std::string busybox_layer_tar();
// A layout builder's next image starts with the busybox layer; PATH and Cmd are set.
void start_busybox_image(OciLayoutBuilder& builder, Compression compression = Compression::gzip);
// Pushes `layers` (tars, bottom first) over a busybox base as REPO:TAG; returns the layers
// as pushed (the base first).
std::vector<Layer> push_layers(Registry& registry, const std::string& repo_and_tag,
                               const std::vector<std::string>& tars,
                               Compression compression = Compression::gzip);
// At least `bytes` of digits that compress poorly (a run of multiples of `step`).
std::string digits(std::size_t bytes, unsigned step);
// Entries directly below ROOT/image/tmp (staging): empty when nothing was left behind.
std::vector<std::string> staging_leftovers(const Daemon& daemon);
// Unpacked layer directories in the store.
std::size_t layer_count(const Daemon& daemon);

}  // namespace asup::it
