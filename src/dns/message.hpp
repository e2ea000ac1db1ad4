// The DNS wire format (RFC 1035) as far as the embedded resolver needs it: the header and
// the one question of a query, read from untrusted bytes, and the replies the resolver
// gives itself (A records, a PTR record, or only a response code). Queries it does not
// answer are relayed as bytes and never decoded further.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "asup/result.hpp"

namespace asup::dns {

// Docker's embedded server gives its answers this TTL (libnetwork's respTTL).
inline constexpr std::uint32_t kAnswerTtl = 600;
inline constexpr std::size_t kHeaderSize = 12;
// A UDP reply without EDNS must fit in 512 bytes (RFC 1035 4.2.1); a longer one is cut and
// flagged TC so the client asks again over TCP.
inline constexpr std::size_t kUdpReplyLimit = 512;
// The two-byte length prefix of DNS over TCP bounds every message.
inline constexpr std::size_t kTcpReplyLimit = 65535;

enum class Rcode : std::uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

namespace rr {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kPtr = 12;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kClassIn = 1;
}  // namespace rr

struct Header {
  std::uint16_t id = 0;
  bool response = false;  // QR
  std::uint8_t opcode = 0;
  bool recursion_desired = false;
  std::uint16_t questions = 0;
  std::uint16_t answers = 0;
  std::uint16_t authorities = 0;
  std::uint16_t additionals = 0;
};

struct Question {
  std::string name;     // lower case, labels joined by dots, no trailing dot; "" is the root
  std::string spelled;  // the same labels as the client wrote them (echoed back)
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
};

// Nothing for fewer bytes than a header.
std::optional<Header> read_header(std::span<const std::uint8_t> message);

// The first question, right after the header.
Result<Question> read_question(std::span<const std::uint8_t> message);

// The name at `offset`, which moves past it. Compression pointers are followed, each to an
// earlier offset than the last (so no loop), within the message and the 255-byte limit.
// Labels holding a dot or a NUL byte are refused: the dotted form could not tell them apart.
Result<std::string> read_name(std::span<const std::uint8_t> message, std::size_t& offset,
                              bool lower_case);

// The wire form of a dotted name (a trailing dot is allowed), uncompressed.
Result<std::vector<std::uint8_t>> encode_name(std::string_view dotted);

// What the resolver answers from its own knowledge.
struct Reply {
  Rcode rcode = Rcode::kNoError;
  std::vector<std::uint32_t> addresses;  // A records, host byte order
  std::string pointer;                   // the target of one PTR record, when not empty
  bool authoritative = true;
};

// The reply to `query` (its id, opcode and RD are echoed, RA is set) with `question` echoed
// when given. Records that would make the message longer than `limit` are left out and TC
// is set.
std::vector<std::uint8_t> encode_reply(const Header& query, const Question* question,
                                       const Reply& reply, std::size_t limit);

// A reply carrying only `rcode`, for a query whose question could not be read.
std::vector<std::uint8_t> encode_error(const Header& query, Rcode rcode);

// Writes `id` into a message's header in place (a relayed answer gets the client's id back).
void set_id(std::span<std::uint8_t> message, std::uint16_t id);

}  // namespace asup::dns
