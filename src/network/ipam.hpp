// IPv4 address management for one network: never the network, gateway or broadcast
// address, never one address to two live containers, persisted (every change is written
// atomically before it is reported) so a restarted asupd hands out nothing twice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "asup/result.hpp"

namespace asup::network {

struct Subnet {
  std::uint32_t network = 0;  // host byte order
  int prefix = 0;

  // "10.88.0.0/16"; host bits set ("10.88.0.1/16") are an error, as in Docker.
  static Result<Subnet> parse(const std::string& cidr);
  std::uint32_t mask() const { return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix); }
  std::uint32_t broadcast() const { return network | ~mask(); }
  bool contains(std::uint32_t addr) const { return (addr & mask()) == network; }
  bool overlaps(const Subnet& other) const;
  std::string to_string() const;
};

Result<std::uint32_t> parse_ipv4(const std::string& text);
std::string format_ipv4(std::uint32_t addr);

// Allocations live in memory and in the state of the containers that hold them: saving
// the whole table on every start and exit would put an ever larger file write on every
// launch. save() records the table and the cursor (at network creation and asupd's
// shutdown); after a crash asupd rebuilds the table from its running containers (hold()).
class Ipam {
 public:
  // The allocator stored at `path`, created for `subnet` and `gateway` when missing. An
  // existing file must describe the same subnet and gateway.
  static Result<Ipam> open(const std::string& path, const Subnet& subnet, std::uint32_t gateway);

  // The next free address after the last one handed out (so a released address is not
  // reused at once, as Docker does), for `owner` (a container id).
  Result<std::uint32_t> allocate(const std::string& owner);
  // `--ip`: exactly this address.
  Result<std::uint32_t> allocate(const std::string& owner, std::uint32_t requested);
  // Releases every address `owner` holds; no error when it holds none.
  void release(const std::string& owner);
  // Marks `addr` as held by `owner` (a running container found at start), whatever the
  // saved table says; no error when it is already.
  Status hold(const std::string& owner, std::uint32_t addr);
  Status save() const;

  const Subnet& subnet() const { return subnet_; }
  std::uint32_t gateway() const { return gateway_; }
  const std::map<std::uint32_t, std::string>& allocated() const { return allocated_; }

 private:
  Ipam(std::string path, Subnet subnet, std::uint32_t gateway)
      : path_(std::move(path)), subnet_(subnet), gateway_(gateway) {}
  bool usable(std::uint32_t addr) const;

  std::string path_;
  Subnet subnet_;
  std::uint32_t gateway_;
  std::uint32_t last_ = 0;
  std::map<std::uint32_t, std::string> allocated_;  // address -> owner
};

}  // namespace asup::network
