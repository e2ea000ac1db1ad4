// Pipe sizing, shared by asupd's output capture and reply FIFOs and by asupctl.
#pragma once

namespace asup {

// Grows a pipe or FIFO to fs.pipe-max-size, so a fast writer and reader meet in fewer,
// larger system calls. Best effort: a pipe that cannot grow keeps its size.
void grow_pipe(int fd);

}  // namespace asup
