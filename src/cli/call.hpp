// asupctl's exchange with asupd in the protocol's types (src/api): a request goes out as its
// struct, each reply comes back as the struct its "type" names, and an "error" reply, a
// reply that does not decode or a broken connection is a Failure, never an exception.
#pragma once

#include <boost/outcome/result.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "api/replies.hpp"
#include "api/requests.hpp"
#include "asup/result.hpp"
#include "control/client.hpp"

namespace asup::cli {

struct Cli;
Result<control::Client> connect(Cli& cli);

// Why a command's exchange with asupd failed.
struct Failure {
  std::string message;  // what "asupctl: " precedes
  // An error reply's code, which run and exec exit with; 125 (the engine failed) when
  // asupd could not be reached or understood.
  int exit = 125;
  bool no_such_image = false;  // run: the store lacks the image (the client pulls)

  Failure(std::string message, int exit, bool no_such_image)
      : message(std::move(message)), exit(exit), no_such_image(no_such_image) {}
  // Talking to asupd failed: the connection, or a reply this client cannot read.
  Failure(const Error& error) : message(error.describe()) {}  // NOLINT: implicit on purpose
};

template <class T>
using CallResult = boost::outcome_v2::result<T, Failure, boost::outcome_v2::policy::terminate>;

// An "output" reply with the container's bytes that follow it on the wire.
struct OutputFrame {
  static constexpr std::string_view kType = api::Output::kType;
  api::Output header;
  std::string bytes;
};

namespace detail {

template <class T>
CallResult<T> decode_as(control::Client::Message& message) {
  if constexpr (std::is_same_v<T, OutputFrame>) {
    auto header = control::decode_reply<api::Output>(message.header);
    if (!header) return Failure(header.error());
    return OutputFrame{std::move(header).value(), std::move(message.payload)};
  } else {
    auto reply = control::decode_reply<T>(message.header);
    if (!reply) return Failure(reply.error());
    return std::move(reply).value();
  }
}

}  // namespace detail

// `message` as the one of Types its "type" names, or nullopt when it names none of them
// (progress a command does not show, or a message newer than this client). An "error"
// reply is the Failure it reports.
template <class... Types>
CallResult<std::optional<std::variant<Types...>>> decode_message(
    control::Client::Message& message) {
  using Decoded = std::optional<std::variant<Types...>>;
  if (message.type == api::Error::kType) {
    auto error = control::decode_reply<api::Error>(message.header);
    if (!error) return Failure(error.error());
    auto& e = error.value();
    return Failure(e.message.empty() ? "unknown error" : e.message, e.exit,
                   e.no_such_image.value_or(false));
  }
  CallResult<Decoded> out{Decoded{}};
  auto take = [&](auto decoded) {
    if (!decoded)
      out = std::move(decoded).error();
    else
      out = Decoded{std::move(decoded).value()};
    return true;
  };
  (void)((message.type == Types::kType && take(detail::decode_as<Types>(message))) || ...);
  return out;
}

// Reads replies until one of Types (or an error) arrives.
template <class... Types>
CallResult<std::variant<Types...>> next_reply(control::Client& client) {
  for (;;) {
    auto message = client.receive();
    if (!message) return Failure(message.error());
    auto decoded = decode_message<Types...>(message.value());
    if (!decoded) return std::move(decoded).error();
    if (decoded.value()) return std::move(*decoded.value());
  }
}

// Sends `request` on `client`; a failure to is a Failure.
template <class R>
CallResult<void> send(control::Client& client, const R& request) {
  if (auto sent = client.send(api::request_line(request)); !sent) return Failure(sent.error());
  return boost::outcome_v2::success();
}

// A session of its own with `request` sent on it, for a command that reads the replies.
template <class R>
CallResult<control::Client> open_session(Cli& cli, const R& request) {
  auto client = connect(cli);
  if (!client) return Failure(client.error());
  if (auto sent = send(client.value(), request); !sent) return std::move(sent).error();
  return std::move(client).value();
}

// One request on a session of its own, and its final result: R::Reply, or the Failure of
// an error reply or of the exchange.
template <class R>
CallResult<typename R::Reply> call(Cli& cli, const R& request) {
  auto client = open_session(cli, request);
  if (!client) return std::move(client).error();
  auto reply = next_reply<typename R::Reply>(client.value());
  if (!reply) return std::move(reply).error();
  return std::get<0>(std::move(reply).value());
}

}  // namespace asup::cli
