#include <catch2/catch.hpp>
#include <string>

#include "logs/ring_buffer.hpp"

using namespace asup::logs;

namespace {

Record rec(std::string bytes, Stream stream = Stream::Stdout, std::int64_t t = 0) {
  return Record{t, stream, std::move(bytes)};
}

// The bytes from a tail start to the end of the ring, as a follower would send them.
std::string from(const RingBuffer& ring, RingBuffer::TailStart start) {
  std::string out;
  for (auto seq = start.seq; seq < ring.end_seq(); ++seq)
    out += ring.at(seq).bytes.substr(seq == start.seq ? start.offset : 0);
  return out;
}

std::string contents(const RingBuffer& ring) {
  return from(ring, {ring.first_seq(), 0});
}

}  // namespace

TEST_CASE("ring buffer: stays full to capacity and counts dropped bytes exactly", "[logs]") {
  RingBuffer ring(10, 0);
  ring.append(rec("aaaa"));
  ring.append(rec("bbbb"));
  CHECK(ring.size_bytes() == 8);
  ring.append(rec("cc"));  // exactly full
  CHECK(ring.size_bytes() == 10);
  CHECK(ring.dropped_bytes() == 0);
  CHECK(ring.first_seq() == 0);
  CHECK(ring.end_seq() == 3);

  ring.append(rec("d"));  // one byte of "aaaa" goes
  CHECK(ring.size_bytes() == 10);
  CHECK(ring.dropped_bytes() == 1);
  CHECK(ring.first_seq() == 0);
  CHECK(contents(ring) == "aaabbbbccd");

  ring.append(rec("eeeeeee"));  // "aaa" goes whole, then four bytes of "bbbb"
  CHECK(ring.dropped_bytes() == 8);
  CHECK(ring.first_seq() == 2);
  CHECK(ring.end_seq() == 5);
  CHECK(contents(ring) == "ccdeeeeeee");
  CHECK(ring.size_bytes() == 10);
  ring.append(rec("ffffffffff"));  // a full ring's worth: everything else goes
  CHECK(ring.dropped_bytes() == 18);
  CHECK(contents(ring) == "ffffffffff");
  CHECK(ring.capacity() == 10);
}

TEST_CASE("ring buffer: sequence numbers name records for ever", "[logs]") {
  RingBuffer ring(100, 0);
  for (int i = 0; i < 1000; ++i) ring.append(rec("line " + std::to_string(i) + "\n"));
  CHECK(ring.end_seq() == 1000);
  CHECK(ring.first_seq() > 0);
  CHECK(ring.size_bytes() <= 100);
  // Every record but the oldest is whole; the oldest may have lost its head.
  for (auto seq = ring.first_seq() + 1; seq < ring.end_seq(); ++seq)
    CHECK(ring.at(seq).bytes == "line " + std::to_string(seq) + "\n");
  std::string oldest = "line " + std::to_string(ring.first_seq()) + "\n";
  CHECK(oldest.size() >= ring.at(ring.first_seq()).bytes.size());
  CHECK(oldest.compare(oldest.size() - ring.at(ring.first_seq()).bytes.size(), std::string::npos,
                       ring.at(ring.first_seq()).bytes) == 0);
  CHECK(ring.size_bytes() == 100);
  std::uint64_t held = 0;
  for (auto seq = ring.first_seq(); seq < ring.end_seq(); ++seq) held += ring.at(seq).bytes.size();
  std::uint64_t total = 0;
  for (int i = 0; i < 1000; ++i) total += ("line " + std::to_string(i) + "\n").size();
  CHECK(ring.dropped_bytes() + held == total);
}

TEST_CASE("ring buffer: streams and timestamps are kept, and empty records are ignored", "[logs]") {
  RingBuffer ring(64, 0);
  ring.append(rec("out", Stream::Stdout, 11));
  ring.append(rec("", Stream::Stdout, 12));
  ring.append(rec("err", Stream::Stderr, 13));
  REQUIRE(ring.end_seq() == 2);
  CHECK(ring.at(0) == rec("out", Stream::Stdout, 11));
  CHECK(ring.at(1) == rec("err", Stream::Stderr, 13));
}

TEST_CASE("ring buffer: a record larger than the ring keeps its last bytes", "[logs]") {
  RingBuffer ring(8, 0);
  ring.append(rec("abc"));
  ring.append(rec("0123456789abcdef"));
  CHECK(ring.first_seq() == 1);
  CHECK(ring.end_seq() == 2);
  CHECK(ring.at(1).bytes == "89abcdef");
  CHECK(ring.size_bytes() == 8);
  CHECK(ring.dropped_bytes() == 3 + 8);  // "abc" whole, then the cut head
  ring.append(rec("x"));
  CHECK(contents(ring) == "9abcdefx");
  CHECK(ring.dropped_bytes() == 3 + 8 + 1);
}

TEST_CASE("ring buffer: a ring of capacity 0 keeps nothing but numbers records", "[logs]") {
  RingBuffer ring(0, 0);
  ring.append(rec("abc"));
  ring.append(rec("de"));
  CHECK(ring.size_bytes() == 0);
  CHECK(ring.dropped_bytes() == 5);
  CHECK(ring.first_seq() == 2);
  CHECK(ring.end_seq() == 2);
  CHECK(ring.tail_lines(3).seq == 2);
}

