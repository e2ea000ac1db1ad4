// RUN_ROOT/clients: no symlink followed, only FIFOs of asupd's own uid opened, dirs of
// clients that are gone removed. Works in a temp dir, without root.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "control/clients_dir.hpp"
#include "core/fs.hpp"

using namespace asup;
using control::ClientsDir;
using control::Hello;

namespace {

struct TempRoot {
  TempRoot() {
    char tmpl[] = "/tmp/asup-clients-test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    clients = dir + "/clients";
  }
  ~TempRoot() { (void)fs::remove_tree(dir); }
  // A client dir as Client::connect makes it: 0700, two FIFOs.
  std::string make_client(const std::string& parent, const std::string& name) {
    std::string d = parent + "/" + name;
    REQUIRE(::mkdir(d.c_str(), 0700) == 0);
    REQUIRE(::mkfifo((d + "/req").c_str(), 0600) == 0);
    REQUIRE(::mkfifo((d + "/rep").c_str(), 0600) == 0);
    return d;
  }
  std::string dir, clients;
};

Hello hello_for(const std::string& name) {
  Hello h;
  h.version = 1;
  h.pid = ::getpid();
  h.dir = name;
  h.requests = "req";
  h.replies = "rep";
  return h;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("a client's FIFOs are opened and their names removed", "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  std::string d = t.make_client(t.clients, "c.1.abc");
  UniqueFd reader{::open((d + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  REQUIRE(reader);
  auto fifos = clients.value().take(hello_for("c.1.abc"));
  REQUIRE(fifos);
  CHECK(fifos.value().requests.valid());
  CHECK(fifos.value().replies.valid());
  CHECK_FALSE(exists(d));
}

TEST_CASE("a symlinked client dir is not followed", "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  std::string outside = t.make_client(t.dir, "outside");
  UniqueFd reader{::open((outside + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  REQUIRE(::symlink(outside.c_str(), (t.clients + "/c.1.lnk").c_str()) == 0);
  auto fifos = clients.value().take(hello_for("c.1.lnk"));
  REQUIRE_FALSE(fifos);
  // O_NOFOLLOW | O_DIRECTORY on a symlink: ENOTDIR (ELOOP without O_DIRECTORY).
  CHECK((fifos.error().code == ENOTDIR || fifos.error().code == ELOOP));
  // The link is gone, what it pointed to is untouched.
  CHECK_FALSE(exists(t.clients + "/c.1.lnk"));
  CHECK(exists(outside + "/req"));
  CHECK(exists(outside + "/rep"));
}

TEST_CASE("FIFO names that are symlinks or other files are not opened", "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  std::string outside = t.make_client(t.dir, "outside");
  UniqueFd reader{::open((outside + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  std::string d = t.clients + "/c.1.sym";
  REQUIRE(::mkdir(d.c_str(), 0700) == 0);
  REQUIRE(::symlink((outside + "/rep").c_str(), (d + "/rep").c_str()) == 0);
  REQUIRE(::mkfifo((d + "/req").c_str(), 0600) == 0);
  auto fifos = clients.value().take(hello_for("c.1.sym"));
  REQUIRE_FALSE(fifos);
  CHECK(fifos.error().message.find("is not a FIFO") != std::string::npos);
  CHECK_FALSE(exists(d));
  CHECK(exists(outside + "/rep"));

  std::string f = t.clients + "/c.1.file";
  REQUIRE(::mkdir(f.c_str(), 0700) == 0);
  REQUIRE(fs::write_file(f + "/rep", "x"));
  REQUIRE(::mkfifo((f + "/req").c_str(), 0600) == 0);
  CHECK_FALSE(clients.value().take(hello_for("c.1.file")));
  CHECK_FALSE(exists(f));
}

TEST_CASE("a dir others may write to is refused", "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  std::string d = t.make_client(t.clients, "c.1.open");
  REQUIRE(::chmod(d.c_str(), 0777) == 0);
  UniqueFd reader{::open((d + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  auto fifos = clients.value().take(hello_for("c.1.open"));
  REQUIRE_FALSE(fifos);
  CHECK(fifos.error().code == EPERM);
}

TEST_CASE("the dir of a client that is gone goes when its hello is taken", "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  std::string d = t.make_client(t.clients, "c.1.gone");
  // Nobody reads the reply FIFO: the client died after its hello.
  auto fifos = clients.value().take(hello_for("c.1.gone"));
  REQUIRE_FALSE(fifos);
  CHECK(fifos.error().code == ENXIO);
  CHECK_FALSE(exists(d));
}

TEST_CASE("a sweep removes the dirs of dead clients and keeps the live ones",
          "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  REQUIRE(::waitpid(dead, nullptr, 0) == dead);
  std::string gone = t.make_client(t.clients, "c." + std::to_string(dead) + ".aaa");
  std::string live = t.make_client(t.clients, "c." + std::to_string(::getpid()) + ".bbb");
  std::string old_style = t.make_client(t.clients, "c.XyZ123");
  CHECK(clients.value().sweep(std::chrono::seconds(60)) == 1);
  CHECK_FALSE(exists(gone));
  CHECK(exists(live));
  CHECK(exists(old_style));
  // Past the age limit nothing is kept: no client waits that long for its answer.
  CHECK(clients.value().sweep(std::chrono::seconds(-1)) == 2);
  CHECK_FALSE(exists(live));
  CHECK_FALSE(exists(old_style));
}

TEST_CASE("remove_all clears the clients dir without following links", "[control][clients]") {
  TempRoot t;
  std::string outside = t.make_client(t.dir, "outside");
  REQUIRE(fs::make_dirs(t.clients, 0700));
  t.make_client(t.clients, "c.1.x");
  REQUIRE(::symlink(outside.c_str(), (t.clients + "/c.2.y").c_str()) == 0);
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  clients.value().remove_all();
  auto left = fs::list_dir(t.clients);
  REQUIRE(left);
  CHECK(left.value().empty());
  CHECK(exists(outside + "/req"));
}

TEST_CASE("a clients dir that is a symlink is refused", "[control][clients]") {
  TempRoot t;
  REQUIRE(fs::make_dirs(t.dir + "/elsewhere", 0700));
  REQUIRE(::symlink((t.dir + "/elsewhere").c_str(), t.clients.c_str()) == 0);
  auto clients = ClientsDir::open(t.clients);
  REQUIRE_FALSE(clients);
}

TEST_CASE("a clients dir others may enter is made private", "[control][clients]") {
  TempRoot t;
  REQUIRE(::mkdir(t.clients.c_str(), 0777) == 0);
  REQUIRE(::chmod(t.clients.c_str(), 0777) == 0);
  REQUIRE(ClientsDir::open(t.clients));
  struct stat st;
  REQUIRE(::stat(t.clients.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("client dir names carry the client's pid", "[control][clients]") {
  CHECK(control::client_dir_pid("c.1234.ab12cd") == 1234);
  CHECK(control::client_dir_pid("c.ab12cd") == 0);
  CHECK(control::client_dir_pid("c..x") == 0);
  CHECK(control::client_dir_pid("c.-5.x") == 0);
  CHECK(control::client_dir_pid("c.0.x") == 0);
  CHECK(control::client_dir_pid("c.12a.x") == 0);
  CHECK(control::client_dir_pid("d.12.x") == 0);
  CHECK(control::client_dir_pid("c.99999999999.x") == 0);
}

TEST_CASE("the request FIFO's path is given as the kernel names it", "[control][clients]") {
  TempRoot t;
  // A run root reached through a symlink, as /var/run/asup is on most systems.
  REQUIRE(fs::make_dirs(t.dir + "/real", 0700));
  REQUIRE(::symlink((t.dir + "/real").c_str(), (t.dir + "/link").c_str()) == 0);
  auto clients = ClientsDir::open(t.dir + "/link/clients");
  REQUIRE(clients);
  std::string d = t.make_client(t.dir + "/real/clients", "c.1.real");
  UniqueFd reader{::open((d + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  auto fifos = clients.value().take(hello_for("c.1.real"));
  REQUIRE(fifos);
  CHECK(fifos.value().requests_path == t.dir + "/real/clients/c.1.real/req");
}

TEST_CASE("a client dir holding more than its FIFOs is removed whole", "[control][clients]") {
  TempRoot t;
  auto clients = ClientsDir::open(t.clients);
  REQUIRE(clients);
  std::string d = t.make_client(t.clients, "c.1.more");
  REQUIRE(fs::write_file(d + "/extra", "x"));
  UniqueFd reader{::open((d + "/rep").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  REQUIRE(clients.value().take(hello_for("c.1.more")));
  CHECK_FALSE(exists(d));
}
