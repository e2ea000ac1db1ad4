#include "dns/responder.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace asup::dns {
namespace {

Reply code_only(Rcode rcode, bool authoritative) {
  Reply reply;
  reply.rcode = rcode;
  reply.authoritative = authoritative;
  return reply;
}

}  // namespace

Responder::Responder(boost::asio::io_context& io, ServerConfig config)
    : config_(std::move(config)),
      forwarder_(io, config_.upstreams, config_.forward_timeout, config_.max_forwards) {}

Responder::Outcome Responder::handle(std::span<const std::uint8_t> query, Transport transport,
                                     Later later) {
  auto header = read_header(query);
  // Answering a response could make two resolvers answer each other forever.
  if (!header || header->response) return {};
  try {
    return answer(query, *header, transport, later);
  } catch (const std::exception& e) {
    // The engine's lookup runs here; whatever it throws stays on this side of the loop.
    spdlog::warn("dns: answer a query: {}", e.what());
    return {Kind::kNow, encode_error(*header, Rcode::kServFail)};
  }
}

Responder::Outcome Responder::answer(std::span<const std::uint8_t> query, const Header& header,
                                     Transport transport, Later& later) {
  std::size_t limit = transport == Transport::kUdp ? kUdpReplyLimit : kTcpReplyLimit;
  auto question = read_question(query);
  if (header.opcode != 0) {
    // Only standard queries are served (no IQUERY, STATUS, NOTIFY or UPDATE).
    Reply refused = code_only(Rcode::kRefused, false);
    return {Kind::kNow,
            encode_reply(header, question ? &question.value() : nullptr, refused, limit)};
  }
  if (!question) return {Kind::kNow, encode_error(header, Rcode::kFormErr)};
  if (auto local = answer_locally(question.value(), config_.lookup, config_.reverse))
    return {Kind::kNow, encode_reply(header, &question.value(), *local, limit)};
  if (!forwarder_.has_upstreams()) {
    // A network without an outside: nobody else can know the name.
    return {Kind::kNow,
            encode_reply(header, &question.value(), code_only(Rcode::kNxDomain, true), limit)};
  }
  auto failed = encode_reply(header, &question.value(), code_only(Rcode::kServFail, false), limit);
  bool started = forwarder_.forward(
      query, transport,
      [later = std::move(later), failed = std::move(failed)](auto answer) mutable {
        later(answer ? std::move(*answer) : std::move(failed));
      });
  if (started) return {Kind::kLater, {}};
  spdlog::debug("dns: {} forwards in flight, query for {} not forwarded", forwarder_.in_flight(),
                question.value().name);
  // A UDP client asks again; a TCP client would wait for its idle timeout instead.
  if (transport == Transport::kUdp) return {};
  return {Kind::kNow,
          encode_reply(header, &question.value(), code_only(Rcode::kServFail, false), limit)};
}

}  // namespace asup::dns
