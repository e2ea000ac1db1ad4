// Replaying the ring to `logs` is paced by the client: it goes on as the client reads,
// never skipping; output the ring evicts while it waits is counted and the replay goes on
// from the oldest record left.
#include <algorithm>

#include "logs/container_log.hpp"

namespace asup::logs {

struct ContainerLog::Replay {
  std::string id;
  std::weak_ptr<ContainerLog> log;  // gone: the container was removed
  std::weak_ptr<api::Caller> caller;
  std::uint64_t seq = 0;       // the next record to send
  std::size_t offset = 0;      // into that record (--tail may start mid-record)
  std::uint64_t sent_pos = 0;  // bytes of the container's output up to the next to send
  bool follow = false;
  std::int64_t until = 0;   // ns; 0: no end
  bool past_until = false;  // a record after `until` was reached: nothing more to send
};

void ContainerLog::replay(const api::CallerPtr& caller, long tail, bool follow, TimeRange range) {
  ensure_loaded();
  auto r = std::make_shared<Replay>(Replay{id_, weak_from_this(), caller});
  r->follow = follow;
  r->until = range.until;
  r->seq = ring_.first_seq();
  if (tail >= 0) {
    // As Docker does: the last `tail` lines of the whole log, then those in the range.
    auto start = ring_.tail_lines(static_cast<std::size_t>(tail));
    r->seq = start.seq;
    r->offset = start.offset;
  }
  // A binary search: records are in arrival order.
  if (range.since != 0) {
    if (auto first = ring_.first_at_or_after(range.since); first > r->seq) {
      r->seq = first;
      r->offset = 0;
    }
  }
  // What the ring lost matters only to a replay from its oldest record.
  if (ring_.dropped_bytes() > 0 && (range.since == 0 || r->seq == ring_.first_seq()))
    caller->reply(api::Notice{ring_.dropped_bytes(), std::nullopt});
  // The ring holds the output from byte dropped_bytes() on: positions in that count tell
  // what the ring evicts while the replay waits for the client.
  r->sent_pos = ring_.dropped_bytes();
  if (r->seq != ring_.first_seq()) {  // the bytes skipped: those before what is sent
    std::size_t after = 0;
    for (auto seq = r->seq; seq < ring_.end_seq(); ++seq) after += ring_.at(seq).bytes.size();
    r->sent_pos += ring_.size_bytes() - after;
  }
  r->sent_pos += r->offset;
  continue_replay(r);
}

void ContainerLog::continue_replay(const std::shared_ptr<Replay>& r) {
  auto caller = r->caller.lock();
  if (!caller || caller->closed()) return;
  auto log = r->log.lock();
  if (!log) {
    caller->send_error(
        1, "container " + r->id.substr(0, 12) + " was removed while its logs were read");
    return;
  }
  if (!log->send_held(*r, *caller)) {
    // The client's FIFO is full: go on from here when it has read, never skipping.
    caller->on_drained([r] { continue_replay(r); });
    return;
  }
  // Caught up within this turn of the loop: the next record is the first live one.
  if (r->follow && !log->ended_ && !r->past_until && (r->until == 0 || realtime_ns() <= r->until)) {
    // The starts of unfinished lines are in no record yet; the follower sees them now and
    // their ends live (they will be stamped when finished, so --since keeps them).
    for (Stream s : {Stream::Stdout, Stream::Stderr}) {
      auto i = static_cast<std::size_t>(s) - 1;
      if (!log->pending_[i].empty())
        caller->send_output(stream_name(s), log->pending_time_[i], log->pending_[i]);
    }
    log->follow(caller, r->until);
    return;
  }
  caller->reply(api::Done{});
}

bool ContainerLog::send_held(Replay& r, api::Caller& caller) {
  // While the client read, a running container may have pushed unsent records out.
  if (ring_.dropped_bytes() > r.sent_pos) {
    caller.reply(api::Notice{ring_.dropped_bytes() - r.sent_pos, std::nullopt});
    r.seq = ring_.first_seq();
    r.offset = 0;
    r.sent_pos = ring_.dropped_bytes();
  }
  while (r.seq < ring_.end_seq()) {
    if (caller.queued_bytes() > 0) return false;
    const Record& record = ring_.at(r.seq);
    if (r.until != 0 && record.time_ns > r.until) {
      r.past_until = true;
      return true;
    }
    std::string_view bytes = record.bytes;
    bytes.remove_prefix(std::min(r.offset, bytes.size()));
    r.offset = 0;
    ++r.seq;
    r.sent_pos += bytes.size();
    if (!bytes.empty()) caller.send_output(stream_name(record.stream), record.time_ns, bytes);
  }
  return true;
}

}  // namespace asup::logs
