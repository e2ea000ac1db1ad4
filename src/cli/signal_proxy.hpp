// The signals a user sends to an attached asupctl (run, attach) go on to the container,
// like Docker's --sig-proxy: each becomes a kill request for it.
#pragma once

#include <string>

namespace asup::cli {

// From now on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are sent to container
// `id` through the request FIFO `request_fd`.
void forward_signals(const std::string& id, int request_fd);

}  // namespace asup::cli
