// What the resolver knows itself: the names of the network's containers (through the
// engine's lookup) and, when the engine can tell, the names behind their addresses. A
// question about anything else is not answered here; the server forwards it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.hpp"

namespace asup::dns {

// The addresses (host byte order) of a container name, alias or short id on the network;
// none for a name the network does not hold. `name` is lower case without a trailing dot.
using Lookup = std::function<std::vector<std::uint32_t>(std::string_view name)>;
// The container name behind an address of the network, if any.
using ReverseLookup = std::function<std::optional<std::string>(std::uint32_t address)>;

// The local answer to `question`, or nothing when the question belongs upstream:
// - A of a known name: its addresses;
// - any other type of a known name (AAAA included): NOERROR without records, as Docker
//   does, so a client does not go on to ask the outside world about a container;
// - PTR of a known address under in-addr.arpa: the name `reverse` gives.
std::optional<Reply> answer_locally(const Question& question, const Lookup& lookup,
                                    const ReverseLookup& reverse);

// "4.3.2.1.in-addr.arpa" -> 1.2.3.4 (host byte order); nothing for any other name.
std::optional<std::uint32_t> parse_reverse_name(std::string_view name);

}  // namespace asup::dns
