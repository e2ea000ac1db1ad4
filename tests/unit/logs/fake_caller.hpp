// A client as the log sees it, recording what it is sent. Its queue fills only when asked
// (paced), so a test decides when the client is behind and when it has read.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/caller.hpp"

namespace asup::testing {

class FakeCaller : public api::Caller {
 public:
  explicit FakeCaller(std::uint64_t serial, bool paced = false) : serial_(serial), paced_(paced) {}

  void send(const nlohmann::json& message) override { messages.push_back(message); }
  void send_output(const char* stream, std::int64_t, std::string_view bytes) override {
    output.append(bytes);
    streams.emplace_back(stream);
    if (paced_) queued += bytes.size();
  }
  std::size_t queued_bytes() const override { return queued; }
  void on_drained(std::function<void()> callback) override {
    if (closed_) return;
    if (queued == 0)
      callback();
    else
      drained_.push_back(std::move(callback));
  }
  void on_close(std::function<void()> callback) override {
    if (closed_)
      callback();
    else
      closed_callbacks_.push_back(std::move(callback));
  }
  bool closed() const override { return closed_; }
  Result<int> client_pidfd() override { return fail(ENOSYS, "a fake client has no process"); }
  std::uint64_t serial() const override { return serial_; }

  // The client read everything queued.
  void drain() {
    queued = 0;
    auto callbacks = std::move(drained_);
    drained_.clear();
    for (auto& cb : callbacks) cb();
  }
  void close() {
    closed_ = true;
    drained_.clear();
    auto callbacks = std::move(closed_callbacks_);
    closed_callbacks_.clear();
    for (auto& cb : callbacks) cb();
  }
  // The "type" of each message, in order ("result" for api::Done).
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (auto& m : messages) out.push_back(m.value("type", ""));
    return out;
  }

  std::vector<nlohmann::json> messages;
  std::string output;                // every byte of output, in order
  std::vector<std::string> streams;  // the stream of each chunk
  std::size_t queued = 0;

 private:
  std::uint64_t serial_;
  bool paced_;
  bool closed_ = false;
  std::vector<std::function<void()>> drained_;
  std::vector<std::function<void()>> closed_callbacks_;
};

}  // namespace asup::testing
