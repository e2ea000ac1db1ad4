// asupctl logs [-f] [--tail N] [-t] CONTAINER
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/common.hpp"
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

  Result<nlohmann::json> next_header() {
    for (;;) {
      const char* begin = buf_.data() + begin_;
      auto* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - begin_));
      if (nl) {
        auto header = nlohmann::json::parse(begin, nl, nullptr, false);
        begin_ += static_cast<std::size_t>(nl - begin) + 1;
        if (header.is_discarded()) return fail(EPROTO, "malformed reply from asupd");
        return header;
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

}  // namespace

void add_logs(CLI::App& app, Cli& cli) {
  struct Flags {
    bool follow = false, timestamps = false;
    std::string tail = "all";
    std::string id;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("logs", "Fetch the logs of a container");
  cmd->add_flag("-f,--follow", f->follow, "Follow log output");
  cmd->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
  cmd->add_option("-n,--tail", f->tail, "Number of lines to show from the end (default all)");
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
      auto client = connect(cli);
      if (!client) return report_error(client.error().describe(), 1);
      auto& c = client.value();
      // Larger pipes, fewer system calls, for a big ring. Best effort: stdout may be no pipe.
      grow_pipe(c.reply_fd());
      grow_pipe(1);
      if (auto r = c.send({{"op", "logs"}, {"id", f->id}, {"follow", f->follow}, {"tail", tail}});
          !r)
        return report_error(r.error().describe(), 1);
      Output out;
      FrameReader in(c.reply_fd(), out);
      if (!in.allocated()) return report_error("out of memory for the read buffer", 1);
      bool line_start[3] = {true, true, true};
      for (;;) {
        auto header = in.next_header();
        if (!header) return report_error(header.error().describe(), 1);
        auto& h = header.value();
        auto type = h.value("type", "");
        if (type == "output") {
          int fd = h.value("stream", "") == "stderr" ? 2 : 1;
          std::size_t len = h.value("len", std::size_t{0});
          Status got = ok();
          if (!f->timestamps) {
            got = in.payload(len, [&](std::string_view bytes) { out.write(fd, bytes); });
          } else {
            std::string ts = rfc3339(h.value("time", std::int64_t{0})) + " ";
            std::string stamped;
            got = in.payload(len, [&](std::string_view bytes) {
              for (char ch : bytes) {
                if (line_start[fd]) stamped += ts;
                stamped += ch;
                line_start[fd] = ch == '\n';
              }
            });
            out.write(fd, stamped);
          }
          if (!got) return report_error(got.error().describe(), 1);
          continue;
        }
        out.flush();
        if (type == "notice") {
          if (h.contains("dropped_bytes"))
            std::fprintf(stderr,
                         "asupctl: %llu bytes of older output were dropped (log ring full)\n",
                         h["dropped_bytes"].get<unsigned long long>());
          if (h.contains("skipped_bytes"))
            std::fprintf(stderr, "asupctl: %llu bytes skipped (this client fell behind)\n",
                         h["skipped_bytes"].get<unsigned long long>());
        } else if (type == "result") {
          return 0;
        } else if (type == "error") {
          return report_error(h.value("message", "unknown error"), 1);
        }
      }
    };
  });
}

}  // namespace asup::cli
