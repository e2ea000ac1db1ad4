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

TEST_CASE("ring buffer: evicts whole lines only and counts dropped bytes exactly", "[logs]") {
  RingBuffer ring(10, 0);
  ring.append(rec("a\nbb\n"));
  ring.append(rec("cc\n"));
  CHECK(ring.size_bytes() == 8);
  ring.append(rec("d\n"));  // exactly full
  CHECK(ring.size_bytes() == 10);
  CHECK(ring.dropped_bytes() == 0);
  CHECK(ring.first_seq() == 0);
  CHECK(ring.end_seq() == 3);

  ring.append(rec("e\n"));  // "a\n" goes, and the rest of its record stays
  CHECK(ring.size_bytes() == 10);
  CHECK(ring.dropped_bytes() == 2);
  CHECK(ring.first_seq() == 0);
  CHECK(contents(ring) == "bb\ncc\nd\ne\n");

  // Two bytes too many would cut "bb\n": the whole line goes, then "cc\n" the same way.
  ring.append(rec("ffff\n"));
  CHECK(contents(ring) == "d\ne\nffff\n");
  CHECK(ring.dropped_bytes() == 8);
  CHECK(ring.first_seq() == 2);
  CHECK(ring.size_bytes() == 9);   // not full: no line is cut to fill it
  ring.append(rec("0123456789"));  // a full ring's worth: everything else goes
  CHECK(ring.dropped_bytes() == 17);
  CHECK(contents(ring) == "0123456789");
  CHECK(ring.capacity() == 10);
}

TEST_CASE("ring buffer: a piece of a line without its newline is evicted whole", "[logs]") {
  RingBuffer ring(10, 0);
  ring.append(rec("aaaa"));  // the first piece of a long line
  ring.append(rec("aa\nb\n"));
  ring.append(rec("cc\n"));  // one byte too many: the first piece goes, not a byte of it
  CHECK(contents(ring) == "aa\nb\ncc\n");
  CHECK(ring.dropped_bytes() == 4);
}

TEST_CASE("ring buffer: sequence numbers name records for ever", "[logs]") {
  RingBuffer ring(100, 0);
  for (int i = 0; i < 1000; ++i) ring.append(rec("line " + std::to_string(i) + "\n"));
  CHECK(ring.end_seq() == 1000);
  CHECK(ring.first_seq() > 0);
  CHECK(ring.size_bytes() <= 100);
  // Every record is whole, the oldest too.
  for (auto seq = ring.first_seq(); seq < ring.end_seq(); ++seq)
    CHECK(ring.at(seq).bytes == "line " + std::to_string(seq) + "\n");
  CHECK(ring.size_bytes() > 100 - 9);
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

TEST_CASE("ring buffer: a record larger than the ring keeps its last lines", "[logs]") {
  RingBuffer ring(8, 0);
  ring.append(rec("abc"));
  ring.append(rec("ab\ncd\nef\ngh\n"));
  CHECK(ring.first_seq() == 1);
  CHECK(ring.end_seq() == 2);
  CHECK(ring.at(1).bytes == "ef\ngh\n");
  CHECK(ring.dropped_bytes() == 3 + 6);  // "abc" whole, then the lines that did not fit
  // One line larger than the ring: only its end can be kept.
  ring.append(rec("0123456789abcdef"));
  CHECK(contents(ring) == "89abcdef");
  CHECK(ring.dropped_bytes() == 3 + 6 + 6 + 8);
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
  CHECK((all.seq == ring.first_seq() && all.offset == 0));
}

TEST_CASE("ring buffer: restore replaces content, keeps the bound and the numbering", "[logs]") {
  RingBuffer ring(10, 0);
  ring.append(rec("old\n"));
  ring.append(rec("er\n"));
  REQUIRE(ring.end_seq() == 2);
  ring.restore({rec("a\naa\n"), rec("bbb\n"), rec("cc\n", Stream::Stderr)}, 100);
  CHECK(ring.first_seq() == 2);  // "a\naa\n" (seq 2) keeps its last line
  CHECK(ring.end_seq() == 5);
  CHECK(ring.dropped_bytes() == 102);
  CHECK(ring.size_bytes() == 10);
  CHECK(ring.at(4) == rec("cc\n", Stream::Stderr));
  ring.append(rec("d\n"));
  CHECK(ring.end_seq() == 6);
  CHECK(contents(ring) == "bbb\ncc\nd\n");
}

TEST_CASE("ring buffer: the first record at or after a time, by binary search", "[logs]") {
  RingBuffer ring(1 << 20, 0);
  CHECK(ring.first_at_or_after(5) == 0);
  for (int i = 0; i < 1000; ++i) ring.append(rec("line\n", Stream::Stdout, 10 * (i + 1)));
  CHECK(ring.first_at_or_after(0) == 0);
  CHECK(ring.first_at_or_after(10) == 0);
  CHECK(ring.first_at_or_after(11) == 1);
  CHECK(ring.first_at_or_after(5000) == 499);
  CHECK(ring.first_at_or_after(10000) == 999);
  CHECK(ring.first_at_or_after(10001) == 1000);  // none: end_seq()
  // Numbers go on after eviction.
  RingBuffer small(20, 0);
  for (int i = 0; i < 10; ++i) small.append(rec("abcd\n", Stream::Stdout, 10 * (i + 1)));
  REQUIRE(small.first_seq() == 6);
  CHECK(small.first_at_or_after(0) == 6);
  CHECK(small.first_at_or_after(85) == 8);
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
  // Pieces without a newline go whole: the ring holds all but at most one of them.
  CHECK(big.size_bytes() >= (1 << 20) - (64 << 10) - 16 * kRecordOverhead);
  // A record larger than the ring keeps what fits beside its overhead.
  big.append(rec(std::string(2 << 20, 'z')));
  CHECK(big.end_seq() - big.first_seq() == 1);
  CHECK(big.size_bytes() == (1 << 20) - kRecordOverhead);
  CHECK(big.cost_bytes() == big.capacity());
}