TEST_CASE("ring buffer: tail_lines across record boundaries", "[logs]") {
  RingBuffer ring(1024, 0);
  // Lines: "a\n", "bc\n", "d\n", "e\n", "f\n", "g" (unterminated).
  ring.append(rec("a\nb"));
  ring.append(rec("c\n"));
  ring.append(rec("d\ne\nf\n"));
  ring.append(rec("g"));

  auto t = ring.tail_lines(0);
  CHECK(t.seq == ring.end_seq());
  CHECK(from(ring, t) == "");
  CHECK(from(ring, ring.tail_lines(1)) == "g");
  t = ring.tail_lines(2);
  CHECK((t.seq == 2 && t.offset == 4));
  CHECK(from(ring, t) == "f\ng");
  CHECK(from(ring, ring.tail_lines(3)) == "e\nf\ng");
  t = ring.tail_lines(4);
  CHECK((t.seq == 2 && t.offset == 0));  // a line that starts a record: no offset
  CHECK(from(ring, t) == "d\ne\nf\ng");
  t = ring.tail_lines(5);
  CHECK((t.seq == 0 && t.offset == 2));  // "bc\n" spans two records
  CHECK(from(ring, t) == "bc\nd\ne\nf\ng");
  CHECK(from(ring, ring.tail_lines(6)) == "a\nbc\nd\ne\nf\ng");
  CHECK(from(ring, ring.tail_lines(1000)) == "a\nbc\nd\ne\nf\ng");
}

TEST_CASE("ring buffer: tail_lines when the ring ends with a newline", "[logs]") {
  RingBuffer ring(1024, 0);
  ring.append(rec("one\ntwo\n"));
  ring.append(rec("\n"));  // an empty line
  ring.append(rec("three\n"));
  CHECK(from(ring, ring.tail_lines(1)) == "three\n");
  CHECK(from(ring, ring.tail_lines(2)) == "\nthree\n");
  auto t = ring.tail_lines(3);
  CHECK((t.seq == 0 && t.offset == 4));
  CHECK(from(ring, t) == "two\n\nthree\n");
  CHECK(from(ring, ring.tail_lines(4)) == "one\ntwo\n\nthree\n");
}

TEST_CASE("ring buffer: tail_lines on an empty ring and after wrapping", "[logs]") {
  RingBuffer ring(12, 0);
  auto t = ring.tail_lines(5);
  CHECK((t.seq == 0 && t.offset == 0));
  for (int i = 0; i < 10; ++i) ring.append(rec(std::to_string(i) + "\n"));
  CHECK(ring.first_seq() == 4);
  CHECK(from(ring, ring.tail_lines(2)) == "8\n9\n");
  t = ring.tail_lines(100);
  CHECK((t.seq == 4 && t.offset == 0));
}

TEST_CASE("ring buffer: tail_lines of a large ring reads only the tail", "[logs]") {
  // 64 MiB in 64 KiB records without a newline but the last few: the answer comes from
  // the last records, with the same result as a full scan would give.
  RingBuffer ring(64 << 20);
  std::string block(64 << 10, 'x');
  for (int i = 0; i < 1023; ++i) ring.append(rec(block));
  ring.append(rec("tail1\ntail2\ntail3\n"));
  CHECK(from(ring, ring.tail_lines(2)) == "tail2\ntail3\n");
  auto all = ring.tail_lines(10);
  CHECK((all.seq == 0 && all.offset == 0));
}

TEST_CASE("ring buffer: restore replaces content, keeps the bound and the numbering", "[logs]") {
  RingBuffer ring(10, 0);
  ring.append(rec("old"));
  ring.append(rec("er"));
  REQUIRE(ring.end_seq() == 2);
  ring.restore({rec("aaaa"), rec("bbbb"), rec("cccc", Stream::Stderr)}, 100);
  CHECK(ring.first_seq() == 2);  // "aaaa" (seq 2) keeps its last two bytes
  CHECK(ring.end_seq() == 5);
  CHECK(ring.dropped_bytes() == 102);
  CHECK(ring.size_bytes() == 10);
  CHECK(ring.at(4) == rec("cccc", Stream::Stderr));
  ring.append(rec("d"));
  CHECK(ring.end_seq() == 6);
  CHECK(contents(ring) == "abbbbccccd");
}

TEST_CASE("ring buffer: each record is charged its overhead, so tiny writes stay bounded",
          "[logs]") {
  RingBuffer ring(1 << 20);  // the default overhead
  for (int i = 0; i < 200000; ++i) ring.append(rec("x"));
  CHECK(ring.cost_bytes() <= ring.capacity());
  // 1 MiB holds at most capacity / (1 + overhead) one-byte records.
  CHECK(ring.end_seq() - ring.first_seq() <= (1 << 20) / (1 + kRecordOverhead));
  CHECK(ring.dropped_bytes() + ring.size_bytes() == 200000);

  // Large records lose only the overhead to the charge.
  RingBuffer big(1 << 20);
  for (int i = 0; i < 64; ++i) big.append(rec(std::string(64 << 10, 'a' + i % 26)));
  CHECK(big.cost_bytes() <= big.capacity());
  CHECK(big.size_bytes() >= (1 << 20) - 17 * kRecordOverhead);
  // A record larger than the ring keeps what fits beside its overhead.
  big.append(rec(std::string(2 << 20, 'z')));
  CHECK(big.end_seq() - big.first_seq() == 1);
  CHECK(big.size_bytes() == (1 << 20) - kRecordOverhead);
  CHECK(big.cost_bytes() == big.capacity());
}
