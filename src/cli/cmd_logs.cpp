// asupctl logs [-f] [--tail N] [-t] CONTAINER
#include <cstdio>

#include "cli/common.hpp"
#include "core/time_format.hpp"

namespace asup::cli {

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
      if (auto r = c.send({{"op", "logs"}, {"id", f->id}, {"follow", f->follow}, {"tail", tail}});
          !r)
        return report_error(r.error().describe(), 1);
      bool line_start[3] = {true, true, true};
      for (;;) {
        auto msg = c.receive();
        if (!msg) return report_error(msg.error().describe(), 1);
        auto& h = msg.value().header;
        auto type = h.value("type", "");
        if (type == "output") {
          int fd = h.value("stream", "") == "stderr" ? 2 : 1;
          const std::string& bytes = msg.value().payload;
          if (!f->timestamps) {
            write_all(fd, bytes);
            continue;
          }
          std::string ts = rfc3339(h.value("time", std::int64_t{0})) + " ";
          std::string out;
          for (char ch : bytes) {
            if (line_start[fd]) out += ts;
            out += ch;
            line_start[fd] = ch == '\n';
          }
          write_all(fd, out);
        } else if (type == "notice") {
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
