// The DNS codec: queries as clients send them, replies as clients read them, and the
// hostile messages anyone on the network may send instead.
#include "dns/message.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "dns/answer.hpp"
#include "dns_client.hpp"

namespace asup::dns {
namespace {

using testing::make_query;
using Bytes = std::vector<std::uint8_t>;

}  // namespace

TEST_CASE("a query's header and question are read, the name lower case without its dot") {
  auto query = make_query(0xbeef, "Db.MyNet.", rr::kA);
  auto header = read_header(query);
  REQUIRE(header);
  CHECK(header->id == 0xbeef);
  CHECK_FALSE(header->response);
  CHECK(header->opcode == 0);
  CHECK(header->recursion_desired);
  CHECK(header->questions == 1);
  auto question = read_question(query);
  REQUIRE(question);
  CHECK(question.value().name == "db.mynet");
  CHECK(question.value().spelled == "Db.MyNet");
  CHECK(question.value().type == rr::kA);
  CHECK(question.value().klass == rr::kClassIn);
}

TEST_CASE("an A reply holds every address, echoes the question as spelled and TTL 600") {
  auto query = make_query(7, "Web", rr::kA);
  auto question = read_question(query).value();
  Reply reply{.addresses = {0x0a580002, 0x0a580003}};
  auto bytes = encode_reply(*read_header(query), &question, reply, kUdpReplyLimit);
  auto parsed = testing::parse_reply(bytes);
  CHECK(parsed.id == 7);
  CHECK(parsed.rcode == 0);
  CHECK(parsed.authoritative);
  CHECK_FALSE(parsed.truncated);
  CHECK(parsed.question == "Web");
  CHECK(parsed.addresses == std::vector<std::uint32_t>{0x0a580002, 0x0a580003});
  CHECK(parsed.ttls == std::vector<std::uint32_t>{600, 600});
}

TEST_CASE("a PTR reply names its target") {
  auto query = make_query(9, "2.0.88.10.in-addr.arpa", rr::kPtr);
  auto question = read_question(query).value();
  auto bytes = encode_reply(*read_header(query), &question, Reply{.pointer = "db"}, kUdpReplyLimit);
  auto parsed = testing::parse_reply(bytes);
  CHECK(parsed.pointers == std::vector<std::string>{"db"});
}

TEST_CASE("a reply too long for UDP keeps what fits and sets TC") {
  auto query = make_query(1, "many", rr::kA);
  auto question = read_question(query).value();
  Reply reply;
  for (std::uint32_t i = 0; i < 100; ++i) reply.addresses.push_back(0x0a000000 + i);
  auto udp = encode_reply(*read_header(query), &question, reply, kUdpReplyLimit);
  CHECK(udp.size() <= kUdpReplyLimit);
  auto parsed = testing::parse_reply(udp);
  CHECK(parsed.truncated);
  CHECK(parsed.addresses.size() == (kUdpReplyLimit - 12 - 6 - 4) / 16);
  auto tcp =
      testing::parse_reply(encode_reply(*read_header(query), &question, reply, kTcpReplyLimit));
  CHECK_FALSE(tcp.truncated);
  CHECK(tcp.addresses.size() == 100);
}

TEST_CASE("an error reply without a question carries the id and the code") {
  Header h{.id = 0x1234, .opcode = 0, .recursion_desired = true};
  auto parsed = testing::parse_reply(encode_error(h, Rcode::kFormErr));
  CHECK(parsed.id == 0x1234);
  CHECK(parsed.rcode == 1);
  CHECK(parsed.question.empty());
}

TEST_CASE("names in a message may point back to earlier names") {
  // A header, "mynet" at 12, then "db" and a pointer to offset 12 at 19.
  Bytes m = {0,   1,   1,   0,   0, 1, 0,   0,   0,    0,  0, 0, 5, 'm',
             'y', 'n', 'e', 't', 0, 2, 'd', 'b', 0xc0, 12, 0, 1, 0, 1};
  std::size_t offset = 19;
  auto name = read_name(m, offset, true);
  REQUIRE(name);
  CHECK(name.value() == "db.mynet");
  CHECK(offset == 24);
}

TEST_CASE("hostile names are refused, never followed out of bounds or in circles") {
  Bytes header = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  auto with = [&](Bytes tail) {
    Bytes m = header;
    m.insert(m.end(), tail.begin(), tail.end());
    return m;
  };
  SECTION("a pointer to itself") {
    CHECK_FALSE(read_question(with({0xc0, 12, 0, 1, 0, 1})));
  }
  SECTION("two pointers to each other") {
    CHECK_FALSE(read_question(with({0xc0, 14, 0xc0, 12, 0, 1, 0, 1})));
  }
  SECTION("a pointer forward") {
    CHECK_FALSE(read_question(with({0xc0, 20, 0, 1, 0, 1, 0, 0, 1, 'a', 0})));
  }
  SECTION("a pointer past the end") {
    CHECK_FALSE(read_question(with({0xff, 0xff})));
  }
  SECTION("half a pointer") {
    CHECK_FALSE(read_question(with({0xc0})));
  }
  SECTION("a label longer than the message") {
    CHECK_FALSE(read_question(with({40, 'a', 'b'})));
  }
  SECTION("a label over 63 bytes") {
    Bytes tail = {64};
    tail.insert(tail.end(), 64, 'a');
    tail.insert(tail.end(), {0, 0, 1, 0, 1});
    CHECK_FALSE(read_question(with(tail)));
  }
  SECTION("a name over 255 bytes") {
    Bytes tail;
    for (int i = 0; i < 5; ++i) {
      tail.push_back(60);
      tail.insert(tail.end(), 60, 'a');
    }
    tail.insert(tail.end(), {0, 0, 1, 0, 1});
    CHECK_FALSE(read_question(with(tail)));
  }
  SECTION("extended label types") {
    CHECK_FALSE(read_question(with({0x41, 0, 0, 1, 0, 1})));
  }
  SECTION("a dot inside a label") {
    CHECK_FALSE(read_question(with({4, 'd', 'b', '.', 'x', 0, 0, 1, 0, 1})));
  }
  SECTION("no end to the name") {
    CHECK_FALSE(read_question(with({2, 'd', 'b'})));
  }
  SECTION("a question without its type and class") {
    CHECK_FALSE(read_question(with({2, 'd', 'b', 0, 0})));
  }
}

TEST_CASE("messages with a hostile header are refused") {
  CHECK_FALSE(read_header(Bytes{0, 1, 2}));
  CHECK_FALSE(read_question(Bytes{}));
  auto none = make_query(1, "db", rr::kA);
  none[5] = 0;  // no question
  CHECK_FALSE(read_question(none));
  auto huge = make_query(1, "db", rr::kA);
  huge[4] = huge[5] = 0xff;  // 65535 questions announced, one present
  CHECK_FALSE(read_question(huge));
}

TEST_CASE("random and truncated messages never crash the reader") {
  std::mt19937 random(42);
  auto query = make_query(3, "some.name.example", rr::kAaaa);
  for (std::size_t n = 0; n <= query.size(); ++n) {
    Bytes cut(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(n));
    auto q = read_question(cut);
    CHECK(static_cast<bool>(q) == (n == query.size()));
  }
  for (int round = 0; round < 20000; ++round) {
    Bytes m(12 + random() % 64);
    for (auto& b : m) b = static_cast<std::uint8_t>(random());
    m[4] = 0;
    m[5] = 1;
    if (auto q = read_question(m)) CHECK(q.value().name.size() <= 253);
  }
}

TEST_CASE("reverse names of IPv4 addresses are read") {
  CHECK(parse_reverse_name("2.0.88.10.in-addr.arpa") == 0x0a580002u);
  CHECK(parse_reverse_name("255.255.255.255.in-addr.arpa") == 0xffffffffu);
  CHECK_FALSE(parse_reverse_name("0.88.10.in-addr.arpa"));
  CHECK_FALSE(parse_reverse_name("1.2.0.88.10.in-addr.arpa"));
  CHECK_FALSE(parse_reverse_name("256.0.88.10.in-addr.arpa"));
  CHECK_FALSE(parse_reverse_name("x.0.88.10.in-addr.arpa"));
  CHECK_FALSE(parse_reverse_name(".0.88.10.in-addr.arpa"));
  CHECK_FALSE(parse_reverse_name("in-addr.arpa"));
  CHECK_FALSE(parse_reverse_name("db"));
}

TEST_CASE("known names answer locally, unknown ones do not") {
  Lookup lookup = [](std::string_view name) {
    return name == "db" ? std::vector<std::uint32_t>{0x0a580002} : std::vector<std::uint32_t>{};
  };
  ReverseLookup reverse = [](std::uint32_t a) -> std::optional<std::string> {
    if (a == 0x0a580002) return "db";
    return std::nullopt;
  };
  auto ask = [&](const char* name, std::uint16_t type) {
    return answer_locally(read_question(make_query(1, name, type)).value(), lookup, reverse);
  };
  auto a = ask("DB.", rr::kA);
  REQUIRE(a);
  CHECK(a->addresses == std::vector<std::uint32_t>{0x0a580002});
  auto aaaa = ask("db", rr::kAaaa);
  REQUIRE(aaaa);
  CHECK(aaaa->rcode == Rcode::kNoError);
  CHECK(aaaa->addresses.empty());
  CHECK_FALSE(ask("web", rr::kA));
  CHECK_FALSE(ask("web", rr::kAaaa));
  auto ptr = ask("2.0.88.10.in-addr.arpa", rr::kPtr);
  REQUIRE(ptr);
  CHECK(ptr->pointer == "db");
  CHECK_FALSE(ask("3.0.88.10.in-addr.arpa", rr::kPtr));
  // Without a reverse lookup, PTR questions go upstream.
  CHECK_FALSE(answer_locally(
      read_question(make_query(1, "2.0.88.10.in-addr.arpa", rr::kPtr)).value(), lookup, nullptr));
}

}  // namespace asup::dns
