// Registry pieces that need no registry: repository names, pull-secret
// credentials and the tag cache's answers.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "kube/base64.h"
#include "registry/credentials.h"
#include "registry/image_repository.h"
#include "registry/tag_cache.h"

namespace registry {
namespace {

using nlohmann::json;
using State = TagCache::Answer::State;

TEST(ImageRepository, NamesTheRegistryAsContainerRuntimesDo) {
  auto nvcr = ParseImageRepository("nvcr.io/nvidia/mellanox/doca-driver");
  ASSERT_TRUE(nvcr.ok()) << nvcr.status().ToString();
  EXPECT_EQ(nvcr->host, "nvcr.io");
  EXPECT_EQ(nvcr->path, "nvidia/mellanox/doca-driver");
  EXPECT_EQ(nvcr->BaseUrl(), "https://nvcr.io");

  auto hub = ParseImageRepository("busybox");
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(hub->Name(), "registry-1.docker.io/library/busybox");
  auto team = ParseImageRepository("mellanox/doca-driver");
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team->Name(), "registry-1.docker.io/mellanox/doca-driver");

  for (const std::string& loopback : std::vector<std::string>{"localhost:5000/a/b", "127.0.0.1:5000/a", "[::1]:5000/a", "localhost/a"}) {
    auto r = ParseImageRepository(loopback);
    ASSERT_TRUE(r.ok()) << loopback << ": " << r.status().ToString();
    EXPECT_TRUE(r->plain_http) << loopback;
    EXPECT_EQ(r->BaseUrl().rfind("http://", 0), 0u);
  }
  EXPECT_FALSE(ParseImageRepository("registry.example:5000/a")->plain_http);

  for (const std::string& bad : std::vector<std::string>{"", "nvcr.io/", "nvcr.io/Upper/case", "busybox:1.36", "nvcr.io/a@sha256:00",
                                "nvcr.io/a//b", "bad host!/a", std::string(300, 'a')}) {
    auto r = ParseImageRepository(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), kube::Code::kInvalidArgument);
      EXPECT_NE(r.status().message().find("is not an image repository"), std::string::npos) << r.status().message();
    }
  }
}


TEST(Credentials, FoundByHostInEitherSecretLayout) {
  json config = {{"auths",
                  {{"https://nvcr.io/v1/", {{"auth", kube::Base64Encode("$oauthtoken:key-1")}}},
                   {"https://index.docker.io/v1/", {{"username", "hubuser"}, {"password", "hubpass"}}},
                   {"127.0.0.1:5000", {{"auth", kube::Base64Encode("puller:secret:with:colons")}}}}}};
  json data = {{".dockerconfigjson", kube::Base64Encode(config.dump())}};
  auto nvcr = CredentialsFor(data, "ngc", "nvcr.io");
  ASSERT_TRUE(nvcr.ok()) << nvcr.status().ToString();
  ASSERT_TRUE(nvcr->has_value());
  EXPECT_EQ((*nvcr)->username, "$oauthtoken");
  EXPECT_EQ((*nvcr)->password, "key-1");
  auto hub = CredentialsFor(data, "ngc", "registry-1.docker.io");
  ASSERT_TRUE(hub.ok() && hub->has_value());
  EXPECT_EQ((*hub)->username, "hubuser");
  auto local = CredentialsFor(data, "ngc", "127.0.0.1:5000");
  ASSERT_TRUE(local.ok() && local->has_value());
  EXPECT_EQ((*local)->password, "secret:with:colons");
  auto other = CredentialsFor(data, "ngc", "quay.io");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());

  json legacy = {{".dockercfg", kube::Base64Encode(json{{"nvcr.io", {{"auth", kube::Base64Encode("u:p")}}}}.dump())}};
  auto old = CredentialsFor(legacy, "old", "nvcr.io");
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->username, "u");

  // Unreadable secrets are named.
  for (const json& bad : {json::object(), json{{".dockerconfigjson", "!!!"}}, json{{".dockerconfigjson", kube::Base64Encode("[1]")}},
                          json{{".dockerconfigjson", kube::Base64Encode(json{{"auths", {{"nvcr.io", {{"auth", kube::Base64Encode("nocolon")}}}}}}.dump())}}}) {
    auto r = CredentialsFor(bad, "broken", "nvcr.io");
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.status().message().rfind("pull secret \"broken\": ", 0), 0u) << r.status().message();
  }
}

