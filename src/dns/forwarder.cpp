#include "dns/forwarder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <exception>
#include <random>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "asup/unique_fd.hpp"
#include "dns/message.hpp"

namespace asup::dns {
namespace {

using boost::asio::posix::stream_descriptor;

// Every query is tried on two upstreams at the most (the next one after a failure, the
// same one again when it is the only one): a client's own resolver retries after ~5 s,
// and two 2 s attempts fit in that.
constexpr int kAttempts = 2;

sockaddr_in socket_address(const Upstream& u) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(u.address);
  sa.sin_port = htons(u.port);
  return sa;
}

}  // namespace

Result<Upstream> parse_upstream(std::string_view text) {
  Upstream u;
  auto colon = text.rfind(':');
  std::string host(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    auto port = text.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535)
      return fail(EINVAL, "parse upstream " + std::string(text) + ": bad port");
    u.port = static_cast<std::uint16_t>(value);
  }
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) != 1)
    return fail(EINVAL, "parse upstream " + std::string(text) + ": not an IPv4 address");
  u.address = ntohl(addr.s_addr);
  return u;
}

std::string to_string(const Upstream& u) {
  in_addr addr{htonl(u.address)};
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(u.port);
}

class Exchange;

struct Forwarder::State {
  State(boost::asio::io_context& io, std::vector<Upstream> upstreams,
        std::chrono::milliseconds timeout, std::size_t max_in_flight)
      : io(io), upstreams(std::move(upstreams)), timeout(timeout), max_in_flight(max_in_flight) {}

  boost::asio::io_context& io;
  std::vector<Upstream> upstreams;
  std::chrono::milliseconds timeout;
  std::size_t max_in_flight;
  std::unordered_set<std::shared_ptr<Exchange>> exchanges;
  bool abandoned = false;
  std::mt19937 random{std::random_device{}()};
  // One receive buffer for every UDP answer: the loop reads one datagram at a time.
  std::array<std::uint8_t, 65536> datagram{};
};

// One forwarded query through its attempts. It lives in State::exchanges until it ends;
// every handler holds it too, and a handler of an attempt that is over (its descriptor
// closed, its generation passed) returns without touching anything.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(Forwarder::State& state, std::span<const std::uint8_t> query, Transport transport,
           Forwarder::Done done)
      : state_(state),
        query_(query.begin(), query.end()),
        transport_(transport),
        done_(std::move(done)),
        timer_(state.io) {
    client_id_ = static_cast<std::uint16_t>(query_[0] << 8 | query_[1]);
    own_id_ = static_cast<std::uint16_t>(state.random());
    set_id(query_, own_id_);
  }

  void next_attempt();
  // Ends the exchange without calling back (the forwarder is going away).
  void abandon() {
    done_ = nullptr;
    stop_attempt();
  }

 private:
  void stop_attempt() {
    ++generation_;
    desc_.reset();
    timer_.cancel();
  }
  void finish(std::optional<std::vector<std::uint8_t>> answer);
  Status open_socket(const Upstream& upstream);
  void await_udp_answer(unsigned generation);
  void on_udp_readable(unsigned generation);
  void send_tcp_query(unsigned generation);
  void read_tcp_answer(unsigned generation);
  bool accept(std::span<const std::uint8_t> answer) const;

  Forwarder::State& state_;
  std::vector<std::uint8_t> query_;
  Transport transport_;
  Forwarder::Done done_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<stream_descriptor> desc_;
  std::uint16_t client_id_ = 0;
  std::uint16_t own_id_ = 0;
  int attempt_ = 0;
  unsigned generation_ = 0;
  std::array<std::uint8_t, 2> tcp_length_{};
  std::vector<std::uint8_t> tcp_frame_;
};

Status Exchange::open_socket(const Upstream& upstream) {
  int type = transport_ == Transport::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd{::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (!fd) return fail_errno("socket for upstream " + to_string(upstream));
  // A connected UDP socket takes datagrams from the upstream only, and reports its
  // ICMP port-unreachable as ECONNREFUSED; TCP connects in the background.
  sockaddr_in sa = socket_address(upstream);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS)
    return fail_errno("connect to upstream " + to_string(upstream));
  desc_ = std::make_unique<stream_descriptor>(state_.io, fd.release());
  return ok();
}

void Exchange::next_attempt() {
  stop_attempt();
  if (attempt_ >= kAttempts) return finish(std::nullopt);
  const auto& upstream = state_.upstreams[attempt_ % state_.upstreams.size()];
  ++attempt_;
  if (!open_socket(upstream)) return next_attempt();
  unsigned generation = generation_;
  timer_.expires_after(state_.timeout);
  timer_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
    if (!ec && generation == self->generation_) self->next_attempt();
  });
  if (transport_ == Transport::kUdp) {
    if (::send(desc_->native_handle(), query_.data(), query_.size(), MSG_DONTWAIT) < 0)
      return next_attempt();
    await_udp_answer(generation);
  } else {
    send_tcp_query(generation);
  }
}

