// volume.json: a volume's record on disk, read into typed values in this one place.
#pragma once

#include <string>
#include <string_view>

#include "asup/result.hpp"
#include "volume/volume.hpp"

namespace asup::volume {

std::string encode_volume(const Volume& v);
// `shown` names the file in errors. The mountpoint is not stored: the store sets it.
Result<Volume> decode_volume(std::string_view text, const std::string& shown);

}  // namespace asup::volume
