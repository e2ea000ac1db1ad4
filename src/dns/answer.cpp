#include "dns/answer.hpp"

#include <charconv>

namespace asup::dns {

std::optional<std::uint32_t> parse_reverse_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".in-addr.arpa";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  std::uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = name.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
    auto part = name.substr(0, dot);
    unsigned value = 256;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || end != part.data() + part.size() ||
        value > 255)
      return std::nullopt;
    // The labels run from the last octet to the first.
    address |= value << (8 * i);
    name = i < 3 ? name.substr(dot + 1) : std::string_view{};
  }
  return address;
}

std::optional<Reply> answer_locally(const Question& question, const Lookup& lookup,
                                    const ReverseLookup& reverse) {
  if (question.klass != rr::kClassIn || question.name.empty()) return std::nullopt;
  if (question.type == rr::kPtr) {
    auto address = parse_reverse_name(question.name);
    if (!address || !reverse) return std::nullopt;
    auto name = reverse(*address);
    if (!name || name->empty()) return std::nullopt;
    Reply reply;
    reply.pointer = *name;
    return reply;
  }
  auto addresses = lookup ? lookup(question.name) : std::vector<std::uint32_t>{};
  if (addresses.empty()) return std::nullopt;
  Reply reply;
  if (question.type == rr::kA) reply.addresses = std::move(addresses);
  return reply;
}

}  // namespace asup::dns