// Waits until `done` holds, up to a minute.
template <typename F>
bool WaitFor(F done) {
  for (int i = 0; i < 6000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(TagCache, AnswersAtOnceAndListsInTheBackground) {
  std::atomic<int> changes{0};
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  TagCache::Options options;
  options.on_change = [&] { ++changes; };
  TagCache cache(options);
  // The listing blocks until released: the lookup must not wait for it.
  auto fetch = [&]() -> kube::Result<std::vector<std::string>> {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    return std::vector<std::string>{"1.0-a", "1.0-b"};
  };
  EXPECT_EQ(cache.Lookup("repo", fetch).state, State::kPending);
  EXPECT_EQ(cache.Lookup("repo", fetch).state, State::kPending);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(WaitFor([&] { return cache.Lookup("repo", fetch).state == State::kKnown; }));
  auto answer = cache.Lookup("repo", fetch);
  EXPECT_TRUE(answer.Has("1.0-a"));
  EXPECT_FALSE(answer.Has("2.0-a"));
  EXPECT_EQ(changes.load(), 1);
  EXPECT_EQ(cache.listings(), 1) << "one listing however often it is asked";
}

TEST(TagCache, AFailureIsRetriedAndARefreshFailureKeepsTheTags) {
  std::atomic<int> changes{0};
  std::atomic<int> calls{0};
  std::atomic<int> phase{0};  // what the registry does: 0 fails, 1 lists, 2 fails again
  TagCache::Options options;
  options.refresh = std::chrono::milliseconds(30);
  options.retry = std::chrono::milliseconds(10);
  options.on_change = [&] { ++changes; };
  TagCache cache(options);
  auto fetch = [&]() -> kube::Result<std::vector<std::string>> {
    const int n = ++calls;
    if (phase == 0) return kube::Status(kube::Code::kUnavailable, "connection refused");
    if (phase == 1) return std::vector<std::string>{"t"};
    return kube::Status(kube::Code::kTimeout, "no answer after " + std::to_string(n) + " tries");
  };
  (void)cache.Lookup("r", fetch);
  ASSERT_TRUE(WaitFor([&] { return cache.Lookup("r", fetch).state == State::kFailed; }));
  EXPECT_EQ(cache.Lookup("r", fetch).error, "connection refused");
  const int failed_calls = calls.load();
  // Each wait keeps looking the key up: a key nobody asks for is dropped after two refreshes.
  auto asked_again = [&](int times) {
    return WaitFor([&] {
      (void)cache.Lookup("r", fetch);
      return calls.load() >= times;
    });
  };
  ASSERT_TRUE(asked_again(failed_calls + 2)) << "a failure is asked again";
  phase = 1;
  ASSERT_TRUE(WaitFor([&] { return cache.Lookup("r", fetch).state == State::kKnown; }));
  phase = 2;
  const int known_calls = calls.load();
  ASSERT_TRUE(asked_again(known_calls + 3));
  auto kept = cache.Lookup("r", fetch);
  EXPECT_EQ(kept.state, State::kKnown);
  EXPECT_TRUE(kept.Has("t"));
  EXPECT_NE(kept.error.find("no answer after"), std::string::npos);
  // failed, known, known with an error: three changes; the same failure again, or an error
  // with another text, is none.
  EXPECT_EQ(changes.load(), 3);
}

TEST(TagCache, KeysAreListedApartAndTheDestructorStopsTheThread) {
  auto cache = std::make_unique<TagCache>(TagCache::Options{});
  auto a = [] { return kube::Result<std::vector<std::string>>(std::vector<std::string>{"a"}); };
  auto b = [] { return kube::Result<std::vector<std::string>>(std::vector<std::string>{"b"}); };
  (void)cache->Lookup("a", a);
  (void)cache->Lookup("b", b);
  ASSERT_TRUE(WaitFor([&] { return cache->Lookup("a", a).Has("a") && cache->Lookup("b", b).Has("b"); }));
  EXPECT_FALSE(cache->Lookup("a", a).Has("b"));
  cache.reset();  // joins: a hang here fails the test by its timeout
}

}  // namespace
}  // namespace registry

namespace {

TEST(Base64, EncodesPaddedAndDecodesBack) {
  EXPECT_EQ(kube::Base64Encode(""), "");
  EXPECT_EQ(kube::Base64Encode("M"), "TQ==");
  EXPECT_EQ(kube::Base64Encode("Ma"), "TWE=");
  EXPECT_EQ(kube::Base64Encode("Man"), "TWFu");
  const std::string bytes("\0\xff user:pass\n", 13);
  auto back = kube::Base64Decode(kube::Base64Encode(bytes), "test");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, bytes);
}

}  // namespace
