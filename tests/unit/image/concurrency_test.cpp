// The store under concurrent use: the daemon resolves on its loop while loads and removals
// run on worker threads.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "image/store.hpp"
#include "test_support.hpp"

using namespace asup::image;
using namespace asup::image::test;
namespace fs = asup::fs;

TEST_CASE("concurrent loads of one archive install it once", "[image][concurrency]") {
  TempDir root;
  auto store = open_store(root);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (!store->load_archive(busybox_tar())) ++failures;
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(store->list().size() == 1);
  CHECK(entries(root / "image/layers").size() == 1);
  CHECK(entries(root / "image/tmp").empty());
  auto image = store->resolve("busybox");
  REQUIRE(image);
  CHECK(fs::exists(store->layer_dirs(image.value()).at(0) + "/bin/busybox"));
}

TEST_CASE("loads racing removals of images sharing a layer stay consistent",
          "[image][concurrency]") {
  TempDir root;
  TempDir work;
  auto store = open_store(root);
  std::string shared = TarBuilder{}.dir("usr").file("usr/shared", std::string(100000, 's')).bytes();
  auto one =
      write(work, "one.tar", docker_save({shared, TarBuilder{}.file("one", "1").bytes()}, {"one"}));
  auto two =
      write(work, "two.tar", docker_save({shared, TarBuilder{}.file("two", "2").bytes()}, {"two"}));

  // Catch2 assertions are not thread-safe: the threads count, the test checks.
  std::atomic<bool> stop{false};
  std::atomic<int> resolves{0};
  std::atomic<int> odd_images{0};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!stop) {
      if (auto image = store->resolve("one"); image && image.value().references.size() != 1)
        ++odd_images;
      ++resolves;
    }
  });
  auto cycle = [&](const std::string& archive, const std::string& name) {
    if (!store->load_archive(archive) || !store->remove(name)) ++failures;
  };
  for (int round = 0; round < 20; ++round) {
    std::thread a(cycle, one, "one");
    std::thread b(cycle, two, "two");
    a.join();
    b.join();
  }
  REQUIRE(store->load_archive(one));
  stop = true;
  reader.join();
  CHECK(failures == 0);
  CHECK(odd_images == 0);
  CHECK(resolves > 0);

  store->wait_for_cleanup();
  auto images = store->list();
  REQUIRE(images.size() == 1);
  for (const auto& dir : store->layer_dirs(images[0])) CHECK(fs::is_directory(dir));
  CHECK(entries(root / "image/layers").size() == 2);
  CHECK(entries(root / "image/tmp").empty());
}