void Exchange::await_udp_answer(unsigned generation) {
  desc_->async_wait(stream_descriptor::wait_read,
                    [self = shared_from_this(), generation](const boost::system::error_code& ec) {
                      if (ec || generation != self->generation_) return;
                      self->on_udp_readable(generation);
                    });
}

void Exchange::on_udp_readable(unsigned generation) {
  while (true) {
    auto& buf = state_.datagram;
    ssize_t n = ::recv(desc_->native_handle(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return await_udp_answer(generation);
    if (n < 0) return next_attempt();  // ECONNREFUSED: nobody listens there
    std::span<const std::uint8_t> answer(buf.data(), static_cast<std::size_t>(n));
    if (accept(answer)) return finish(std::vector<std::uint8_t>(answer.begin(), answer.end()));
    // Anything else (a late answer to nothing we asked, noise) is ignored.
  }
}

bool Exchange::accept(std::span<const std::uint8_t> answer) const {
  auto header = read_header(answer);
  return header && header->response && header->id == own_id_;
}

void Exchange::send_tcp_query(unsigned generation) {
  tcp_frame_.clear();
  tcp_frame_.push_back(static_cast<std::uint8_t>(query_.size() >> 8));
  tcp_frame_.push_back(static_cast<std::uint8_t>(query_.size()));
  tcp_frame_.insert(tcp_frame_.end(), query_.begin(), query_.end());
  // The write waits for the connection: a refused connect fails the write.
  boost::asio::async_write(
      *desc_, boost::asio::buffer(tcp_frame_),
      [self = shared_from_this(), generation](const boost::system::error_code& ec, std::size_t) {
        if (generation != self->generation_) return;
        if (ec) return self->next_attempt();
        self->read_tcp_answer(generation);
      });
}

void Exchange::read_tcp_answer(unsigned generation) {
  auto self = shared_from_this();
  boost::asio::async_read(
      *desc_, boost::asio::buffer(tcp_length_),
      [self, generation](const boost::system::error_code& ec, std::size_t) {
        if (generation != self->generation_) return;
        if (ec) return self->next_attempt();
        self->tcp_frame_.assign(self->tcp_length_[0] << 8 | self->tcp_length_[1], 0);
        boost::asio::async_read(
            *self->desc_, boost::asio::buffer(self->tcp_frame_),
            [self, generation](const boost::system::error_code& ec, std::size_t) {
              if (generation != self->generation_) return;
              if (ec || !self->accept(self->tcp_frame_)) return self->next_attempt();
              self->finish(std::move(self->tcp_frame_));
            });
      });
}

void Exchange::finish(std::optional<std::vector<std::uint8_t>> answer) {
  auto self = shared_from_this();
  stop_attempt();
  state_.exchanges.erase(self);
  if (answer) set_id(*answer, client_id_);
  auto done = std::move(done_);
  done_ = nullptr;
  if (!done) return;
  try {
    done(std::move(answer));
  } catch (const std::exception& e) {
    // This runs from a handler of the loop: nothing may escape into io_context::run.
    spdlog::warn("dns: relay an upstream answer: {}", e.what());
  }
}

Forwarder::Forwarder(boost::asio::io_context& io, std::vector<Upstream> upstreams,
                     std::chrono::milliseconds timeout, std::size_t max_in_flight)
    : state_(std::make_shared<State>(io, std::move(upstreams), timeout, max_in_flight)) {}

Forwarder::~Forwarder() {
  abandon();
}

void Forwarder::abandon() {
  state_->abandoned = true;
  auto exchanges = std::move(state_->exchanges);
  state_->exchanges.clear();
  for (const auto& exchange : exchanges) exchange->abandon();
}

bool Forwarder::forward(std::span<const std::uint8_t> query, Transport transport, Done done) {
  if (state_->abandoned || state_->upstreams.empty() || query.size() < kHeaderSize) return false;
  if (state_->exchanges.size() >= state_->max_in_flight) return false;
  auto exchange = std::make_shared<Exchange>(*state_, query, transport, std::move(done));
  state_->exchanges.insert(exchange);
  exchange->next_attempt();
  return true;
}

bool Forwarder::has_upstreams() const {
  return !state_->upstreams.empty();
}

std::size_t Forwarder::in_flight() const {
  return state_->exchanges.size();
}

}  // namespace asup::dns
