// RUN_ROOT/clients, where each client makes its private dir holding its two FIFOs.
//
// asupd opens what a hello names as root, so the directory is opened once and everything
// in it is reached relative to that fd, one name at a time, with O_NOFOLLOW: a symlink
// planted there is never followed, and what is opened must be owned by asupd's own uid.
// Dirs are removed as soon as their FIFOs are open, or when their client is found gone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "asup/result.hpp"
#include "asup/unique_fd.hpp"
#include "control/hello.hpp"

namespace asup::control {

// "c.PID.XXXXXX", the name Client::connect gives its dir: the pid lets the daemon tell a
// dir whose client died before saying hello. 0 when `name` is not of that form.
pid_t client_dir_pid(std::string_view name);

class ClientsDir {
 public:
  struct Fifos {
    UniqueFd requests;  // read end, non-blocking
    UniqueFd replies;   // write end, non-blocking
    // Where the request FIFO was, as the kernel names it (symlinks above the clients dir
    // resolved): what /proc/PID/fd of its client shows.
    std::string requests_path;
  };

  // Opens `path` (creating it 0700 when missing). Refuses a symlink and a directory owned
  // by another uid; a directory others may write to is made 0700.
  static Result<ClientsDir> open(const std::string& path);

  const std::string& path() const { return path_; }
  // Opens the FIFOs `hello` names, then removes them and their dir: a client killed at any
  // later point leaves nothing behind. The dir goes also when the FIFOs cannot be opened
  // (ENXIO on the reply FIFO: its client is already gone) or are not what a client makes.
  Result<Fifos> take(const Hello& hello);
  // Removes every entry: at start-up no client of this daemon exists yet, and one that
  // spoke to an earlier daemon lost its hello with it.
  void remove_all();
  // Removes the dirs whose client is gone: a "c.PID.*" dir whose process no longer runs,
  // and anything older than `max_age` (a client gives up waiting for the daemon before).
  // Returns how many entries went.
  std::size_t sweep(std::chrono::seconds max_age);

 private:
  ClientsDir(UniqueFd fd, std::string path, std::string real_path, uid_t owner)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        real_path_(std::move(real_path)),
        owner_(owner) {}
  // `dir` receives the client dir's fd once it is opened.
  Result<Fifos> open_fifos(const Hello& hello, UniqueFd& dir);
  Result<UniqueFd> open_fifo(int dirfd, const std::string& name, int mode,
                             const std::string& shown);
  void remove(const std::string& name);
  std::string shown(const std::string& name) const { return path_ + "/" + name; }

  UniqueFd fd_;
  std::string path_;
  std::string real_path_;
  uid_t owner_;
};

}  // namespace asup::control
