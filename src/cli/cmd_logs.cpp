// asupctl logs [-f] [-n N|all] [-t] [--since T] [--until T] [--details] CONTAINER
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <tuple>

#include "cli/common.hpp"
#include "core/log_time.hpp"
#include "core/pipes.hpp"
#include "core/time_format.hpp"

namespace asup::cli {
namespace {

// As large as the largest pipe: one read takes all a full reply FIFO holds.
constexpr std::size_t kBuffer = 1 << 20;
// Output pieces this large go out as they are instead of through the batch.
constexpr std::size_t kDirectWrite = 64 << 10;

// Memory faulted in by one call: on a virtual machine a fault per page costs far more.
class Buffer {
 public:
  explicit Buffer(std::size_t size)
      : size_(size),
        data_(static_cast<char*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0))) {}
  ~Buffer() {
    if (data_ != MAP_FAILED) ::munmap(data_, size_);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  bool allocated() const { return data_ != MAP_FAILED; }
  char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_;
  char* data_;
};

// Batches small writes to stdout/stderr into large ones, keeping the order between them.
class Output {
 public:
  Output() { batch_.reserve(kBuffer); }
  void write(int fd, std::string_view bytes) {
    if (fd != fd_ || batch_.size() + bytes.size() > kBuffer) flush();
    fd_ = fd;
    if (bytes.size() >= kDirectWrite && batch_.empty()) {
      write_all(fd, bytes);
      return;
    }
    batch_.append(bytes);
  }
  void flush() {
    if (!batch_.empty()) write_all(fd_, batch_);
    batch_.clear();
  }

 private:
  int fd_ = 1;
  std::string batch_;
};

// Reads replies straight from the reply FIFO into one large buffer, handing out payload
// bytes where they lie. connect() has consumed the hello, and asupd sends nothing before
// it has the request, so the Client's own buffer holds nothing of what follows.
class FrameReader {
 public:
  FrameReader(int fd, Output& out) : fd_(fd), out_(out), buf_(kBuffer) {}
  bool allocated() const { return buf_.allocated(); }

  // The next reply's header; an "output" reply's bytes are left for payload().
  Result<control::Client::Message> next_header() {
    for (;;) {
      const char* begin = buf_.data() + begin_;
      auto* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - begin_));
      if (nl) {
        auto line = std::string_view(begin, static_cast<std::size_t>(nl - begin));
        begin_ += line.size() + 1;
        return control::Client::parse_header(line);
      }
      if (begin_ == 0 && end_ == buf_.size()) return fail(EPROTO, "reply line too long");
      ASUP_TRY(fill());
    }
  }

  // Hands the next n bytes to `sink`, in the pieces they arrive in.
  template <class Sink>
  Status payload(std::size_t n, Sink sink) {
    while (n > 0) {
      if (begin_ == end_) {
        ASUP_TRY(fill());
      }
      std::size_t take = std::min(n, end_ - begin_);
      sink(std::string_view(buf_.data() + begin_, take));
      begin_ += take;
      n -= take;
    }
    return ok();
  }

 private:
  Status fill() {
    // About to wait for asupd: what is batched goes out first, so a follower is live.
    out_.flush();
    if (begin_ == end_) {
      begin_ = end_ = 0;
    } else if (end_ == buf_.size()) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno("read reply from asupd");
      if (n == 0) return fail(EPIPE, "asupd closed the connection");
      end_ += static_cast<std::size_t>(n);
      return ok();
    }
  }

  int fd_;
  Output& out_;
  Buffer buf_;
  std::size_t begin_ = 0, end_ = 0;
};

// Copies output frames to our stdout and stderr. Under -t every line begins with its
// frame's time as Docker prints it (RFC 3339, nanoseconds, UTC); under --details with the
// log's attributes, after the time.
class FramePrinter {
 public:
  FramePrinter(FrameReader& in, Output& out, bool timestamps)
      : in_(in), out_(out), timestamps_(timestamps) {}

  // --details: the daemon's notice names the attributes ("" when there are none).
  void set_details(std::string details) { details_ = std::move(details) + " "; }

  Status print(const api::Output& frame) {
    int fd = frame.stream == "stderr" ? 2 : 1;
    if (!timestamps_ && !details_)
      return in_.payload(frame.len, [&](std::string_view bytes) { out_.write(fd, bytes); });
    std::string prefix = timestamps_ ? rfc3339(frame.time) + " " : std::string();
    if (details_) prefix += *details_;
    return in_.payload(frame.len, [&](std::string_view bytes) {
      while (!bytes.empty()) {
        if (line_start_[fd]) out_.write(fd, prefix);
        const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
        std::size_t n =
            nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1
               : bytes.size();
        out_.write(fd, bytes.substr(0, n));
        line_start_[fd] = nl != nullptr;
        bytes.remove_prefix(n);
      }
    });
  }

