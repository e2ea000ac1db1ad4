// libnftables, the library behind the nft command: scripts are applied as one netlink
// transaction without forking nft, and the kernel's complaint comes back as text.
//
// Not thread-safe: a context holds the parser state, a cache of the ruleset and the output
// buffers. Use one Nftables per thread, or guard one with a mutex.
#pragma once

#include <memory>
#include <string>

#include "asup/result.hpp"

struct nft_ctx;

namespace asup::network {

class Nftables {
 public:
  static Result<Nftables> open();

  // Applies `script` (nft -f syntax) as one transaction: all of it or none. The error message
  // is nft's first complaint and the script line it points at.
  Status run(const std::string& script);
  // Checks `script` against the live ruleset without committing it (nft -c).
  Status check(const std::string& script);
  // What `nft list OBJECT` prints, e.g. list("table ip asup_bridge"). OBJECT is nft syntax
  // run as it is: never pass it text from a client.
  Result<std::string> list(const std::string& object);

 private:
  struct ContextDeleter {
    void operator()(nft_ctx* ctx) const;
  };
  explicit Nftables(nft_ctx* ctx) : ctx_(ctx) {}
  Result<std::string> execute(const std::string& script, bool dry_run, bool name_line);

  std::unique_ptr<nft_ctx, ContextDeleter> ctx_;
};

}  // namespace asup::network
