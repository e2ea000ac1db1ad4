// Filling a new volume from the image, as Docker does the first time a named or anonymous
// volume is mounted over a path the image has content at: only into an EMPTY volume, and
// only when the mount asks for it (MountSpec::copy_data). Regular files (holes are not
// kept), directories, symlinks, hard links, fifos and device nodes are copied with their
// owner, mode and times; sockets are skipped, and so are xattrs. The volume's root takes the
// owner and mode of the image's directory. Blocking: asupd runs it on its worker pool.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::volume {

// Copies the tree at `image_dir` (a directory of a mounted root, say the container's
// merged overlay) into `volume_data`. Nothing happens when `volume_data` is not empty or
// `image_dir` is missing or not a directory.
Status populate_from(const std::string& image_dir, const std::string& volume_data);

// The same without a mounted view: `lower_dirs` are the image's unpacked layers, top-most
// first (the overlay lowerdir order of image::Store::layer_dirs), merged as overlayfs
// merges them: a character device 0/0 is a whiteout that hides the name below, a
// directory with the trusted.overlay.opaque (or user.overlay.opaque) xattr "y" hides the
// directories below it. `path` is the absolute path in the image (the mount's target);
// symlinks on the way are followed inside the image, never out of it.
Status populate_from_layers(const std::vector<std::string>& lower_dirs, const std::string& path,
                            const std::string& volume_data);

}  // namespace asup::volume