 private:
  FrameReader& in_;
  Output& out_;
  bool timestamps_;
  std::optional<std::string> details_;
  bool line_start_[3] = {true, true, true};  // by fd: the next byte begins a line
};

// Prints the replies to a logs request until its result; returns the exit code.
int print_logs(FrameReader& in, Output& out, bool timestamps) {
  FramePrinter frames(in, out, timestamps);
  for (;;) {
    auto header = in.next_header();
    if (!header) return report_error(header.error().describe(), 1);
    auto reply = decode_message<api::Output, api::Notice, api::Done>(header.value());
    if (!reply) return report_error(reply.error().message, 1);
    auto& message = reply.value();
    if (auto* frame = message ? std::get_if<api::Output>(&*message) : nullptr) {
      if (auto got = frames.print(*frame); !got) return report_error(got.error().describe(), 1);
      continue;
    }
    out.flush();
    if (!message) continue;  // a message this client has no use for
    auto* notice = std::get_if<api::Notice>(&*message);
    if (!notice) return 0;  // the result: all there is, or the container has exited
    if (notice->details) frames.set_details(*notice->details);
    if (notice->dropped_bytes)
      std::fprintf(stderr, "asupctl: %llu bytes of older output were dropped (log ring full)\n",
                   static_cast<unsigned long long>(*notice->dropped_bytes));
    if (notice->skipped_bytes)
      std::fprintf(stderr, "asupctl: %llu bytes skipped (this client fell behind)\n",
                   static_cast<unsigned long long>(*notice->skipped_bytes));
  }
}

// --since and --until as Docker's client reads them: relative to now, times without a zone
// in the local one.
Status time_bounds(const std::string& since, const std::string& until, api::LogsRequest& req) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  struct tm local {};
  ::localtime_r(&now.tv_sec, &local);
  const std::int64_t now_ns = std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  for (auto [flag, text, out] :
       {std::tuple{"since", &since, &req.since}, std::tuple{"until", &until, &req.until}}) {
    if (text->empty()) continue;
    auto t = parse_log_time(*text, now_ns, local.tm_gmtoff);
    if (!t) return fail(std::string("invalid value for \"") + flag + "\": " + t.error().message);
    *out = t.value();
  }
  return ok();
}

}  // namespace

void add_logs(CLI::App& app, Cli& cli) {
  struct Flags {
    bool follow = false, timestamps = false, details = false;
    std::string tail = "all";
    std::string since, until;
    std::string id;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("logs", "Fetch the logs of a container");
  cmd->add_flag("-f,--follow", f->follow, "Follow log output");
  cmd->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
  cmd->add_option("-n,--tail", f->tail, "Number of lines to show from the end (default all)");
  cmd->add_option("--since", f->since,
                  "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative "
                  "(e.g. \"42m\" for 42 minutes)");
  cmd->add_option("--until", f->until,
                  "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative "
                  "(e.g. \"42m\" for 42 minutes)");
  cmd->add_flag("--details", f->details, "Show extra details provided to logs");
  cmd->add_option("CONTAINER", f->id, "Container name or id")->required();
  cmd->callback([f, &cli] {
    cli.action = [f, &cli] {
      long tail = -1;
      if (f->tail != "all") {
        char* end = nullptr;
        tail = std::strtol(f->tail.c_str(), &end, 10);
        if (f->tail.empty() || *end != 0 || tail < 0)
          return report_error("invalid value for --tail: " + f->tail, 1);
      }
      api::LogsRequest req;
      if (auto bounds = time_bounds(f->since, f->until, req); !bounds)
        return report_error(bounds.error().message, 1);
      auto client = connect(cli);
      if (!client) return report_error(client.error().describe(), 1);
      auto& c = client.value();
      // Larger pipes, fewer system calls, for a big ring. Best effort: stdout may be no pipe.
      grow_pipe(c.reply_fd());
      grow_pipe(1);
      req.id = f->id;
      req.follow = f->follow;
      req.tail = tail;
      req.details = f->details;
      if (auto sent = send(c, req); !sent) return report_error(sent.error().message, 1);
      Output out;
      FrameReader in(c.reply_fd(), out);
      if (!in.allocated()) return report_error("out of memory for the read buffer", 1);
      return print_logs(in, out, f->timestamps);
    };
  });
}

}  // namespace asup::cli
