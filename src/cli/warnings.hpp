// Warnings asupd sends before a final reply (run, create, update: a limit the host cannot
// apply), printed as Docker's client prints the daemon's.
#pragma once

#include <utility>
#include <variant>

#include "api/replies.hpp"
#include "cli/call.hpp"

namespace asup::cli {

// "WARNING: TEXT" on stderr for a notice that carries a warning; nothing for another.
void print_warning(const api::Notice& notice);

// call(), with each warning that comes before the final reply printed.
template <class R>
CallResult<typename R::Reply> call_printing_warnings(Cli& cli, const R& request) {
  auto client = open_session(cli, request);
  if (!client) return std::move(client).error();
  for (;;) {
    auto reply = next_reply<api::Notice, typename R::Reply>(client.value());
    if (!reply) return std::move(reply).error();
    if (auto* notice = std::get_if<api::Notice>(&reply.value())) {
      print_warning(*notice);
      continue;
    }
    return std::get<typename R::Reply>(std::move(reply).value());
  }
}

}  // namespace asup::cli
